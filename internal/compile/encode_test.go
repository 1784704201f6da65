package compile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/stackgen"
)

// encodeDirect writes every file of every example's tree, and of generated
// stacks, as the detour through cue's YAML encoder does, and it does so
// itself for every object (no fallback).
func TestEncodeDirectAsCue(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	files, err := filepath.Glob("../../examples/*/stack.yaml")
	if err != nil || len(files) == 0 {
		t.Fatal("no examples", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{f, data})
	}
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 7} {
		data, err := stackgen.Stack(ref, n)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{"generated", data})
	}
	for _, in := range inputs {
		stacks, err := schema.Stacks(in.name, in.data)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stacks {
			calls, misses := directCalls.Load(), directMisses.Load()
			direct, err := CompileWithHash(st, "0123456789")
			if err != nil {
				t.Fatal(err)
			}
			if directCalls.Load() == calls || directMisses.Load() != misses {
				t.Errorf("%s: %d of %d objects not encoded directly", in.name, directMisses.Load()-misses, directCalls.Load()-calls)
			}
			useDirect = false
			detour, err := CompileWithHash(st, "0123456789")
			useDirect = true
			if err != nil {
				t.Fatal(err)
			}
			if a, b := direct.Paths(), detour.Paths(); len(a) != len(b) {
				t.Fatalf("%s: %d files, want %d", in.name, len(a), len(b))
			}
			for _, p := range detour.Paths() {
				if got, want := string(direct.File(p)), string(detour.File(p)); got != want {
					t.Errorf("%s: %s:\n%s\nwant:\n%s", in.name, p, got, want)
				}
			}
		}
	}
}

// mayQuote is true of every string that quoteRE matches: it only skips
// the expression. All strings of up to four bytes over an alphabet of the
// expression's characters and a few others, and some longer ones.
func TestMayQuoteCoversQuoteRE(t *testing.T) {
	alphabet := []byte("-+09:. \ttTzZxXaF/_")
	strs := []string{"2024-01-01", "2024-01-01T10:00:00Z", "0x1F", "12:30:45", "1.5e3", "v1-2", "abc"}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		strs = append(strs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+string(c), n-1)
		}
	}
	gen("", 4)
	matched := 0
	for _, s := range strs {
		if quoteRE.MatchString(s) {
			matched++
			if !mayQuote(s) {
				t.Errorf("mayQuote(%q) = false, but quoteRE matches it", s)
			}
		}
	}
	if matched < 100 {
		t.Errorf("quoteRE matched only %d strings: the test checks too little", matched)
	}
}
