// Package spec loads AuthStack specs from YAML and validates them against the
// embedded CUE schema, reporting errors by field path and file position.
package spec

import (
	"fmt"
	"io/fs"
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
	"cuelang.org/go/cue/token"

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
	File string
	// Schema is the schema that validated the spec, whose templates
	// compile it.
	Schema   *Schema `json:"-"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec Spec `json:"spec"`
	// Warnings are problems that do not stop compilation.
	Warnings Diagnostics `json:"-"`
	// doc is the document as written, for positions.
	doc cue.Value
}

// Pos is where the field at path p (field names) stands in the spec's file,
// or where the document does when the field is not written there.
func (s *Stack) Pos(p ...string) token.Position {
	return pathPos(s.File, s.doc, p)
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

// Namespace returns the namespace of the environment env: its own, else
// spec.namespace, "" when neither is set.
func (s *Stack) Namespace(env string) string {
	if ns, err := s.Value.LookupPath(cue.MakePath(cue.Str("spec"), cue.Str("targets"), cue.Str(env), cue.Str("namespace"))).String(); err == nil {
		return ns
	}
	return s.Spec.Namespace
}

// Patch is one item of an environment's patches, as in a kustomization.
type Patch struct {
	Patch  string       `json:"patch" yaml:"patch"`
	Target *PatchTarget `json:"target,omitempty" yaml:"target,omitempty"`
}

// PatchTarget selects the objects a patch applies to.
type PatchTarget struct {
	Group              string `json:"group,omitempty" yaml:"group,omitempty"`
	Version            string `json:"version,omitempty" yaml:"version,omitempty"`
	Kind               string `json:"kind,omitempty" yaml:"kind,omitempty"`
	Name               string `json:"name,omitempty" yaml:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty" yaml:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty" yaml:"annotationSelector,omitempty"`
}

// Patches returns the patches of the environment env.
func (s *Stack) Patches(env string) ([]Patch, error) {
	var out []Patch
	v := s.Value.LookupPath(cue.MakePath(cue.Str("spec"), cue.Str("targets"), cue.Str(env), cue.Str("patches")))
	if !v.Exists() {
		return nil, nil
	}
	if err := v.Decode(&out); err != nil {
		return nil, fmt.Errorf("spec.targets.%s.patches: %w", env, err)
	}
	return out, nil
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

// Schema is the compiled AuthStack schema: schemas/ and, from each overlay
// file, its platform's settings (schemas.FilesFS). It validates specs; the
// templates that build on it (bases/, overlays/) are internal/compile's.
type Schema struct {
	ctx       *cue.Context
	root      cue.Value // the schema package, for its definitions
	def       cue.Value
	platforms []string // one per overlay file, sorted
	fsys      fs.FS    // the files it was loaded from
}

// Load returns the embedded schema, compiled once per process.
var Load = sync.OnceValues(func() (*Schema, error) { return LoadFS(Embedded) })

// LoadFS compiles the schema of fsys, which holds the CUE files as the
// repository does: schemas/*.cue, bases/*.cue and overlays/*.cue, one
// overlay per platform. It is the one entry point over the files: a test
// passes a copy of Embedded with changes, such as one more platform, and
// internal/compile builds the stacks it validates with the templates of the
// same files (Schema.FS).
func LoadFS(fsys fs.FS) (*Schema, error) {
	// The platforms' settings are declared in their overlay files.
	schemaFiles, err := schemas.FilesFS(fsys)
	if err != nil {
		return nil, err
	}
	s := &Schema{ctx: cuecontext.New(), fsys: fsys}
	for _, f := range schemaFiles {
		if dir, name := path.Split(f.Filename); dir == "overlays/" {
			s.platforms = append(s.platforms, strings.TrimSuffix(name, ".cue"))
		}
	}
	sort.Strings(s.platforms)
	root, err := BuildPackage(s.ctx, schemaFiles)
	if err != nil {
		return nil, err
	}
	s.root = root
	s.def = root.LookupPath(cue.ParsePath("#AuthStack"))
	return s, nil
}

// Platforms returns the names of the platforms, one per overlay file, sorted.
func (s *Schema) Platforms() []string {
	return slices.Clone(s.platforms)
}

// FS returns the files the schema was loaded from, laid out as LoadFS reads
// them: the templates of the stacks it validates are theirs.
func (s *Schema) FS() fs.FS { return s.fsys }

// BuildPackage evaluates files as one CUE package, with CUE's errors in
// full: the files are authstack's own (the schema, the templates), so an
// error is a bug in authstack.
func BuildPackage(ctx *cue.Context, files []*ast.File) (cue.Value, error) {
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
	var errs Diagnostics
	for _, doc := range s.documents(f) {
		kind, _ := doc.LookupPath(cue.ParsePath("kind")).String()
		if kind != Kind {
			continue
		}
		st, err := s.validate(filename, doc)
		if err != nil {
			errs = append(errs, err.(Diagnostics)...)
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
			k.errs = Diagnostics{{Pos: keyPos(filename, doc), Msg: "the spec breaks a rule of the schema that authstack cannot name; please report this"}}
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
	st := &Stack{Value: v, File: filename, Schema: s, Warnings: k.errs, doc: doc}
	if err := v.Decode(st); err != nil {
		return nil, Diagnostics{{Pos: keyPos(filename, doc), Msg: "the spec cannot be read; please report this"}}
	}
	var errs Diagnostics
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
