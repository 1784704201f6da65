package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/overlays"
)

// cliWith runs authstack's commands in this process over src, with stdin;
// it returns stdout and stderr together, and the error.
func cliWith(t *testing.T, src *sources, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand(src)
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.Execute()
	return out.String() + errOut.String(), err
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// copyWithPlatform copies the embedded CUE files into a temporary directory
// and saves there a copy of the overlay of platform from as the overlay of
// platform to, renamed inside that one file: the whole of adding a platform.
func copyWithPlatform(t *testing.T, from, to string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, spec.Embedded); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "overlays", from+".cue"))
	if err != nil {
		t.Fatal(err)
	}
	// minikube → kind, Minikube → Kind (a definition of its own).
	renamed := regexp.MustCompile(`(?i)`+from).ReplaceAllStringFunc(string(data), func(m string) string {
		if m[0] != from[0] {
			return strings.ToUpper(to[:1]) + to[1:]
		}
		return to
	})
	if err := os.WriteFile(filepath.Join(dir, "overlays", to+".cue"), []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The proof of issue #14: a fifth platform is one file. A copy of the
// minikube overlay saved as overlays/kind.cue, in a copy of the embedded
// files, is known to vet, build, render, the KRM function, the JSON Schema,
// the help texts and init's starter, with no other change; the embedded
// files, the control, know none of it.
func TestPlatformIsOneFile(t *testing.T) {
	// kind, unless a kind overlay is embedded by then.
	p := "kind"
	for slices.Contains(overlays.Names(), p) {
		p += "x"
	}
	dir := copyWithPlatform(t, "minikube", p)
	src, err := newSources(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	stack := filepath.Join(work, "stack.yaml")
	// The reference stack with a kind environment, a copy of its minikube
	// one.
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, refSpec)), &doc); err != nil {
		t.Fatal(err)
	}
	targets := doc["spec"].(map[string]any)["targets"].(map[string]any)
	if targets["minikube"] == nil {
		t.Fatal("the reference stack has no minikube environment")
	}
	targets[p] = targets["minikube"]
	withKind, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stack, withKind, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("help", func(t *testing.T) {
		for _, args := range [][]string{{"--help"}, {"render", "--help"}} {
			for _, c := range []struct {
				src  *sources
				want bool
			}{{src, true}, {embedded(), false}} {
				out, err := cliWith(t, c.src, "", args...)
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				if got := regexp.MustCompile(`\b` + p + `\b`).MatchString(out); got != c.want {
					t.Errorf("%v (%s overlay: %v) names %s: %v, want %v:\n%s", args, p, c.want, p, got, c.want, out)
				}
			}
		}
	})

	t.Run("init", func(t *testing.T) {
		for _, c := range []struct {
			src  *sources
			want bool
		}{{src, true}, {embedded(), false}} {
			file := filepath.Join(t.TempDir(), "stack.yaml")
			if out, err := cliWith(t, c.src, "", "init", "-o", file); err != nil {
				t.Fatalf("init: %v\n%s", err, out)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := regexp.MustCompile(`\n    # ` + p + `: \{\} +# settings: imagePullPolicy, host\b`).Match(data); got != c.want {
				t.Errorf("init's starter (%s overlay: %v) offers %s with minikube's settings: %v:\n%s", p, c.want, p, got, data)
			}
			if out, err := cliWith(t, c.src, "", "vet", "-f", file); err != nil {
				t.Errorf("vet of init's starter: %v\n%s", err, out)
			}
		}
	})

	t.Run("vet", func(t *testing.T) {
		out, err := cliWith(t, src, "", "vet", "-f", stack)
		if err != nil || !regexp.MustCompile(`\(targets: [^)]*\b`+p+`\b`).MatchString(out) {
			t.Errorf("vet: %v\n%s", err, out)
		}
		out, err = cliWith(t, embedded(), "", "vet", "-f", stack)
		if err == nil || !strings.Contains(err.Error(), "spec.targets."+p+".platform: missing") {
			t.Errorf("vet with the embedded files: %v, want %s to be no platform\n%s", err, p, out)
		}
	})

	t.Run("build", func(t *testing.T) {
		out := filepath.Join(work, "deploy")
		if msg, err := cliWith(t, src, "", "build", "-f", stack, "-f", refSecret, "-o", out); err != nil {
			t.Fatalf("build: %v\n%s", err, msg)
		}
		kind, err := os.ReadFile(filepath.Join(out, "overlays", p, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		minikube, err := os.ReadFile(filepath.Join(out, "overlays", "minikube", "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		// The same overlay but for its name.
		if want := strings.ReplaceAll(string(minikube), "minikube", p); string(kind) != want {
			t.Errorf("overlays/%s/kustomization.yaml:\n%s\nwant:\n%s", p, kind, want)
		}
	})

	t.Run("render", func(t *testing.T) {
		kind, err := cliWith(t, src, "", "render", "-f", stack, "-f", refSecret, "--target", p)
		if err != nil {
			t.Fatalf("render --target %s: %v\n%s", p, err, kind)
		}
		minikube, err := cliWith(t, src, "", "render", "-f", stack, "-f", refSecret, "--target", "minikube")
		if err != nil {
			t.Fatalf("render --target minikube: %v\n%s", err, minikube)
		}
		if kind != minikube || !strings.Contains(kind, "imagePullPolicy: Never") || !strings.Contains(kind, "kind: Ingress") {
			t.Errorf("render --target %s differs from the minikube render it copies:\n%s", p, kind)
		}
	})

	t.Run("krm", func(t *testing.T) {
		rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
		for _, f := range []string{stack, refSecret} {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rl += "- " + strings.ReplaceAll(strings.TrimSpace(string(data)), "\n", "\n  ") + "\n"
		}
		out, err := cliWith(t, src, rl, "--target", p)
		if err != nil || !strings.Contains(out, "imagePullPolicy: Never") {
			t.Errorf("KRM --target %s: %v\n%s", p, err, out)
		}
	})

	t.Run("schema", func(t *testing.T) {
		defs := map[bool]map[string]any{}
		for _, c := range []struct {
			src  *sources
			kind bool
		}{{src, true}, {embedded(), false}} {
			out, err := cliWith(t, c.src, "", "schema")
			if err != nil {
				t.Fatal(err)
			}
			var schema struct {
				Defs map[string]any `json:"$defs"`
			}
			if err := json.Unmarshal([]byte(out), &schema); err != nil {
				t.Fatalf("schema: %v", err)
			}
			defs[c.kind] = schema.Defs
			platforms, _ := json.Marshal(schema.Defs["targets"].(map[string]any)["properties"].(map[string]any)["platform"])
			if got := strings.Contains(string(platforms), `"`+p+`"`); got != c.kind {
				t.Errorf("JSON Schema (%s overlay: %v): %s is a platform: %v (%s)", p, c.kind, p, got, platforms)
			}
		}
		// kind's settings are minikube's, as its file is.
		minikube, _ := json.Marshal(defs[false]["targets-minikube"])
		kind, _ := json.Marshal(defs[true]["targets-"+p])
		if want := strings.ReplaceAll(string(minikube), "minikube", p); string(kind) != want {
			t.Errorf("$defs/targets-%s = %s\nwant %s", p, kind, want)
		}
	})
}

// The starter's hand-written lines are for platforms that exist.
func TestStarterExamplesArePlatforms(t *testing.T) {
	for p := range starterExamples {
		if !slices.Contains(overlays.Names(), p) || !strings.HasPrefix(starterExamples[p], p+": {") {
			t.Errorf("starterExamples[%q] = %q: no such platform, or a line for another", p, starterExamples[p])
		}
	}
}
