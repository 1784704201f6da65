// Package krm runs authstack as a KRM function (kpt, kustomize, Argo CD and
// Flux plugins): the AuthStack comes as the functionConfig or among the
// items, and the output is either the whole tree, as files of the package,
// or one target's final manifests.
package krm

import (
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
)

// Processor returns the function. With an empty target it emits the tree
// next to each AuthStack's file; with a target it emits that target's
// manifests in place of the AuthStacks.
// Problems are also written to log, one line each: kustomize shows a
// function's stderr but not its results.
func Processor(target string, log io.Writer) fn.ResourceListProcessorFunc {
	return func(rl *fn.ResourceList) (bool, error) {
		ok := safeProcess(rl, target)
		maskResults(rl)
		for _, r := range rl.Results {
			if r.Severity == fn.Error || r.Severity == fn.Warning {
				fmt.Fprintln(log, r.String())
			}
		}
		return ok, nil
	}
}

type stackItem struct {
	obj *fn.KubeObject
	// dir is the package directory that holds the stack's tree.
	dir string
}

func process(rl *fn.ResourceList, target string) bool {
	schema, err := spec.Load()
	if err != nil {
		rl.Results = append(rl.Results, fn.ErrorResult(err))
		return false
	}
	var stackItems []stackItem
	var objects []*yaml.RNode
	names := map[string]bool{}
	for _, it := range rl.Items {
		if it.GetKind() == spec.Kind {
			stackItems = append(stackItems, stackItem{obj: it, dir: path.Dir(it.PathAnnotation())})
			names[it.GetName()] = true
			continue
		}
		objects = append(objects, it.CopyToResourceNode())
	}
	// kustomize passes a generator's config among the items as well.
	if fc := rl.FunctionConfig; fc != nil && fc.GetKind() == spec.Kind && !names[fc.GetName()] {
		stackItems = append(stackItems, stackItem{obj: fc, dir: "."})
	}
	if len(stackItems) == 0 {
		rl.Results = append(rl.Results, fn.GeneralResult(
			fmt.Sprintf("no %s found: pass one as the functionConfig or among the items (apiVersion %s)", spec.Kind, spec.APIVersion), fn.Error))
		return false
	}

	ok := true
	var generated fn.KubeObjects
	owned := map[string]bool{}
	for _, si := range stackItems {
		file := si.obj.PathAnnotation()
		if file == "" {
			file = "functionConfig"
		}
		stacks, err := schema.Stacks(file, []byte(withoutFunctionAnnotations(si.obj)))
		if err != nil {
			rl.Results = append(rl.Results, results(err, si.obj)...)
			ok = false
			continue
		}
		for _, st := range stacks {
			rl.Results = append(rl.Results, results(st.Warnings, si.obj)...)
			var targets []string
			if target != "" {
				targets = []string{target}
			}
			res, err := compile.Stack(st, objects, targets...)
			if err != nil {
				rl.Results = append(rl.Results, fn.ConfigObjectResult(err.Error(), si.obj, fn.Error))
				ok = false
				continue
			}
			objs, err := emit(res, si.dir, target)
			if err != nil {
				rl.Results = append(rl.Results, fn.ConfigObjectResult(err.Error(), si.obj, fn.Error))
				ok = false
				continue
			}
			if owned[si.dir] && target == "" {
				rl.Results = append(rl.Results, fn.ConfigObjectResult(
					fmt.Sprintf("another AuthStack already writes its tree to %s: keep one AuthStack per directory", si.dir), si.obj, fn.Error))
				ok = false
				continue
			}
			owned[si.dir] = true
			generated = append(generated, objs...)
		}
	}
	if !ok {
		return false
	}

	var items fn.KubeObjects
	for _, it := range rl.Items {
		switch {
		case target == "" && isGenerated(it, owned):
			// Replaced below: a re-render must not duplicate what it made before.
		case target != "" && it.GetKind() == spec.Kind:
			// The final manifests replace the spec.
		default:
			items = append(items, it)
		}
	}
	rl.Items = append(items, generated...)
	return true
}

// emit turns a compiled stack into items: the tree's files, or one target's
// final manifests.
func emit(res *compile.Result, dir, target string) (fn.KubeObjects, error) {
	if target != "" {
		out, err := res.Tree.Render(path.Join("overlays", target))
		if err != nil {
			return nil, err
		}
		return parseAll(out)
	}
	var objs fn.KubeObjects
	for _, p := range res.Tree.Paths() {
		o, err := fn.ParseKubeObject(res.Tree.File(p))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := o.SetPathAnnotation(path.Join(dir, p)); err != nil {
			return nil, err
		}
		if err := o.SetIndexAnnotation(0); err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	return objs, nil
}

func parseAll(stream []byte) (fn.KubeObjects, error) {
	nodes, err := kio.FromBytes(stream)
	if err != nil {
		return nil, err
	}
	var objs fn.KubeObjects
	for _, n := range nodes {
		objs = append(objs, fn.MoveToKubeObject(n))
	}
	return objs, nil
}

// isGenerated reports whether an item is a file of a tree this run rewrites.
func isGenerated(it *fn.KubeObject, owned map[string]bool) bool {
	p := it.PathAnnotation()
	for dir := range owned {
		prefix := dir + "/"
		if dir == "." {
			prefix = ""
		}
		if strings.HasPrefix(p, prefix+"bases/") || strings.HasPrefix(p, prefix+"overlays/") {
			return true
		}
	}
	return false
}

// withoutFunctionAnnotations is the object's YAML minus the annotations that
// orchestrators add (kustomize's function annotation, kpt's path and index),
// which are not part of the spec.
func withoutFunctionAnnotations(o *fn.KubeObject) string {
	c := o.Copy()
	for k := range c.GetAnnotations() {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
			strings.HasPrefix(k, "config.k8s.io/") || strings.HasPrefix(k, "kustomize.config.k8s.io/") {
			_ = c.RemoveAnnotation(k)
		}
	}
	_ = c.RemoveAnnotationsIfEmpty()
	return c.String()
}

// results turns spec errors into results with field and file paths.
func results(err error, obj *fn.KubeObject) fn.Results {
	fes, isFields := err.(spec.Errors)
	if !isFields {
		return fn.Results{fn.ConfigObjectResult(err.Error(), obj, fn.Error)}
	}
	var out fn.Results
	for _, fe := range fes {
		sev := fn.Error
		if fe.Warning {
			sev = fn.Warning
		}
		r := fn.ConfigObjectResult(fe.Msg, obj, sev)
		r.Field = &fn.Field{Path: fe.Path}
		if p := obj.PathAnnotation(); p != "" {
			r.File = &fn.File{Path: p, Index: max(obj.IndexAnnotation(), 0)}
		}
		out = append(out, r)
	}
	return out
}
