package compile_test

import (
	"os"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
)

// BenchmarkRenderEKS is `authstack render --target eks` of the reference
// stack minus process start: validate, hash, compile, kustomize.
func BenchmarkRenderEKS(b *testing.B) {
	data, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		b.Fatal(err)
	}
	objects := []*kyaml.RNode{secret(b, "bench-secret", "x")}
	schema, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		stacks, err := schema.Stacks("stack.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		res, err := compile.Compile(stacks[0], objects, "eks")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.Tree.Render("overlays/eks"); err != nil {
			b.Fatal(err)
		}
	}
}
