package spec_test

import (
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/overlays"
)

// Embedded is a well-behaved file system (fstest checks Open, ReadDir,
// Stat, Glob and Sub against each other), so that a test can copy it with
// os.CopyFS.
func TestEmbeddedFS(t *testing.T) {
	var want []string
	for _, dir := range []string{"schemas", "bases", "overlays"} {
		names, err := fs.Glob(spec.Embedded, dir+"/*.cue")
		if err != nil || len(names) == 0 {
			t.Fatalf("%s/*.cue: %v %v", dir, names, err)
		}
		want = append(want, names...)
	}
	if err := fstest.TestFS(spec.Embedded, want...); err != nil {
		t.Fatal(err)
	}
}

// The schema's platforms are the overlay files.
func TestSchemaPlatforms(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := schema.Platforms(), overlays.Names(); !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("Platforms() = %v, want the overlay files %v", got, want)
	}
}

func TestPlatformSettings(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		platform string
		want     []string
	}{
		{"minikube", []string{"imagePullPolicy", "host"}},
		{"eks", []string{"host", "certificateArn", "roleArn"}},
		{"openshift", nil},
	} {
		// The overlay's first declared settings, in order (later ones may
		// be added); never platform itself.
		got := schema.PlatformSettings(tc.platform)
		if len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) || slices.Contains(got, "platform") || (tc.want == nil) != (got == nil) {
			t.Errorf("PlatformSettings(%s) = %v, want %v first", tc.platform, got, tc.want)
		}
	}
}
