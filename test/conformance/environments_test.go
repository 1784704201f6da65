package conformance_test

import (
	"os"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// environments returns the environments of the example's stack, the keys
// of spec.targets, sorted: each is rendered and checked. No list of
// platforms here: the overlays package's tests require every platform to
// run in some example's environment.
func (ex example) environments(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(ex.stack)
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	var spec struct {
		Spec struct {
			Targets map[string]yaml.Node `yaml:"targets"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &spec); err != nil {
		t.Fatalf("parse %s: %v", ex.stack, err)
	}
	var envs []string
	for env := range spec.Spec.Targets {
		envs = append(envs, env)
	}
	if len(envs) == 0 {
		t.Fatalf("%s: no environments under spec.targets", ex.stack)
	}
	slices.Sort(envs)
	return envs
}
