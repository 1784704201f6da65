// Package version says which authstack this is and, from that, which image
// the jwks purge Job runs by default: the image of the same release, so that
// rendered output never names a tag that no release made.
package version

import (
	"regexp"
	"runtime/debug"
	"sync"
)

// Repository is where releases publish the image (see .goreleaser.yaml).
const Repository = "ghcr.io/authstack/authstack"

// DevTag is the tag a development build defaults to: `make image` builds and
// tags that image locally (for `minikube image load`); no release publishes it.
const DevTag = "dev"

var (
	mu               sync.Mutex
	stamped, commitS string
)

// Set records the version and commit stamped into the binary with -ldflags
// (main.version, main.commit). Empty values fall back to the build info.
func Set(v, c string) {
	mu.Lock()
	defer mu.Unlock()
	stamped, commitS = v, c
}

// Version is the stamped version, else the module version that `go install
// …@vX.Y.Z` records, else "(devel)".
func Version() string {
	mu.Lock()
	v := stamped
	mu.Unlock()
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// Commit is the stamped commit, else the VCS revision Go records when it
// builds inside a git checkout (with "-dirty" for local changes), else
// "unknown" (`go install …@version` builds from the module zip, without VCS).
func Commit() string {
	mu.Lock()
	c := commitS
	mu.Unlock()
	if c != "" {
		return c
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "unknown"
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return rev
}

// release matches the tags that releases are cut from: vMAJOR.MINOR.PATCH with
// an optional pre-release, no build metadata (Go adds "+dirty" to local builds).
var release = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// pseudo matches the tail of Go's pseudo-versions (…yyyymmddhhmmss-abcdefabcdef),
// which `go install …@commit` and builds in a checkout record.
// `git describe --tags --dirty` past a tag or in a modified checkout
// (v0.2.0-3-g473a970, v0.2.0-dirty) is not a release either.
var pseudo = regexp.MustCompile(`[.-][0-9]{14}-[0-9a-f]{12}$|-[0-9]+-g[0-9a-f]{7,}(-dirty)?$|-dirty$`)

// IsRelease reports whether v names a release: a semantic version tag, not a
// pseudo-version (v0.0.0-20261130…-abcdef) nor a `git describe` string.
func IsRelease(v string) bool {
	return release.MatchString(v) && !pseudo.MatchString(v)
}

// Image is the default image of the purge Job for version v: the release's
// own image, or Repository:DevTag for a development build.
func Image(v string) string {
	if IsRelease(v) {
		return Repository + ":" + v
	}
	return Repository + ":" + DevTag
}

// DefaultImage is Image of this binary's Version.
func DefaultImage() string { return Image(Version()) }
