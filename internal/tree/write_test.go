package tree_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/tree"
)

// compiled is the tree of an example, with its Secret.
func compiled(t testing.TB, example string) *tree.Tree {
	t.Helper()
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("../../examples", example)
	data, err := os.ReadFile(filepath.Join(dir, "stack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := schema.Stacks(filepath.Join(dir, "stack.yaml"), data)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := compile.Compile(stacks[0], []*kyaml.RNode{kyaml.MustParse(string(secret))})
	if err != nil {
		t.Fatal(err)
	}
	return res.Tree
}

// The old tree (shop: frontend, backend-api; four targets) and the new one
// (notes: app; minikube, eks, gke): a rebuild from one to the other
// replaces, adds and removes files, and removes directories.
func oldAndNew(t testing.TB) (*tree.Tree, *tree.Tree) {
	return compiled(t, "shop"), compiled(t, "single")
}

// userFiles are the user's own, beside and inside the generated tree: the
// spec itself in bases/, an overlay of their own, notes in a generated
// overlay and in one the new tree no longer has.
var userFiles = map[string]string{
	"stack.yaml":                       "# the user's spec beside the tree\nkind: AuthStack\n",
	"bases/stack.yaml":                 "# the user's spec inside bases/\nkind: AuthStack\n",
	"bases/mine/configmap.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n",
	"overlays/prod/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../bases\nnamePrefix: prod-\n",
	"overlays/eks/NOTES.md":            "eks notes\n",
	"overlays/aks/extra.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
}

// setUp writes old into a new directory and adds the user's files.
func setUp(t testing.TB, old *tree.Tree) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "deploy")
	if err := old.Write(dir); err != nil {
		t.Fatal(err)
	}
	for p, data := range userFiles {
		writeFile(t, filepath.Join(dir, p), data)
	}
	return dir
}

func writeFile(t testing.TB, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every file under dir to its contents and every directory
// (as "path/") to "", skipping the paths for which skip is true.
func snapshot(t testing.TB, dir string, skip func(rel string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			out[rel] = "-> " + target
			return err
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diff describes how got differs from want, or is "".
func diff(got, want map[string]string) string {
	var d []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			d = append(d, "missing "+p)
		} else if g != w {
			d = append(d, "changed "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			d = append(d, "extra "+p)
		}
	}
	sort.Strings(d)
	return strings.Join(d, ", ")
}

// expected is what dir must hold after writing tr over the user's files.
func expected(t testing.TB, tr *tree.Tree) map[string]string {
	t.Helper()
	want := map[string]string{}
	addDirs := func(p string) {
		for d := filepath.ToSlash(filepath.Dir(p)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			want[d+"/"] = ""
		}
	}
	for p, data := range userFiles {
		want[p] = data
		addDirs(p)
	}
	for _, p := range tr.Paths() {
		want[p] = string(tr.File(p))
		addDirs(p)
	}
	m, err := tr.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	want[tree.ManifestPath] = string(m)
	addDirs(tree.ManifestPath)
	return want
}

// A rebuild replaces and removes only what the last build generated: the
// user's files beside and inside bases/ and overlays/ survive, and so does
// a generated file the user edited that the new tree no longer has.
func TestWriteKeepsUserFiles(t *testing.T) {
	old, nu := oldAndNew(t)
	dir := setUp(t, old)
	edited := "bases/backend-api/service.yaml" // not in the new tree
	writeFile(t, filepath.Join(dir, edited), string(old.File(edited))+"# mine now\n  extra: x\n")
	editedData, _ := os.ReadFile(filepath.Join(dir, edited))

	if err := nu.Write(dir); err != nil {
		t.Fatal(err)
	}
	want := expected(t, nu)
	want[edited] = string(editedData)
	want["bases/backend-api/"] = ""
	if d := diff(snapshot(t, dir, nil), want); d != "" {
		t.Errorf("after the rebuild: %s", d)
	}

	// Writing the same tree again changes nothing.
	before := snapshot(t, dir, nil)
	if err := nu.Write(dir); err != nil {
		t.Fatal(err)
	}
	if d := diff(snapshot(t, dir, nil), before); d != "" {
		t.Errorf("second write of the same tree: %s", d)
	}
}

// The spec inside the output directory, as with `-f bases/stack.yaml -o .`.
func TestWriteKeepsSpecInBases(t *testing.T) {
	dir := t.TempDir()
	spec := "apiVersion: authstack.dev/v1alpha1\nkind: AuthStack\n"
	writeFile(t, filepath.Join(dir, "bases", "stack.yaml"), spec)
	for range 2 {
		if err := compiled(t, "shop").Write(dir); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "bases", "stack.yaml")); string(got) != spec {
			t.Fatalf("bases/stack.yaml is now %q", got)
		}
	}
}

