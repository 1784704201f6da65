package spec

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
)

// probes are values a user might write anywhere, good and bad.
var probes = []string{
	`null`, `true`, `0`, `-1`, `1`, `80`, `65536`, `2147483648`, `9223372036854775808`, `1.5`,
	`""`, `" "`, `"x"`, `"X"`, `"Shop"`, `"shop-1"`, `"1web"`, `"a b"`, `"/"`, `"//x"`, `"/a/../b"`, `"/a%2Fb"`,
	`"jwks-purge"`, `"web-jwks-purge"`, `"https://x.example.com"`, `"x.example.com"`, `"250m"`,
	`"` + strings.Repeat("a", 300) + `"`, `[]`, `["/a", "/a"]`, `[1]`, `{}`,
}

// Every constraint of the schema that rejects a probe has a message of its
// own (@msg on the field or on the definition it uses): none falls back to
// the generic one.
func TestEveryConstraintHasAMessage(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	values := make([]cue.Value, len(probes))
	for i, p := range probes {
		if values[i] = s.ctx.CompileString(p); values[i].Err() != nil {
			t.Fatal(values[i].Err())
		}
	}
	checked := 0
	var visit func(path string, c cue.Value, depth int)
	check := func(path string, c cue.Value, keys bool) {
		for i, x := range values {
			if keys && x.Kind() != cue.StringKind {
				continue // a YAML key is a string
			}
			if accepts(c, x) {
				continue
			}
			checked++
			msg := s.explain(c, x)
			if msg == "" || msg == fallback(c) {
				t.Errorf("%s rejects %s with no message of its own (%q)", path, probes[i], msg)
			}
		}
	}
	visit = func(path string, c cue.Value, depth int) {
		if depth > 10 {
			t.Fatalf("%s: schema too deep", path)
		}
		sh := shape(c)
		switch k := sh.IncompleteKind(); {
		case k == cue.StructKind:
			it, err := sh.Fields(cue.Optional(true), cue.Patterns(true))
			if err != nil {
				t.Fatal(err)
			}
			for it.Next() {
				sel := it.Selector()
				if sel.ConstraintType() == cue.PatternConstraint {
					check(path+".<key>", sel.Pattern(), true)
					if it.Value().Err() == nil {
						visit(path+".*", it.Value(), depth+1)
						continue
					}
					// An entry whose schema depends on its key (an
					// environment on each platform).
					for _, p := range s.Platforms() {
						e, _, _ := s.entry(sh, p, s.ctx.CompileString("{}"))
						visit(path+"."+p, e, depth+1)
					}
					continue
				}
				visit(strings.TrimPrefix(path+"."+sel.Unquoted(), "."), it.Value(), depth+1)
			}
			if c.Err() != nil { // a validator of the whole, such as MinFields
				check(path, c, false)
			}
		case k == cue.ListKind:
			check(path, c, false)
			visit(path+".*", c.LookupPath(cue.MakePath(cue.AnyIndex)), depth+1)
		default:
			check(path, c, false)
		}
	}
	visit("", s.def, 0)
	if checked < 100 {
		t.Errorf("only %d rejections checked: the walk misses the schema", checked)
	}
}

// A constraint without a message gets a generic one, never CUE's words.
func TestConstraintWithoutMessage(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c := s.ctx.CompileString(`{port: int & <10}`).LookupPath(cue.ParsePath("port"))
	if got, want := s.explain(c, s.ctx.CompileString(`12`)), "must be an integer in the allowed range"; got != want {
		t.Errorf("explain = %q, want %q", got, want)
	}
}
