package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stderrLines are the lines of stderr that are not warnings.
func stderrLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" && !strings.HasPrefix(l, "warning: ") {
			out = append(out, l)
		}
	}
	return out
}

// withoutTarget is the reference spec without one of its targets.
func withoutTarget(t *testing.T, target string) string {
	t.Helper()
	data, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "\n    "+target+":")
	if start < 0 {
		t.Fatalf("no %s target in %s", target, refSpec)
	}
	end := start + 1
	for _, line := range strings.SplitAfter(s[start+1:], "\n") {
		if line != "" && !strings.HasPrefix(line, "      ") && end != start+1 {
			break
		}
		end += len(line)
	}
	return s[:start+1] + s[end:]
}

// The user's own files, beside and inside the generated tree; the spec
// itself is in bases/.
var userFiles = map[string]string{
	"README.md":             "mine\n",
	"bases/stack.yaml":      "", // the spec, filled in by the tests
	"bases/mine.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\ndata:\n  a: b\n",
	"overlays/eks/NOTES.md": "my notes on eks\n",
	"overlays/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
metadata:
  name: prod
  annotations:
    config.kubernetes.io/local-config: "true"
resources:
  - ../eks
namePrefix: prod-
`,
}

func writeUserFiles(t *testing.T, dir, spec string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for p, data := range userFiles {
		if p == "bases/stack.yaml" {
			data = spec
		}
		files[p] = data
		writeFile(t, filepath.Join(dir, p), data)
	}
	return files
}

func assertUserFiles(t *testing.T, what, dir string, files map[string]string) {
	t.Helper()
	got := snapshot(t, dir)
	for p, data := range files {
		if g, ok := got[p]; !ok {
			t.Errorf("%s deleted the user's %s", what, p)
		} else if g != data {
			t.Errorf("%s changed the user's %s", what, p)
		}
	}
}

// `authstack build -f bases/stack.yaml -o .` keeps the spec and every other
// file of the user's, beside and inside bases/ and overlays/, through
// builds of the same and of a changed spec; the user's overlay still builds.
func TestBuildKeepsUserFiles(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	pkg := t.TempDir()
	files := writeUserFiles(t, pkg, string(spec))
	copyFile(t, refSecret, filepath.Join(pkg, "secret.yaml"))
	files["secret.yaml"] = snapshot(t, pkg)["secret.yaml"]
	build := []string{"build", "-f", "bases/stack.yaml", "-f", "secret.yaml", "-o", "."}

	mustRun(t, pkg, nil, bin, build...)
	assertUserFiles(t, "build", pkg, files)
	first := snapshot(t, pkg)
	for _, p := range []string{"bases/kustomization.yaml", "overlays/aks/kustomization.yaml", ".authstack/generated.yaml"} {
		if _, ok := first[p]; !ok {
			t.Errorf("build wrote no %s", p)
		}
	}
	mustRun(t, pkg, nil, bin, build...)
	assertSameFiles(t, "a second build", first, snapshot(t, pkg))

	// A changed spec: the aks overlay goes, the user's files stay.
	files["bases/stack.yaml"] = withoutTarget(t, "aks")
	writeFile(t, filepath.Join(pkg, "bases/stack.yaml"), files["bases/stack.yaml"])
	mustRun(t, pkg, nil, bin, build...)
	assertUserFiles(t, "a build of a changed spec", pkg, files)
	if _, err := os.Stat(filepath.Join(pkg, "overlays/aks")); !os.IsNotExist(err) {
		t.Errorf("overlays/aks survived the removal of the aks target: %v", err)
	}
	if out := mustRun(t, ".", nil, kustomize, "build", filepath.Join(pkg, "overlays/prod")); !strings.Contains(out, "name: prod-frontend") {
		t.Errorf("the user's overlay does not build on the new tree:\n%s", out)
	}
}

// Refusals: one line, exit 1, nothing written.
func TestBuildRefuses(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	for _, tc := range []struct {
		name  string
		out   string // relative to a temporary directory, or absolute
		setUp func(dir string)
		want  string
	}{
		{name: "root", out: "/", want: "refusing to write into /: a system directory"},
		{name: "usr", out: "/usr", want: "refusing to write into /usr: a system directory"},
		{name: "user file at a generated path", out: "deploy", setUp: func(dir string) {
			writeFile(t, filepath.Join(dir, "deploy/overlays/eks/kustomization.yaml"), "resources: [../../mine]\n")
			writeFile(t, filepath.Join(dir, "deploy/bases/kustomization.yaml"), "resources: [mine.yaml]\n")
		}, want: "deploy/bases/kustomization.yaml exists and authstack did not generate it (and 1 more in the way)"},
		{name: "generated file edited since", out: "deploy", setUp: func(dir string) {
			mustRun(t, dir, nil, bin, "build", "-f", abs(t, refSpec), "-f", abs(t, refSecret), "-o", "deploy")
			f := filepath.Join(dir, "deploy/bases/frontend/service.yaml")
			data, _ := os.ReadFile(f)
			writeFile(t, f, strings.Replace(string(data), "type: ClusterIP", "type: NodePort", 1))
		}, want: "deploy/bases/frontend/service.yaml was changed since authstack generated it"},
		{name: "output is a file", out: "file", setUp: func(dir string) {
			writeFile(t, filepath.Join(dir, "file"), "mine\n")
		}, want: "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if filepath.IsAbs(tc.out) {
				guardSystemDir(t, tc.out)
			}
			dir := t.TempDir()
			if tc.setUp != nil {
				tc.setUp(dir)
			}
			before := snapshot(t, dir)
			r := run(t, dir, nil, bin, "build", "-f", abs(t, refSpec), "-f", abs(t, refSecret), "-o", tc.out)
			lines := stderrLines(r.Stderr)
			if r.Code != 1 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, want 1 and one line with %q:\n%s", r.Code, tc.want, r.Stderr)
			}
			assertSameFiles(t, "a refused build", before, snapshot(t, dir))
			if after := snapshot(t, dir); len(after) != len(before) {
				t.Errorf("a refused build wrote %d files", len(after)-len(before))
			}
		})
	}
}

// kptfile is a package's Kptfile that runs bin as an exec function.
func kptfile(bin string) string {
	return `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: shop
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: ` + bin + "\n"
}

// guardSystemDir fails the test, and removes what it made, if a build
// that should have been refused created its tree in a system directory
// (as authstack did before it refused them).
func guardSystemDir(t *testing.T, dir string) {
	t.Helper()
	var made []string
	for _, name := range []string{"bases", "overlays", ".authstack"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); os.IsNotExist(err) {
			made = append(made, filepath.Join(dir, name))
		}
	}
	t.Cleanup(func() {
		for _, p := range made {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("the build wrote %s", p)
				os.RemoveAll(p)
			}
		}
	})
}

// kpt fn render keeps the user's files beside and inside bases/ and
// overlays/, renders twice without a change, drops the files of a removed
// target; a user's file at a generated path stops it with an error result
// and nothing written.
func TestKptRenderKeepsUserFiles(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kpt := tool(t, "KPT", "kpt")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	kptfile := kptfile(bin)
	// kpt writes the tree beside the spec: the spec is at the top here, and
	// bases/stack.yaml is just another file of the user's.
	pkg := t.TempDir()
	files := writeUserFiles(t, pkg, "# the user's, not a spec (kpt reads only KRM)\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n")
	copyFile(t, refSpec, filepath.Join(pkg, "stack.yaml"))
	copyFile(t, refSecret, filepath.Join(pkg, "better-auth-secret.yaml"))
	writeFile(t, filepath.Join(pkg, "Kptfile"), kptfile)

	mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
	assertUserFiles(t, "kpt fn render", pkg, files)
	first := snapshot(t, pkg)
	if first["bases/jwks-purge/job.yaml"] == "" || first[".authstack/generated.yaml"] == "" {
		t.Fatalf("kpt fn render wrote no tree: %v", first)
	}
	mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
	assertSameFiles(t, "a second kpt fn render", first, snapshot(t, pkg))

	writeFile(t, filepath.Join(pkg, "stack.yaml"), withoutTarget(t, "aks"))
	mustRun(t, pkg, nil, kpt, "fn", "render", "--allow-exec", ".")
	assertUserFiles(t, "kpt fn render of a changed spec", pkg, files)
	after := snapshot(t, pkg)
	for p := range after {
		if strings.HasPrefix(p, "overlays/aks/") {
			t.Errorf("%s survived the removal of the aks target", p)
		}
	}
	if out := mustRun(t, ".", nil, kustomize, "build", filepath.Join(pkg, "overlays/prod")); !strings.Contains(out, "name: prod-frontend") {
		t.Errorf("the user's overlay does not build on the new tree:\n%s", out)
	}

	// A user's kustomization where authstack would write one.
	clash := t.TempDir()
	copyFile(t, refSpec, filepath.Join(clash, "stack.yaml"))
	copyFile(t, refSecret, filepath.Join(clash, "better-auth-secret.yaml"))
	writeFile(t, filepath.Join(clash, "Kptfile"), kptfile)
	writeFile(t, filepath.Join(clash, "overlays/eks/kustomization.yaml"), userFiles["overlays/prod/kustomization.yaml"])
	before := snapshot(t, clash)
	r := run(t, clash, nil, kpt, "fn", "render", "--allow-exec", ".")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "overlays/eks/kustomization.yaml exists and authstack did not generate it") {
		t.Errorf("kpt fn render over a user's file: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	assertSameFiles(t, "a refused kpt fn render", before, snapshot(t, clash))
}
