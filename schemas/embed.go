// Package schemas embeds the CUE schema of the AuthStack spec.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/authstack/authstack/overlays"
)

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS

// Files parses the schema: its own files and, from each overlay file of
// overlays.FS, the platform's settings and registration (#Platforms),
// without its template (#Overlays), which needs the bases. The platforms
// are thus the overlay files, and the schema lists none.
func Files(mode ...parser.Option) ([]*ast.File, error) {
	var out []*ast.File
	for _, src := range []struct {
		dir  string
		fsys fs.FS
	}{{"schemas", FS}, {"overlays", overlays.FS}} {
		names, err := fs.Glob(src.fsys, "*.cue")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			data, err := fs.ReadFile(src.fsys, name)
			if err != nil {
				return nil, err
			}
			f, err := parser.ParseFile(path.Join(src.dir, name), data, mode...)
			if err != nil {
				return nil, fmt.Errorf("schema: %w", err)
			}
			if src.dir == "overlays" {
				f.Decls = slices.DeleteFunc(slices.Clone(f.Decls), isTemplate)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// TemplatesField is the field under which an overlay file declares its
// template; the rest of the file is schema.
const TemplatesField = "overlays"

func isTemplate(d ast.Decl) bool {
	f, ok := d.(*ast.Field)
	if !ok {
		return false
	}
	name, _, _ := ast.LabelName(f.Label)
	return name == TemplatesField
}

// Pattern returns the regular expression of the schema's definition #name
// when it is one (#name: =~"..."), so that Go code which checks the same
// thing, such as the jwks purge's table name, uses the schema's own pattern
// rather than a copy. It reads the source without evaluating the schema.
func Pattern(name string) (string, error) {
	data, err := FS.ReadFile("authstack.cue")
	if err != nil {
		return "", err
	}
	f, err := parser.ParseFile("authstack.cue", data)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if label, _, _ := ast.LabelName(fd.Label); label != "#"+name {
			continue
		}
		if u, ok := fd.Value.(*ast.UnaryExpr); ok && u.Op == token.MAT {
			if lit, ok := u.X.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				return literal.Unquote(lit.Value)
			}
		}
		return "", fmt.Errorf("schema: #%s is not a plain pattern", name)
	}
	return "", fmt.Errorf("schema: no #%s", name)
}

// MustPattern is Pattern for package variables: the schema is embedded, so
// an error is a bug in it.
func MustPattern(name string) string {
	p, err := Pattern(name)
	if err != nil {
		panic(err)
	}
	return p
}
