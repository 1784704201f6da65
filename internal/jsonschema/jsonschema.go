// Package jsonschema generates a JSON Schema (draft 2020-12) for editors
// from the CUE schema of AuthStack, by walking the evaluated #AuthStack.
//
// `cue def --out jsonschema` loses what matters to a user: it leaves the
// components open and drops the bounds of port. This walker keeps closed
// structs closed (additionalProperties: false), turns disjunctions of
// literals into enums, bounds into minimum/maximum, regular expressions into
// patterns, strings.MaxRunes into maxLength, struct.MinFields into
// minProperties, list.UniqueItems into uniqueItems, marked defaults into
// default and doc comments into description. What JSON Schema cannot say
// (a constraint across fields, such as two components exposing one path) is
// listed by Generate instead of being dropped silently.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cuebuild "cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/authstack/authstack/schemas"
)

// ID is where the committed schema is published; the starter spec's
// yaml-language-server modeline points at it.
const ID = "https://raw.githubusercontent.com/authstack/authstack/main/schemas/authstack.schema.json"

// Generate returns the JSON Schema of #AuthStack, indented, with a final
// newline, and the constraints it could not express, one per line as
// "field.path: constraint".
func Generate() ([]byte, []string, error) {
	def, err := load()
	if err != nil {
		return nil, nil, err
	}
	g := &generator{}
	s := g.value(def, "")
	s.sort()
	root := &object{}
	root.set("$schema", "https://json-schema.org/draft/2020-12/schema")
	root.set("$id", ID)
	root.set("title", "AuthStack")
	for _, kv := range s.kvs {
		root.set(kv.k, kv.v)
	}
	if len(g.defs.kvs) > 0 {
		root.set("$defs", &g.defs)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), g.lost, nil
}

// load builds the embedded schema package (schemas/ and the platforms'
// declarations in overlays/) and returns #AuthStack.
func load() (cue.Value, error) {
	files, err := schemas.Files(parser.ParseComments)
	if err != nil {
		return cue.Value{}, err
	}
	inst := cuebuild.NewContext().NewInstance("", nil)
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, fmt.Errorf("schema: %w", err)
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("schema: %w", err)
	}
	return v.LookupPath(cue.ParsePath("#AuthStack")), nil
}

type generator struct {
	lost []string
	// defs are the schemas under $defs, by name.
	defs object
}

// value returns the schema of v, a field at path p.
func (g *generator) value(v cue.Value, p string) *object {
	var s *object
	k := kind(v)
	switch k {
	case cue.StructKind:
		s = g.structure(v, p)
	case cue.ListKind:
		s = g.list(v, p)
	default:
		s = g.leaf(v, p)
		if _, ok := s.get("type"); !ok {
			if t := jsonType[k]; t != "" {
				s.kvs = append([]kv{{"type", t}}, s.kvs...)
			}
		}
	}
	if d := doc(v); d != "" {
		s.set("description", d)
	}
	return s
}

// jsonType is the JSON Schema type of a CUE kind of scalar.
var jsonType = map[cue.Kind]string{
	cue.StringKind: "string",
	cue.IntKind:    "integer",
	cue.NumberKind: "number",
	cue.FloatKind:  "number",
	cue.BoolKind:   "boolean",
}

// kind is the kind of values v allows. A schema value whose validator fails
// on the schema itself (struct.MinFields(1) on an empty map) is bottom;
// then the kind is that of its conjuncts.
func kind(v cue.Value) cue.Kind { return kindAt(v, 0) }

func kindAt(v cue.Value, depth int) cue.Kind {
	k := v.IncompleteKind()
	if k != cue.BottomKind || depth > 8 {
		return k
	}
	op, args := v.Expr()
	if op != cue.AndOp && !(op == cue.NoOp && len(args) == 1) {
		return k
	}
	k = cue.TopKind
	for _, a := range args {
		if ak := kindAt(a, depth+1); ak != cue.BottomKind {
			k &= ak
		}
	}
	return k
}

// structure: properties, required fields, closedness, and the pattern
// constraints of maps.
func (g *generator) structure(v cue.Value, p string) *object {
	s := &object{}
	s.set("type", "object")
	it, err := v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		g.lose(p, err.Error())
		return s
	}
	props := &object{}
	var required []string
	var keys, values []*object
	for it.Next() {
		sel := it.Selector()
		if sel.ConstraintType()&cue.PatternConstraint != 0 {
			keys = append(keys, g.leaf(sel.Pattern(), p+".<key>"))
			if disc, ok := discriminator(v, it.Value()); ok {
				// An environment: its schema depends on its platform.
				values = append(values, g.discriminated(v, disc, props, p))
				continue
			}
			values = append(values, g.value(it.Value(), join(p, "*")))
			continue
		}
		name := sel.Unquoted()
		props.set(name, g.value(it.Value(), join(p, name)))
		if needed(sel, it.Value()) {
			required = append(required, name)
		}
	}
	if len(props.kvs) > 0 {
		s.set("properties", props)
	}
	if len(required) > 0 {
		s.set("required", required)
	}
	switch {
	case len(keys) == 1 && v.IsClosed():
		// [K]: V, and nothing else: every key must match K.
		if !keys[0].isEmpty() && !(len(keys[0].kvs) == 1 && keys[0].kvs[0].k == "type") {
			keys[0].del("type")
			s.set("propertyNames", keys[0])
		}
		s.set("additionalProperties", values[0])
	case len(keys) > 1:
		g.lose(p, "more than one pattern constraint")
	case v.IsClosed():
		s.set("additionalProperties", false)
	}
	for _, c := range validators(v) {
		switch c.name {
		case "struct.MinFields":
			s.set("minProperties", c.arg)
		case "struct.MaxFields":
			s.set("maxProperties", c.arg)
		}
	}
	return s
}

