package compile

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/authstack/authstack/internal/spec"
)

// templates are the parsed CUE templates: bases/, which every platform
// shares, and one overlays/<platform>.cue per platform, with the schema
// whose definitions they use. Together they form one CUE package. spec
// validates with the schema alone; the templates are this package's.
type templates struct {
	shared   []*ast.File          // the schema and the bases
	overlays map[string]*ast.File // by platform
	// split parses the same files twice more, once, for compiling the
	// bases and the environments at once on two goroutines (build; render
	// compiles one environment and never parses them): each without the
	// output fields the other compiles (building a package evaluates every
	// field), and with syntax of its own, since building a package
	// resolves the identifiers of its syntax in place.
	split func() (*splitTemplates, error)
}

type splitTemplates struct{ basesOnly, environmentsOnly *templates }

// templatesOf returns the templates of the files schema was loaded from
// (the embedded ones for nil), parsed once per schema.
func templatesOf(schema *spec.Schema) (*templates, error) {
	if schema == nil {
		var err error
		if schema, err = spec.Load(); err != nil {
			return nil, err
		}
	}
	load, _ := templatesBySchema.LoadOrStore(schema, sync.OnceValues(func() (*templates, error) {
		t, err := parseTemplates(schema.FS())
		if err != nil {
			return nil, err
		}
		t.split = sync.OnceValues(func() (*splitTemplates, error) {
			var s splitTemplates
			var err error
			if s.basesOnly, err = parseTemplates(schema.FS(), "overlays", "environments"); err != nil {
				return nil, err
			}
			if s.environmentsOnly, err = parseTemplates(schema.FS(), "bases"); err != nil {
				return nil, err
			}
			return &s, nil
		})
		return t, nil
	}))
	return load.(func() (*templates, error))()
}

// templatesBySchema holds, for each schema, the function that parses its
// templates once.
var templatesBySchema sync.Map

// parseTemplates parses the templates of fsys, laid out as spec.LoadFS
// reads it, without the top-level fields labelled drop.
func parseTemplates(fsys fs.FS, drop ...string) (*templates, error) {
	var shared []*ast.File
	for _, dir := range []string{"schemas", "bases"} {
		files, err := parseDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		shared = append(shared, files...)
	}
	overlayFiles, err := parseDir(fsys, "overlays")
	if err != nil {
		return nil, err
	}
	t := &templates{shared: shared, overlays: map[string]*ast.File{}}
	for _, f := range append(slices.Clip(shared), overlayFiles...) {
		if len(drop) > 0 {
			f.Decls = withoutUnusedImports(withoutFields(f.Decls, drop))
		}
	}
	for _, f := range overlayFiles {
		t.overlays[strings.TrimSuffix(path.Base(f.Filename), ".cue")] = f
	}
	return t, nil
}

// parseDir parses the files dir/*.cue of fsys.
func parseDir(fsys fs.FS, dir string) ([]*ast.File, error) {
	names, err := fs.Glob(fsys, dir+"/*.cue")
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(name, data)
		if err != nil {
			return nil, fmt.Errorf("templates: %s", errors.Details(err, nil))
		}
		files = append(files, f)
	}
	return files, nil
}

// withoutFields drops from decls the fields labelled one of labels, also
// those in the struct of a top-level comprehension (if _migrate {bases: …}).
func withoutFields(decls []ast.Decl, labels []string) []ast.Decl {
	if len(labels) == 0 {
		return decls
	}
	kept := decls[:0]
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			if name, _, err := ast.LabelName(d.Label); err == nil && slices.Contains(labels, name) {
				continue
			}
		case *ast.Comprehension:
			if st, ok := d.Value.(*ast.StructLit); ok {
				st.Elts = withoutFields(st.Elts, labels)
			}
		}
		kept = append(kept, d)
	}
	return kept
}

// withoutUnusedImports drops from decls the imports that nothing else in
// them names any more, as when withoutFields dropped the only fields that
// used an import (CUE rejects an unused import).
func withoutUnusedImports(decls []ast.Decl) []ast.Decl {
	named := map[string]bool{}
	for _, d := range decls {
		if _, ok := d.(*ast.ImportDecl); ok {
			continue
		}
		ast.Walk(d, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				named[id.Name] = true
			}
			return true
		}, nil)
	}
	kept := decls[:0]
	for _, d := range decls {
		if imp, ok := d.(*ast.ImportDecl); ok {
			imp.Specs = slices.DeleteFunc(imp.Specs, func(s *ast.ImportSpec) bool { return !named[importName(s)] })
			if len(imp.Specs) == 0 {
				continue
			}
		}
		kept = append(kept, d)
	}
	return kept
}

// importName is the name a file refers to an import by.
func importName(s *ast.ImportSpec) string {
	if s.Name != nil {
		return s.Name.Name
	}
	p, _ := strconv.Unquote(s.Path.Value)
	if _, qualifier, ok := strings.Cut(p, ":"); ok {
		return qualifier
	}
	return path.Base(p)
}

// packageName is the CUE package of the schema and templates.
const packageName = "authstack"

// pkg returns the CUE package of the schema, the bases and the overlay
// files of platforms, evaluated with inputs (such as the templates' "stack")
// as further fields. Building the package evaluates all of it, so it holds
// only the overlays asked for, and the inputs are built in rather than
// filled in afterwards, which would evaluate everything a second time.
func (t *templates) pkg(platforms []string, inputs ...*ast.Field) (cue.Value, error) {
	files := slices.Clip(t.shared)
	for _, p := range slices.Compact(slices.Sorted(slices.Values(platforms))) {
		f, ok := t.overlays[p]
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
	// as it lives, a shared one for the whole process (16 MiB at 50
	// components); the inputs come as syntax, so nothing is shared.
	return spec.BuildPackage(cuecontext.New(), append(files, in))
}
