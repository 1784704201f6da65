package overlays_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/authstack/authstack/overlays"
)

func TestPlatforms(t *testing.T) {
	fsys := fstest.MapFS{
		"minikube.cue":   {Data: []byte("package authstack\n")},
		"kind.cue":       {Data: []byte("package authstack\n")},
		"README.md":      {Data: []byte("not a platform\n")},
		"old/legacy.cue": {Data: []byte("package authstack\n")},
	}
	got, err := overlays.Platforms(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kind", "minikube"}; !slices.Equal(got, want) {
		t.Errorf("Platforms = %v, want %v (the *.cue files, sorted)", got, want)
	}
	if got := overlays.Names(); !slices.Contains(got, "minikube") || !slices.IsSorted(got) {
		t.Errorf("Names = %v: the embedded overlays, sorted", got)
	}
}

// The README's table of what each platform adds has one row per overlay
// file, and its first paragraph names them all (in bold): a platform added
// or removed without them fails here.
func TestREADMEPlatformTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// "for **minikube, EKS, GKE and AKS**" in the first paragraph.
	intro, _, _ := strings.Cut(string(data), "\n\n## ")
	if _, bold, ok := strings.Cut(intro, "**"); ok {
		bold, _, _ = strings.Cut(bold, "**")
		names := strings.Split(strings.ToLower(strings.ReplaceAll(strings.Join(strings.Fields(bold), " "), " and ", ", ")), ", ")
		slices.Sort(names)
		if want := overlays.Names(); !slices.Equal(names, want) {
			t.Errorf("README.md's first paragraph names the platforms %v; the overlays are %v", names, want)
		}
	} else {
		t.Error("README.md's first paragraph names no platforms in bold")
	}
	const header = "| platform | adds |"
	_, table, ok := strings.Cut(string(data), "\n"+header+"\n")
	if !ok {
		t.Fatalf("README.md has no table headed %q", header)
	}
	var rows []string
	for i, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i == 0 { // the separator row
			continue
		}
		rows = append(rows, strings.TrimSpace(strings.Split(line, "|")[1]))
	}
	slices.Sort(rows)
	if want := overlays.Names(); !slices.Equal(rows, want) {
		t.Errorf("README.md's platform table has rows %v; the overlays are %v", rows, want)
	}
}

// Every platform runs in an environment of some example: the e2e and
// conformance tests render each example's environments (dry-run against a
// real apiserver, kube-score), so a platform added without one would go
// untested. This is the test that adding a platform brings with its file.
func TestExamplesCoverPlatforms(t *testing.T) {
	stacks, err := filepath.Glob("../examples/*/stack.yaml")
	if err != nil || len(stacks) == 0 {
		t.Fatalf("examples: %v %v", stacks, err)
	}
	used := map[string][]string{}
	for _, f := range stacks {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var stack struct {
			Spec struct {
				Targets map[string]struct {
					Platform string `yaml:"platform"`
				} `yaml:"targets"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal(data, &stack); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for env, settings := range stack.Spec.Targets {
			platform := settings.Platform
			if platform == "" {
				platform = env // the schema's default: the environment's name
			}
			used[platform] = append(used[platform], f)
		}
	}
	for _, p := range overlays.Names() {
		if len(used[p]) == 0 {
			t.Errorf("platform %s (overlays/%s.cue) is in no example: add an environment on it to an examples/*/stack.yaml, e.g. \"%s: {}\" under spec.targets of examples/versioned (docs/platforms-adding.md)", p, p, p)
		}
	}
}
