package compile_test

import (
	"fmt"
	"os"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
)

// benchInputs are the reference stack, its Secret and the schema.
func benchInputs(b *testing.B) ([]byte, []*kyaml.RNode, *spec.Schema) {
	b.Helper()
	data, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		b.Fatal(err)
	}
	schema, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	return data, []*kyaml.RNode{secret(b, "bench-secret", "x")}, schema
}

// BenchmarkRenderEKS is `authstack render --target eks` of the reference
// stack minus process start: validate, hash, compile, kustomize.
func BenchmarkRenderEKS(b *testing.B) {
	data, objects, schema := benchInputs(b)
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

// BenchmarkScale splits `authstack render --target eks` of generated stacks
// of n components into its steps, for profiles:
//
//	go test -run '^$' -bench Scale/n=50 -cpuprofile cpu.out ./internal/compile
func BenchmarkScale(b *testing.B) {
	ref, objects, schema := benchInputs(b)
	for _, n := range []int{2, 10, 50, 100} {
		data, err := stackgen.Stack(ref, n)
		if err != nil {
			b.Fatal(err)
		}
		stacks, err := schema.Stacks("stack.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		res, err := compile.Compile(stacks[0], objects, "eks")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/validate", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schema.Stacks("stack.yaml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/compile", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compile.Compile(stacks[0], objects, "eks"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/compile-all", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compile.Compile(stacks[0], objects); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/render", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := res.Tree.Render("overlays/eks"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
