package tree_test

import (
	"os"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
)

// BenchmarkBuild50 is `authstack build` of 50 components for every
// environment over its own unchanged tree, minus process start.
func BenchmarkBuild50(b *testing.B) {
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data, err := stackgen.Stack(ref, 50)
	if err != nil {
		b.Fatal(err)
	}
	schema, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	secret := kyaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata: {name: better-auth-secret, namespace: shop}\nstringData: {better-auth-secret: x}\n")
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		stacks, err := schema.Stacks("stack.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		res, err := compile.Compile(stacks[0], []*kyaml.RNode{secret})
		if err != nil {
			b.Fatal(err)
		}
		if err := res.Tree.Write(dir); err != nil {
			b.Fatal(err)
		}
	}
}
