package krm

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/kptdev/krm-functions-sdk/go/fn/testhelpers"
)

// Golden ResourceLists, with the kpt SDK's test helpers: each directory of
// testdata/golden/tree (the function without a target: the tree as files of
// the package) and testdata/golden/target (with --target minikube: the final
// manifests) holds the items (*.yaml), an optional functionConfig
// (_fnconfig.yaml) and the whole ResourceList the function returns
// (_expected.yaml), results included.
// WRITE_GOLDEN_OUTPUT=1 go test ./internal/krm -run Golden rewrites them.
func TestGoldenTree(t *testing.T) {
	testhelpers.RunGoldenTests(t, "testdata/golden/tree", Processor("", io.Discard))
}

func TestGoldenTarget(t *testing.T) {
	testhelpers.RunGoldenTests(t, "testdata/golden/target", Processor("minikube", io.Discard))
}

// The golden files hold what the function promises, not just what it did:
// a run with an error result leaves every item as it was (kpt would delete
// the files of dropped items), every result about an item names its file,
// and a Secret's value appears only in that Secret.
func TestGoldenInvariants(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*/*")
	if err != nil || len(dirs) < 6 {
		t.Fatalf("golden cases: %v %v", dirs, err)
	}
	for _, dir := range dirs {
		want, err := os.ReadFile(filepath.Join(dir, "_expected.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		rl, err := fn.ParseResourceList(want)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		var inputs fn.KubeObjects
		if data, err := os.ReadFile(filepath.Join(dir, "resources.yaml")); err == nil {
			if inputs, err = fn.ParseKubeObjects(data); err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
		}
		failed := false
		for _, r := range rl.Results {
			failed = failed || r.Severity == fn.Error
			if (r.ResourceRef != nil || r.Field != nil) && (r.File == nil || r.File.Path == "") {
				t.Errorf("%s: result about an item without its file: %s", dir, r)
			}
		}
		if failed {
			if len(rl.Items) != len(inputs) {
				t.Errorf("%s: an error result, and %d items for %d inputs", dir, len(rl.Items), len(inputs))
			}
			for _, in := range inputs {
				found := false
				for _, it := range rl.Items {
					found = found || it.String() == in.String()
				}
				if !found {
					t.Errorf("%s: an error result, and the input %s %s changed or went", dir, in.GetKind(), in.GetName())
				}
			}
		}
		for _, in := range inputs {
			if in.GetKind() != "Secret" {
				continue
			}
			values, _, _ := in.NestedStringMap("stringData")
			for _, v := range values {
				if n := strings.Count(string(want), v); n != 1 {
					t.Errorf("%s: the Secret's value appears %d times, want once (in the Secret)", dir, n)
				}
			}
		}
	}
}
