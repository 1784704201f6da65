package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Bad specs: one line per error, FILE:LINE:COL: field.path: message, exit 1;
// bad command lines exit 2.
func TestCLIErrors(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	dir := t.TempDir()
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, strings.Replace(strings.Replace(string(spec), "port: 8000", "port: 80000", 1), "  components:", "  componets: {}\n  components:", 1))
	for _, args := range [][]string{
		{"vet", "-f", bad},
		{"render", "-f", bad, "-f", refSecret, "--target", "eks"},
		{"build", "-f", bad, "-f", refSecret, "-o", filepath.Join(dir, "out")},
	} {
		r := run(t, ".", nil, bin, args...)
		if r.Code != 1 {
			t.Errorf("%v: exit %d, want 1", args, r.Code)
		}
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(bad) + `:\d+:\d+: spec\.(componets|components\.backend-api\.port): .+$`)
		if !line.MatchString(r.Stderr) {
			t.Errorf("%v: stderr has no FILE:LINE:COL: path: message line:\n%s", args, r.Stderr)
		}
	}
	for _, args := range [][]string{
		{"render", "-f", refSpec},
		{"build", "-f", refSpec},
		{"vet"},
		{"vet", "-f", refSpec, "--no-such-flag"},
		{"vet", "extra-arg", "-f", refSpec},
	} {
		if r := run(t, ".", nil, bin, args...); r.Code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s", args, r.Code, r.Stderr)
		}
	}
	for _, cmd := range []string{"build", "render", "vet", "version", "jwks-purge"} {
		r := run(t, ".", nil, bin, cmd, "--help")
		if r.Code != 0 || !strings.Contains(r.Stdout, "Usage:\n  authstack "+cmd) {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.Code, r.Stdout)
		}
	}
	// A missing secret source says what to add.
	r := run(t, ".", nil, bin, "render", "-f", refSpec, "--target", "eks")
	if r.Code != 1 || !strings.Contains(r.Stderr, "SealedSecret") || !strings.Contains(r.Stderr, "spec.auth.secret.revision") {
		t.Errorf("no secret source: exit %d\n%s", r.Code, r.Stderr)
	}
}

// A failed build leaves the output directory as it was; a good one replaces
// what the last build generated and leaves the user's files alone, inside
// bases/ too (dataloss_test.go has more).
func TestBuildIsAtomic(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	out := filepath.Join(t.TempDir(), "deploy")
	mustRun(t, ".", nil, bin, "build", "-f", refSpec, "-f", refSecret, "-o", out)
	writeFile(t, filepath.Join(out, "bases", "stale.yaml"), "stale: true\n")
	writeFile(t, filepath.Join(out, "README.md"), "mine\n")
	before := snapshot(t, out)

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	spec, _ := os.ReadFile(refSpec)
	writeFile(t, bad, strings.Replace(string(spec), "replicas: 2", "replicas: 0", 1))
	if r := run(t, ".", nil, bin, "build", "-f", bad, "-f", refSecret, "-o", out); r.Code != 1 {
		t.Fatalf("bad build: exit %d", r.Code)
	}
	assertSameFiles(t, "failed build", before, snapshot(t, out))

	mustRun(t, ".", nil, bin, "build", "-f", refSpec, "-f", refSecret, "-o", out)
	again := snapshot(t, out)
	if again["bases/stale.yaml"] != "stale: true\n" {
		t.Error("build removed a file of the user's inside bases/")
	}
	if again["README.md"] != "mine\n" {
		t.Error("build touched a file it does not own")
	}
	for p := range again {
		if strings.Contains(p, ".authstack-") {
			t.Errorf("temporary %s left behind", p)
		}
	}
}

// In KRM mode a bad spec gives error results with the field and file paths,
// and exit 1.
func TestKRMErrorResults(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(spec), "replicas: 2", "replicas: 0", 1)
	bad = strings.Replace(bad, "metadata:\n  name: shop\n", "metadata:\n  name: shop\n  annotations:\n    internal.config.kubernetes.io/path: apps/shop/stack.yaml\n", 1)
	var items strings.Builder
	items.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, line := range strings.Split(strings.TrimSpace(bad), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		prefix := "  "
		if strings.HasPrefix(line, "apiVersion:") {
			prefix = "- "
		}
		items.WriteString(prefix + line + "\n")
	}
	r := run(t, ".", []byte(items.String()), bin)
	if r.Code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{"severity: error", "path: spec.components.frontend.replicas", "path: apps/shop/stack.yaml"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("results lack %q:\n%s", want, r.Stdout)
		}
	}
}
