package spec

import (
	"fmt"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

// FieldError is a problem with one field of a spec.
type FieldError struct {
	Pos token.Position
	// Path is the field's path, e.g. "spec.components.web.port".
	Path string
	Msg  string
	// Warning marks a problem that does not stop compilation.
	Warning bool
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Pos.Filename != "" {
		b.WriteString(e.Pos.Filename)
		if e.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Column)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of field errors, one line each.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) errorsOnly() Errors {
	var out Errors
	for _, e := range es {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// unique drops repeated lines: a mistake is reported once.
func (es Errors) unique() Errors {
	seen := map[string]bool{}
	var out Errors
	for _, e := range es {
		if line := e.Error(); !seen[line] {
			seen[line] = true
			out = append(out, e)
		}
	}
	return out
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return es[i].Path < es[j].Path
	})
}

// checks are the rules that span fields; they run on the document beside
// the schema's own checks, so that one run reports every mistake.
var checks = []func(s *Schema, file string, doc cue.Value) Errors{
	checkEnv,
	checkExpose,
}

// components calls f for each component of the document, in file order.
func components(doc cue.Value, f func(name string, c cue.Value)) {
	it, err := doc.LookupPath(cue.ParsePath("spec.components")).Fields()
	if err != nil {
		return
	}
	for it.Next() {
		f(it.Selector().Unquoted(), it.Value())
	}
}

// checkEnv refuses the environment variables that authstack sets itself
// (#ReservedEnv in the schema) and warns about NEXT_PUBLIC_* ones.
func checkEnv(s *Schema, file string, doc cue.Value) Errors {
	reserved := s.root.LookupPath(cue.MakePath(cue.Def("ReservedEnv")))
	var errs Errors
	components(doc, func(name string, c cue.Value) {
		it, err := c.LookupPath(cue.ParsePath("env")).Fields()
		if err != nil {
			return
		}
		for it.Next() {
			key := it.Selector().Unquoted()
			p := strings.Join([]string{"spec", "components", name, "env", key}, ".")
			pos := keyPos(file, it.Value())
			if from, err := reserved.LookupPath(cue.MakePath(cue.Str(key))).String(); err == nil {
				errs = append(errs, &FieldError{Pos: pos, Path: p,
					Msg: fmt.Sprintf("%s is set by authstack from %s; remove it from env", key, from)})
			} else if strings.HasPrefix(key, "NEXT_PUBLIC_") {
				errs = append(errs, &FieldError{Pos: pos, Path: p, Warning: true,
					Msg: "NEXT_PUBLIC_* values are inlined into the Next.js bundle at build time; setting them at run time has no effect on client code"})
			}
		}
	})
	return errs
}

// checkExpose refuses a path that an earlier component already exposes:
// the Ingress would route it to one of them only.
func checkExpose(s *Schema, file string, doc cue.Value) Errors {
	valid := s.root.LookupPath(cue.MakePath(cue.Def("IngressPath")))
	var errs Errors
	first := map[string]string{}
	components(doc, func(name string, c cue.Value) {
		v := c.LookupPath(cue.ParsePath("expose"))
		path, err := v.String()
		if err != nil || !accepts(valid, v) {
			return // the schema reports a path that is no path
		}
		if other, ok := first[path]; ok {
			errs = append(errs, &FieldError{Pos: valuePos(file, v), Path: "spec.components." + name + ".expose",
				Msg: fmt.Sprintf("must be a path no other component exposes; %s exposes it (got %q)", other, path)})
			return
		}
		first[path] = name
	})
	return errs
}
