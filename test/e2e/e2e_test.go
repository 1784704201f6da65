// Package e2e runs the authstack binary the four ways users run it, next to
// the real kustomize and kpt.
package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/testsupport"
	"go.yaml.in/yaml/v3"
)

const (
	refSpec   = "../../examples/shop/stack.yaml"
	refSecret = "../../examples/shop/better-auth-secret.yaml"
	// secretValue is the example value in refSecret: it must never be printed.
	secretValue = "2b7c1f0e9d8a4c3b6e5f7a1d0c9b8e7f6a5d4c3b2a1f0e9d"
)

var targets = []string{"minikube", "eks", "gke", "aks"}

// tool returns the path of a binary from the environment, the cache or
// PATH; missing, the test skips, except under CI where it fails.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	return testsupport.Tool(t, env, name)
}

type result = testsupport.Result

// runner passes the user's own Secret through to its output, as kustomize
// does; it fails the test if authstack prints the value anywhere else.
var runner = testsupport.Runner{Secrets: []string{secretValue}}

func run(t *testing.T, dir string, stdin []byte, name string, args ...string) result {
	t.Helper()
	return runner.Run(t, dir, stdin, name, args...)
}

// kustomizeWith is `kustomize build` of a kustomization that lists overlay
// and the given files as resources: what render prints, the overlay with
// the input objects passed through.
func kustomizeWith(t *testing.T, kustomize, overlay string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, abs(t, overlay))
	if err != nil {
		t.Fatal(err)
	}
	k := "resources:\n- " + filepath.ToSlash(rel) + "\n"
	for i, f := range files {
		name := fmt.Sprintf("input-%d.yaml", i)
		copyFile(t, f, filepath.Join(dir, name))
		k += "- " + name + "\n"
	}
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), k)
	return mustRun(t, ".", nil, kustomize, "build", dir)
}

