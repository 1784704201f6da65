package spec_test

import (
	"os"
	"testing"

	"github.com/authstack/authstack/internal/spec"
)

// BenchmarkStacks validates the reference stack.
func BenchmarkStacks(b *testing.B) {
	schema, err := spec.Load()
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(reference)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := schema.Stacks(reference, data); err != nil {
			b.Fatal(err)
		}
	}
}
