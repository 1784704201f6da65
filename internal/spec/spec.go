// Package spec loads AuthStack specs from YAML and validates them against the
// embedded CUE schema, reporting errors by field path and file position.
package spec

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cuebuild "cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/encoding/yaml"

	"github.com/authstack/authstack/bases"
	"github.com/authstack/authstack/overlays"
	"github.com/authstack/authstack/schemas"
)

// APIVersion and Kind identify an AuthStack.
const (
	APIVersion = "authstack.dev/v1alpha1"
	Kind       = "AuthStack"
)

// Stack is one validated AuthStack with its defaults filled in.
type Stack struct {
	// Value is the concrete spec, unified with the schema.
	Value cue.Value
	// File is where the spec was read from.
	File     string
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec Spec `json:"spec"`
	// Warnings are problems that do not stop compilation.
	Warnings Errors `json:"-"`
}

// Spec is the Go view of the parts of an AuthStack's spec that the compiler
// itself reads; the CUE templates read the rest.
type Spec struct {
	Namespace string `json:"namespace"`
	Auth      struct {
		Secret struct {
			Name        string `json:"name"`
			Key         string `json:"key"`
			VersionsKey string `json:"versionsKey"`
			Revision    string `json:"revision"`
		} `json:"secret"`
		JWKS struct {
			Table string `json:"table"`
			Purge string `json:"purge"`
		} `json:"jwks"`
		Migrate *struct {
			Component string   `json:"component"`
			Command   []string `json:"command"`
		} `json:"migrate"`
	} `json:"auth"`
	Database struct {
		Dialect string `json:"dialect"`
	} `json:"database"`
	Components map[string]struct {
		Env map[string]string `json:"env"`
	} `json:"components"`
	Targets map[string]any `json:"targets"`
}

// Targets returns the names of the stack's targets, sorted.
func (s *Stack) Targets() []string {
	names := make([]string, 0, len(s.Spec.Targets))
	for t := range s.Spec.Targets {
		names = append(names, t)
	}
	sort.Strings(names)
	return names
}

// Schema is the compiled AuthStack schema, with the parsed templates that
// build on it: bases/ and one overlays/<target>.cue per target. Together
// they form one CUE package, so that templates can use the schema's
// definitions.
type Schema struct {
	ctx      *cue.Context
	def      cue.Value
	shared   []*ast.File          // the schema and the bases
	overlays map[string]*ast.File // by target
}

// Load returns the embedded schema, compiled once per process.
var Load = sync.OnceValues(func() (*Schema, error) {
	parse := func(dir string, fsys fs.FS) ([]*ast.File, error) {
		names, err := fs.Glob(fsys, "*.cue")
		if err != nil {
			return nil, err
		}
		var files []*ast.File
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			f, err := parser.ParseFile(path.Join(dir, name), data)
			if err != nil {
				return nil, fmt.Errorf("schema: %s", errors.Details(err, nil))
			}
			files = append(files, f)
		}
		return files, nil
	}
	schema, err := parse("schemas", schemas.FS)
	if err != nil {
		return nil, err
	}
	templates, err := parse("bases", bases.FS)
	if err != nil {
		return nil, err
	}
	overlayFiles, err := parse("overlays", overlays.FS)
	if err != nil {
		return nil, err
	}
	s := &Schema{ctx: cuecontext.New(), shared: append(schema, templates...), overlays: map[string]*ast.File{}}
	for _, f := range overlayFiles {
		s.overlays[strings.TrimSuffix(path.Base(f.Filename), ".cue")] = f
	}
	root, err := build(s.ctx, schema)
	if err != nil {
		return nil, err
	}
	s.def = root.LookupPath(cue.ParsePath("#AuthStack"))
	return s, nil
})

// Package returns the CUE package of the schema, the bases and the overlays
// of targets, evaluated with inputs (such as the templates' "stack") as
// further fields. Building the package evaluates all of it, so it holds only
// the overlays asked for, and the inputs are built in rather than filled in
// afterwards, which would evaluate everything a second time.
func (s *Schema) Package(targets []string, inputs ...*ast.Field) (cue.Value, error) {
	files := slices.Clip(s.shared)
	for _, t := range targets {
		f, ok := s.overlays[t]
		if !ok {
			return cue.Value{}, fmt.Errorf("no overlay for target %q", t)
		}
		files = append(files, f)
	}
	in := &ast.File{Filename: "inputs.cue", Decls: []ast.Decl{&ast.Package{Name: ast.NewIdent(packageName)}}}
	for _, f := range inputs {
		in.Decls = append(in.Decls, f)
	}
	return build(s.ctx, append(files, in))
}

// packageName is the CUE package of the schema and templates.
const packageName = "authstack"

func build(ctx *cue.Context, files []*ast.File) (cue.Value, error) {
	inst := cuebuild.NewContext().NewInstance("", nil)
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, fmt.Errorf("schema %s: %w", f.Filename, err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("schema: %s", errors.Details(err, nil))
	}
	return v, nil
}

