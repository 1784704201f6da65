package overlays_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

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
// file: a platform added or removed without its row fails here.
func TestREADMEPlatformTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
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
