package compile

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
	"github.com/authstack/authstack/internal/testsupport"
)

// cloneData copies the whole syntax of every example's stack (and of a
// generated one): the copy prints the same, and shares no node with the
// original, so the two packages of a build never resolve the same syntax.
func TestCloneDataSharesNothing(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var inputs [][]byte
	for _, dir := range testsupport.Examples(t, "../..") {
		inputs = append(inputs, []byte(testsupport.ReadFile(t, filepath.Join(dir, "stack.yaml"))))
	}
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gen, err := stackgen.Stack(ref, 3)
	if err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, gen)
	for i, data := range inputs {
		stacks, err := schema.Stacks("stack.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		x, err := stackSyntax(stacks[0], stacks[0].Targets())
		if err != nil {
			t.Fatal(err)
		}
		c := cloneData(x)
		want, err := format.Node(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := format.Node(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("input %d: the copy prints\n%s\nwant\n%s", i, got, want)
		}
		seen := map[ast.Node]bool{}
		ast.Walk(x, func(n ast.Node) bool { seen[n] = true; return true }, nil)
		shared := 0
		ast.Walk(c, func(n ast.Node) bool {
			if seen[n] {
				if shared++; shared == 1 {
					t.Errorf("input %d: the copy shares a %s with the original", i, reflect.TypeOf(n))
				}
			}
			return true
		}, nil)
	}
}
