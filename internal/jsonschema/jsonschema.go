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
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/ast/astutil"
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), g.lost, nil
}

// load builds the embedded schema package and returns #AuthStack.
func load() (cue.Value, error) {
	names, err := fs.Glob(schemas.FS, "*.cue")
	if err != nil {
		return cue.Value{}, err
	}
	inst := cuebuild.NewContext().NewInstance("", nil)
	for _, name := range names {
		data, err := fs.ReadFile(schemas.FS, name)
		if err != nil {
			return cue.Value{}, err
		}
		f, err := parser.ParseFile("schemas/"+name, data, parser.ParseComments)
		if err != nil {
			return cue.Value{}, fmt.Errorf("schema: %w", err)
		}
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

// exprOf returns the expression of a value's syntax: an expression, or a
// file or struct that embeds one (after imports), where CUE's exporter
// wrote each definition it refers to as a let clause ("let INT32 = {#x:
// int32}", used as INT32.#x): those references are replaced by the
// definitions' expressions. Nil if the syntax holds anything else, such as
// a reference to another field.
func exprOf(n ast.Node) ast.Expr {
	var decls []ast.Decl
	switch n := n.(type) {
	case *ast.File:
		decls = n.Decls
	case *ast.StructLit:
		if !slices.ContainsFunc(n.Elts, func(d ast.Decl) bool { _, ok := d.(*ast.LetClause); return ok }) {
			return n
		}
		decls = n.Elts
	case ast.Expr:
		return n
	default:
		return nil
	}
	var e ast.Expr
	lets := map[string]ast.Expr{}
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.ImportDecl, *ast.Package, *ast.CommentGroup:
		case *ast.EmbedDecl:
			if e != nil {
				return nil
			}
			e = d.Expr
		case *ast.LetClause:
			lets[d.Ident.Name] = d.Expr
		default:
			return nil
		}
	}
	if e == nil || len(lets) == 0 {
		return e
	}
	return substitute(e, lets, 0)
}

// substitute replaces LET.#x by the expression of field #x of the let's
// struct, within its own lets too.
func substitute(e ast.Expr, lets map[string]ast.Expr, depth int) ast.Expr {
	if depth > 16 {
		return e
	}
	out := astutil.Apply(e, func(c astutil.Cursor) bool {
		sel, ok := c.Node().(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		body, ok := lets[id.Name].(*ast.StructLit)
		if !ok {
			return true
		}
		name, _, _ := ast.LabelName(sel.Sel)
		for _, d := range body.Elts {
			if f, ok := d.(*ast.Field); ok {
				if l, _, _ := ast.LabelName(f.Label); l == name {
					c.Replace(&ast.ParenExpr{X: substitute(f.Value, lets, depth+1)})
					return false
				}
			}
		}
		return true
	}, nil)
	e, _ = out.(ast.Expr)
	return e
}

// expr translates a CUE expression of a scalar into a schema.
func expr(e ast.Expr) (*object, error) {
	s := &object{}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return expr(e.X)
	case *ast.StructLit: // an embedded scalar: { =~"…" }
		if len(e.Elts) == 1 {
			if d, ok := e.Elts[0].(*ast.EmbedDecl); ok {
				return expr(d.Expr)
			}
		}
	case *ast.Ident:
		switch e.Name {
		case "string":
			s.set("type", "string")
		case "int":
			s.set("type", "integer")
		case "uint":
			s.set("type", "integer")
			s.set("minimum", int64(0))
		case "number", "float":
			s.set("type", "number")
		case "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "byte", "rune":
			// CUE writes int & >=-2147483648 & <=2147483647 as int32.
			s.set("type", "integer")
			b := intBounds[e.Name]
			s.set("minimum", b[0])
			s.set("maximum", b[1])
		case "bool":
			s.set("type", "boolean")
		case "_":
		default:
			return nil, fmt.Errorf("reference %s", e.Name)
		}
		return s, nil
	case *ast.BasicLit:
		val, err := literal(e)
		if err != nil {
			return nil, err
		}
		s.set("const", val)
		return s, nil
	case *ast.UnaryExpr:
		return unary(e)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.AND:
			x, err := expr(e.X)
			if err != nil {
				return nil, err
			}
			y, err := expr(e.Y)
			if err != nil {
				return nil, err
			}
			return allOf([]*object{x, y}), nil
		case token.OR:
			return disjunction(e)
		}
	case *ast.CallExpr:
		name, args, err := call(e)
		if err != nil {
			return nil, err
		}
		switch name {
		case "strings.MaxRunes":
			s.set("maxLength", args)
		case "strings.MinRunes":
			s.set("minLength", args)
		default:
			return nil, fmt.Errorf("call %s", name)
		}
		return s, nil
	}
	return nil, fmt.Errorf("expression %s", formatted(e))
}

