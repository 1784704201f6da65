package testsupport

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fake records what a helper did to its test. Fatalf and Skipf end the
// helper's goroutine as testing does.
type fake struct {
	skipped, failed bool
	msg             string
}

func (f *fake) Helper() {}
func (f *fake) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	panic(f)
}
func (f *fake) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	panic(f)
}

// do runs fn with a fake test and returns what happened to it.
func do(fn func(tb TB)) *fake {
	f := &fake{}
	func() {
		defer func() {
			if r := recover(); r != nil && r != f {
				panic(r)
			}
		}()
		fn(f)
	}()
	return f
}

func TestMissingFailsOnlyUnderCI(t *testing.T) {
	for _, tt := range []struct {
		ci         string
		skip, fail bool
	}{{"", true, false}, {"false", true, false}, {"true", false, true}} {
		t.Setenv("CI", tt.ci)
		t.Setenv("AUTHSTACK_TEST_NO_SUCH_TOOL", "")
		t.Setenv("PATH", t.TempDir())
		t.Setenv("AUTHSTACK_CACHE", t.TempDir())
		f := do(func(tb TB) { Tool(tb, "AUTHSTACK_TEST_NO_SUCH_TOOL", "no-such-tool") })
		if f.skipped != tt.skip || f.failed != tt.fail || !strings.Contains(f.msg, "no-such-tool not found") {
			t.Errorf("CI=%q: skipped %v, failed %v (%s); want %v, %v", tt.ci, f.skipped, f.failed, f.msg, tt.skip, tt.fail)
		}
		f = do(func(tb TB) { Env(tb, "AUTHSTACK_TEST_NO_SUCH_TOOL", "make test sets it") })
		if f.skipped != tt.skip || f.failed != tt.fail {
			t.Errorf("Env, CI=%q: skipped %v, failed %v; want %v, %v", tt.ci, f.skipped, f.failed, tt.skip, tt.fail)
		}
	}
}

// A tool is found in the environment variable, then the cache, then PATH.
func TestToolLookupOrder(t *testing.T) {
	cache, path := t.TempDir(), t.TempDir()
	t.Setenv("AUTHSTACK_CACHE", cache)
	t.Setenv("PATH", path)
	t.Setenv("AUTHSTACK_TEST_TOOL", "")
	exe := func(p string) string {
		WriteFile(t, p, "#!/bin/sh\n")
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	onPath := exe(filepath.Join(path, "tool"))
	if got := Tool(t, "AUTHSTACK_TEST_TOOL", "tool"); got != onPath {
		t.Errorf("PATH: got %s", got)
	}
	cached := exe(filepath.Join(cache, "bin", "tool"))
	if got := Tool(t, "AUTHSTACK_TEST_TOOL", "tool"); got != cached {
		t.Errorf("cache: got %s", got)
	}
	t.Setenv("AUTHSTACK_TEST_TOOL", onPath)
	if got := Tool(t, "AUTHSTACK_TEST_TOOL", "tool"); got != onPath {
		t.Errorf("env: got %s", got)
	}
}

// The runner fails a test when the authstack binary prints a secret or its
// base64 outside a Secret document, and reports exit codes.
func TestRunnerLeakCheck(t *testing.T) {
	const secret = "testsupport-only-secret"
	bin := filepath.Join(t.TempDir(), "authstack")
	WriteFile(t, bin, "#!/bin/sh\necho \"$1\"\necho \"$2\" >&2\nexit \"$3\"\n")
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r := Runner{Secrets: []string{secret}}
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	for _, tt := range []struct {
		stdout, stderr string
		leak           bool
	}{
		{"kind: ConfigMap", "fine", false},
		{"kind: Secret\ndata:\n  k: " + b64, "", false},
		{"kind: ConfigMap\ndata:\n  k: " + secret, "", true},
		{"kind: ConfigMap", "error: " + b64, true},
	} {
		var res Result
		f := do(func(tb TB) { res = r.Run(tb, ".", nil, bin, tt.stdout, tt.stderr, "3") })
		if f.failed != tt.leak {
			t.Errorf("stdout %q stderr %q: failed %v, want %v", tt.stdout, tt.stderr, f.failed, tt.leak)
		}
		if !tt.leak && res.Code != 3 {
			t.Errorf("exit code %d, want 3", res.Code)
		}
	}
	if f := do(func(tb TB) { Exec(tb, exec.Command(filepath.Join(t.TempDir(), "none"))) }); !f.failed {
		t.Error("Exec of a missing binary did not fail the test")
	}
}

func TestExamples(t *testing.T) {
	dirs := Examples(t, "../..")
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "stack.yaml")); err != nil {
			t.Error(err)
		}
	}
	if f := do(func(tb TB) { Examples(tb, t.TempDir()) }); !f.failed {
		t.Error("no examples: the test did not fail")
	}
}