// needed reports whether a field must be given: it is required (name!), or
// it is a regular field that its defaults alone do not make valid, such as
// components: vet reports it missing either way.
func needed(sel cue.Selector, v cue.Value) bool {
	switch sel.ConstraintType() {
	case cue.RequiredConstraint:
		return true
	case cue.OptionalConstraint:
		return false
	}
	if d, ok := v.Default(); ok {
		v = d
	}
	return v.Validate(cue.Concrete(true)) != nil
}

func (g *generator) list(v cue.Value, p string) *object {
	s := &object{}
	s.set("type", "array")
	// A fixed prefix, as in [string, ...string], then the other elements.
	var prefix []*object
	if it, err := v.List(); err == nil {
		for it.Next() {
			prefix = append(prefix, g.value(it.Value(), join(p, strconv.Itoa(len(prefix)))))
		}
	}
	if len(prefix) > 0 {
		s.set("prefixItems", prefix)
		s.set("minItems", int64(len(prefix)))
	}
	if elem := v.LookupPath(cue.MakePath(cue.AnyIndex)); elem.Exists() {
		s.set("items", g.value(elem, join(p, "*")))
	} else if len(prefix) > 0 {
		s.set("items", false)
	}
	for _, c := range validators(v) {
		switch c.name {
		case "list.UniqueItems":
			s.set("uniqueItems", true)
		case "list.MinItems":
			s.set("minItems", c.arg)
		case "list.MaxItems":
			s.set("maxItems", c.arg)
		}
	}
	return s
}

// leaf translates the evaluated expression of a scalar field. When that
// expression refers to other fields (a constraint across fields), it falls
// back to the conjuncts of the field and keeps those that stand alone.
func (g *generator) leaf(v cue.Value, p string) *object {
	if s, err := expr(exprOf(v.Syntax())); err == nil {
		return withDefault(s, v)
	}
	op, args := v.Expr()
	if op == cue.NoOp && len(args) == 1 {
		if op, args = args[0].Expr(); op != cue.AndOp {
			op, args = cue.NoOp, nil
		}
	}
	if op != cue.AndOp {
		g.lose(p, source(v))
		return &object{}
	}
	var parts []*object
	for _, a := range args {
		s, err := expr(exprOf(a.Syntax()))
		if err != nil {
			g.lose(p, strings.Join(strings.Fields(fmt.Sprint(a)), " "))
			continue
		}
		parts = append(parts, s)
	}
	return withDefault(allOf(parts), v)
}

// withDefault adds v's default where the expression did not show it.
func withDefault(s *object, v cue.Value) *object {
	if _, ok := s.get("default"); ok {
		return s
	}
	if d, ok := v.Default(); ok && d.IsConcrete() {
		var x any
		if err := d.Decode(&x); err == nil {
			if f, ok := x.(float64); ok && f == float64(int64(f)) && d.IncompleteKind() == cue.IntKind {
				x = int64(f)
			}
			s.set("default", x)
		}
	}
	return s
}

func (g *generator) lose(p, what string) {
	g.lost = append(g.lost, p+": "+what)
}

type validator struct {
	name string
	arg  any
}

// validators lists the builtin validators among v's conjuncts, such as
// struct.MinFields(1) or list.UniqueItems().
func validators(v cue.Value) []validator {
	var out []validator
	var walk func(cue.Value)
	walk = func(x cue.Value) {
		op, args := x.Expr()
		switch op {
		case cue.AndOp:
			for _, a := range args {
				walk(a)
			}
		case cue.CallOp:
			c := validator{name: strings.TrimSuffix(fmt.Sprint(args[0]), "()")}
			if len(args) > 1 {
				if n, err := args[1].Int64(); err == nil {
					c.arg = n
				}
			}
			out = append(out, c)
		}
	}
	walk(v)
	// A validator on a list inside a pattern constraint shows only in the
	// value's syntax.
	var scan func(ast.Expr)
	scan = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.BinaryExpr:
			if e.Op == token.AND {
				scan(e.X)
				scan(e.Y)
			}
		case *ast.CallExpr:
			if name, arg, err := call(e); err == nil && !slices.ContainsFunc(out, func(c validator) bool { return c.name == name }) {
				out = append(out, validator{name, arg})
			}
		}
	}
	scan(exprOf(v.Syntax()))
	return out
}

