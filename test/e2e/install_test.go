package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `go install …/cmd/authstack` gives a binary named authstack whose version
// and --version print the version, the commit and the default purge image,
// which is the image of that version, and is the image the Job runs.
func TestGoInstall(t *testing.T) {
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", "-ldflags", "-X main.version=v0.9.1 -X main.commit=0123456789abcdef", "./cmd/authstack")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(gobin)
	if err != nil || len(entries) != 1 || entries[0].Name() != "authstack" {
		t.Fatalf("GOBIN holds %v (%v), want one binary named authstack", entries, err)
	}
	bin := filepath.Join(gobin, "authstack")
	want := "authstack v0.9.1\ncommit: 0123456789abcdef\npurge image: ghcr.io/authstack/authstack:v0.9.1\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if got := mustRun(t, ".", nil, bin, args...); got != want {
			t.Errorf("authstack %s:\n%s\nwant:\n%s", args[0], got, want)
		}
	}
	manifests := mustRun(t, ".", nil, bin, "render", "-f", refSpec, "-f", refSecret, "--target", "eks")
	if !strings.Contains(manifests, "image: ghcr.io/authstack/authstack:v0.9.1\n") {
		t.Errorf("the purge Job does not run the release's own image:\n%s", manifests)
	}

	// By the import path the README gives (without @version: the module is
	// not published) and without -ldflags, a development build says so and
	// defaults to the :dev image.
	cmd = exec.Command("go", "install", "github.com/authstack/authstack/cmd/authstack")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	got := mustRun(t, ".", nil, bin, "version")
	if !strings.HasPrefix(got, "authstack ") || !strings.HasSuffix(got, "purge image: ghcr.io/authstack/authstack:dev\n") {
		t.Errorf("development build: authstack version:\n%s", got)
	}
}
