// Package input reads the files given with -f: AuthStack specs, validated
// with positions in their own files, and every other object, which may
// carry the auth secret.
package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/redact"
	"github.com/authstack/authstack/internal/spec"
)

// Input is what a set of files holds.
type Input struct {
	Stacks  []*spec.Stack
	Objects []*yaml.RNode
	// Secrets are the values of the Secrets among the inputs, to be masked
	// in every message.
	Secrets *redact.Set
}

// Read reads files, directories (their *.yaml, *.yml and *.json files, not
// recursively) and "-" for standard input. Its errors never show a value of
// a Secret among the inputs; the values are also added to redact.Process.
// The specs are validated with the embedded schema.
func Read(paths []string, stdin io.Reader) (*Input, error) {
	return ReadWith(nil, paths, stdin)
}

// ReadWith is Read with schema, such as one of spec.LoadFS; nil is the
// embedded one.
func ReadWith(schema *spec.Schema, paths []string, stdin io.Reader) (in *Input, err error) {
	secrets := &redact.Set{}
	defer func() {
		if r := recover(); r != nil {
			in, err = nil, errors.New("the input cannot be read (an internal error of authstack: please report it with the input)")
		}
		if err != nil {
			err = mask(err, secrets)
		}
		redact.Process.Merge(secrets)
	}()
	if schema == nil {
		if schema, err = spec.Load(); err != nil {
			return nil, err
		}
	}
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	in = &Input{Secrets: secrets}
	var errs []error
	total := 0
	for _, name := range files {
		data, err := readFile(name, stdin, spec.MaxTotalBytes-total)
		if err != nil {
			return nil, err
		}
		total += len(data)
		yf, err := spec.ParseYAML(name, data)
		if yf != nil {
			secrets.AddObjects(yf.Docs...)
			for _, v := range yf.Scalars {
				secrets.Add(v)
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stacks, err := schema.Stacks(name, yf.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		in.Stacks = append(in.Stacks, stacks...)
		objects, err := (&kio.ByteReader{Reader: bytes.NewReader(yf.Data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: cannot be read as Kubernetes objects", name))
			continue
		}
		for _, o := range objects {
			if o.GetKind() == spec.Kind {
				continue
			}
			if err := o.PipeE(yaml.SetAnnotation("internal.config.kubernetes.io/path", name)); err != nil {
				return nil, fmt.Errorf("%s: cannot be read as Kubernetes objects", name)
			}
			in.Objects = append(in.Objects, o)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(in.Stacks) == 0 {
		return nil, fmt.Errorf("no %s (apiVersion %s) in %s", spec.Kind, spec.APIVersion, strings.Join(paths, ", "))
	}
	return in, nil
}

func expand(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		var inDir []string
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() {
					inDir = append(inDir, filepath.Join(p, e.Name()))
				}
			}
		}
		sort.Strings(inDir)
		files = append(files, inDir...)
	}
	return files, nil
}

// readFile reads a file of at most spec.MaxFileBytes and left bytes,
// without reading more than one byte past the limit.
func readFile(name string, stdin io.Reader, left int) ([]byte, error) {
	r := stdin
	display := "standard input"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, display = f, name
	}
	limit := min(spec.MaxFileBytes, left)
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	if len(data) > limit {
		if limit < spec.MaxFileBytes {
			return nil, fmt.Errorf("%s: found more than %d MiB of input with the files before it, allowed: at most %[2]d MiB in all", display, spec.MaxTotalBytes>>20)
		}
		return nil, fmt.Errorf("%s: found more than %d MiB, allowed: at most %[2]d MiB per file", display, spec.MaxFileBytes>>20)
	}
	return data, nil
}

// mask returns err with the secrets masked, keeping spec.Diagnostics as such.
func mask(err error, secrets *redact.Set) error {
	if fes, ok := err.(spec.Diagnostics); ok {
		out := make(spec.Diagnostics, len(fes))
		for i, fe := range fes {
			c := *fe
			c.Path, c.Msg = secrets.String(c.Path), secrets.String(c.Msg)
			out[i] = &c
		}
		return out
	}
	return errors.New(secrets.String(err.Error()))
}
