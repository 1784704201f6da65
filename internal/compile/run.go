package compile

import (
	"fmt"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/passthrough"
	"github.com/authstack/authstack/internal/spec"
)

// TargetEnv names the target when none is given on the command line: container
// runtimes (kustomize `container:`, kpt `image:`) pass a function no
// arguments, only an environment.
const TargetEnv = "AUTHSTACK_TARGET"

// ResolveTarget returns flag, else the value of the first of vars that
// getenv finds set, else "". It is the one rule by which the CLI
// (render --target-from-env) and the KRM function ($AUTHSTACK_TARGET) take a
// target from the environment.
func ResolveTarget(flag string, getenv func(string) string, vars ...string) string {
	if flag != "" || getenv == nil {
		return flag
	}
	for _, name := range vars {
		if v := getenv(name); v != "" {
			return v
		}
	}
	return ""
}

// Input is what one run of authstack compiles, whichever way it was invoked
// (a CLI command or the KRM function): the AuthStacks, every other object
// that came with them, and the choices of the invocation.
type Input struct {
	Stacks []*spec.Stack
	// Objects are the inputs that are not AuthStacks: Secrets,
	// SealedSecrets, ExternalSecrets, anything else.
	Objects []*kyaml.RNode
	// Target selects one target's overlay; empty, every target of each
	// stack is compiled.
	Target string
	// ValidateOnly stops after the specs' own checks (vet): nothing is
	// compiled, so no auth secret is needed.
	ValidateOnly bool
	// Single requires exactly one AuthStack (the CLI's build and render,
	// which write or print one tree).
	Single bool
	// PassThrough says the objects go on to the output next to the
	// generated manifests (render, the KRM function): Output.PassThrough
	// lists those that belong in a cluster, and each plain Secret among them
	// gets a warning.
	PassThrough bool
}

// Severity says whether a diagnostic stops the run.
type Severity int

const (
	// Error stops the run: nothing is written.
	Error Severity = iota
	// Warning is reported and the run goes on.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found by a run, with what it is about: a stack
// (Stack), an input object (Object), or the input as a whole (neither).
type Diagnostic struct {
	Severity Severity
	Stack    *spec.Stack
	Object   *kyaml.RNode
	// Err is the problem: spec.Diagnostics for problems with fields of the
	// stack, which carry their position; any other error otherwise.
	Err error
}

// Compiled is a stack and its compiled tree.
type Compiled struct {
	Stack *spec.Stack
	*Result
}

// Output is what a run produced.
type Output struct {
	// Stacks are the input's stacks, valid.
	Stacks []*spec.Stack
	// Compiled holds the stacks that compiled, in input order.
	Compiled []Compiled
	// PassThrough are the objects that go on to the output unchanged (see
	// Input.PassThrough).
	PassThrough []*kyaml.RNode
	// Diagnostics: the stacks' warnings, then the warnings about the
	// objects, then the errors.
	Diagnostics []Diagnostic
}

// Failed reports whether a diagnostic is an error.
func (o *Output) Failed() bool {
	for _, d := range o.Diagnostics {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Run applies every rule of authstack to in once: the specs' warnings, the
// number of stacks, the targets each stack must have, the auth secret's
// hash, the split of the objects that pass through and the warnings about
// them; and compiles each stack. The CLI and the KRM function both call it
// and differ only in how they read the input and present the output.
func Run(in Input) *Output {
	out := &Output{Stacks: in.Stacks}
	for _, st := range in.Stacks {
		if len(st.Warnings) > 0 {
			out.Diagnostics = append(out.Diagnostics, Diagnostic{Severity: Warning, Stack: st, Err: st.Warnings})
		}
	}
	if in.PassThrough {
		out.PassThrough = passthrough.Resources(in.Objects)
		for _, o := range out.PassThrough {
			if passthrough.IsPlainSecret(o) {
				out.Diagnostics = append(out.Diagnostics, Diagnostic{Severity: Warning, Object: o, Err: plainSecret{o}})
			}
		}
	}
	if in.Single && len(in.Stacks) != 1 {
		var names []string
		for _, s := range in.Stacks {
			names = append(names, fmt.Sprintf("%s (%s)", s.Metadata.Name, s.File))
		}
		out.Diagnostics = append(out.Diagnostics, Diagnostic{Severity: Error,
			Err: fmt.Errorf("found %d AuthStacks, expected one: %s", len(in.Stacks), strings.Join(names, ", "))})
		return out
	}
	if in.ValidateOnly {
		return out
	}
	var targets []string
	if in.Target != "" {
		targets = []string{in.Target}
	}
	for _, st := range in.Stacks {
		res, err := Compile(st, in.Objects, targets...)
		if err != nil {
			out.Diagnostics = append(out.Diagnostics, Diagnostic{Severity: Error, Stack: st, Err: err})
			continue
		}
		out.Compiled = append(out.Compiled, Compiled{Stack: st, Result: res})
	}
	return out
}

// plainSecret is the warning about a plain Secret among the objects that
// pass through. It names the Secret, never its data.
type plainSecret struct{ o *kyaml.RNode }

func (p plainSecret) Error() string { return passthrough.Warning(p.o) }
