// Package compile turns a validated AuthStack into a kustomize tree: bases/
// with what every target shares and overlays/<target>/ with what each
// platform adds. The objects come from the embedded CUE templates, which
// this package owns (templates.go; spec validates with the schema alone); it
// lays them out as files and writes the kustomizations.
package compile

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	cueyaml "cuelang.org/go/encoding/yaml"
	"go.yaml.in/yaml/v3"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/secrethash"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/tree"
	"github.com/authstack/authstack/internal/version"
)

// Result is a compiled stack.
type Result struct {
	Tree *tree.Tree
	// SecretHash and SecretSource say where the auth secret's hash came from.
	SecretHash   string
	SecretSource secrethash.Source
}

// Compile compiles st, hashing its auth secret from the objects that came
// with it (Secrets, SealedSecrets, ExternalSecrets…). With targets, only
// their overlays are compiled; a target the stack lacks is an error.
func Compile(st *spec.Stack, objects []*kyaml.RNode, targets ...string) (*Result, error) {
	if err := CheckTargets(st, targets); err != nil {
		return nil, err
	}
	s := st.Spec.Auth.Secret
	hash, src, err := secrethash.Compute(secrethash.Ref{Name: s.Name, Key: s.Key, VersionsKey: s.VersionsKey, Namespace: st.Spec.Namespace, Revision: s.Revision}, objects)
	if err != nil {
		return nil, err
	}
	t, err := CompileWithHash(st, hash, targets...)
	if err != nil {
		return nil, err
	}
	if err := checkPatchesApply(st, t, targets); err != nil {
		return nil, err
	}
	return &Result{Tree: t, SecretHash: hash, SecretSource: src}, nil
}

