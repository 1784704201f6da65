// Package krm runs authstack as a KRM function (kpt, kustomize, Argo CD and
// Flux plugins): the AuthStack comes as the functionConfig or among the
// items, and the output is either the whole tree, as files of the package,
// or one target's final manifests.
package krm

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/tree"
)

// Processor returns the function. With an empty target it emits the tree
// next to each AuthStack's file; with a target it emits that target's
// manifests in place of the AuthStacks.
// Problems are also written to log, one line each: kustomize shows a
// function's stderr but not its results.
func Processor(target string, log io.Writer) fn.ResourceListProcessorFunc {
	return ProcessorWith(nil, target, log)
}

// ProcessorWith is Processor validating and compiling with schema, such as
// one of spec.LoadFS; nil is the embedded one.
func ProcessorWith(schema *spec.Schema, target string, log io.Writer) fn.ResourceListProcessorFunc {
	return func(rl *fn.ResourceList) (bool, error) {
		ok := safeProcess(rl, schema, target)
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

func process(rl *fn.ResourceList, schema *spec.Schema, target string) bool {
	if schema == nil {
		var err error
		if schema, err = spec.Load(); err != nil {
			rl.Results = append(rl.Results, fn.ErrorResult(err))
			return false
		}
	}
	var stackItems []stackItem
	in := compile.Input{Target: target, PassThrough: true}
	// item is the item each object and each stack came from, for results.
	item := map[*yaml.RNode]*fn.KubeObject{}
	names := map[string]bool{}
	for _, it := range rl.Items {
		if it.GetKind() == spec.Kind {
			stackItems = append(stackItems, stackItem{obj: it, dir: path.Dir(it.PathAnnotation())})
			names[it.GetName()] = true
			continue
		}
		o := it.CopyToResourceNode()
		item[o] = it
		in.Objects = append(in.Objects, o)
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
	from := map[*spec.Stack]stackItem{}
	for _, si := range stackItems {
		file := si.obj.PathAnnotation()
		if file == "" {
			file = "functionConfig"
		}
		stacks, err := schema.Stacks(file, []byte(withoutFunctionAnnotations(si.obj)))
		if err != nil {
			rl.Results = append(rl.Results, results(err, si.obj, fn.Error)...)
			ok = false
			continue
		}
		for _, st := range stacks {
			from[st] = si
		}
		in.Stacks = append(in.Stacks, stacks...)
	}
	out := compile.Run(in)
	for _, d := range out.Diagnostics {
		switch {
		case d.Stack != nil:
			rl.Results = append(rl.Results, results(d.Err, from[d.Stack].obj, severity(d.Severity))...)
		case d.Object != nil:
			rl.Results = append(rl.Results, fn.ConfigObjectResult(d.Err.Error(), item[d.Object], severity(d.Severity)))
		default:
			rl.Results = append(rl.Results, fn.GeneralResult(d.Err.Error(), severity(d.Severity)))
		}
	}
	ok = ok && !out.Failed()

	var generated fn.KubeObjects
	// trees maps each package directory this run writes a tree into to the
	// sums of the files it writes there, by path.
	trees := map[string]map[string]string{}
	for _, c := range out.Compiled {
		si := from[c.Stack]
		objs, sums, err := emit(c.Result, si.dir, target)
		if err != nil {
			rl.Results = append(rl.Results, fn.ConfigObjectResult(err.Error(), si.obj, fn.Error))
			ok = false
			continue
		}
		if _, dup := trees[si.dir]; dup && target == "" {
			rl.Results = append(rl.Results, fn.ConfigObjectResult(
				fmt.Sprintf("another AuthStack already writes its tree to %s: keep one AuthStack per directory", si.dir), si.obj, fn.Error))
			ok = false
			continue
		}
		trees[si.dir] = sums
		generated = append(generated, objs...)
	}
	if !ok {
		return false
	}

	var drop map[*fn.KubeObject]bool
	if target == "" {
		var conflicts fn.Results
		if drop, conflicts = replaced(rl.Items, trees); len(conflicts) > 0 {
			rl.Results = append(rl.Results, conflicts...)
			return false
		}
	}
	var items fn.KubeObjects
	for _, it := range rl.Items {
		switch {
		case drop[it]:
			// Replaced below, or gone from the tree: authstack's own, unchanged.
		case target != "" && it.GetKind() == spec.Kind:
			// The final manifests replace the spec.
		default:
			items = append(items, it)
		}
	}
	rl.Items = append(items, generated...)
	return true
}

// emit turns a compiled stack into items: the tree's files and its
// manifest of generated files, with the sums of the files by path, or one
// target's final manifests.
func emit(res *compile.Result, dir, target string) (fn.KubeObjects, map[string]string, error) {
	if target != "" {
		out, err := res.Tree.Render(path.Join("overlays", target))
		if err != nil {
			return nil, nil, err
		}
		objs, err := parseAll(out)
		return objs, nil, err
	}
	manifest, err := res.Tree.Manifest()
	if err != nil {
		return nil, nil, err
	}
	var objs fn.KubeObjects
	sums := map[string]string{}
	for _, p := range append(res.Tree.Paths(), tree.ManifestPath) {
		data := res.Tree.File(p)
		if p == tree.ManifestPath {
			data = manifest
		}
		o, err := fn.ParseKubeObject(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := o.SetPathAnnotation(path.Join(dir, p)); err != nil {
			return nil, nil, err
		}
		if err := o.SetIndexAnnotation(0); err != nil {
			return nil, nil, err
		}
		if p == tree.ManifestPath {
			sums[path.Join(dir, p)], err = tree.Sum(data)
		} else {
			sums[path.Join(dir, p)], err = res.Tree.Sum(p)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		objs = append(objs, o)
	}
	return objs, sums, nil
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

// replaced returns the items that this run replaces or removes, and a
// conflict for each item in its way. An item is authstack's if the
// manifest of its tree (tree.ManifestPath) lists its path with the sum it
// still has, or if it holds exactly what authstack writes there now; every
// other item is the user's and passes through untouched (kpt deletes the
// files of dropped items, so dropping a user's item would delete the file).
// A user's item at a path that authstack writes is a conflict: nothing
// changes.
func replaced(items fn.KubeObjects, trees map[string]map[string]string) (map[*fn.KubeObject]bool, fn.Results) {
	byPath := map[string][]*fn.KubeObject{}
	for _, it := range items {
		byPath[it.PathAnnotation()] = append(byPath[it.PathAnnotation()], it)
	}
	// sumOf is the sum of the file an item came from, if the file holds
	// only that item.
	sumOf := func(p string) string {
		if len(byPath[p]) != 1 {
			return ""
		}
		sum, _ := tree.Sum([]byte(byPath[p][0].String()))
		return sum
	}
	drop := map[*fn.KubeObject]bool{}
	var conflicts fn.Results
	conflict := func(p, why string) {
		conflicts = append(conflicts, &fn.Result{
			Message:  fmt.Sprintf("%s %s; authstack never overwrites a file it did not generate: move it away", p, why),
			Severity: fn.Error,
			File:     &fn.File{Path: p},
		})
	}
	dirs := make([]string, 0, len(trees))
	for dir := range trees {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		owned := tree.Owned{}
		manifestPath := path.Join(dir, tree.ManifestPath)
		if its := byPath[manifestPath]; len(its) > 0 {
			var err error
			if len(its) == 1 {
				owned, err = tree.ParseManifest([]byte(its[0].String()))
			} else {
				err = fmt.Errorf("holds %d objects", len(its))
			}
			if err != nil {
				conflict(manifestPath, fmt.Sprintf("is where authstack keeps its record of generated files, but %v", err))
				continue
			}
			drop[its[0]] = true
		}
		for _, rel := range owned.Paths() {
			if p := path.Join(dir, rel); len(byPath[p]) == 1 && sumOf(p) == owned[rel] {
				drop[byPath[p][0]] = true // generated, unchanged: replaced or removed
			}
		}
		var paths []string
		for p := range trees[dir] {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			its := byPath[p]
			switch {
			case len(its) == 0 || p == manifestPath:
			case len(its) == 1 && drop[its[0]]:
			case sumOf(p) == trees[dir][p]: // what it will be anyway
				drop[its[0]] = true
			case owned[relTo(dir, p)] != "":
				conflict(p, "was changed since authstack generated it")
			default:
				conflict(p, "exists and authstack did not generate it")
			}
		}
	}
	return drop, conflicts
}

// relTo is p relative to the package directory dir.
func relTo(dir, p string) string {
	if dir == "." {
		return p
	}
	return strings.TrimPrefix(p, dir+"/")
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

func severity(s compile.Severity) fn.Severity {
	if s == compile.Warning {
		return fn.Warning
	}
	return fn.Error
}

// results turns spec errors into results with field and file paths, each
// with its own severity; any other error is one result of severity sev.
func results(err error, obj *fn.KubeObject, sev fn.Severity) fn.Results {
	fes, isFields := err.(spec.Diagnostics)
	if !isFields {
		return fn.Results{fn.ConfigObjectResult(err.Error(), obj, sev)}
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
