// mkimage builds the authstack OCI image without a Docker daemon (see
// internal/ociimage) and writes it as a tarball for `ctr images import`,
// `crane push` or `minikube image load`:
//
//	go run ./hack/mkimage -bin bin/authstack -tag ghcr.io/authstack/authstack:v0.2.0 -out bin/authstack-image.tar
//
// The binary must be static (CGO_ENABLED=0), as `make build` makes it.
package main

import (
	"flag"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/authstack/authstack/internal/ociimage"
)

func main() {
	bin := flag.String("bin", "bin/authstack", "static authstack binary")
	out := flag.String("out", "bin/authstack-image.tar", "output tarball")
	version := flag.String("version", "", "version label (org.opencontainers.image.version)")
	var tags multi
	flag.Var(&tags, "tag", "image reference with a tag (repeatable)")
	flag.Parse()
	if len(tags) == 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mkimage -tag REF [-tag REF...] [-bin FILE] [-out FILE] [-version V]")
		os.Exit(2)
	}
	spec := ociimage.Static(*bin, "/usr/local/bin/authstack")
	spec.Labels = map[string]string{"org.opencontainers.image.source": "https://github.com/authstack/authstack"}
	if *version != "" {
		spec.Labels["org.opencontainers.image.version"] = *version
	}
	img, err := ociimage.Build(spec)
	if err == nil {
		images := map[string]v1.Image{}
		for _, t := range tags {
			images[t] = img
		}
		err = ociimage.Write(*out, images)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
	d, _ := img.Digest()
	fmt.Printf("%s %s -> %s\n", tags, d, *out)
}

type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }
