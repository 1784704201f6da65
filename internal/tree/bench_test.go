package tree_test

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
	"github.com/authstack/authstack/internal/tree"
)

// BenchmarkBuild50 is `authstack build` of 50 components for every
// environment over its own unchanged tree, minus process start.
func BenchmarkBuild50(b *testing.B) {
	data, schema, secret := stack50(b)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := compileStack(b, data, schema, secret).Write(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteEmpty is the write of `authstack build` of 50 components
// for every environment into a new, empty directory: staging, syncing and
// moving every file, without the compile.
func BenchmarkWriteEmpty(b *testing.B) {
	tr := compiled50(b)
	parent := b.TempDir()
	n := 0
	b.ReportAllocs()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		n++
		if err := tr.Write(filepath.Join(parent, strconv.Itoa(n))); err != nil {
			b.Fatal(err)
		}
	}
	// The CPU time of the process (user and system): steadier than the
	// wall time on a shared machine.
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := after.Utime.Nano() - before.Utime.Nano() + after.Stime.Nano() - before.Stime.Nano()
	b.ReportMetric(float64(cpu)/1e6/float64(n), "cpu-ms/op")
}

// BenchmarkWriteUnchanged is the write of `authstack build` of 50
// components over its own unchanged tree: it reads every file and writes
// nothing.
func BenchmarkWriteUnchanged(b *testing.B) {
	tr := compiled50(b)
	dir := b.TempDir()
	if err := tr.Write(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Write(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// compiled50 is the tree of the reference stack grown to 50 components.
func compiled50(b *testing.B) *tree.Tree {
	b.Helper()
	data, schema, secret := stack50(b)
	return compileStack(b, data, schema, secret)
}

// compileStack validates and compiles the stack data with its Secret.
func compileStack(b *testing.B, data []byte, schema *spec.Schema, secret *kyaml.RNode) *tree.Tree {
	b.Helper()
	stacks, err := schema.Stacks("stack.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	res, err := compile.Compile(stacks[0], []*kyaml.RNode{secret})
	if err != nil {
		b.Fatal(err)
	}
	return res.Tree
}

// stack50 is the reference stack grown to 50 components, the schema to
// read it and its Secret.
func stack50(b *testing.B) ([]byte, *spec.Schema, *kyaml.RNode) {
	b.Helper()
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
	return data, schema, secret
}
