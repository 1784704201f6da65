package compile_test

import (
	"strings"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
)

// diagnostics renders a run's diagnostics one per line, "severity: what:
// message", for comparison.
func diagnostics(out *compile.Output) []string {
	var lines []string
	for _, d := range out.Diagnostics {
		about := "input"
		switch {
		case d.Stack != nil:
			about = "stack " + d.Stack.Metadata.Name
		case d.Object != nil:
			about = d.Object.GetKind() + " " + d.Object.GetName()
		}
		for _, l := range strings.Split(d.Err.Error(), "\n") {
			lines = append(lines, d.Severity.String()+": "+about+": "+l)
		}
	}
	return lines
}

// Run applies each rule once, whoever calls it: the CLI's commands and the
// KRM function differ only in the Input's choices.
func TestRun(t *testing.T) {
	shop := func() *spec.Stack { return load(t, "shop", nil) }
	authSecret := secret(t, "run-test-secret-0123456789abcdef", "x")
	plain := kyaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: smtp\nstringData:\n  password: run-test-only\n")
	local := kyaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: local\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\nstringData:\n  password: run-test-only\n")
	cm := kyaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n")
	// The reference stack's own warnings.
	warnings := []string{
		"warning: stack shop: ../../examples/shop/stack.yaml:12:5: spec.auth.secret: a single BETTER_AUTH_SECRET",
		"warning: stack shop: ../../examples/shop/stack.yaml:29:9: spec.components.frontend.env.NEXT_PUBLIC_API_URL: ",
	}
	with := func(more ...string) []string { return append(warnings[:len(warnings):len(warnings)], more...) }
	for _, tt := range []struct {
		name     string
		in       compile.Input
		compiled int
		through  []string // kind/name of the objects that pass through
		want     []string // prefixes of the diagnostics, in order
	}{{
		name:     "tree of every target",
		in:       compile.Input{Stacks: []*spec.Stack{shop()}, Objects: []*kyaml.RNode{authSecret, plain}},
		compiled: 1,
		want:     warnings,
	}, {
		name:     "one target, objects passed through",
		in:       compile.Input{Stacks: []*spec.Stack{shop()}, Objects: []*kyaml.RNode{authSecret, plain, local, cm}, Target: "eks", PassThrough: true},
		compiled: 1,
		through:  []string{"Secret/better-auth-secret", "Secret/smtp", "ConfigMap/settings"},
		want: with(
			"warning: Secret better-auth-secret: Secret better-auth-secret is a plain Secret",
			"warning: Secret smtp: Secret smtp is a plain Secret"),
	}, {
		name: "a target the stack lacks",
		in:   compile.Input{Stacks: []*spec.Stack{shop()}, Objects: []*kyaml.RNode{authSecret}, Target: "bogus"},
		want: with(`error: stack shop: ../../examples/shop/stack.yaml:9:3: spec.targets: has no environment "bogus"`),
	}, {
		name: "no source for the auth secret",
		in:   compile.Input{Stacks: []*spec.Stack{shop()}, Objects: []*kyaml.RNode{cm}},
		want: with(`error: stack shop: spec.auth.secret: no source for Secret "better-auth-secret"`),
	}, {
		name: "vet needs no secret",
		in:   compile.Input{Stacks: []*spec.Stack{shop()}, ValidateOnly: true},
		want: warnings,
	}, {
		name: "one stack required",
		in:   compile.Input{Stacks: []*spec.Stack{shop(), load(t, "versioned", nil)}, Objects: []*kyaml.RNode{authSecret}, Single: true},
		want: with("error: input: found 2 AuthStacks, expected one: shop (../../examples/shop/stack.yaml), journal (../../examples/versioned/stack.yaml)"),
	}} {
		t.Run(tt.name, func(t *testing.T) {
			out := compile.Run(tt.in)
			got := diagnostics(out)
			if len(got) != len(tt.want) {
				t.Fatalf("diagnostics:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("diagnostic %d:\n%s\nwant prefix:\n%s", i, got[i], w)
				}
			}
			if len(out.Compiled) != tt.compiled {
				t.Errorf("compiled %d stacks, want %d", len(out.Compiled), tt.compiled)
			}
			if out.Failed() != (tt.compiled == 0 && !tt.in.ValidateOnly) {
				t.Errorf("Failed() = %v", out.Failed())
			}
			var through []string
			for _, o := range out.PassThrough {
				through = append(through, o.GetKind()+"/"+o.GetName())
			}
			if strings.Join(through, " ") != strings.Join(tt.through, " ") {
				t.Errorf("passed through %v, want %v", through, tt.through)
			}
			for _, c := range out.Compiled {
				overlays := 0
				for _, p := range c.Tree.Paths() {
					if strings.HasSuffix(p, "/kustomization.yaml") && strings.HasPrefix(p, "overlays/") {
						overlays++
					}
				}
				if want := len(c.Stack.Targets()); tt.in.Target != "" {
					want = 1
					if overlays != want {
						t.Errorf("%d overlays, want %d", overlays, want)
					}
				} else if overlays != want {
					t.Errorf("%d overlays, want %d", overlays, want)
				}
			}
		})
	}
}

func TestResolveTarget(t *testing.T) {
	env := map[string]string{"A": "", "B": "gke", "AUTHSTACK_TARGET": "eks"}
	getenv := func(k string) string { return env[k] }
	for _, tt := range []struct {
		flag string
		vars []string
		want string
	}{
		{"aks", []string{compile.TargetEnv}, "aks"},
		{"", []string{compile.TargetEnv}, "eks"},
		{"", []string{"A", "B", compile.TargetEnv}, "gke"},
		{"", []string{"A"}, ""},
		{"", nil, ""},
	} {
		if got := compile.ResolveTarget(tt.flag, getenv, tt.vars...); got != tt.want {
			t.Errorf("ResolveTarget(%q, %v) = %q, want %q", tt.flag, tt.vars, got, tt.want)
		}
	}
}
