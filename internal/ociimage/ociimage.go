// Package ociimage builds container images offline, without a Docker daemon
// or a registry: one layer made of local files on an empty base, written as
// a tarball (the `docker save` layout that go-containerregistry's tarball
// package writes) that `ctr images import`, `crane push` and
// `minikube image load` accept.
//
// `make image` uses it for the authstack image; the real-node tests use it
// for their test images (internal/realnode).
package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// File is one regular file of the image.
type File struct {
	// Path is the absolute path inside the image.
	Path string
	// Src is the host file to copy; Data is used when Src is empty.
	Src  string
	Data []byte
	// Mode is the permission bits; 0 means the host file's, or 0644.
	Mode int64
}

// Dir is an empty directory of the image (parents of files are made 0755).
type Dir struct {
	Path string
	Mode int64
	// UID and GID own the directory (root when zero).
	UID, GID int
}

// Spec describes an image.
type Spec struct {
	Files      []File
	Dirs       []Dir
	Entrypoint []string
	Cmd        []string
	// Env is added after PATH.
	Env     []string
	User    string
	WorkDir string
	// Labels become the config's labels (e.g. org.opencontainers.image.*).
	Labels map[string]string
}

// epoch is every timestamp of the image, so that the same inputs give the
// same digest.
var epoch = time.Unix(0, 0).UTC()

// Build returns the linux/amd64 image the spec describes.
func Build(s Spec) (v1.Image, error) {
	data, err := layerTar(s)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("make layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Entrypoint = s.Entrypoint
	cf.Config.Cmd = s.Cmd
	cf.Config.User = s.User
	cf.Config.WorkingDir = s.WorkDir
	cf.Config.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, s.Env...)
	cf.Config.Labels = s.Labels
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	return img, nil
}

// layerTar writes the layer: directories first (parents before children),
// then files in path order, all owned by root with the epoch as time.
func layerTar(s Spec) ([]byte, error) {
	dirs := map[string]Dir{}
	addParents := func(p string) {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dirs[d] = Dir{Path: d, Mode: 0o755}
			}
		}
	}
	for _, d := range s.Dirs {
		if !path.IsAbs(d.Path) {
			return nil, fmt.Errorf("image dir %q: not an absolute path", d.Path)
		}
		p := path.Clean(d.Path)
		addParents(p)
		if d.Mode == 0 {
			d.Mode = 0o755
		}
		d.Path = p
		dirs[p] = d
	}
	files := append([]File(nil), s.Files...)
	for i, f := range files {
		if !path.IsAbs(f.Path) {
			return nil, fmt.Errorf("image file %q: not an absolute path", f.Path)
		}
		files[i].Path = path.Clean(f.Path)
		addParents(files[i].Path)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	dirNames := make([]string, 0, len(dirs))
	for d := range dirs {
		dirNames = append(dirNames, d)
	}
	sort.Strings(dirNames)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range dirNames {
		hdr := &tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/",
			Mode: dirs[d].Mode, Uid: dirs[d].UID, Gid: dirs[d].GID, ModTime: epoch}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
	}
	for i := range files {
		f := &files[i]
		if i > 0 && files[i-1].Path == f.Path {
			return nil, fmt.Errorf("image file %s: given twice", f.Path)
		}
		data, mode := f.Data, f.Mode
		if f.Src != "" {
			b, err := os.ReadFile(f.Src)
			if err != nil {
				return nil, fmt.Errorf("image file %s: %w", f.Path, err)
			}
			data = b
			if mode == 0 {
				fi, err := os.Stat(f.Src)
				if err != nil {
					return nil, err
				}
				mode = int64(fi.Mode().Perm())
			}
		}
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.Path, "/"), Mode: mode, Size: int64(len(data)), ModTime: epoch}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes images under their references into one tarball at file
// (written to a temporary name, then renamed). Images that share a layer
// store it once.
func Write(file string, images map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for r, img := range images {
		// Strict: a reference without a tag would be written as :latest,
		// which kubelet then tries to pull (imagePullPolicy Always).
		tag, err := name.NewTag(r, name.StrictValidation)
		if err != nil {
			return fmt.Errorf("image reference %q: %w", r, err)
		}
		refs[tag] = img
	}
	tmp := file + ".tmp"
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", file, err)
	}
	return os.Rename(tmp, file)
}

// NonRoot is the user and group of distroless' "nonroot" user, which the
// authstack image runs as (as the Dockerfile's distroless base does).
const NonRoot = "65532:65532"

// Static returns the spec of an image holding one static binary run as
// NonRoot, laid out like gcr.io/distroless/static's nonroot variant as far
// as a static Go binary needs it: /etc/passwd and /etc/group naming the
// user, a world-writable /tmp, and the host's CA bundle when it has one (for
// TLS to databases).
func Static(binary, inImage string) Spec {
	s := Spec{
		Files: []File{
			{Path: inImage, Src: binary, Mode: 0o755},
			{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
			{Path: "/etc/group", Data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		},
		Dirs:       []Dir{{Path: "/tmp", Mode: 0o1777}, {Path: "/home/nonroot", Mode: 0o700, UID: 65532, GID: 65532}},
		Entrypoint: []string{inImage},
		User:       NonRoot,
		WorkDir:    "/home/nonroot",
	}
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err == nil {
		s.Files = append(s.Files, File{Path: bundle, Src: bundle, Mode: 0o644})
		s.Env = append(s.Env, "SSL_CERT_FILE="+bundle)
	}
	return s
}

// Tree returns the regular files under the host directory src as image
// files under dst, keeping their modes. Symbolic links and other special
// files are left out (node_modules/.bin holds only links to scripts).
func Tree(src, dst string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, File{Path: path.Join(dst, filepath.ToSlash(rel)), Src: p, Mode: int64(info.Mode().Perm())})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("image tree %s: %w", src, err)
	}
	return files, nil
}
