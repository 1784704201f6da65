package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/krm"
)

const (
	refSpec   = "../../examples/shop/stack.yaml"
	refSecret = "../../examples/shop/better-auth-secret.yaml"
)

// cli runs the root command in process; it returns stdout, stderr and the
// error.
func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCommand()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	_, err := root.ExecuteC()
	return out.String(), errb.String(), err
}

// The commands present what compile.Run finds in the CLI's form: warnings
// on stderr with the field's position or the object's file, errors with
// the stack's file.
func TestCommandsPresentDiagnostics(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "smtp.yaml")
	if err := os.WriteFile(plain, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: smtp\nstringData:\n  password: cli-test-only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	single := "warning: " + refSpec + ":12:5: spec.auth.secret: a single BETTER_AUTH_SECRET"
	for _, tt := range []struct {
		name       string
		args       []string
		stdout     string   // a line of stdout
		stderr     []string // the prefixes of stderr's lines, in order
		err        string   // the error, empty for none
		usageError bool
	}{{
		name:   "vet: the spec's warnings, no secret needed",
		args:   []string{"vet", "-f", refSpec},
		stdout: refSpec + ": shop is valid (targets: aks, eks, gke, minikube)",
		stderr: []string{single, "warning: " + refSpec + ":29:9: spec.components.frontend.env.NEXT_PUBLIC_API_URL"},
	}, {
		name:   "render: the warnings, then one for each plain Secret passed through",
		args:   []string{"render", "-f", refSpec, "-f", refSecret, "-f", plain, "--target", "eks"},
		stdout: "kind: Deployment",
		stderr: []string{single, "warning: " + refSpec + ":29:9: ",
			"warning: " + refSecret + ": Secret better-auth-secret is a plain Secret",
			"warning: " + plain + ": Secret smtp is a plain Secret"},
	}, {
		name:   "render: a target the stack lacks is a field error",
		args:   []string{"render", "-f", refSpec, "-f", refSecret, "--target", "bogus"},
		stderr: []string{single, "warning: " + refSpec + ":29:9: ", "warning: " + refSecret + ": Secret better-auth-secret is a plain Secret"},
		err:    refSpec + `:9:3: spec.targets: has no environment "bogus" (it has aks, eks, gke, minikube)`,
	}, {
		name:   "build: no source for the auth secret, with the stack's file",
		args:   []string{"build", "-f", refSpec, "-o", filepath.Join(dir, "out")},
		stderr: []string{single, "warning: " + refSpec + ":29:9: "},
		err:    refSpec + `: spec.auth.secret: no source for Secret "better-auth-secret"`,
	}, {
		name:   "build: one stack only",
		args:   []string{"build", "-f", refSpec, "-f", "../../examples/versioned/stack.yaml", "-f", refSecret, "-o", filepath.Join(dir, "out")},
		stderr: []string{single, "warning: " + refSpec + ":29:9: "},
		err:    "found 2 AuthStacks, expected one: shop (" + refSpec + "), journal (../../examples/versioned/stack.yaml)",
	}, {
		name:       "render without a target",
		args:       []string{"render", "-f", refSpec},
		err:        "no target: pass --target NAME",
		usageError: true,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := cli(t, tt.args...)
			if tt.err == "" && err != nil {
				t.Fatalf("error: %v\n%s", err, stderr)
			}
			if tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)) {
				t.Fatalf("error: %v, want %s", err, tt.err)
			}
			if _, isUsage := err.(usageError); isUsage != tt.usageError {
				t.Errorf("usage error: %v, want %v", isUsage, tt.usageError)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if stderr == "" {
				lines = nil
			}
			if len(lines) != len(tt.stderr) {
				t.Fatalf("stderr: %d lines, want %d:\n%s", len(lines), len(tt.stderr), stderr)
			}
			for i, want := range tt.stderr {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("stderr line %d: %s\nwant prefix: %s", i+1, lines[i], want)
				}
			}
		})
	}
}

// The CLI and the KRM function refuse a target the stack lacks with the
// same message: one rule, in compile.Run.
func TestCLIAndKRMAgree(t *testing.T) {
	_, _, err := cli(t, "render", "-f", refSpec, "-f", refSecret, "--target", "bogus")
	if err == nil {
		t.Fatal("render --target bogus: no error")
	}
	_, msg, found := strings.Cut(err.Error(), "spec.targets: ")
	if !found || !strings.HasPrefix(msg, `has no environment "bogus"`) {
		t.Fatalf("render --target bogus: %v", err)
	}
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(stripComments(string(spec))), "\n", "\n  ") + "\n"
	out, err := krm.Run("bogus", io.Discard, []byte(rl))
	if err == nil || !strings.Contains(string(out), msg) {
		t.Errorf("KRM --target bogus: %v; its results lack %q:\n%s", err, msg, out)
	}
}

func stripComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
