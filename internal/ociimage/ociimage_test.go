package ociimage

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestStaticImage writes an image the way `make image` does and reads it
// back with go-containerregistry's own tarball reader (the code `crane push`
// runs): the reference resolves, the config runs the binary as a non-root
// user, and the layer holds the binary executable.
func TestStaticImage(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "authstack")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	img, err := Build(Static(bin, "/usr/local/bin/authstack"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "image.tar")
	const ref = "ghcr.io/authstack/authstack:v0.0.0-test"
	if err := Write(out, map[string]v1.Image{ref: img, "authstack.local/authstack:dev": img}); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(ref)
	got, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	cf, err := got.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cf.Config.User)
	}
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/usr/local/bin/authstack" {
		t.Errorf("entrypoint %q", cf.Config.Entrypoint)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := got.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	entries := readLayer(t, layers[0])
	if h, ok := entries["usr/local/bin/authstack"]; !ok || h.Mode != 0o755 {
		t.Errorf("binary entry %+v (present %v), want mode 0755", h, ok)
	}
	if h, ok := entries["tmp/"]; !ok || h.Mode != 0o1777 {
		t.Errorf("/tmp entry %+v (present %v), want mode 1777", h, ok)
	}
	if h := entries["home/nonroot/"]; h == nil || h.Uid != 65532 {
		t.Errorf("home of nonroot not owned by it: %+v", h)
	}
	// Same inputs, same digest: nothing depends on the time of the build.
	again, err := Build(Static(bin, "/usr/local/bin/authstack"))
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digest changed between two builds: %s, %s", d1, d2)
	}
}

func readLayer(t *testing.T, l v1.Layer) map[string]*tar.Header {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	m := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			t.Fatal(err)
		}
		m[h.Name] = h
	}
}

func TestBadInput(t *testing.T) {
	for name, s := range map[string]Spec{
		"relative file": {Files: []File{{Path: "bin/x", Data: []byte("x")}}},
		"relative dir":  {Dirs: []Dir{{Path: "tmp"}}},
		"twice":         {Files: []File{{Path: "/x", Data: []byte("a")}, {Path: "/x", Data: []byte("b")}}},
		"missing src":   {Files: []File{{Path: "/x", Src: "/nonexistent/authstack"}}},
	} {
		if _, err := Build(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	img, err := Build(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(t.TempDir(), "x.tar"), map[string]v1.Image{"authstack.local/x": img}); err == nil {
		t.Error("a reference without a tag was accepted")
	}
}
