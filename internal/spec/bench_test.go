package spec_test

import (
	"strings"
	"testing"
)

// BenchmarkStacks validates the reference stack.
func BenchmarkStacks(b *testing.B) {
	schema, data := loadReference(b)
	for b.Loop() {
		if _, err := schema.Stacks(reference, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStacksInvalid validates the reference stack with one mistake:
// the walk that names it.
func BenchmarkStacksInvalid(b *testing.B) {
	schema, data := loadReference(b)
	bad := []byte(strings.Replace(string(data), "replicas: 2", "replicas: 0", 1))
	for b.Loop() {
		if _, err := schema.Stacks(reference, bad); err == nil {
			b.Fatal("no error")
		}
	}
}
