package tree_test

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/passthrough"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
	"github.com/authstack/authstack/internal/tree"
)

// overlayDirs are the directories of tr's overlays: those with a
// kustomization under overlays/.
func overlayDirs(tr *tree.Tree) []string {
	var dirs []string
	for _, p := range tr.Paths() {
		if strings.HasPrefix(p, "overlays/") && path.Base(p) == "kustomization.yaml" {
			dirs = append(dirs, path.Dir(p))
		}
	}
	return dirs
}

// extraObjects are pass-through objects beside the stack's own Secret: the
// kinds and values that the direct render encodes itself.
const extraObjects = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: other
  labels: {z: "1", a: "true", "10": ten, "9": nine}
data:
  yes: "yes"
  number: "0123"
  empty: ""
  multi: |
    line one
    line two
  long: "` + "a long value that goes past eighty columns, so that the YAML encoder may fold it into several lines" + `"
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  replicas: 3
  enabled: true
  ratio: null
  list: [1, -2, "3", {a: b}, [], {}]
  on: off
`

// The direct render gives krusty's bytes for every example, every overlay,
// with and without pass-through objects, and for generated stacks of up to
// 16 components; and it does not fall back for any of them, but for
// overlays with patches that name a target (an environment's own patches),
// which krusty renders.
func TestDirectRenderEqualsKrusty(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*/stack.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range examples {
		example := filepath.Base(filepath.Dir(file))
		tr := compiled(t, example)
		secret, err := os.ReadFile(filepath.Join(filepath.Dir(file), "better-auth-secret.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		objects, err := passthrough.Stream([]*kyaml.RNode{kyaml.MustParse(string(secret))})
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range overlayDirs(tr) {
			for name, extra := range map[string]string{"alone": "", "with objects": string(objects) + "---\n" + extraObjects} {
				t.Run(example+"/"+dir+"/"+name, func(t *testing.T) { sameRender(t, tr, dir, []byte(extra)) })
			}
		}
	}
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	secret := kyaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata: {name: better-auth-secret, namespace: shop}\nstringData: {better-auth-secret: x}\n")
	for _, n := range []int{1, 4, 16} {
		data, err := stackgen.Stack(ref, n)
		if err != nil {
			t.Fatal(err)
		}
		stacks, err := schema.Stacks("stack.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := compile.Compile(stacks[0], []*kyaml.RNode{secret})
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range overlayDirs(res.Tree) {
			t.Run(fmt.Sprintf("generated-%d/%s", n, dir), func(t *testing.T) { sameRender(t, res.Tree, dir, nil) })
		}
	}
}

func sameRender(t *testing.T, tr *tree.Tree, dir string, extra []byte) {
	t.Helper()
	want, err := tr.RenderKrusty(dir, extra)
	if err != nil {
		t.Fatal(err)
	}
	// Patches with a target (an environment's own, JSON 6902 or strategic)
	// are krusty's.
	userTargets := strings.Contains(string(tr.File(dir+"/kustomization.yaml")), "\n  target:")
	slow := tree.SlowEncodes()
	got, err := tr.RenderDirect(dir, extra)
	if userTargets && errors.Is(err, tree.ErrUnsupported) {
		if out, err := tr.RenderWith(dir, extra); err != nil || string(out) != string(want) {
			t.Fatalf("RenderWith through krusty: %v, equal: %v", err, string(out) == string(want))
		}
		return
	}
	if err != nil {
		t.Fatalf("direct render: %v", err)
	}
	if n := tree.SlowEncodes() - slow; n > 0 {
		t.Errorf("%d objects encoded through JSON, not directly", n)
	}
	if string(got) != string(want) {
		t.Fatalf("direct render differs from krusty:\n%s", lineDiff(string(want), string(got)))
	}
	// And Render takes the direct path to the same bytes.
	if out, err := tr.RenderWith(dir, extra); err != nil || string(out) != string(want) {
		t.Fatalf("RenderWith: %v, equal: %v", err, string(out) == string(want))
	}
}

// lineDiff shows the first differing line with some context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			lo := max(0, i-5)
			return fmt.Sprintf("line %d:\nkrusty: %q\ndirect: %q\nkrusty context:\n%s", i+1, a, b, strings.Join(w[lo:min(len(w), i+3)], "\n"))
		}
	}
	return "(same lines)"
}

// What the direct render does not know, krusty renders: an object in the
// namespace "default" (which kustomize's ids equate with none), a
// Component (which kustomize merges differently), a RoleBinding (whose
// subjects kustomize's namespace changes too), a patch
// without a target (krusty's error), an object id given twice (krusty's
// error). A List among the pass-through objects it expands as kustomize does.
func TestDirectRenderFallsBack(t *testing.T) {
	tr := compiled(t, "shop")
	list := "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
	sameRender(t, tr, "overlays/eks", []byte(list))
	def := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"
	if _, err := tr.RenderDirect("overlays/eks", []byte(def)); !errors.Is(err, tree.ErrUnsupported) {
		t.Errorf("namespace default: direct render gave %v, want ErrUnsupported", err)
	}
	want, err := tr.RenderKrusty("overlays/eks", []byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tr.RenderWith("overlays/eks", []byte(def)); err != nil || string(got) != string(want) {
		t.Errorf("namespace default: RenderWith gave %v, or not krusty's bytes", err)
	}
	dup := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: frontend, namespace: shop}\n"
	if _, err := tr.RenderWith("overlays/eks", []byte(dup)); err == nil || !strings.Contains(err.Error(), "already registered id") {
		t.Errorf("a duplicate id: RenderWith gave %v, want krusty's error", err)
	}
	component := tree.New()
	for _, p := range tr.Paths() {
		component.Add(p, tr.File(p))
	}
	component.Add("bases/kustomization.yaml", []byte("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- frontend/service.yaml\n"))
	if _, err := component.RenderDirect("overlays/eks", nil); !errors.Is(err, tree.ErrUnsupported) {
		t.Errorf("a Component: direct render gave %v, want ErrUnsupported", err)
	}
	rb := tree.New()
	for _, p := range tr.Paths() {
		rb.Add(p, tr.File(p))
	}
	rb.Add("overlays/eks/rb.yaml", []byte("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: default}]\n"))
	rb.Add("overlays/eks/kustomization.yaml", []byte(strings.Replace(string(tr.File("overlays/eks/kustomization.yaml")), "- ../../bases\n", "- ../../bases\n- rb.yaml\n", 1)))
	if _, err := rb.RenderDirect("overlays/eks", nil); !errors.Is(err, tree.ErrUnsupported) {
		t.Errorf("a RoleBinding under a namespace: direct render gave %v, want ErrUnsupported", err)
	}
	if got, err := rb.Render("overlays/eks"); err != nil || !strings.Contains(string(got), "kind: RoleBinding") {
		t.Errorf("a RoleBinding under a namespace: Render gave %v", err)
	}
	broken := tree.New()
	for _, p := range tr.Paths() {
		broken.Add(p, tr.File(p))
	}
	broken.Add("overlays/eks/kustomization.yaml", []byte("resources:\n- ../../bases\npatches:\n- patch: |\n    apiVersion: v1\n    kind: Service\n    metadata: {name: nothing}\n"))
	if _, err := broken.Render("overlays/eks"); err == nil || !strings.Contains(err.Error(), "no resource matches") {
		t.Errorf("a patch without a target: Render gave %v, want krusty's error", err)
	}
}

// The sums of a compiled tree's files, taken from the nodes that Format
// kept, are the sums of the files' text.
func TestSumFromNodes(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range examples {
		tr := compiled(t, filepath.Base(filepath.Dir(file)))
		for _, p := range tr.Paths() {
			got, err := tr.Sum(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tree.Sum(tr.File(p))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: %s: sum from nodes %s, from text %s", file, p, got, want)
			}
		}
	}
}
