// Package overlays embeds one CUE file per platform: the settings of an
// environment on it, its registration in #Platforms, and what it adds over
// the bases (docs/architecture.md). The files are the list of platforms:
// every other list (the schema's, help texts, docs, tests) is derived from
// them, so that a platform is added by adding its file.
package overlays

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// FS holds one CUE file per platform, named <platform>.cue.
//
//go:embed *.cue
var FS embed.FS

// Platforms returns the platforms of fsys, a directory of overlays: the
// names of its *.cue files without the extension, sorted.
func Platforms(fsys fs.FS) ([]string, error) {
	files, err := fs.Glob(fsys, "*.cue")
	if err != nil {
		return nil, fmt.Errorf("overlays: %w", err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(f, ".cue")
	}
	sort.Strings(names)
	return names, nil
}

// Names returns the embedded platforms, sorted.
func Names() []string {
	names, err := Platforms(FS)
	if err != nil {
		panic(err) // the pattern is valid and FS is embedded
	}
	return names
}