// Refusals change nothing and say which file is in the way.
func TestWriteRefuses(t *testing.T) {
	old, _ := oldAndNew(t)
	home, _ := os.UserHomeDir()
	for _, tc := range []struct {
		name  string
		setUp func(t *testing.T, dir string) // dir holds the user's files
		dir   string                         // instead of a temporary directory
		want  string
	}{
		{name: "root", dir: "/", want: "refusing to write into /: a system directory"},
		{name: "etc", dir: "/etc", want: "refusing to write into /etc: a system directory"},
		{name: "home", dir: home, want: "your home directory"},
		{name: "user's kustomization at a generated path", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bases/kustomization.yaml"), "resources: [mine.yaml]\n")
		}, want: "bases/kustomization.yaml exists and authstack did not generate it"},
		{name: "a tree without a manifest (an older authstack) that differs", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bases/frontend/deployment.yaml"), strings.Replace(string(old.File("bases/frontend/deployment.yaml")), "replicas: 2", "replicas: 3", 1))
		}, want: "bases/frontend/deployment.yaml exists and authstack did not generate it"},
		{name: "generated file edited since", setUp: func(t *testing.T, dir string) {
			if err := old.Write(dir); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "overlays/eks/ingress.yaml"), string(old.File("overlays/eks/ingress.yaml"))+"  # x\n  extra: field\n")
		}, want: "overlays/eks/ingress.yaml was changed since authstack generated it"},
		{name: "a directory where a file goes", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bases/kustomization.yaml/mine.yaml"), "a: b\n")
		}, want: "bases/kustomization.yaml is not a regular file"},
		{name: "a symbolic link for bases", setUp: func(t *testing.T, dir string) {
			elsewhere := t.TempDir()
			writeFile(t, filepath.Join(elsewhere, "precious.yaml"), "a: b\n")
			if err := os.Symlink(elsewhere, filepath.Join(dir, "bases")); err != nil {
				t.Fatal(err)
			}
		}, want: "bases is not a directory"},
		{name: "a manifest claiming a user file", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "README.md"), "mine\n")
			writeFile(t, filepath.Join(dir, tree.ManifestPath), "apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nfiles:\n  ../README.md: x\n")
		}, want: `manifest lists "../README.md"`},
		{name: "a symbolic link for .authstack", setUp: func(t *testing.T, dir string) {
			elsewhere := t.TempDir()
			writeFile(t, filepath.Join(elsewhere, "staging", "precious"), "mine\n")
			if err := os.Symlink(elsewhere, filepath.Join(dir, ".authstack")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := os.Stat(filepath.Join(elsewhere, "staging", "precious")); err != nil {
					t.Errorf("the write followed .authstack: %v", err)
				}
			})
		}, want: ".authstack is not a directory"},
		{name: "a manifest with an empty sum for a user file", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "bases/notes.txt"), "not YAML: [\n")
			writeFile(t, filepath.Join(dir, tree.ManifestPath), "apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nfiles:\n  bases/notes.txt: \"\"\n")
		}, want: `manifest gives bases/notes.txt the sum "": not a SHA-256`},
		{name: "a user file at the manifest's path", setUp: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, tree.ManifestPath), "apiVersion: v1\nkind: ConfigMap\n")
		}, want: "not a manifest of generated files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir != "" {
				guardDir(t, dir)
			}
			if dir == "" {
				dir = t.TempDir()
				tc.setUp(t, dir)
			}
			var before map[string]string
			if tc.dir == "" {
				before = snapshot(t, dir, nil)
			}
			err := old.Write(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tc.want)
			}
			if before != nil {
				if d := diff(snapshot(t, dir, nil), before); d != "" {
					t.Errorf("a refused write changed: %s", d)
				}
			}
		})
	}
}

