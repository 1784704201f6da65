package compile

import (
	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// TemplatePackage evaluates the templates (schema and bases, no overlay)
// with inputs, so that tests can evaluate a shared definition on its own.
func TemplatePackage(inputs ...*ast.Field) (cue.Value, error) {
	t, err := loadTemplates()
	if err != nil {
		return cue.Value{}, err
	}
	return t.pkg(nil, inputs...)
}
