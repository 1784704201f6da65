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

	"github.com/authstack/authstack/internal/spec"
)

// Input is what a set of files holds.
type Input struct {
	Stacks  []*spec.Stack
	Objects []*yaml.RNode
}

// Read reads files, directories (their *.yaml, *.yml and *.json files, not
// recursively) and "-" for standard input.
func Read(paths []string, stdin io.Reader) (*Input, error) {
	schema, err := spec.Load()
	if err != nil {
		return nil, err
	}
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	in := &Input{}
	var errs []error
	for _, name := range files {
		data, err := readFile(name, stdin)
		if err != nil {
			return nil, err
		}
		stacks, err := schema.Stacks(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		in.Stacks = append(in.Stacks, stacks...)
		objects, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		for _, o := range objects {
			if o.GetKind() == spec.Kind {
				continue
			}
			if err := o.PipeE(yaml.SetAnnotation("internal.config.kubernetes.io/path", name)); err != nil {
				return nil, err
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

// One returns the only stack, or an error naming them all.
func (in *Input) One() (*spec.Stack, error) {
	if len(in.Stacks) == 1 {
		return in.Stacks[0], nil
	}
	var names []string
	for _, s := range in.Stacks {
		names = append(names, fmt.Sprintf("%s (%s)", s.Metadata.Name, s.File))
	}
	return nil, fmt.Errorf("found %d AuthStacks, expected one: %s", len(in.Stacks), strings.Join(names, ", "))
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

func readFile(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}
