package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

const singleSecretWarning = "spec.auth.secret: a single BETTER_AUTH_SECRET: rotating it breaks JWT signing"

// A single-secret stack gets the rotation warning from vet, build, render and
// the KRM function (as a warning result); a versioned one does not.
func TestSingleSecretWarning(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	out := t.TempDir()
	for _, args := range [][]string{
		{"vet", "-f", refSpec},
		{"build", "-f", filepath.Dir(refSpec), "-o", out},
		{"render", "-f", filepath.Dir(refSpec), "--target", "eks"},
	} {
		r := run(t, ".", nil, bin, args...)
		if r.Code != 0 || !strings.Contains(r.Stderr, "warning: "+refSpec+":12:5: "+singleSecretWarning) {
			t.Errorf("%s: exit %d, no single-secret warning:\n%s", args[0], r.Code, r.Stderr)
		}
	}
	if r := run(t, ".", nil, bin, "vet", "-f", "../../examples/versioned"); r.Code != 0 || strings.Contains(r.Stderr, singleSecretWarning) {
		t.Errorf("versioned stack: exit %d\n%s", r.Code, r.Stderr)
	}
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	// The items pass through the function: not the example Secret, whose
	// value run() must never see.
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\n  namespace: shop\nstringData:\n  better-auth-secret: krm-test-only\n"
	items, err := kio.FromBytes([]byte(string(spec) + "---\n" + secret))
	if err != nil {
		t.Fatal(err)
	}
	var rl bytes.Buffer
	w := kio.ByteWriter{Writer: &rl, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	r := run(t, ".", []byte(rl.String()), bin, "--target", "minikube")
	if r.Code != 0 || !strings.Contains(r.Stdout, "path: spec.auth.secret\n") || !strings.Contains(r.Stdout, "message: 'a single BETTER_AUTH_SECRET") {
		t.Errorf("KRM: exit %d, no warning result on spec.auth.secret:\n%s", r.Code, r.Stdout)
	}
}

// A BETTER_AUTH_SECRETS list that Better Auth would reject fails the build at
// the value's position, without printing it.
func TestVersionsListChecked(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	dir := t.TempDir()
	copyFile(t, "../../examples/versioned/stack.yaml", filepath.Join(dir, "stack.yaml"))
	const value = "c4f1a0b9e8d7c6b5a4f3e2d1c0b9a8f7"
	writeFile(t, filepath.Join(dir, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: journal-auth\n  namespace: journal\nstringData:\n  secrets: \"2:"+value+",2:"+value+"0\"\n")
	r := run(t, ".", nil, bin, "render", "-f", dir, "--target", "gke")
	want := filepath.Join(dir, "secret.yaml") + ":7:12: stringData.secrets: entry 2 repeats version 2; allowed:"
	if r.Code != 1 || !strings.Contains(r.Stderr, want) || strings.Contains(r.Stdout+r.Stderr, value) {
		t.Errorf("exit %d, want 1 and %q without the value:\n%s", r.Code, want, r.Stderr)
	}
}
