// Package spec loads AuthStack specs from YAML and validates them against the
// embedded CUE schema, reporting errors by field path and file position.
package spec

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cuebuild "cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

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

// Targets returns the names of the stack's environments (the keys of
// spec.targets), sorted.
func (s *Stack) Targets() []string {
	names := make([]string, 0, len(s.Spec.Targets))
	for t := range s.Spec.Targets {
		names = append(names, t)
	}
	sort.Strings(names)
	return names
}

// Platform returns the platform of the environment env, "" when the stack
// has no such environment.
func (s *Stack) Platform(env string) string {
	v := s.Value.LookupPath(cue.MakePath(cue.Str("spec"), cue.Str("targets"), cue.Str(env), cue.Str("platform")))
	if d, ok := v.Default(); ok {
		v = d
	}
	p, _ := v.String()
	return p
}

// Schema is the compiled AuthStack schema, with the parsed templates that
// build on it: bases/ and one overlays/<target>.cue per target. Together
// they form one CUE package, so that templates can use the schema's
// definitions.
type Schema struct {
	ctx      *cue.Context
	root     cue.Value // the schema package, for its definitions
	def      cue.Value
	shared   []*ast.File          // the schema and the bases
	overlays map[string]*ast.File // by platform
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
	// The platforms' settings are declared in their overlay files.
	schemaFiles, err := schemas.Files()
	if err != nil {
		return nil, err
	}
	root, err := build(s.ctx, schemaFiles)
	if err != nil {
		return nil, err
	}
	s.root = root
	s.def = root.LookupPath(cue.ParsePath("#AuthStack"))
	return s, nil
})

// Platforms returns the names of the platforms, one per overlay file, sorted.
func (s *Schema) Platforms() []string {
	return slices.Sorted(maps.Keys(s.overlays))
}

// Package returns the CUE package of the schema, the bases and the overlay
// files of platforms, evaluated with inputs (such as the templates' "stack")
// as further fields. Building the package evaluates all of it, so it holds
// only the overlays asked for, and the inputs are built in rather than
// filled in afterwards, which would evaluate everything a second time.
func (s *Schema) Package(platforms []string, inputs ...*ast.Field) (cue.Value, error) {
	files := slices.Clip(s.shared)
	for _, p := range slices.Compact(slices.Sorted(slices.Values(platforms))) {
		f, ok := s.overlays[p]
		if !ok {
			return cue.Value{}, fmt.Errorf("no overlay for platform %q", p)
		}
		files = append(files, f)
	}
	in := &ast.File{Filename: "inputs.cue", Decls: []ast.Decl{&ast.Package{Name: ast.NewIdent(packageName)}}}
	for _, f := range inputs {
		in.Decls = append(in.Decls, f)
	}
	// A context of its own: a context keeps what it evaluated for as long
	// as it lives, the schema's for the whole process (16 MiB at 50
	// components); the inputs come as syntax, so nothing is shared.
	return build(cuecontext.New(), append(files, in))
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
	f, err := s.extract(filename, data)
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
	k := &schemaChecker{s: s, file: filename}
	v := s.def.Unify(doc)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		// Only a spec that the schema rejects needs the slower walk that
		// says why, one line per mistake.
		if k.walk(nil, s.def, doc); len(k.errs) == 0 {
			// The walk accepted what the schema rejects: a bug, reported
			// without CUE's words.
			k.errs = Errors{{Pos: keyPos(filename, doc), Msg: "the spec breaks a rule of the schema that authstack cannot name; please report this"}}
		}
	}
	for _, c := range checks {
		k.errs = append(k.errs, c(s, filename, doc)...)
	}
	k.errs = k.errs.unique()
	k.errs.sort()
	if errs := k.errs.errorsOnly(); len(errs) > 0 {
		return nil, errs
	}
	st := &Stack{Value: v, File: filename, Warnings: k.errs}
	if err := v.Decode(st); err != nil {
		return nil, Errors{{Pos: keyPos(filename, doc), Msg: "the spec cannot be read; please report this"}}
	}
	var errs Errors
	for _, c := range stackChecks {
		errs = append(errs, c(filename, doc, st)...)
	}
	if bad := errs.errorsOnly(); len(bad) > 0 {
		bad.sort()
		return nil, bad
	}
	st.Warnings = append(st.Warnings, errs...)
	st.Warnings.sort()
	return st, nil
}
