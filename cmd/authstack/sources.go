package main

import (
	"io/fs"
	"strings"
	"sync"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/overlays"
)

// sources are the CUE files the commands compile with: spec.Embedded in
// the binary, a changed copy of it in a test. The help texts name the
// platforms of its overlays/, so that a platform is added by its file.
type sources struct {
	fsys      fs.FS
	platforms []string
	// schema is compiled once, by the first command that needs it.
	schema func() (*spec.Schema, error)
}

// newSources reads the platforms of fsys, laid out as spec.LoadFS reads it.
func newSources(fsys fs.FS) (*sources, error) {
	dir, err := fs.Sub(fsys, "overlays")
	if err != nil {
		return nil, err
	}
	platforms, err := overlays.Platforms(dir)
	if err != nil {
		return nil, err
	}
	load := sync.OnceValues(func() (*spec.Schema, error) { return spec.LoadFS(fsys) })
	return &sources{fsys: fsys, platforms: platforms, schema: load}, nil
}

// embedded are the sources built into the binary.
func embedded() *sources {
	src, err := newSources(spec.Embedded)
	if err != nil {
		panic(err) // the files are embedded: a bug
	}
	src.schema = spec.Load // compiled once per process, for every package
	return src
}

// platformList is the platforms as a phrase: "a, b, c or d" with
// conjunction "or".
func (s *sources) platformList(conjunction string) string {
	p := s.platforms
	if len(p) < 2 {
		return strings.Join(p, "")
	}
	return strings.Join(p[:len(p)-1], ", ") + " " + conjunction + " " + p[len(p)-1]
}
