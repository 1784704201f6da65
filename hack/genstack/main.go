// Command genstack writes benchmark inputs: an AuthStack with N components
// shaped like the reference stack (examples/shop), with its Secret, into a
// directory; or, with -krm, a KRM ResourceList of that stack and its Secret
// among many unrelated ConfigMaps, to standard output.
//
//	go run ./hack/genstack -n 50 -o /tmp/stack50
//	go run ./hack/genstack -n 2 -krm 10000 > /tmp/rl.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/authstack/authstack/internal/stackgen"
)

func main() {
	n := flag.Int("n", 2, "number of components")
	out := flag.String("o", "", "directory to write stack.yaml and better-auth-secret.yaml into")
	krm := flag.Int("krm", -1, "write a ResourceList with this many unrelated ConfigMaps to standard output instead")
	ref := flag.String("ref", "examples/shop", "the reference stack's directory")
	flag.Parse()
	if err := run(*ref, *n, *out, *krm); err != nil {
		fmt.Fprintln(os.Stderr, "genstack:", err)
		os.Exit(1)
	}
}

func run(ref string, n int, out string, krm int) error {
	if n < 1 || (out == "") == (krm < 0) {
		return fmt.Errorf("usage: genstack -n N (-o DIR | -krm ITEMS)")
	}
	spec, err := os.ReadFile(filepath.Join(ref, "stack.yaml"))
	if err != nil {
		return err
	}
	secret, err := os.ReadFile(filepath.Join(ref, "better-auth-secret.yaml"))
	if err != nil {
		return err
	}
	stack, err := stackgen.Stack(spec, n)
	if err != nil {
		return err
	}
	if krm >= 0 {
		_, err := os.Stdout.Write(stackgen.ResourceList(stack, secret, krm))
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "stack.yaml"), stack, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "better-auth-secret.yaml"), secret, 0o644)
}
