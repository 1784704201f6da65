package spec

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/authstack/authstack/bases"
	"github.com/authstack/authstack/overlays"
	"github.com/authstack/authstack/schemas"
)

// Embedded holds the CUE files built into the binary as the repository
// does: schemas/, bases/ and overlays/ (one <platform>.cue per platform).
// Load compiles it; LoadFS compiles any file system laid out alike, such as
// a test's copy of it with one more overlay.
var Embedded fs.FS = mount{"schemas": schemas.FS, "bases": bases.FS, "overlays": overlays.FS}

// mount is a read-only file system made of others, each under its own
// top-level directory.
type mount map[string]fs.FS

// resolve returns the file system and the name in it of name, which is
// not ".".
func (m mount) resolve(op, name string) (fs.FS, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	dir, rest, _ := strings.Cut(name, "/")
	sub, ok := m[dir]
	if !ok {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	if rest == "" {
		rest = "."
	}
	return sub, rest, nil
}

// Open opens name; the root itself is a directory of the mounts.
func (m mount) Open(name string) (fs.File, error) {
	if name == "." {
		return &mountRoot{entries: m.entries()}, nil
	}
	sub, rest, err := m.resolve("open", name)
	if err != nil {
		return nil, err
	}
	f, err := sub.Open(rest)
	if err != nil || rest != "." {
		return f, err
	}
	d, ok := f.(fs.ReadDirFile)
	if !ok {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return mountPoint{d, name}, nil
}

// mountPoint is the open root of a mounted file system, named as mounted.
type mountPoint struct {
	fs.ReadDirFile
	name string
}

func (p mountPoint) Stat() (fs.FileInfo, error) { return mountDir(p.name), nil }

// ReadDir lists name, so that fs.Glob and fs.WalkDir work over the root.
func (m mount) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == "." {
		return m.entries(), nil
	}
	sub, rest, err := m.resolve("readdir", name)
	if err != nil {
		return nil, err
	}
	return fs.ReadDir(sub, rest)
}

// Stat describes name; a mount point is a directory named after it.
func (m mount) Stat(name string) (fs.FileInfo, error) {
	if name == "." {
		return mountDir("."), nil
	}
	sub, rest, err := m.resolve("stat", name)
	if err != nil {
		return nil, err
	}
	if rest == "." {
		return mountDir(name), nil
	}
	return fs.Stat(sub, rest)
}

func (m mount) entries() []fs.DirEntry {
	var out []fs.DirEntry
	for name := range m {
		out = append(out, fs.FileInfoToDirEntry(mountDir(name)))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// mountDir is the FileInfo of the root or of a mount point.
type mountDir string

func (d mountDir) Name() string       { return path.Base(string(d)) }
func (d mountDir) Size() int64        { return 0 }
func (d mountDir) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (d mountDir) ModTime() time.Time { return time.Time{} }
func (d mountDir) IsDir() bool        { return true }
func (d mountDir) Sys() any           { return nil }

// mountRoot is the open root directory.
type mountRoot struct {
	entries []fs.DirEntry
	read    int
}

func (r *mountRoot) Stat() (fs.FileInfo, error) { return mountDir("."), nil }
func (r *mountRoot) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: ".", Err: fs.ErrInvalid}
}
func (r *mountRoot) Close() error { return nil }

// ReadDir follows fs.ReadDirFile: n > 0 reads at most n entries, io.EOF at
// the end; n <= 0 reads the rest.
func (r *mountRoot) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := r.entries[r.read:]
	if n > 0 {
		if len(rest) == 0 {
			return nil, io.EOF
		}
		rest = rest[:min(n, len(rest))]
	}
	r.read += len(rest)
	return rest, nil
}