// Stacks validates every AuthStack document of one YAML stream; documents of
// other kinds are skipped. filename names the stream in positions.
func (s *Schema) Stacks(filename string, data []byte) ([]*Stack, error) {
	f, err := yaml.Extract(filename, data)
	if err != nil {
		return nil, err
	}
	var stacks []*Stack
	var errs Errors
	for _, doc := range s.documents(f) {
		kind, _ := doc.LookupPath(cue.ParsePath("kind")).String()
		if kind != Kind {
			continue
		}
		st, err := s.validate(filename, doc)
		if err != nil {
			errs = append(errs, err.(Errors)...)
			continue
		}
		stacks = append(stacks, st)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return stacks, nil
}

// documents splits a YAML stream into one value per document.
func (s *Schema) documents(f *ast.File) []cue.Value {
	if len(f.Decls) == 1 {
		if e, ok := f.Decls[0].(*ast.EmbedDecl); ok {
			if l, ok := e.Expr.(*ast.ListLit); ok {
				docs := make([]cue.Value, 0, len(l.Elts))
				for _, elt := range l.Elts {
					docs = append(docs, s.ctx.BuildExpr(elt))
				}
				return docs
			}
		}
	}
	return []cue.Value{s.ctx.BuildFile(f)}
}

func (s *Schema) validate(filename string, doc cue.Value) (*Stack, error) {
	v := s.def.Unify(doc)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, s.fieldErrors(filename, doc, err)
	}
	st := &Stack{Value: v, File: filename}
	if err := v.Decode(st); err != nil {
		return nil, Errors{{Pos: position(filename, doc, nil), Msg: err.Error()}}
	}
	var errs Errors
	for _, c := range checks {
		errs = append(errs, c(filename, doc, st)...)
	}
	errs.sort()
	for _, e := range errs {
		if e.Warning {
			st.Warnings = append(st.Warnings, e)
		}
	}
	if errs = errs.errorsOnly(); len(errs) > 0 {
		return nil, errs
	}
	return st, nil
}

// fieldErrors turns CUE's errors into one FieldError per problem, with the
// position in the user's file rather than in the schema.
func (s *Schema) fieldErrors(filename string, doc cue.Value, err error) Errors {
	var out Errors
	seen := map[string]bool{}
	for _, e := range errors.Errors(err) {
		p := fieldPath(e.Path())
		msg := s.message(p, e)
		if i := badKey(p); i >= 0 {
			// CUE reports a map key that no pattern allows at each of the
			// entry's fields; report it once, at the key.
			p, msg = p[:i+1], hintFor(p[:i+1])
		}
		fe := &FieldError{Path: strings.Join(p, "."), Msg: msg}
		fe.Pos = position(filename, doc, p)
		for _, ip := range e.InputPositions() {
			if ip.Filename() == filename {
				fe.Pos = ip.Position()
				break
			}
		}
		if key := fe.Error(); !seen[key] {
			seen[key] = true
			out = append(out, fe)
		}
	}
	out.sort()
	return out
}

// fieldPath drops the schema's definition and unquotes each element:
// CUE quotes labels such as "1web" that are not identifiers.
func fieldPath(p []string) []string {
	if len(p) > 0 && p[0] == "#AuthStack" {
		p = p[1:]
	}
	out := make([]string, len(p))
	for i, name := range p {
		if s, err := strconv.Unquote(name); err == nil {
			name = s
		}
		out[i] = name
	}
	return out
}

// keyPatterns constrain the keys of the schema's maps.
var keyPatterns = map[string]*regexp.Regexp{
	"spec.components": regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`),
}

// badKey returns the index in p of a map key that breaks its pattern, or -1.
func badKey(p []string) int {
	for i := 1; i < len(p); i++ {
		if re := keyPatterns[strings.Join(p[:i], ".")]; re != nil && !re.MatchString(p[i]) {
			return i
		}
	}
	return -1
}

// position is where the deepest existing part of path stands in the user's
// document: a missing field is reported at its parent.
func position(filename string, doc cue.Value, p []string) token.Position {
	for i := len(p); i >= 0; i-- {
		sel := make([]cue.Selector, i)
		for j, name := range p[:i] {
			sel[j] = cue.Str(name)
		}
		if v := doc.LookupPath(cue.MakePath(sel...)); v.Exists() {
			if pos := v.Pos(); pos.IsValid() && pos.Filename() == filename {
				return pos.Position()
			}
		}
	}
	return token.Position{Filename: filename}
}

// message says what is wrong with a field and what is allowed.
func (s *Schema) message(p []string, e errors.Error) string {
	format, args := e.Msg()
	msg := fmt.Sprintf(format, args...)
	switch {
	case msg == "field not allowed":
		return s.unknownField(p)
	case strings.Contains(msg, "required but not present"):
		return "required field is missing"
	}
	if hint := hintFor(p); hint != "" {
		if v := valueOf(args); v != "" {
			return fmt.Sprintf("%s (got %s)", hint, v)
		}
		return hint
	}
	return msg
}

// unknownField names the fields that are allowed where an unknown one stands.
func (s *Schema) unknownField(p []string) string {
	if hint := hintFor(p); hint != "" && strings.HasPrefix(hint, "name ") {
		return hint
	}
	if len(p) == 0 {
		return "unknown field"
	}
	parent := s.def
	for _, name := range p[:len(p)-1] {
		next := parent.LookupPath(cue.MakePath(cue.Str(name)))
		if !next.Exists() { // required and optional fields of a definition
			next = parent.LookupPath(cue.MakePath(cue.Str(name).Optional()))
		}
		if !next.Exists() {
			return "unknown field"
		}
		parent = next
	}
	var allowed []string
	it, err := parent.Fields(cue.Optional(true))
	if err == nil {
		for it.Next() {
			allowed = append(allowed, it.Selector().Unquoted())
		}
	}
	if len(allowed) == 0 {
		return "unknown field"
	}
	return fmt.Sprintf("unknown field %q; allowed: %s", p[len(p)-1], strings.Join(allowed, ", "))
}

// valueOf returns the offending value in a CUE "invalid value" message.
func valueOf(args []any) string {
	if len(args) == 0 {
		return ""
	}
	switch a := args[0].(type) {
	case string:
		return a
	case fmt.Stringer:
		return a.String()
	}
	return ""
}
