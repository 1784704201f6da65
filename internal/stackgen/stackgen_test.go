package stackgen_test

import (
	"os"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
)

// Generated stacks are valid AuthStacks with n components and the
// reference stack's environments; the ResourceList carries them, the
// Secret and n ConfigMaps.
func TestGenerated(t *testing.T) {
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile("../../examples/shop/better-auth-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	refStacks, err := schema.Stacks("ref.yaml", ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 9} {
		data, err := stackgen.Stack(ref, n)
		if err != nil {
			t.Fatal(err)
		}
		stacks, err := schema.Stacks("generated.yaml", data)
		if err != nil {
			t.Fatalf("n=%d: %v\n%s", n, err, data)
		}
		if got := len(stacks[0].Spec.Components); got != n {
			t.Errorf("n=%d: %d components", n, got)
		}
		if got, want := stacks[0].Targets(), refStacks[0].Targets(); len(got) != len(want) {
			t.Errorf("n=%d: targets %v, want %v", n, got, want)
		}
		rl, err := fn.ParseResourceList(stackgen.ResourceList(data, secret, n))
		if err != nil {
			t.Fatal(err)
		}
		if len(rl.Items) != n+2 || rl.Items[0].GetKind() != spec.Kind || rl.Items[1].GetKind() != "Secret" {
			t.Errorf("n=%d: %d items, first %s, %s", n, len(rl.Items), rl.Items[0].GetKind(), rl.Items[1].GetKind())
		}
	}
}
