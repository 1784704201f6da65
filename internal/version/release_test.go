package version

import (
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The release publishes the image that a release binary names: the
// binary's version is the tag, and the image is Repository:tag.
func TestReleaseConfigMatches(t *testing.T) {
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			ID      string   `json:"id"`
			Main    string   `json:"main"`
			Binary  string   `json:"binary"`
			Ldflags []string `json:"ldflags"`
		} `json:"builds"`
		Kos []struct {
			Build        string   `json:"build"`
			Repositories []string `json:"repositories"`
			Tags         []string `json:"tags"`
			Bare         bool     `json:"bare"`
		} `json:"kos"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Kos) != 1 {
		t.Fatalf("want one build and one image, got %d and %d", len(cfg.Builds), len(cfg.Kos))
	}
	b, k := cfg.Builds[0], cfg.Kos[0]
	if b.Main != "./cmd/authstack" || b.Binary != "authstack" {
		t.Errorf("build: main %q binary %q", b.Main, b.Binary)
	}
	flags := strings.Join(b.Ldflags, " ")
	if !strings.Contains(flags, "-X main.version={{ .Tag }}") || !strings.Contains(flags, "-X main.commit={{ .FullCommit }}") {
		t.Errorf("build ldflags %q do not stamp the tag and the commit", flags)
	}
	if k.Build != b.ID || !k.Bare || !slices.Equal(k.Repositories, []string{Repository}) || !slices.Equal(k.Tags, []string{"{{ .Tag }}"}) {
		t.Errorf("image: build %q bare %v repositories %v tags %v, want %s:{{ .Tag }} from build %q", k.Build, k.Bare, k.Repositories, k.Tags, Repository, b.ID)
	}
	// The tag goreleaser stamps is what Image turns into the same reference.
	if got := Image("v1.2.3"); got != k.Repositories[0]+":v1.2.3" {
		t.Errorf("Image(v1.2.3) = %s", got)
	}
}
