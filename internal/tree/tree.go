// Package tree holds a generated kustomize tree (bases/ and overlays/) in
// memory, writes it to disk (only over files it generated, all or nothing:
// see write.go) and renders one overlay with kustomize's own krusty, so that
// a render always equals `kustomize build`.
package tree

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"sort"
	"strings"
	"sync"

	_ "embed"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Tree maps slash-separated relative paths to file contents.
type Tree struct {
	files map[string][]byte
	sums  map[string]string // Sum of files, computed once (owned.go)
	// nodes are the objects of files that came from Format, as it wrote
	// them: the direct render copies them instead of parsing the files.
	nodes map[string][]*kyaml.RNode
}

// New returns an empty tree.
func New() *Tree { return &Tree{files: map[string][]byte{}, nodes: map[string][]*kyaml.RNode{}} }

// Add puts a file into the tree, replacing any file at the same path.
func (t *Tree) Add(p string, data []byte) {
	p = path.Clean(p)
	t.files[p] = data
	delete(t.sums, p)
	if nodes := formattedNodes(data); nodes != nil {
		t.nodes[p] = nodes
	} else {
		delete(t.nodes, p)
	}
}

// File returns the contents of one file, or nil.
func (t *Tree) File(p string) []byte { return t.files[path.Clean(p)] }

// Paths returns every file's path, sorted.
func (t *Tree) Paths() []string {
	paths := make([]string, 0, len(t.files))
	for p := range t.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// Roots returns the top-level directories of the tree, sorted.
func (t *Tree) Roots() []string {
	seen := map[string]bool{}
	var roots []string
	for p := range t.files {
		root, _, _ := strings.Cut(p, "/")
		if !seen[root] {
			seen[root] = true
			roots = append(roots, root)
		}
	}
	sort.Strings(roots)
	return roots
}

// openAPISchema is the part of kustomize's built-in Kubernetes OpenAPI schema
// that the kinds authstack emits refer to, without descriptions (written by
// `go test ./internal/tree -update`). Strategic-merge patches of those kinds
// merge exactly as with the whole schema (618 definitions), which kustomize
// otherwise decodes on every build: about 25 ms and 6 MiB per render.
//
//go:embed openapi.json
var openAPISchema []byte

// renderMu serialises renders: krusty reads, and Render sets and resets,
// kyaml's process-wide OpenAPI schema, so two renders at once would see each
// other's schema (or none).
var renderMu sync.Mutex

// Render runs kustomize over the overlay directory dir (e.g. "overlays/eks")
// and returns the final manifests as a YAML stream. It may be called from
// several goroutines: renders take turns around kyaml's process-wide schema.
func (t *Tree) Render(dir string) ([]byte, error) {
	return t.render(dir, nil, true)
}

// render renders dir, with the YAML stream extra added beside it as
// RenderWith does, directly when direct is set and the tree allows
// (direct.go), else with krusty.
func (t *Tree) render(dir string, extra []byte, direct bool) ([]byte, error) {
	renderMu.Lock()
	defer renderMu.Unlock()
	// krusty keeps this schema: it replaces the schema only for a
	// kustomization with an openapi field, and ours have none.
	if err := openapi.SetSchema(nil, openAPISchema, true); err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	defer openapi.ResetOpenAPI()
	if direct {
		if out, err := t.renderDirect(dir, extra); err == nil {
			return out, nil
		}
	}
	if len(bytes.TrimSpace(extra)) > 0 {
		w := &Tree{files: maps.Clone(t.files), nodes: map[string][]*kyaml.RNode{}}
		w.Add(path.Join(inputDir, "objects.yaml"), extra)
		w.Add(path.Join(inputDir, "kustomization.yaml"), []byte("resources:\n- "+path.Join("..", dir)+"\n- objects.yaml\n"))
		return w.krusty(inputDir)
	}
	return t.krusty(dir)
}

// krusty runs kustomize's krusty over dir. The caller holds renderMu and
// has set the OpenAPI schema.
func (t *Tree) krusty(dir string) ([]byte, error) {
	fsys := filesys.MakeFsInMemory()
	for p, data := range t.files {
		if err := fsys.WriteFile("/"+p, data); err != nil {
			return nil, fmt.Errorf("render %s: %w", dir, err)
		}
	}
	// The options of `kustomize build` without flags: same order, same bytes.
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified
	m, err := krusty.MakeKustomizer(opts).Run(fsys, "/"+dir)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	return out, nil
}