// checkPatchesApply renders each environment that has patches of the
// spec's own, so that a patch kustomize cannot apply (no object matches it,
// a JSON 6902 path that is not there) is a field error now rather than a
// failure of every later kustomize build.
func checkPatchesApply(st *spec.Stack, t *tree.Tree, envs []string) error {
	if len(envs) == 0 {
		envs = st.Targets()
	}
	var errs spec.Diagnostics
	for _, env := range envs {
		if own, _ := st.Patches(env); len(own) == 0 {
			continue
		}
		dir := path.Join("overlays", env)
		if _, err := t.Render(dir); err != nil {
			msg := strings.TrimPrefix(firstLine(err.Error()), "render "+dir+": ")
			errs = append(errs, &spec.FieldError{Pos: st.Pos("spec", "targets", env, "patches"), Path: "spec.targets." + env + ".patches",
				Msg: "kustomize cannot apply them: " + msg})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// firstLine is the first line of a message, for one line per mistake.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// CompileWithHash returns the tree of st, whose auth secret hashes to secretHash,
// with the overlays of targets (default: all of the stack's targets).
func CompileWithHash(st *spec.Stack, secretHash string, targets ...string) (*tree.Tree, error) {
	// The templates of the files whose schema validated st: a test's copy
	// of them compiles with its own overlays.
	tmpl, err := templatesOf(st.Schema)
	if err != nil {
		return nil, err
	}
	name := st.Metadata.Name
	if len(targets) == 0 {
		targets = st.Targets()
	}
	// The package holds only the overlay files of the environments'
	// platforms, so the stack it reads has only those environments.
	platforms := make([]string, len(targets))
	for i, t := range targets {
		platforms[i] = st.Platform(t)
	}
	// Several environments (build) take the templates parsed twice more
	// (below), once per process: parsed while the stack is exported, on
	// the other core (split waits for it).
	if len(targets) >= 2 {
		go tmpl.split()
	}
	// The stack as the templates read it. Exporting reads st's CUE context,
	// which is not safe for concurrent use: it is done once, here.
	stack, err := stackSyntax(st, targets)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	var bases []object
	var envs []environment
	if len(targets) < 2 {
		// One environment (render): one package.
		root, err := tmpl.pkg(platforms, inputs(stack, secretHash)...)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		if bases, err = compileBases(root); err != nil {
			return nil, fmt.Errorf("compile %s bases: %w", name, err)
		}
		if envs, err = compileEnvironments(root, targets); err != nil {
			return nil, fmt.Errorf("compile %s %w", name, err)
		}
	} else {
		// Several (build): the bases and the environments at once, each in
		// a package and a CUE context of its own (a context is not safe for
		// concurrent use), from syntax of its own (building a package
		// resolves the identifiers of its syntax in place).
		split, err := tmpl.split()
		if err != nil {
			return nil, err
		}
		forBases, forEnvs := stack, cloneData(stack)
		var envErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			root, err := split.environmentsOnly.pkg(platforms, inputs(forEnvs, secretHash)...)
			if err != nil {
				envErr = fmt.Errorf("compile %s: %w", name, err)
				return
			}
			if envs, err = compileEnvironments(root, targets); err != nil {
				envErr = fmt.Errorf("compile %s %w", name, err)
			}
		}()
		root, err := split.basesOnly.pkg(platforms, inputs(forBases, secretHash)...)
		if err == nil {
			if bases, err = compileBases(root); err != nil {
				err = fmt.Errorf("bases: %w", err)
			}
		}
		<-done
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		if envErr != nil {
			return nil, envErr
		}
	}
	t := tree.New()
	for _, o := range bases {
		t.Add(path.Join("bases", o.file), o.data)
	}
	k, err := kustomization(kustomize{
		Metadata:  meta(name + "-bases"),
		Resources: files(bases),
	})
	if err != nil {
		return nil, fmt.Errorf("compile %s bases: %w", name, err)
	}
	t.Add("bases/kustomization.yaml", k)

	for i, target := range targets {
		resources, patches := envs[i].resources, envs[i].patches
		// The spec's own patches come last, as written.
		own, err := st.Patches(target)
		if err != nil {
			return nil, fmt.Errorf("compile %s overlay %s: %w", name, target, err)
		}
		for _, p := range own {
			patches = append(patches, patch{Patch: p.Patch, Target: p.Target})
		}
		dir := path.Join("overlays", target)
		for _, o := range resources {
			t.Add(path.Join(dir, o.file), o.data)
		}
		k, err := kustomization(kustomize{
			Metadata:  meta(name + "-" + target),
			Namespace: st.Namespace(target),
			Resources: append([]string{"../../bases"}, files(resources)...),
			Patches:   patches,
		})
		if err != nil {
			return nil, fmt.Errorf("compile %s overlay %s: %w", name, target, err)
		}
		t.Add(path.Join(dir, "kustomization.yaml"), k)
	}
	return t, nil
}

// inputs are the fields the templates read: the stack and its secret's hash.
func inputs(stack ast.Expr, secretHash string) []*ast.Field {
	return []*ast.Field{
		{Label: ast.NewIdent("stack"), Value: stack},
		{Label: ast.NewIdent("secretHash"), Value: ast.NewString(secretHash)},
	}
}

// compileBases encodes the objects of the templates' bases.
func compileBases(root cue.Value) ([]object, error) {
	return objects(root.LookupPath(cue.ParsePath("bases")))
}

// environment is what the templates make of one environment: the objects
// only its overlay has and its patches, before the spec's own.
type environment struct {
	resources []object
	patches   []patch
}

// compileEnvironments encodes what the templates make of each of targets:
// what the platform's overlay file adds, then what every environment's
// overlay adds (bases/environment.cue).
func compileEnvironments(root cue.Value, targets []string) ([]environment, error) {
	envs := make([]environment, len(targets))
	for i, target := range targets {
		e := &envs[i]
		for _, part := range []string{"overlays", "environments"} {
			ov := root.LookupPath(cue.MakePath(cue.Str(part), cue.Str(target)))
			// A template whose comprehension cannot be evaluated (an
			// incomplete or circular condition) yields no field and no error:
			// the overlay would come out empty.
			if !ov.Exists() {
				return nil, fmt.Errorf("overlay %s: the templates make no %s.%s (a bug in the platform's overlay file)", target, part, target)
			}
			if err := ov.Err(); err != nil {
				return nil, fmt.Errorf("overlay %s: %s.%s: %s", target, part, target, errors.Details(err, nil))
			}
			r, err := objects(ov.LookupPath(cue.ParsePath("resources")))
			if err != nil {
				return nil, fmt.Errorf("overlay %s: %w", target, err)
			}
			p, err := patchList(ov.LookupPath(cue.ParsePath("patches")))
			if err != nil {
				return nil, fmt.Errorf("overlay %s: %w", target, err)
			}
			e.resources, e.patches = append(e.resources, r...), append(e.patches, p...)
		}
		sort.Slice(e.resources, func(i, j int) bool { return e.resources[i].file < e.resources[j].file })
	}
	return envs, nil
}

// onlyEnvironments drops from the syntax of a stack the environments (the
// fields of spec.targets) that are not among envs.
func onlyEnvironments(stack ast.Expr, envs []string) {
	targets := field(field(stack, "spec"), "targets")
	st, ok := targets.(*ast.StructLit)
	if !ok {
		return
	}
	kept := st.Elts[:0]
	for _, d := range st.Elts {
		if f, ok := d.(*ast.Field); ok {
			if name, _, err := ast.LabelName(f.Label); err == nil && !slices.Contains(envs, name) {
				continue
			}
		}
		kept = append(kept, d)
	}
	st.Elts = kept
}

// field is the value of the field name of a struct literal, nil if none.
func field(x ast.Expr, name string) ast.Expr {
	st, ok := x.(*ast.StructLit)
	if !ok {
		return nil
	}
	for _, d := range st.Elts {
		if f, ok := d.(*ast.Field); ok {
			if n, _, err := ast.LabelName(f.Label); err == nil && n == name {
				return f.Value
			}
		}
	}
	return nil
}

// stackSyntax is the syntax of the validated stack st as the templates
// read it: concrete, its defaults resolved, with the environments of
// targets only and the purge Job's image, which the schema leaves to the
// binary (a default in the schema would name a tag no release made), filled
// in where the spec names none.
func stackSyntax(st *spec.Stack, targets []string) (ast.Expr, error) {
	stack, ok := st.Value.Syntax(cue.Final(), cue.Concrete(true), cue.Attributes(false)).(ast.Expr)
	if !ok {
		return nil, fmt.Errorf("the spec is not a value")
	}
	onlyEnvironments(stack, targets)
	// Into the syntax rather than the value (FillPath), which would
	// evaluate the whole stack again: half the cost of the export.
	jwks, ok := field(field(field(stack, "spec"), "auth"), "jwks").(*ast.StructLit)
	if !ok {
		return nil, fmt.Errorf("the spec has no spec.auth.jwks")
	}
	if field(jwks, "image") == nil {
		jwks.Elts = append(jwks.Elts, &ast.Field{Label: ast.NewIdent("image"), Value: ast.NewString(version.DefaultImage())})
	}
	return stack, nil
}

type object struct {
	file string
	data []byte
}

// objects encodes each field of a struct of objects (file name → object),
// sorted by file name.
func objects(v cue.Value) ([]object, error) {
	if !v.Exists() {
		return nil, nil
	}
	it, err := v.Fields()
	if err != nil {
		return nil, err
	}
	var out []object
	for it.Next() {
		data, err := encode(it.Value())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.Selector().Unquoted(), err)
		}
		out = append(out, object{file: it.Selector().Unquoted(), data: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out, nil
}

func patchList(v cue.Value) ([]patch, error) {
	if !v.Exists() {
		return nil, nil
	}
	it, err := v.List()
	if err != nil {
		return nil, err
	}
	var out []patch
	for it.Next() {
		data, err := encode(it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, patch{Patch: string(data)})
	}
	return out, nil
}

func encode(v cue.Value) ([]byte, error) {
	if useDirect {
		if data, ok := encodeDirect(v); ok {
			return data, nil
		}
	}
	data, err := cueyaml.Encode(v)
	if err != nil {
		// A template that cannot be made concrete is a bug in authstack, not
		// in the spec; give the full CUE detail.
		return nil, fmt.Errorf("%s", errors.Details(err, nil))
	}
	return tree.Format(data)
}

func files(objs []object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.file
	}
	return out
}

// kustomize is a kustomization file. kpt reads every YAML file of a package
// as a resource, so it carries a name and is marked local-config.
type kustomize struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   metadata `yaml:"metadata"`
	Namespace  string   `yaml:"namespace,omitempty"`
	Resources  []string `yaml:"resources,omitempty"`
	Patches    []patch  `yaml:"patches,omitempty"`
}

type metadata struct {
	Name        string            `yaml:"name"`
	Annotations map[string]string `yaml:"annotations"`
}

// patch is an inline patch: a separate file would be read as a (partial)
// resource by kpt.
type patch struct {
	Patch  string            `yaml:"patch"`
	Target *spec.PatchTarget `yaml:"target,omitempty"`
}

func meta(name string) metadata {
	return metadata{Name: name, Annotations: map[string]string{"config.kubernetes.io/local-config": "true"}}
}

func kustomization(k kustomize) ([]byte, error) {
	k.APIVersion = "kustomize.config.k8s.io/v1beta1"
	k.Kind = "Kustomization"
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(k); err != nil {
		return nil, fmt.Errorf("kustomization: %w", err)
	}
	return tree.Format(b.Bytes())
}

// cloneData is a deep copy of x, the syntax of concrete data as
// cue.Value.Syntax exports it (structs, lists, literals), so that two
// packages can each build from their own. A node of another kind would be
// shared, and a test checks that the stacks of the examples have none.
func cloneData(x ast.Expr) ast.Expr {
	switch x := x.(type) {
	case *ast.StructLit:
		c := *x
		c.Elts = make([]ast.Decl, len(x.Elts))
		for i, d := range x.Elts {
			if f, ok := d.(*ast.Field); ok {
				cf := *f
				cf.Label = cloneLabel(f.Label)
				cf.Value = cloneData(f.Value)
				d = &cf
			}
			c.Elts[i] = d
		}
		return &c
	case *ast.ListLit:
		c := *x
		c.Elts = make([]ast.Expr, len(x.Elts))
		for i, e := range x.Elts {
			c.Elts[i] = cloneData(e)
		}
		return &c
	case *ast.BasicLit:
		c := *x
		return &c
	case *ast.Ident:
		c := *x
		return &c
	case *ast.UnaryExpr:
		c := *x
		c.X = cloneData(x.X)
		return &c
	}
	return x
}

func cloneLabel(l ast.Label) ast.Label {
	if x, ok := l.(ast.Expr); ok {
		if c, ok := cloneData(x).(ast.Label); ok {
			return c
		}
	}
	return l
}
