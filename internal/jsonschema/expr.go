package jsonschema

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/ast/astutil"
	"cuelang.org/go/cue/token"
)

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
