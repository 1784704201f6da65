// Package schemas embeds the CUE schema of the AuthStack spec.
package schemas

import (
	"embed"
	"fmt"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS

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