// intBounds are the ranges of CUE's predeclared integer types.
var intBounds = map[string][2]int64{
	"int8": {-1 << 7, 1<<7 - 1}, "int16": {-1 << 15, 1<<15 - 1}, "int32": {-1 << 31, 1<<31 - 1},
	"int64": {-1 << 63, 1<<63 - 1}, "uint8": {0, 1<<8 - 1}, "byte": {0, 1<<8 - 1}, "uint16": {0, 1<<16 - 1},
	"uint32": {0, 1<<32 - 1}, "rune": {0, 0x10FFFF}, "uint64": {0, 1<<63 - 1}, // JSON numbers: int64 at most
}

func unary(e *ast.UnaryExpr) (*object, error) {
	s := &object{}
	lit, ok := e.X.(*ast.BasicLit)
	if !ok {
		return nil, fmt.Errorf("expression %s", formatted(e))
	}
	val, err := literal(lit)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case token.MAT:
		re, _ := val.(string)
		if _, err := regexp.Compile(re); err != nil {
			return nil, err
		}
		s.set("type", "string")
		s.set("pattern", re)
	case token.NMAT:
		s.set("type", "string")
		s.set("not", (&object{}).set("pattern", val))
	case token.NEQ:
		if val == "" {
			s.set("minLength", int64(1))
		} else {
			s.set("not", (&object{}).set("const", val))
		}
	case token.GEQ:
		s.set("minimum", val)
	case token.LEQ:
		s.set("maximum", val)
	case token.GTR:
		s.set("exclusiveMinimum", val)
	case token.LSS:
		s.set("exclusiveMaximum", val)
	default:
		return nil, fmt.Errorf("expression %s", formatted(e))
	}
	return s, nil
}

// disjunction: literals become an enum, the marked one the default; a
// default that another alternative accepts anyway is only a default.
func disjunction(e *ast.BinaryExpr) (*object, error) {
	var alts []ast.Expr
	var flatten func(ast.Expr)
	flatten = func(x ast.Expr) {
		if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.OR {
			flatten(b.X)
			flatten(b.Y)
			return
		}
		alts = append(alts, x)
	}
	flatten(e)
	var def any
	hasDef := false
	var schemas []*object
	for _, a := range alts {
		if u, ok := a.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			s, err := expr(u.X)
			if err != nil {
				return nil, err
			}
			c, ok := s.get("const")
			if !ok {
				return nil, fmt.Errorf("default %s is not a literal", formatted(u.X))
			}
			def, hasDef = c, true
			schemas = append(schemas, s)
			continue
		}
		s, err := expr(a)
		if err != nil {
			return nil, err
		}
		schemas = append(schemas, s)
	}
	var enum []any
	allConst := true
	for _, s := range schemas {
		c, ok := s.get("const")
		if !ok || len(s.kvs) != 1 {
			allConst = false
			break
		}
		if !slices.Contains(enum, c) { // *"a" | "a" | "b"
			enum = append(enum, c)
		}
	}
	out := &object{}
	switch {
	case allConst:
		if t := typeOf(enum); t != "" {
			out.set("type", t)
		}
		out.set("enum", enum)
	default:
		var keep []*object
		for _, s := range schemas {
			if c, ok := s.get("const"); ok && len(s.kvs) == 1 && slices.ContainsFunc(schemas, func(o *object) bool { return o != s && accepts(o, c) }) {
				continue // a default the other alternatives accept
			}
			keep = append(keep, s)
		}
		if len(keep) == 1 {
			out = keep[0]
		} else {
			out.set("anyOf", keep)
		}
	}
	if hasDef {
		out.set("default", def)
	}
	return out, nil
}

// allOf merges schemas whose keywords do not collide; bounds combine.
func allOf(parts []*object) *object {
	out := &object{}
	var rest []*object
	for _, p := range parts {
		if p.isEmpty() {
			continue
		}
		merged := true
		for _, kv := range p.kvs {
			old, ok := out.get(kv.k)
			switch {
			case !ok:
			case kv.k == "type" && (old == kv.v || old == "integer" && kv.v == "number"):
				continue
			case kv.k == "type" && old == "number" && kv.v == "integer":
			case kv.k == "minimum" || kv.k == "minLength" || kv.k == "minProperties":
				if cmp(kv.v, old) <= 0 {
					continue
				}
			case kv.k == "maximum" || kv.k == "maxLength":
				if cmp(kv.v, old) >= 0 {
					continue
				}
			default:
				merged = false
			}
			if !merged {
				break
			}
		}
		if !merged {
			rest = append(rest, p)
			continue
		}
		for _, kv := range p.kvs {
			old, ok := out.get(kv.k)
			switch {
			case !ok:
				out.set(kv.k, kv.v)
			case kv.k == "type":
				if kv.v == "integer" {
					out.set(kv.k, kv.v)
				}
			case strings.HasPrefix(kv.k, "min") && cmp(kv.v, old) > 0,
				strings.HasPrefix(kv.k, "max") && cmp(kv.v, old) < 0:
				out.set(kv.k, kv.v)
			}
		}
	}
	if len(rest) > 0 {
		out.set("allOf", rest)
	}
	return out
}

