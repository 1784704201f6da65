package compile_test

import (
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/version"
)

// The purge Job runs the image of the release that compiled the spec, a
// development build's :dev image, or the spec's own image.
func TestPurgeImage(t *testing.T) {
	defer version.Set("", "")
	for _, tc := range []struct {
		version, specImage, want string
	}{
		{"v0.3.0", "", "image: ghcr.io/authstack/authstack:v0.3.0\n"},
		{"", "", "image: ghcr.io/authstack/authstack:dev\n"},
		{"473a970-dirty", "", "image: ghcr.io/authstack/authstack:dev\n"},
		{"v0.3.0", "registry.example.com/tools/authstack@sha256:" + strings.Repeat("ab", 32), "image: registry.example.com/tools/authstack@sha256:" + strings.Repeat("ab", 32) + "\n"},
	} {
		version.Set(tc.version, "")
		st := load(t, "shop", func(s string) string {
			if tc.specImage == "" {
				return s
			}
			return strings.Replace(s, "      key: better-auth-secret\n", "      key: better-auth-secret\n    jwks: {image: \""+tc.specImage+"\"}\n", 1)
		})
		job := string(build(t, st, secret(t, "v", "x")).Tree.File("bases/jwks-purge/job.yaml"))
		if !strings.Contains(job, tc.want) {
			t.Errorf("version %q, spec image %q: job lacks %q:\n%s", tc.version, tc.specImage, tc.want, job)
		}
	}
}
