package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// Exit codes: 0 success, 1 a bad spec or a refused write, 2 a bad command
// line, whose hint names the help of the command that was misused.
func TestExitCodes(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	guardSystemDir(t, "/")
	dir := t.TempDir()
	spec, secret := abs(t, refSpec), abs(t, refSecret)
	for _, tc := range []struct {
		args []string
		code int
		hint string // the usage hint's command, for code 2
	}{
		{[]string{"bogus"}, 2, "authstack"},
		{[]string{"--bogus"}, 2, "authstack"},
		{[]string{"--target"}, 2, "authstack"},
		{[]string{"build", "--bogus"}, 2, "authstack build"},
		{[]string{"build", "-f", spec}, 2, "authstack build"},
		{[]string{"build", "-f", spec, "-o", "out", "extra"}, 2, "authstack build"},
		{[]string{"render", "-f", spec}, 2, "authstack render"},
		{[]string{"render", "--target"}, 2, "authstack render"},
		{[]string{"vet"}, 2, "authstack vet"},
		{[]string{"vet", "-f", spec, "extra"}, 2, "authstack vet"},
		{[]string{"version", "extra"}, 2, "authstack version"},
		{[]string{"jwks-purge", "--bogus"}, 2, "authstack jwks-purge"},
		{[]string{"completion", "bogus"}, 2, "authstack completion"},
		{[]string{"help", "bogus"}, 2, "authstack help"},
		{[]string{"help", "build", "extra"}, 2, "authstack help"},
		{[]string{"vet", "-f", filepath.Join(dir, "missing.yaml")}, 1, ""},
		{[]string{"render", "-f", spec, "-f", secret, "--target", "openshift"}, 1, ""},
		{[]string{"build", "-f", spec, "-f", secret, "-o", "/"}, 1, ""},
		{[]string{"vet", "-f", spec}, 0, ""},
		{[]string{"build", "-f", spec, "-f", secret, "-o", filepath.Join(dir, "out")}, 0, ""},
		{[]string{"--help"}, 0, ""},
		{[]string{"build", "--help"}, 0, ""},
		{[]string{"help", "build"}, 0, ""},
		{[]string{"help"}, 0, ""},
		{[]string{"completion", "bash"}, 0, ""},
		{[]string{"version"}, 0, ""},
	} {
		r := run(t, dir, nil, bin, tc.args...)
		if r.Code != tc.code {
			t.Errorf("authstack %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), r.Code, tc.code, r.Stderr)
			continue
		}
		if tc.code == 2 {
			hint := "Run '" + tc.hint + " --help' for usage."
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "error: ") || lines[1] != hint {
				t.Errorf("authstack %s: stderr is not an error line and %q:\n%s", strings.Join(tc.args, " "), hint, r.Stderr)
			}
		}
	}
}

// A --target the stack lacks is an error in KRM mode as on the command
// line (exit 1, a result on spec.targets), not the bases alone.
func TestMissingTarget(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	spec := withoutTarget(t, "gke")
	// The function passes the Secret through: a test-only value, not the
	// example's, which authstack must never print.
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\n  namespace: shop\nstringData:\n  better-auth-secret: missing-target-test-only\n"
	file := filepath.Join(t.TempDir(), "stack.yaml")
	writeFile(t, file, spec)

	r := run(t, ".", nil, bin, "render", "-f", file, "-f", refSecret, "--target", "gke")
	if lines := stderrLines(r.Stderr); r.Code != 1 || len(lines) != 1 || !strings.Contains(lines[0], `spec.targets: has no environment "gke"`) {
		t.Errorf("render --target gke: exit %d\n%s", r.Code, r.Stderr)
	}

	r = run(t, ".", []byte(resourceList(spec, secret)), bin, "--target", "gke")
	if r.Code != 1 {
		t.Errorf("KRM --target gke: exit %d, want 1\n%s", r.Code, r.Stdout)
	}
	for _, want := range []string{"severity: error", "path: spec.targets", `has no environment "gke"`} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("KRM --target gke: results lack %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "kind: Deployment") {
		t.Errorf("KRM --target gke emitted manifests:\n%s", r.Stdout)
	}
	// The targets it has still work.
	r = run(t, ".", []byte(resourceList(spec, secret)), bin, "--target", "eks")
	if r.Code != 0 || !strings.Contains(r.Stdout, "kind: Deployment") {
		t.Errorf("KRM --target eks: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// resourceList wraps YAML documents into a ResourceList.
func resourceList(docs ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, doc := range docs {
		first := true
		for _, line := range strings.Split(strings.TrimSpace(doc), "\n") {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			prefix := "  "
			if first {
				prefix, first = "- ", false
			}
			b.WriteString(prefix + line + "\n")
		}
	}
	return b.String()
}
