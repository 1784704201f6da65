package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Change is one file where a directory differs from the tree.
type Change struct {
	// Path is slash-separated, relative to the directory.
	Path string
	// Kind is "stale" (contents differ), "missing" (the tree has it, the
	// directory not) or "extra" (authstack generated it once, the tree no
	// longer does).
	Kind string
}

func (c Change) String() string { return c.Kind + ": " + c.Path }

// Diff compares dir with the tree without writing anything: it is what
// `authstack build --check` reports, so that CI can keep a committed tree
// current. Files of dir that authstack did not generate (a user's README
// or patch next to the tree) are not changes.
func (t *Tree) Diff(dir string) ([]Change, error) {
	var changes []Change
	for _, p := range t.Paths() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{p, "missing"})
		case err != nil:
			return nil, fmt.Errorf("check %s: %w", dir, err)
		case !bytes.Equal(got, t.files[p]):
			changes = append(changes, Change{p, "stale"})
		}
	}
	owned, hasManifest := readOwned(dir)
	for _, root := range t.Roots() {
		err := filepath.WalkDir(filepath.Join(dir, root), func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			rel, err := filepath.Rel(dir, name)
			if err != nil || d.IsDir() {
				return err
			}
			p := filepath.ToSlash(rel)
			if _, ok := t.files[p]; ok {
				return nil
			}
			if hasManifest {
				if _, ok := owned[p]; ok {
					changes = append(changes, Change{p, "extra"})
				}
				return nil
			}
			data, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			if generated(p, data) {
				changes = append(changes, Change{p, "extra"})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", dir, err)
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

// readOwned returns the files that dir's record of generated files lists,
// and whether dir has a valid one. With one, it alone says which files
// authstack generated: anything else is the user's.
func readOwned(dir string) (Owned, bool) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ManifestPath)))
	if err != nil {
		return nil, false
	}
	owned, err := ParseManifest(data)
	return owned, err == nil
}

// generated reports whether a file not in the tree is one authstack wrote
// before, for a directory without a record of generated files: a manifest whose every object carries the label
// app.kubernetes.io/managed-by: authstack, or one of the tree's
// kustomization.yaml files (local-config, named after the stack).
func generated(p string, data []byte) bool {
	if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
		return false
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil || len(nodes) == 0 {
		return false
	}
	for _, n := range nodes {
		if path.Base(p) == "kustomization.yaml" && n.GetKind() == "Kustomization" &&
			n.GetAnnotations()["config.kubernetes.io/local-config"] == "true" && strings.Contains(n.GetName(), "-") {
			continue
		}
		if n.GetLabels()["app.kubernetes.io/managed-by"] != "authstack" {
			return false
		}
	}
	return true
}