// accepts reports whether a scalar schema accepts the literal c.
func accepts(s *object, c any) bool {
	for _, kv := range s.kvs {
		switch kv.k {
		case "type":
			if typeOf([]any{c}) != kv.v && !(kv.v == "number" && typeOf([]any{c}) == "integer") {
				return false
			}
		case "pattern":
			str, _ := c.(string)
			if !regexp.MustCompile(kv.v.(string)).MatchString(str) {
				return false
			}
		case "maxLength", "minLength":
			str, _ := c.(string)
			n := int64(len([]rune(str)))
			if kv.k == "maxLength" && n > kv.v.(int64) || kv.k == "minLength" && n < kv.v.(int64) {
				return false
			}
		case "minimum":
			if cmp(c, kv.v) < 0 {
				return false
			}
		case "maximum":
			if cmp(c, kv.v) > 0 {
				return false
			}
		case "const":
			if c != kv.v {
				return false
			}
		case "enum":
			if !slices.Contains(kv.v.([]any), c) {
				return false
			}
		default:
			return false // not sure: keep the alternative
		}
	}
	return true
}

func typeOf(vals []any) string {
	t := ""
	for _, v := range vals {
		var u string
		switch v.(type) {
		case string:
			u = "string"
		case int64:
			u = "integer"
		case float64:
			u = "number"
		case bool:
			u = "boolean"
		}
		if t != "" && t != u {
			return ""
		}
		t = u
	}
	return t
}

func cmp(a, b any) int {
	f := func(x any) float64 {
		switch x := x.(type) {
		case int64:
			return float64(x)
		case float64:
			return x
		}
		return 0
	}
	x, y := f(a), f(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func literal(l *ast.BasicLit) (any, error) {
	switch l.Kind {
	case token.STRING:
		return strconv.Unquote(l.Value)
	case token.INT:
		return strconv.ParseInt(strings.ReplaceAll(l.Value, "_", ""), 0, 64)
	case token.FLOAT:
		return strconv.ParseFloat(l.Value, 64)
	case token.TRUE:
		return true, nil
	case token.FALSE:
		return false, nil
	}
	return nil, fmt.Errorf("literal %s", l.Value)
}

// call returns a builtin call's name and its only integer argument, if any.
func call(e *ast.CallExpr) (string, any, error) {
	name := formatted(e.Fun)
	switch len(e.Args) {
	case 0:
		return name, nil, nil
	case 1:
		if l, ok := e.Args[0].(*ast.BasicLit); ok {
			v, err := literal(l)
			return name, v, err
		}
	}
	return "", nil, fmt.Errorf("call %s", formatted(e))
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

// object is a JSON object that keeps its keys in insertion order, so the
// schema lists properties in the CUE schema's order.
type object struct {
	kvs []kv
}

type kv struct {
	k string
	v any
}

func (o *object) set(k string, v any) *object {
	for i := range o.kvs {
		if o.kvs[i].k == k {
			o.kvs[i].v = v
			return o
		}
	}
	o.kvs = append(o.kvs, kv{k, v})
	return o
}

func (o *object) get(k string) (any, bool) {
	for _, kv := range o.kvs {
		if kv.k == k {
			return kv.v, true
		}
	}
	return nil, false
}

func (o *object) del(k string) {
	o.kvs = slices.DeleteFunc(o.kvs, func(kv kv) bool { return kv.k == k })
}

// keyOrder is the order of keywords in the output: what a value is, then
// its bounds, then what it holds, then its default and description.
var keyOrder = []string{"type", "const", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "not", "prefixItems", "items", "uniqueItems", "minItems", "maxItems",
	"properties", "required", "propertyNames", "additionalProperties", "minProperties", "maxProperties",
	"anyOf", "allOf", "default", "description"}

// sort puts the keywords of o and of every schema in it in keyOrder; the
// names of properties keep the CUE schema's order.
func (o *object) sort() {
	rank := func(k string) int {
		if i := slices.Index(keyOrder, k); i >= 0 {
			return i
		}
		return len(keyOrder)
	}
	slices.SortStableFunc(o.kvs, func(a, b kv) int { return rank(a.k) - rank(b.k) })
	for _, kv := range o.kvs {
		switch v := kv.v.(type) {
		case *object:
			if kv.k == "properties" {
				for _, p := range v.kvs {
					p.v.(*object).sort()
				}
			} else {
				v.sort()
			}
		case []*object:
			for _, x := range v {
				x.sort()
			}
		}
	}
}

func (o *object) isEmpty() bool { return len(o.kvs) == 0 }

// MarshalJSON writes the keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o.kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		b.Write(k)
		b.WriteByte(':')
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv.v); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
