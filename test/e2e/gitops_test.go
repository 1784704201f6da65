package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/spec/spectest"
)

// build --check: exit 0 on a current tree; exit 1 listing each stale,
// missing and extra generated file; never writes; a user's file is no
// change.
func TestBuildCheck(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	dir := t.TempDir()
	out := filepath.Join(dir, "deploy")
	check := []string{"build", "-f", refSpec, "-f", refSecret, "-o", out, "--check"}
	if r := run(t, ".", nil, bin, check...); r.Code != 1 || !strings.Contains(r.Stderr, "missing: "+out+"/bases/kustomization.yaml") {
		t.Errorf("empty directory: exit %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--check created %s", out)
	}

	// A component removed from the spec: its files are extra.
	older := filepath.Join(dir, "older.yaml")
	writeFile(t, older, string(spectest.Mutate(t, refSpec, "spec.components.old", map[string]any{"image": "ghcr.io/acme/old:1", "port": 9000})))
	mustRun(t, ".", nil, bin, "build", "-f", older, "-f", refSecret, "-o", out)
	writeFile(t, filepath.Join(out, "README.md"), "mine\n")
	writeFile(t, filepath.Join(out, "overlays", "eks", "notes.yaml"), "note: mine\n")
	r := run(t, ".", nil, bin, check...)
	for _, w := range []string{"extra: " + out + "/bases/old/deployment.yaml", "extra: " + out + "/bases/old/service.yaml", "stale: " + out + "/bases/kustomization.yaml"} {
		if !strings.Contains(r.Stderr, w+"\n") {
			t.Errorf("a removed component: stderr lacks %q:\n%s", w, r.Stderr)
		}
	}
	if r.Code != 1 || strings.Contains(r.Stderr, "notes.yaml") || strings.Contains(r.Stderr, "README") {
		t.Errorf("a removed component: exit %d, want 1 and no user file:\n%s", r.Code, r.Stderr)
	}

	mustRun(t, ".", nil, bin, "build", "-f", refSpec, "-f", refSecret, "-o", out)
	if r := run(t, ".", nil, bin, check...); r.Code != 0 || !strings.Contains(r.Stdout, "is current") {
		t.Errorf("current tree: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// An edited file is stale, a deleted one missing; nothing is written.
	dep := filepath.Join(out, "bases", "frontend", "deployment.yaml")
	data, _ := os.ReadFile(dep)
	writeFile(t, dep, strings.Replace(string(data), "replicas: 2", "replicas: 3", 1))
	ingress := filepath.Join(out, "overlays", "gke", "ingress.yaml")
	ingressData, _ := os.ReadFile(ingress)
	os.Remove(ingress)
	before := snapshot(t, out)
	r = run(t, ".", nil, bin, check...)
	assertSameFiles(t, "build --check", before, snapshot(t, out))
	want := []string{"stale: " + out + "/bases/frontend/deployment.yaml", "missing: " + out + "/overlays/gke/ingress.yaml"}
	changes := 0
	for _, line := range strings.Split(r.Stderr, "\n") {
		if strings.HasPrefix(line, "stale: ") || strings.HasPrefix(line, "missing: ") || strings.HasPrefix(line, "extra: ") {
			changes++
		}
	}
	for _, w := range want {
		if !strings.Contains(r.Stderr, w+"\n") {
			t.Errorf("stderr lacks %q", w)
		}
	}
	if r.Code != 1 || changes != len(want) {
		t.Errorf("exit %d, want 1 and exactly the %d changes:\n%s", r.Code, len(want), r.Stderr)
	}
	// Put back as generated, the check passes again.
	writeFile(t, dep, string(data))
	writeFile(t, ingress, string(ingressData))
	mustRun(t, ".", nil, bin, check...)
}

// init writes a starter that vet accepts, with the schema modeline, and
// never overwrites a file; schema prints the committed JSON Schema.
func TestInitAndSchema(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	dir := t.TempDir()
	mustRun(t, dir, nil, bin, "init", "--name", "shop")
	data, err := os.ReadFile(filepath.Join(dir, "stack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=https://") {
		t.Errorf("no modeline:\n%s", firstLines(string(data), 2))
	}
	if out := mustRun(t, dir, nil, bin, "vet", "-f", "stack.yaml"); !strings.Contains(out, "shop is valid") {
		t.Errorf("vet: %s", out)
	}
	writeFile(t, filepath.Join(dir, "stack.yaml"), "mine\n")
	if r := run(t, dir, nil, bin, "init"); r.Code != 1 || !strings.Contains(r.Stderr, "already exists") {
		t.Errorf("init over a file: exit %d\n%s", r.Code, r.Stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "stack.yaml")); string(got) != "mine\n" {
		t.Error("init overwrote stack.yaml")
	}
	if r := run(t, dir, nil, bin, "init", "-o", "x.yaml", "--name", "Bad_Name"); r.Code != 2 {
		t.Errorf("bad --name: exit %d", r.Code)
	}
	schema, _ := os.ReadFile("../../schemas/authstack.schema.json")
	if out := mustRun(t, dir, nil, bin, "schema"); out != string(schema) || len(out) < 1000 {
		t.Error("authstack schema differs from schemas/authstack.schema.json")
	}
}
