package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// The schemaChecker walks a document beside the schema and reports each mistake
// once, where it stands, with the message the schema attaches to the
// constraint that the mistake breaks (its @msg attribute). It never shows
// CUE's own errors: unifying the whole document reports one mistake several
// times (once per branch of a disjunction, once per field of a badly named
// map entry), and stops at the first few errors of a struct.
type schemaChecker struct {
	s    *Schema
	file string
	errs Diagnostics
}

// walk checks the document value d at path p against the schema value c
// and reports whether it found a mistake.
func (k *schemaChecker) walk(p []string, c, d cue.Value) bool {
	sh := shape(c)
	want := sh.IncompleteKind()
	switch got := d.Kind(); {
	case got == cue.StructKind && want&cue.StructKind != 0:
		// Validating a struct as a whole validates all of it again: only
		// a struct with a validator of its own needs it.
		if k.walkStruct(p, c, sh, d) {
			return true
		}
		if op, args := c.Expr(); c.Err() == nil && (op != cue.AndOp || len(args) < 2) {
			return false
		}
		return k.whole(p, c, d)
	case got == cue.ListKind && want&cue.ListKind != 0:
		return k.walkList(p, sh, d) || k.whole(p, c, d)
	case want == cue.StructKind:
		msg := "must be a mapping"
		if accepts(c, k.s.ctx.CompileString("{}")) {
			msg += ", {} if empty"
		}
		k.report(p, valuePos(k.file, d), msg, d)
		return true
	case want == cue.ListKind:
		k.report(p, valuePos(k.file, d), "must be a list", d)
		return true
	}
	if c.Unify(d).Validate(cue.Concrete(true)) == nil {
		return false
	}
	k.report(p, valuePos(k.file, d), k.s.explain(c, d), d)
	return true
}

// field is one field or pattern constraint of a schema struct.
type field struct {
	value    cue.Value
	required bool
}

