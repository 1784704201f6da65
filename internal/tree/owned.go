package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// ManifestPath is where, relative to the directory that holds bases/ and
// overlays/, authstack records the files it generated, with their sums. It
// is the only proof of ownership: authstack replaces or removes a file only
// if the manifest lists it with the sum the file still has (or if the file
// already holds exactly what authstack is about to write). Everything else
// is the user's and is never touched. The manifest is a local-config KRM
// object, so that kpt passes it to the function like any other package file.
const ManifestPath = ".authstack/generated.yaml"

// Manifest kind and API version.
const (
	ManifestAPIVersion = "authstack.dev/v1alpha1"
	ManifestKind       = "GeneratedFiles"
)

// ownedRoots are the only directories whose files a manifest may claim: a
// manifest edited to list another file cannot make authstack delete it.
var ownedRoots = []string{"bases/", "overlays/"}

// Owned maps the slash-separated paths of generated files to their sums.
type Owned map[string]string

// Manifest returns the manifest of the tree's files.
func (t *Tree) Manifest() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`# Written by authstack: the files it generated here, with the SHA-256 of
# their content (as JSON, comments and formatting aside). authstack replaces
# or removes a file only while it still has this sum; edit or add files of
# your own freely, they are never touched.
apiVersion: ` + ManifestAPIVersion + `
kind: ` + ManifestKind + `
metadata:
  name: authstack-generated
  annotations:
    config.kubernetes.io/local-config: "true"
files:
`)
	if err := t.sumAll(); err != nil {
		return nil, err
	}
	for _, p := range t.Paths() {
		sum, err := t.Sum(p)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %s: %s\n", p, sum)
	}
	return b.Bytes(), nil
}

// Sum returns the Sum of the tree's file at p.
func (t *Tree) Sum(p string) (string, error) {
	p = path.Clean(p)
	if sum, ok := t.sums[p]; ok {
		return sum, nil
	}
	sum, err := t.sum(p)
	if err != nil {
		return "", err
	}
	if t.sums == nil {
		t.sums = map[string]string{}
	}
	t.sums[p] = sum
	return sum, nil
}

// sum computes the Sum of the file at p.
func (t *Tree) sum(p string) (string, error) {
	var sum string
	var err error
	if nodes, ok := t.nodes[p]; ok {
		sum, err = sumNodes(nodes)
	} else {
		sum, err = Sum(t.files[p])
	}
	if err != nil {
		return "", fmt.Errorf("generated %s: %w", p, err)
	}
	return sum, nil
}

// sumAll computes the sums of every file not summed yet, on every core:
// decoding and hashing the files of a build is work for which it would
// otherwise wait.
func (t *Tree) sumAll() error {
	var todo []string
	for _, p := range t.Paths() {
		if _, ok := t.sums[p]; !ok {
			todo = append(todo, p)
		}
	}
	sums := make([]string, len(todo))
	errs := make([]error, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(todo); i = int(next.Add(1)) - 1 {
				sums[i], errs[i] = t.sum(todo[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err // the first path's, as a loop over them would
		}
	}
	if t.sums == nil {
		t.sums = map[string]string{}
	}
	for i, p := range todo {
		t.sums[p] = sums[i]
	}
	return nil
}

// ParseManifest reads a manifest. A file that is not one, or that claims a
// path outside bases/ and overlays/, is an error.
func ParseManifest(data []byte) (Owned, error) {
	var m struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Files      map[string]string `json:"files"`
	}
	if err := sigsyaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a manifest of generated files: %w", err)
	}
	if m.APIVersion != ManifestAPIVersion || m.Kind != ManifestKind {
		return nil, fmt.Errorf("not a manifest of generated files (apiVersion %q, kind %q; want %s, %s)", m.APIVersion, m.Kind, ManifestAPIVersion, ManifestKind)
	}
	owned := Owned{}
	for p, sum := range m.Files {
		if !ownable(p) {
			return nil, fmt.Errorf("manifest lists %q: authstack only generates files under bases/ and overlays/", p)
		}
		if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("manifest gives %s the sum %q: not a SHA-256", p, sum)
		}
		owned[p] = sum
	}
	return owned, nil
}

// ownable reports whether p is a clean relative path under bases/ or overlays/.
func ownable(p string) bool {
	if p != path.Clean(p) || path.IsAbs(p) || strings.HasPrefix(p, "../") || strings.Contains(p, "\\") {
		return false
	}
	for _, r := range ownedRoots {
		if strings.HasPrefix(p, r) && len(p) > len(r) {
			return true
		}
	}
	return false
}

// Paths returns the manifest's paths, sorted.
func (o Owned) Paths() []string {
	ps := make([]string, 0, len(o))
	for p := range o {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// transient are the annotations kpt and kustomize add to items in flight
// and strip when they write files; they are not part of a file's content.
var transient = []string{
	kioutil.PathAnnotation, kioutil.LegacyPathAnnotation,
	kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation,
	kioutil.IdAnnotation, kioutil.LegacyIdAnnotation,
}

// Sum is the SHA-256 of a YAML file's content: its documents as JSON with
// sorted keys, without the transient annotations of kpt and kustomize. A
// file and the KRM item kpt reads from it have the same sum, whatever
// formatting kpt applies; a second document or any edit of a value changes
// it. Comments do not count.
func Sum(data []byte) (string, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []any
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		docs = appendDoc(docs, doc)
	}
	return sumDocs(docs)
}

// sumNodes is Sum of the file that Format wrote from nodes, without
// parsing it: the nodes decode to what the file's text decodes to (a test
// compares both for every file of the examples' trees).
func sumNodes(nodes []*kyaml.RNode) (string, error) {
	var docs []any
	for _, n := range nodes {
		var doc any
		if err := n.YNode().Decode(&doc); err != nil {
			return "", err
		}
		docs = appendDoc(docs, doc)
	}
	return sumDocs(docs)
}

func appendDoc(docs []any, doc any) []any {
	if doc == nil {
		return docs
	}
	if m, ok := doc.(map[string]any); ok {
		stripTransient(m)
	}
	return append(docs, doc)
}

func sumDocs(docs []any) (string, error) {
	var v any = docs
	if len(docs) == 1 {
		v = docs[0]
	}
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(j)
	return hex.EncodeToString(s[:]), nil
}

func stripTransient(obj map[string]any) {
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		return
	}
	ann, ok := meta["annotations"].(map[string]any)
	if !ok {
		return
	}
	for k := range ann {
		if strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			delete(ann, k)
		}
	}
	for _, k := range transient {
		delete(ann, k)
	}
	if len(ann) == 0 {
		delete(meta, "annotations")
	}
}