// doc joins a field's doc comments and those of the definition it refers
// to (such as #Label), so that an editor's hover says what a value is.
func doc(v cue.Value) string {
	var lines []string
	add := func(x cue.Value) {
		for _, cg := range x.Doc() {
			if t := strings.TrimSpace(cg.Text()); t != "" && !slices.Contains(lines, t) {
				lines = append(lines, t)
			}
		}
	}
	add(v)
	refs := []cue.Value{v}
	if op, args := v.Expr(); op == cue.OrOp || op == cue.AndOp {
		refs = append(refs, args...)
	}
	for _, r := range refs {
		if root, p := r.ReferencePath(); len(p.Selectors()) > 0 {
			if def := root.LookupPath(p); def.Exists() && def.IncompleteKind() != cue.StructKind {
				add(def)
			}
		}
	}
	return strings.Join(lines, "\n")
}

func join(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

func source(v cue.Value) string { return strings.Join(strings.Fields(fmt.Sprint(v)), " ") }

func formatted(n ast.Node) string {
	if n == nil {
		return "?"
	}
	b, err := format.Node(n)
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// discriminator is the field of a map's entries whose value decides the
// other fields (an environment's platform, marked @discriminator()), with
// the choices it has: the entry's value e alone is then incomplete.
func discriminator(m, e cue.Value) (string, bool) {
	if e.Err() != nil {
		if name, _ := discField(m); name != "" {
			return name, true
		}
	}
	return "", false
}

// discField is the discriminator field of the entries of the map m and its
// schema, found in the schema of an entry whose key decides nothing.
func discField(m cue.Value) (string, cue.Value) {
	it, err := entry(m, "x").Fields(cue.Optional(true))
	if err != nil {
		return "", cue.Value{}
	}
	for it.Next() {
		if a := it.Value().Attribute("discriminator"); a.Err() == nil {
			return it.Selector().Unquoted(), it.Value()
		}
	}
	return "", cue.Value{}
}

// entry is the schema of the entry key of the map m.
func entry(m cue.Value, key string) cue.Value {
	return m.FillPath(cue.MakePath(cue.Str(key)), m.Context().CompileString("_")).LookupPath(cue.MakePath(cue.Str(key)))
}

// discriminated returns the schema of an entry of the map m (at p) whose
// fields depend on its field disc: for each value d of disc, $defs holds the
// entry's schema with disc = d ("<name>-<d>"), and "<name>" dispatches on
// disc with if/then. An entry whose key is one of disc's values may leave
// disc out (it defaults to the key): props gets such keys, with "else".
func (g *generator) discriminated(m cue.Value, disc string, props *object, p string) *object {
	name := p[strings.LastIndex(p, ".")+1:]
	ref := func(n string) *object { return (&object{}).set("$ref", "#/$defs/"+n) }
	var values []string
	var dispatch []*object
	for _, d := range g.choicesOf(m, disc) {
		values = append(values, d)
		e := entry(m, d)
		s := g.value(e, join(p, d))
		// The discriminator's own schema is the const below.
		g.lost = slices.DeleteFunc(g.lost, func(l string) bool { return strings.HasPrefix(l, join(join(p, d), disc)+": ") })
		// disc is d here, and whether it may be left out is the
		// dispatcher's business.
		if pr, ok := s.get("properties"); ok {
			pr.(*object).set(disc, (&object{}).set("const", d))
		}
		if r, ok := s.get("required"); ok {
			r2 := slices.DeleteFunc(slices.Clone(r.([]string)), func(x string) bool { return x == disc })
			if len(r2) == 0 {
				s.del("required")
			} else {
				s.set("required", r2)
			}
		}
		g.defs.set(name+"-"+d, s)
		dispatch = append(dispatch, (&object{}).
			set("if", (&object{}).set("properties", (&object{}).set(disc, (&object{}).set("const", d)))).
			set("then", ref(name+"-"+d)))
		props.set(d, (&object{}).
			set("if", (&object{}).set("required", []string{disc})).
			set("then", ref(name)).
			set("else", ref(name+"-"+d)))
	}
	discSchema := (&object{}).set("enum", values)
	if _, c := discField(m); doc(c) != "" {
		d := doc(c)
		discSchema.set("description", d)
	}
	all := (&object{}).
		set("type", "object").
		set("properties", (&object{}).set(disc, discSchema)).
		set("required", []string{disc}).
		set("allOf", dispatch)
	g.defs.set(name, all)
	return ref(name)
}

// choicesOf lists the values of the discriminator disc of the map m's entries.
func (g *generator) choicesOf(m cue.Value, disc string) []string {
	_, c := discField(m)
	var out []string
	var walk func(v cue.Value, depth int)
	walk = func(v cue.Value, depth int) {
		if depth > 8 {
			return
		}
		if root, path := v.ReferencePath(); root.Exists() && len(path.Selectors()) > 0 {
			walk(root.LookupPath(path), depth+1)
			return
		}
		op, args := v.Expr()
		switch op {
		case cue.OrOp, cue.AndOp:
			for _, a := range args {
				walk(a, depth+1)
			}
		default:
			if s, err := v.String(); err == nil && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	walk(c, 0)
	return out
}
