package spec

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"go.yaml.in/yaml/v3"
)

// environments calls f for each environment of the document, in file order.
func environments(doc cue.Value, f func(name string, e cue.Value)) {
	it, err := doc.LookupPath(cue.ParsePath("spec.targets")).Fields()
	if err != nil {
		return
	}
	for it.Next() {
		f(it.Selector().Unquoted(), it.Value())
	}
}

// checkReplicas requires every component an environment's replicas names
// to exist.
func checkReplicas(file string, doc cue.Value, st *Stack) Diagnostics {
	var errs Diagnostics
	allowed := strings.Join(slices.Sorted(maps.Keys(st.Spec.Components)), ", ")
	environments(doc, func(env string, e cue.Value) {
		it, err := e.LookupPath(cue.ParsePath("replicas")).Fields()
		if err != nil {
			return
		}
		for it.Next() {
			c := it.Selector().Unquoted()
			if _, ok := st.Spec.Components[c]; ok {
				continue
			}
			errs = append(errs, &FieldError{Pos: keyPos(file, it.Value()), Path: "spec.targets." + env + ".replicas." + c,
				Msg: fmt.Sprintf("%q is not a component; allowed: %s", c, allowed)})
		}
	})
	return errs
}

// checkPatches reads each patch of each environment as kustomize will: a
// YAML mapping is a strategic-merge patch, which names the object it
// patches unless target does; a YAML list is a JSON 6902 patch, which
// needs target. Whether the patch applies is checked by rendering it
// (compile.Stack).
func checkPatches(file string, doc cue.Value, _ *Stack) Diagnostics {
	var errs Diagnostics
	environments(doc, func(env string, e cue.Value) {
		it, err := e.LookupPath(cue.ParsePath("patches")).List()
		if err != nil {
			return
		}
		for i := 0; it.Next(); i++ {
			item := it.Value()
			p := item.LookupPath(cue.ParsePath("patch"))
			text, err := p.String()
			if err != nil {
				continue // the schema reports it
			}
			at := "spec.targets." + env + ".patches." + strconv.Itoa(i)
			hasTarget := item.LookupPath(cue.ParsePath("target")).Exists()
			if msg := patchProblem(text, hasTarget); msg != "" {
				errs = append(errs, &FieldError{Pos: valuePos(file, p), Path: at + ".patch", Msg: msg})
			}
		}
	})
	return errs
}

// patchProblem says what is wrong with a patch, "" if nothing is.
func patchProblem(text string, hasTarget bool) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil || len(n.Content) != 1 {
		return "must hold one YAML document: a strategic-merge patch (a mapping) or a JSON 6902 patch (a list of operations)"
	}
	switch root := n.Content[0]; root.Kind {
	case yaml.MappingNode:
		if hasTarget {
			return ""
		}
		var obj struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if root.Decode(&obj) != nil || obj.Kind == "" || obj.Metadata.Name == "" {
			return "a strategic-merge patch without target must have kind and metadata.name, which select the object it patches"
		}
	case yaml.SequenceNode:
		if !hasTarget {
			return "a JSON 6902 patch (a list of operations) needs target, which selects the objects it patches"
		}
		for i, op := range root.Content {
			var o struct {
				Op   string `yaml:"op"`
				Path string `yaml:"path"`
			}
			if op.Kind != yaml.MappingNode || op.Decode(&o) != nil || o.Op == "" || o.Path == "" {
				return fmt.Sprintf("operation %d of the JSON 6902 patch must be a mapping with op and path", i)
			}
		}
	default:
		return "must hold a strategic-merge patch (a YAML mapping) or a JSON 6902 patch (a YAML list of operations)"
	}
	return ""
}