func (k *schemaChecker) walkStruct(p []string, c, sh, d cue.Value) bool {
	fields := map[string]field{}
	var names []string
	var patterns []cue.Selector
	var patternValues []cue.Value
	if it, err := sh.Fields(cue.Optional(true), cue.Patterns(true)); err == nil {
		for it.Next() {
			sel := it.Selector()
			switch sel.ConstraintType() {
			case cue.PatternConstraint:
				patterns = append(patterns, sel)
				patternValues = append(patternValues, it.Value())
			default:
				name := sel.Unquoted()
				fields[name] = field{value: it.Value(), required: sel.ConstraintType() == cue.RequiredConstraint}
				names = append(names, name)
			}
		}
	}
	bad := false
	present := map[string]bool{}
	it, err := d.Fields()
	if err != nil {
		return false
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		present[name] = true
		cp := append(p[:len(p):len(p)], name)
		v := it.Value()
		if f, ok := fields[name]; ok {
			bad = k.walk(cp, f.value, v) || bad
			continue
		}
		matched := false
		key := k.s.ctx.Encode(name)
		for i, sel := range patterns {
			if accepts(sel.Pattern(), key) {
				bad = k.walkEntry(cp, sh, name, patternValues[i], v) || bad
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		bad = true
		if len(patterns) > 0 {
			// A map whose key breaks the pattern: say what a key must be.
			k.report(cp, keyPos(k.file, v), k.s.explain(patterns[0].Pattern(), key), key)
			// Its value may hold mistakes of its own: report them in this run
			// too, unless what it may hold depends on the key.
			if patternValues[0].Err() == nil {
				k.walk(cp, patternValues[0], v)
			}
			continue
		}
		k.report(cp, keyPos(k.file, v), unknown(c, name, names), cue.Value{})
	}
	for _, name := range names {
		if fields[name].required && !present[name] {
			k.report(append(p[:len(p):len(p)], name), keyPos(k.file, d), missing(fields[name].value), cue.Value{})
			bad = true
		}
	}
	return bad
}

// walkEntry checks the value d of the map entry name against the map's
// pattern value c. An entry whose schema depends on its key or on a
// discriminator field (an environment: its name, its platform) is checked
// against the schema of that key and discriminator; when these do not
// decide it, only the discriminator's mistake is reported, as the other
// fields cannot be judged without it.
func (k *schemaChecker) walkEntry(p []string, m cue.Value, name string, c, d cue.Value) bool {
	if c.Err() == nil {
		return k.walk(p, c, d)
	}
	e, disc, schema := k.s.entry(m, name, d)
	if d.Kind() != cue.StructKind {
		msg := "must be a mapping"
		if accepts(e, k.s.ctx.CompileString("{}")) {
			msg += ", {} if empty"
		}
		k.report(p, valuePos(k.file, d), msg, d)
		return true
	}
	if e.Err() == nil {
		return k.walk(p, e, d)
	}
	if disc == "" {
		return k.walk(p, c, d)
	}
	dp := append(p[:len(p):len(p)], disc)
	if v := d.LookupPath(cue.MakePath(cue.Str(disc))); v.Exists() {
		if !k.walk(dp, schema, v) {
			// A valid discriminator with an entry the schema rejects as a
			// whole: a bug in the schema, not in the spec.
			k.report(p, keyPos(k.file, d), "the spec breaks a rule of the schema that authstack cannot name; please report this", cue.Value{})
		}
		return true
	}
	k.report(dp, keyPos(k.file, d), missing(schema), cue.Value{})
	return true
}

// entry is the schema of the entry name of the map m, with the value d: the
// pattern's value for that key, with d's value of the discriminator (a
// field marked @discriminator()), whose name and schema it also returns.
func (s *Schema) entry(m cue.Value, name string, d cue.Value) (e cue.Value, disc string, schema cue.Value) {
	e = m.FillPath(cue.MakePath(cue.Str(name)), s.ctx.CompileString("_")).LookupPath(cue.MakePath(cue.Str(name)))
	if it, err := e.Fields(cue.Optional(true)); err == nil {
		for it.Next() {
			if a := it.Value().Attribute("discriminator"); a.Err() == nil {
				disc, schema = it.Selector().Unquoted(), it.Value()
				break
			}
		}
	}
	if disc == "" {
		return e, "", schema
	}
	dp := cue.MakePath(cue.Str(disc))
	if v := d.LookupPath(dp); v.Exists() && accepts(schema, v) {
		if with := e.FillPath(dp, v); with.Err() == nil {
			e = with
		}
	}
	return e, disc, schema
}

// missing is what a required field's absence says: its @msg(missing=...),
// with {values}, else "required field is missing".
func missing(c cue.Value) string {
	if a := c.Attribute("msg"); a.Err() == nil {
		if m, ok, _ := a.Lookup(0, "missing"); ok && m != "" {
			return strings.ReplaceAll(m, "{values}", strings.Join(choices(c), ", "))
		}
	}
	return "required field is missing"
}

// shape is the part of c that says what its fields or items are. A
// validator of the whole, such as struct.MinFields(1), makes the schema's
// own (empty) value an error; its other conjunct still has the fields.
func shape(c cue.Value) cue.Value {
	if c.Err() == nil {
		return c
	}
	best, most := c, 0
	if op, args := c.Expr(); op == cue.AndOp {
		for _, a := range args {
			if a.Err() != nil || a.IncompleteKind()&(cue.StructKind|cue.ListKind) == 0 {
				continue
			}
			n := 0
			if it, err := a.Fields(cue.Optional(true), cue.Patterns(true)); err == nil {
				for it.Next() {
					n++
				}
			}
			if n > most || best.Err() != nil {
				best, most = a, n
			}
		}
	}
	return best
}

// unknown says which fields are allowed where an unknown one stands; the
// struct's @msg(unknown=...) names what its fields are ("target").
func unknown(c cue.Value, name string, allowed []string) string {
	what := "field"
	if a := c.Attribute("msg"); a.Err() == nil {
		if w, ok, _ := a.Lookup(0, "unknown"); ok && w != "" {
			what = w
		}
	}
	if len(allowed) == 0 {
		return fmt.Sprintf("unknown %s %q: none is allowed here", what, name)
	}
	return fmt.Sprintf("unknown %s %q; allowed: %s", what, name, strings.Join(allowed, ", "))
}

func (k *schemaChecker) walkList(p []string, c, d cue.Value) bool {
	bad := false
	if elem := c.LookupPath(cue.MakePath(cue.AnyIndex)); elem.Exists() {
		it, err := d.List()
		if err != nil {
			return false
		}
		for i := 0; it.Next(); i++ {
			bad = k.walk(append(p[:len(p):len(p)], strconv.Itoa(i)), elem, it.Value()) || bad
		}
	}
	return bad
}

// whole checks what constrains a struct or list as a whole (at least one
// component, distinct items), once its parts are right.
func (k *schemaChecker) whole(p []string, c, d cue.Value) bool {
	if c.Unify(d).Validate(cue.Concrete(true)) == nil {
		return false
	}
	k.report(p, valuePos(k.file, d), k.s.explain(c, d), d)
	return true
}

func (k *schemaChecker) report(p []string, pos token.Position, msg string, found cue.Value) {
	if found.Exists() {
		msg = fmt.Sprintf("%s (got %s)", msg, foundText(found))
	}
	k.errs = append(k.errs, &FieldError{Pos: pos, Path: strings.Join(p, "."), Msg: msg})
}

// foundText is what the user wrote, briefly: strings quoted, numbers as
// they are, maps and lists by their kind.
func foundText(v cue.Value) string {
	switch v.Kind() {
	case cue.StructKind:
		if it, err := v.Fields(); err == nil && !it.Next() {
			return "an empty mapping"
		}
		return "a mapping"
	case cue.ListKind:
		var items []string
		if it, err := v.List(); err == nil {
			for it.Next() {
				items = append(items, foundText(it.Value()))
			}
		}
		if s := "[" + strings.Join(items, ", ") + "]"; utf8.RuneCountInString(s) <= 80 {
			return s
		}
		return "a list"
	case cue.StringKind:
		s, _ := v.String()
		if utf8.RuneCountInString(s) > 80 {
			s = string([]rune(s)[:80]) + "…"
		}
		return strconv.Quote(s)
	case cue.BottomKind:
		return "an invalid value"
	}
	return fmt.Sprint(v)
}

// nameLike values (names, hosts) are case-insensitive to the user's eye;
// in a URL or a path, case matters, so lowering it is no advice.
var nameLike = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// explain returns what the schema value c allows, for a value x that it
// rejects: "must be lower case" when lowering x would do, else the @msg of
// the constraint x breaks.
func (s *Schema) explain(c, x cue.Value) string {
	if str, err := x.String(); err == nil && nameLike.MatchString(str) && strings.ToLower(str) != str &&
		accepts(c, s.ctx.Encode(strings.ToLower(str))) {
		return "must be lower case"
	}
	if msg := s.message(s.definition(c), x, 0); msg != "" {
		msg = strings.ReplaceAll(msg, "{fields}", strings.Join(fieldNames(shape(c)), ", "))
		return strings.ReplaceAll(msg, "{values}", strings.Join(choices(c), ", "))
	}
	return fallback(c)
}

// fieldNames are the fields a struct allows, for messages that list them
// ("{fields}"), so that a list such as the platforms is written once.
func fieldNames(c cue.Value) []string {
	var names []string
	if it, err := c.Fields(cue.Optional(true)); err == nil {
		for it.Next() {
			names = append(names, it.Selector().Unquoted())
		}
	}
	return names
}

// choices are the values a disjunction of literals allows, for messages
// that list them ("{values}"), so that adding a value is one edit.
func choices(c cue.Value) []string {
	var out []string
	op, args := c.Expr()
	if op == cue.AndOp && len(args) == 1 {
		op, args = args[0].Expr()
	}
	if op != cue.OrOp {
		// A reference to a disjunction, such as #Platform.
		if root, p := c.ReferencePath(); root.Exists() && len(p.Selectors()) > 0 {
			if def := root.LookupPath(p); def.Exists() {
				if op2, args2 := def.Expr(); op2 == cue.OrOp {
					op, args = op2, args2
				}
			}
		}
	}
	if op == cue.OrOp {
		for _, a := range args {
			x := ""
			if s, err := a.String(); err == nil {
				x = s
			} else if a.IsConcrete() {
				x = fmt.Sprint(a)
			}
			if x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// fallback is the message of a constraint without @msg: it never shows
// CUE's own words, and TestEveryConstraintHasAMessage keeps it unused.
func fallback(c cue.Value) string {
	switch c.IncompleteKind() {
	case cue.IntKind:
		return "must be an integer in the allowed range"
	case cue.StringKind:
		return "must be a string of the allowed form"
	}
	return "is not allowed here"
}

// message finds the @msg of the narrowest constraint of c that x breaks:
// the field's own, else that of the definition it refers to, else that of
// the first failing part of a conjunction or the only branch of a
// disjunction that has one.
func (s *Schema) message(c, x cue.Value, depth int) string {
	if depth > 8 {
		return ""
	}
	if msg := attr(c); msg != "" {
		return msg
	}
	if root, p := c.ReferencePath(); root.Exists() && len(p.Selectors()) > 0 {
		return s.message(root.LookupPath(p), x, depth+1)
	}
	switch op, args := c.Expr(); op {
	case cue.AndOp:
		for _, a := range args {
			if !accepts(a, x) {
				if msg := s.message(a, x, depth+1); msg != "" {
					return msg
				}
			}
		}
	case cue.OrOp:
		for _, a := range args {
			if msg := s.message(a, x, depth+1); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// definition follows an evaluated value, such as a map's key pattern,
// back to the definition it came from, whose parts are references with
// messages; other values are returned as they are.
func (s *Schema) definition(c cue.Value) cue.Value {
	f, ok := c.Source().(*ast.Field)
	if !ok {
		return c
	}
	name, _, err := ast.LabelName(f.Label)
	if err != nil || !strings.HasPrefix(name, "#") || !ast.IsValidIdent(name) {
		return c
	}
	if def := s.root.LookupPath(cue.MakePath(cue.Def(name))); def.Exists() {
		return def
	}
	return c
}

// attr is a value's own @msg("...").
func attr(v cue.Value) string {
	a := v.Attribute("msg")
	if a.Err() != nil {
		return ""
	}
	msg, _ := a.String(0)
	return msg
}

func accepts(c, x cue.Value) bool {
	return c.Unify(x).Validate(cue.Concrete(true)) == nil
}

// keyPos is where a field's key stands in the user's file; valuePos is
// where its value does.
func keyPos(file string, v cue.Value) token.Position {
	if pos := v.Pos(); pos.IsValid() && pos.Filename() == file {
		return pos.Position()
	}
	return token.Position{Filename: file}
}

func valuePos(file string, v cue.Value) token.Position {
	if f, ok := v.Source().(*ast.Field); ok {
		if pos := f.Value.Pos(); pos.IsValid() && pos.Filename() == file {
			return pos.Position()
		}
	}
	return keyPos(file, v)
}
