package tree_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/authstack/authstack/internal/tree"
)

const managed = "apiVersion: v1\nkind: Service\nmetadata:\n  name: old\n  labels:\n    app.kubernetes.io/managed-by: authstack\n"

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Diff finds stale, missing and extra generated files; which files are
// generated comes from the directory's record of them when it has one, from
// the files' labels otherwise. The user's files never count.
func TestDiff(t *testing.T) {
	tr := tree.New()
	tr.Add("bases/a.yaml", []byte("a: 1\n"))
	tr.Add("bases/b.yaml", []byte("b: 1\n"))
	tr.Add("overlays/eks/kustomization.yaml", []byte("resources: [../../bases]\n"))
	user := map[string]string{
		"README.md":              "mine\n",
		"bases/notes.yaml":       "note: mine\n",
		"overlays/eks/patch.yml": "kind: Deployment\n",
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"current", map[string]string{"bases/a.yaml": "a: 1\n", "bases/b.yaml": "b: 1\n", "overlays/eks/kustomization.yaml": "resources: [../../bases]\n"}, nil},
		{"no record: labels", map[string]string{
			"bases/a.yaml": "a: 2\n", "overlays/eks/kustomization.yaml": "resources: [../../bases]\n",
			"bases/old/service.yaml":          managed,
			"overlays/gke/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: shop-gke\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
		}, []string{"stale: bases/a.yaml", "missing: bases/b.yaml", "extra: bases/old/service.yaml", "extra: overlays/gke/kustomization.yaml"}},
		{"record", map[string]string{
			"bases/a.yaml": "a: 1\n", "bases/b.yaml": "b: 1\n", "overlays/eks/kustomization.yaml": "resources: [../../bases]\n",
			"bases/gone.yaml":           "gone: 1\n", // recorded: extra, label or not
			"bases/old/service.yaml":    managed,     // not recorded: the user's
			".authstack/generated.yaml": "apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nmetadata:\n  name: authstack-generated\nfiles:\n  bases/a.yaml: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  bases/gone.yaml: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
		}, []string{"extra: bases/gone.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, user)
			write(t, dir, tc.files)
			changes, err := tr.Diff(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
		})
	}
}
