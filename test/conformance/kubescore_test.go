package conformance_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// gradeCritical is kube-score's grade of a CRITICAL finding.
const gradeCritical = 1

// ignoreFile lists the CRITICAL findings that are accepted, each with the
// reason why. docs/conformance.md explains them to users.
const ignoreFile = "kube-score-ignore.yaml"

// ignoreEntry accepts the CRITICAL findings of one kube-score check, on
// the given targets and kinds (all when empty).
type ignoreEntry struct {
	Check   string   `yaml:"check"`
	Targets []string `yaml:"targets"`
	Kinds   []string `yaml:"kinds"`
	Reason  string   `yaml:"reason"`

	used bool
}

func (e *ignoreEntry) matches(f finding) bool {
	return e.Check == f.check &&
		(len(e.Targets) == 0 || slices.Contains(e.Targets, f.target)) &&
		(len(e.Kinds) == 0 || slices.Contains(e.Kinds, f.kind))
}

// finding is one CRITICAL comment of kube-score.
type finding struct {
	example, target, kind, name, check, summary string
}

func (f finding) String() string {
	return fmt.Sprintf("%s/%s: %s %s: [%s] %s", f.example, f.target, f.kind, f.name, f.check, f.summary)
}

// TestKubeScore runs kube-score over every example's output for every
// environment: each CRITICAL finding must be justified in the ignore list, and
// each entry of the list must still be needed.
func TestKubeScore(t *testing.T) {
	bin := authstackBin(t)
	kubeScore := requireEnv(t, "AUTHSTACK_KUBE_SCORE", "path of the kube-score binary")
	ignores := loadIgnores(t)

	t.Run("flags a bad manifest", func(t *testing.T) {
		// A container without resources, security context or pull policy:
		// if this scores no CRITICAL, the invocation or parsing is broken.
		bad := []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: 2
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers:
      - {name: c, image: "busybox:1.37"}
`)
		fs := score(t, kubeScore, "self-test", "none", bad)
		if !slices.ContainsFunc(fs, func(f finding) bool { return f.check == "container-resources" }) {
			t.Fatalf("kube-score found no missing resources in a bare Deployment; findings: %v", fs)
		}
	})

	for _, ex := range loadExamples(t) {
		for _, env := range ex.envs {
			t.Run(ex.name+"/"+env.name, func(t *testing.T) {
				out := render(t, bin, env.name, ex.stack, ex.secret)
				// The ignore list names platforms: an environment's findings
				// are its platform's.
				for _, f := range score(t, kubeScore, ex.name+"/"+env.name, env.platform, out) {
					i := slices.IndexFunc(ignores, func(e *ignoreEntry) bool { return e.matches(f) })
					if i < 0 {
						t.Errorf("CRITICAL %v", f)
						continue
					}
					ignores[i].used = true
					t.Logf("accepted CRITICAL %v (%s)", f, ignoreFile)
				}
			})
		}
	}
	if t.Failed() {
		return // a stale entry may be hidden behind a failed render
	}
	for _, e := range ignores {
		if !e.used {
			t.Errorf("%s: entry for %s %v %v matched no finding: remove it", ignoreFile, e.Check, e.Targets, e.Kinds)
		}
	}
}

// loadIgnores reads the ignore list; every entry needs a check and a reason.
func loadIgnores(t *testing.T) []*ignoreEntry {
	t.Helper()
	data, err := os.ReadFile(ignoreFile)
	if err != nil {
		t.Fatalf("read ignore list: %v", err)
	}
	var entries []*ignoreEntry
	// Strict, so that a misspelled key cannot widen an entry silently.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&entries); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("parse %s: %v", ignoreFile, err)
	}
	for i, e := range entries {
		if e.Check == "" || strings.TrimSpace(e.Reason) == "" {
			t.Fatalf("%s: entry %d needs a check and a reason", ignoreFile, i)
		}
		for _, tg := range e.Targets {
			if !slices.Contains(targets, tg) {
				t.Fatalf("%s: entry %d: unknown target %q", ignoreFile, i, tg)
			}
		}
	}
	return entries
}

// score runs kube-score on manifests and returns its CRITICAL findings.
func score(t *testing.T, kubeScore, example, target string, manifests []byte) []finding {
	t.Helper()
	file := filepath.Join(t.TempDir(), "manifests.yaml")
	if err := os.WriteFile(file, manifests, 0o644); err != nil {
		t.Fatalf("write manifests: %v", err)
	}
	// kube-score exits 1 when it finds a CRITICAL, so the exit status says
	// nothing about whether it ran; an unparsable output does.
	cmd := exec.Command(kubeScore, "score", "--output-format=json", "--kubernetes-version=v1.37", file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var scored []struct {
		TypeMeta struct {
			Kind string `json:"kind"`
		} `json:"type_meta"`
		ObjectMeta struct {
			Name string `json:"name"`
		} `json:"object_meta"`
		Checks []struct {
			Check struct {
				ID string `json:"id"`
			} `json:"check"`
			Grade    int  `json:"grade"`
			Skipped  bool `json:"skipped"`
			Comments []struct {
				Path    string `json:"path"`
				Summary string `json:"summary"`
			} `json:"comments"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(out, &scored); err != nil || len(scored) == 0 {
		t.Fatalf("kube-score gave no result (%v, %v): %s", runErr, err, stderr.String())
	}
	var fs []finding
	for _, o := range scored {
		for _, c := range o.Checks {
			if c.Skipped || c.Grade != gradeCritical {
				continue
			}
			for _, cm := range c.Comments {
				summary := cm.Summary
				if cm.Path != "" {
					summary = "(" + cm.Path + ") " + summary
				}
				fs = append(fs, finding{example, target, o.TypeMeta.Kind, o.ObjectMeta.Name, c.Check.ID, summary})
			}
		}
	}
	return fs
}