// guardDir fails the test, and removes what it made, if a write that
// should have been refused put a tree into dir (as authstack did before
// it refused system directories).
func guardDir(t *testing.T, dir string) {
	t.Helper()
	var made []string
	for _, name := range []string{"bases", "overlays", ".authstack"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			made = append(made, filepath.Join(dir, name))
		}
	}
	t.Cleanup(func() {
		for _, p := range made {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("the write made %s", p)
				os.RemoveAll(p)
			}
		}
	})
}

// A file that already holds exactly what authstack writes (a tree written
// before manifests existed) is taken over: nothing of anyone's is lost.
func TestWriteAdoptsIdenticalFiles(t *testing.T) {
	old, _ := oldAndNew(t)
	dir := t.TempDir()
	for _, p := range old.Paths() {
		writeFile(t, filepath.Join(dir, p), string(old.File(p)))
	}
	if err := old.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, tree.ManifestPath)); err != nil {
		t.Fatal(err)
	}
}

// Sum ignores formatting, comments and kpt's annotations, not content.
func TestSum(t *testing.T) {
	base := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n"
	same := []string{
		"# comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n    k: 'v'\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/index: '0'\n    internal.config.kubernetes.io/path: 'bases/x.yaml'\n    config.kubernetes.io/path: 'bases/x.yaml'\ndata:\n  k: v\n",
	}
	different := []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: w\n",
		base + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/local-config: 'true'\ndata:\n  k: v\n",
	}
	want, err := tree.Sum([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range same {
		if got, err := tree.Sum([]byte(s)); err != nil || got != want {
			t.Errorf("Sum(%q) = %s, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range different {
		if got, _ := tree.Sum([]byte(s)); got == want {
			t.Errorf("Sum(%q) equals the original's", s)
		}
	}
}

// errInjected is the failure injected at a step.
var errInjected = errors.New("injected failure")

// stepNames runs a write of nu over old and returns the name of every step.
func stepNames(t *testing.T, old, nu *tree.Tree) []string {
	t.Helper()
	dir := setUp(t, old)
	var names []string
	defer tree.SetStep(func(name string) error { names = append(names, name); return nil })()
	if err := nu.Write(dir); err != nil {
		t.Fatal(err)
	}
	return names
}

// failStep makes step k (from 0) of the writes that follow fail with
// errInjected, until restore is called.
func failStep(k int) (restore func()) {
	n := 0
	return tree.SetStep(func(string) error {
		n++
		if n == k+1 {
			return errInjected
		}
		return nil
	})
}

// A write that fails at any step (a full disk, say) leaves exactly the old
// tree if it fails before the commit, and after it a directory that the
// next run (Recover, which build calls first, or Write) turns into exactly
// the new tree, even if that run fails at any of its own steps first.
func TestWriteFailsAtEveryStep(t *testing.T) {
	old, nu := oldAndNew(t)
	names := stepNames(t, old, nu)
	template := setUp(t, old)
	wantOld, wantNew := snapshot(t, template, nil), expected(t, nu)
	firstAfterCommit := -1
	for k, name := range names {
		dir := cloneDir(t, template)
		restore := failStep(k)
		err := nu.Write(dir)
		restore()
		if !errors.Is(err, errInjected) && (err == nil || !strings.Contains(err.Error(), errInjected.Error())) {
			t.Fatalf("step %d (%s): write returned %v", k, name, err)
		}
		if _, statErr := os.Stat(filepath.Join(dir, ".authstack/commit")); statErr != nil {
			if d := diff(snapshot(t, dir, nil), wantOld); d != "" {
				t.Errorf("failed at step %d (%s), before the commit: not the old tree: %s", k, name, d)
			}
			continue
		}
		if !strings.Contains(err.Error(), "the next authstack build") {
			t.Errorf("step %d (%s): the error does not say the build completes later: %v", k, name, err)
		}
		// The next run fails at each of its own steps in turn; a run after
		// that still completes the build. Recovering from the first state
		// after the commit takes every step of the apply, so a few starting
		// states cover every recovery step.
		if firstAfterCommit < 0 {
			firstAfterCommit = k
		}
		for j := 0; k == firstAfterCommit || k == (firstAfterCommit+len(names))/2 || k == len(names)-1; j++ {
			again := cloneDir(t, dir)
			n := 0
			restore := tree.SetStep(func(string) error {
				if n == j {
					return errInjected
				}
				n++
				return nil
			})
			err := tree.Recover(again)
			restore()
			if err == nil {
				break
			}
			if err := tree.Recover(again); err != nil {
				t.Fatalf("failed at step %d (%s), recovery failed at its step %d, then: %v", k, name, j, err)
			}
			if d := diff(snapshot(t, again, nil), wantNew); d != "" {
				t.Errorf("failed at step %d (%s), recovery failed at its step %d, then recovered: not the new tree: %s", k, name, j, d)
			}
		}
		if err := tree.Recover(dir); err != nil {
			t.Fatalf("step %d (%s): recover: %v", k, name, err)
		}
		if d := diff(snapshot(t, dir, nil), wantNew); d != "" {
			t.Errorf("failed at step %d (%s), after the commit, then recovered: not the new tree: %s", k, name, d)
		}
	}
}

// A rebuild of an unchanged tree changes nothing on disk: no step at all;
// one changed file is the only file staged, with the manifest.
func TestWriteUnchangedWritesNothing(t *testing.T) {
	dir := t.TempDir()
	tr := compiled(t, "shop")
	if err := tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	var steps []string
	restore := tree.SetStep(func(s string) error { steps = append(steps, s); return nil })
	defer restore()
	if err := tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	if len(steps) > 0 {
		t.Fatalf("rebuilding an unchanged tree took steps %v", steps)
	}
	tr.Add("bases/frontend/service.yaml", []byte(strings.Replace(string(tr.File("bases/frontend/service.yaml")), "protocol: TCP", "protocol: UDP", 1)))
	if err := tr.Write(dir); err != nil {
		t.Fatal(err)
	}
	var staged []string
	for _, s := range steps {
		if strings.HasPrefix(s, "stage ") {
			staged = append(staged, strings.TrimPrefix(s, "stage "))
		}
	}
	if want := []string{"bases/frontend/service.yaml", tree.ManifestPath, "plan"}; strings.Join(staged, " ") != strings.Join(want, " ") {
		t.Errorf("staged %v, want %v", staged, want)
	}
	got, err := os.ReadFile(filepath.Join(dir, "bases/frontend/service.yaml"))
	if err != nil || !strings.Contains(string(got), "protocol: UDP") {
		t.Errorf("the changed file was not written: %v", err)
	}
}

// A first build into an empty directory makes every directory of the tree
// (each level a step of its own): failing at any step leaves the
// directory empty before the commit, and after it a directory that the
// next run turns into exactly the new tree.
func TestFirstWriteFailsAtEveryStep(t *testing.T) {
	tr := compiled(t, "single")
	want := t.TempDir()
	var names []string
	restore := tree.SetStep(func(name string) error { names = append(names, name); return nil })
	err := tr.Write(want)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	wantNew := snapshot(t, want, nil)
	for _, d := range []string{"bases", "bases/app", "overlays", "overlays/eks"} {
		if !slices.Contains(names, "mkdir "+d) {
			t.Fatalf("no step makes %s: %v", d, names)
		}
	}
	for k, name := range names {
		dir := t.TempDir()
		restore := failStep(k)
		err := tr.Write(dir)
		restore()
		if err == nil || !strings.Contains(err.Error(), errInjected.Error()) {
			t.Fatalf("step %d (%s): write returned %v", k, name, err)
		}
		if _, statErr := os.Stat(filepath.Join(dir, ".authstack/commit")); statErr != nil {
			if got := snapshot(t, dir, nil); len(got) > 0 {
				t.Errorf("failed at step %d (%s), before the commit: left %v", k, name, got)
			}
			continue
		}
		if err := tree.Recover(dir); err != nil {
			t.Fatalf("step %d (%s): recover: %v", k, name, err)
		}
		if d := diff(snapshot(t, dir, nil), wantNew); d != "" {
			t.Errorf("failed at step %d (%s), after the commit, then recovered: not the new tree: %s", k, name, d)
		}
	}
}