func mustRun(t *testing.T, dir string, stdin []byte, name string, args ...string) string {
	t.Helper()
	return runner.MustRun(t, dir, stdin, name, args...)
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// render equals `kustomize build` of the tree that build writes, byte for
// byte, for every example and each of its targets.
func TestRenderEqualsKustomizeBuild(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	for _, dir := range testsupport.Examples(t, "../..") {
		out := t.TempDir()
		mustRun(t, ".", nil, bin, "build", "-f", dir, "-o", out)
		overlays, err := os.ReadDir(filepath.Join(out, "overlays"))
		if err != nil || len(overlays) == 0 {
			t.Fatalf("%s: no overlays: %v", dir, err)
		}
		// One overlay per environment, named after it.
		var names []string
		for _, o := range overlays {
			names = append(names, o.Name())
		}
		if got, want := strings.Join(names, " "), strings.Join(environments(t, filepath.Join(dir, "stack.yaml")), " "); got != want {
			t.Errorf("%s: overlays %s, want one per environment: %s", dir, got, want)
		}
		for _, o := range overlays {
			target := o.Name()
			got := mustRun(t, ".", nil, bin, "render", "-f", dir, "--target", target)
			want := kustomizeWith(t, kustomize, filepath.Join(out, "overlays", target), filepath.Join(dir, "better-auth-secret.yaml"))
			if got != want {
				t.Errorf("%s %s: authstack render differs from kustomize build", filepath.Base(dir), target)
			}
			if !strings.Contains(got, "kind: Deployment") {
				t.Errorf("%s %s: render has no Deployment", filepath.Base(dir), target)
			}
		}
	}
}

// environments are the keys of spec.targets of the spec file, sorted.
func environments(t *testing.T, spec string) []string {
	t.Helper()
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Spec struct {
			Targets map[string]any `yaml:"targets"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", spec, err)
	}
	return slices.Sorted(maps.Keys(s.Spec.Targets))
}

// kpt fn render with the binary as an exec function writes the tree into
// the package; a second render changes nothing, and kustomize builds the
// written overlays.
func TestKptRenderIdempotent(t *testing.T) {
	kptIdempotent(t, refSpec, refSecret, targets, "bases/kustomization.yaml", "bases/frontend/deployment.yaml", "bases/jwks-purge/job.yaml",
		"overlays/eks/kustomization.yaml", "overlays/gke/managedcertificate.yaml")
}

// The same with two environments on one platform, each with its own
// namespace, replicas and url, and patches of the spec's own.
func TestKptRenderIdempotentEnvironments(t *testing.T) {
	const dir = "../../examples/staging-prod"
	kptIdempotent(t, dir+"/stack.yaml", dir+"/better-auth-secret.yaml", []string{"staging", "prod"},
		"overlays/staging/namespace.yaml", "overlays/prod/kustomization.yaml", "overlays/prod/api-poddisruptionbudget.yaml")
}

// kptIdempotent renders a package of spec and secret with kpt twice, checks
// that the first render wrote the files want, that the second changed
// nothing, and that kustomize builds each of envs' overlays as authstack
// renders it.
func kptIdempotent(t *testing.T, spec, secret string, envs []string, want ...string) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kpt := tool(t, "KPT", "kpt")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	pkg := t.TempDir()
	copyFile(t, spec, filepath.Join(pkg, "stack.yaml"))
	copyFile(t, secret, filepath.Join(pkg, "better-auth-secret.yaml"))
	writeFile(t, filepath.Join(pkg, "Kptfile"), kptfile(bin))
	mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
	first := snapshot(t, pkg)
	for _, w := range append(want, "stack.yaml", "better-auth-secret.yaml") {
		if _, ok := first[w]; !ok {
			t.Errorf("after kpt fn render: no %s", w)
		}
	}
	mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
	assertSameFiles(t, "second render", first, snapshot(t, pkg))
	for _, env := range envs {
		got := kustomizeWith(t, kustomize, filepath.Join(pkg, "overlays", env), secret)
		want := mustRun(t, ".", nil, bin, "render", "-f", spec, "-f", secret, "--target", env)
		if got != want {
			t.Errorf("%s: kustomize build of the kpt-written overlay differs from authstack render", env)
		}
	}
}

// As a kustomize exec plugin: a transformer sees the Secret among the
// resources and emits the target's manifests; a generator sees only its own
// config, so it needs spec.auth.secret.revision.
func TestKustomizeExecPlugin(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	withExec := func(s string) string {
		return strings.Replace(s, "metadata:\n  name: shop\n", "metadata:\n  name: shop\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: "+bin+"\n        args: [--target, eks]\n", 1)
	}

	dir := t.TempDir()
	copyFile(t, refSecret, filepath.Join(dir, "better-auth-secret.yaml"))
	writeFile(t, filepath.Join(dir, "authstack.yaml"), withExec(string(spec)))
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- better-auth-secret.yaml\ntransformers:\n- authstack.yaml\n")
	got := mustRun(t, ".", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	want := mustRun(t, ".", nil, bin, "render", "-f", refSpec, "-f", refSecret, "--target", "eks")
	for _, doc := range strings.Split(want, "\n---\n") {
		if !strings.Contains(got, firstLines(doc, 3)) {
			t.Errorf("transformer output lacks:\n%s", firstLines(doc, 3))
		}
	}
	if !strings.Contains(got, "kind: Secret") || !strings.Contains(got, "name: shop-jwks-purge-") {
		t.Errorf("transformer output lacks the input Secret or the purge Job:\n%s", got)
	}

	gen := t.TempDir()
	revised := strings.Replace(withExec(string(spec)), "      key: better-auth-secret\n", "      key: better-auth-secret\n      revision: \"7\"\n", 1)
	writeFile(t, filepath.Join(gen, "authstack.yaml"), revised)
	writeFile(t, filepath.Join(gen, "kustomization.yaml"), "generators:\n- authstack.yaml\n")
	got = mustRun(t, ".", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", gen)
	if !strings.Contains(got, "kind: Deployment") || !strings.Contains(got, "alb") {
		t.Errorf("generator output has no EKS manifests:\n%s", got)
	}
	// Without a revision, the generator says what to add.
	writeFile(t, filepath.Join(gen, "authstack.yaml"), withExec(string(spec)))
	r := run(t, ".", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", gen)
	if r.Code == 0 || !strings.Contains(r.Stderr, "spec.auth.secret.revision") {
		t.Errorf("generator without a secret source: exit %d, stderr:\n%s", r.Code, r.Stderr)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimPrefix(s, "---\n"), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	testsupport.CopyFile(t, from, to)
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	testsupport.WriteFile(t, name, data)
}

// assertSameFiles fails unless after holds exactly the files of before.
func assertSameFiles(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if len(after) != len(before) {
		t.Errorf("%s: %d files, before: %d", what, len(after), len(before))
	}
	for p, data := range before {
		if after[p] != data {
			t.Errorf("%s changed %s", what, p)
		}
	}
}

// snapshot maps every file under dir to its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// For every example, kpt fn render and authstack build write the same tree,
// byte for byte: one formatter, so mixing them churns no diff.
func TestKptWritesWhatBuildWrites(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kpt := tool(t, "KPT", "kpt")
	for _, dir := range testsupport.Examples(t, "../..") {
		spec := filepath.Join(dir, "stack.yaml")
		pkg := t.TempDir()
		copyFile(t, spec, filepath.Join(pkg, "stack.yaml"))
		copyFile(t, filepath.Join(dir, "better-auth-secret.yaml"), filepath.Join(pkg, "better-auth-secret.yaml"))
		writeFile(t, filepath.Join(pkg, "Kptfile"), "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: "+filepath.Base(dir)+
			"\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n    - exec: "+bin+"\n")
		mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
		built := t.TempDir()
		mustRun(t, ".", nil, bin, "build", "-f", dir, "-o", built)
		fromKpt := map[string]string{}
		for p, data := range snapshot(t, pkg) {
			if strings.HasPrefix(p, "bases/") || strings.HasPrefix(p, "overlays/") || strings.HasPrefix(p, ".authstack/") {
				fromKpt[p] = data
			}
		}
		assertSameFiles(t, filepath.Base(dir)+": authstack build, against kpt fn render,", fromKpt, snapshot(t, built))
	}
}
