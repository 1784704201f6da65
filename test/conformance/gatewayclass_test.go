package conformance_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/authstack/authstack/internal/testcluster"
)

// readmeGatewayClasses are the GatewayClasses the README tells EKS and
// minikube users to create (authstack emits none): the inline one of the
// EKS item and the heredoc of the minikube steps.
func readmeGatewayClasses(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	inline := regexp.MustCompile("`(\\{apiVersion: gateway\\.networking\\.k8s\\.io/v1, kind: GatewayClass[^`]*)`").FindSubmatch(data)
	heredoc := regexp.MustCompile(`(?s)<<'YAML'\n(.*?)\n *YAML\n`).FindSubmatch(data)
	if inline == nil || heredoc == nil {
		t.Fatal("README.md: the EKS or the minikube GatewayClass is gone")
	}
	return map[string]string{"eks": string(inline[1]) + "\n", "minikube": string(heredoc[1]) + "\n"}
}

// testReadmeGatewayClasses dry-runs them: valid GatewayClass objects, with
// the controller names the README gives.
func testReadmeGatewayClasses(t *testing.T, c *testcluster.Cluster) {
	for platform, manifest := range readmeGatewayClasses(t) {
		t.Run(platform, func(t *testing.T) {
			if err := dryRunApply(c, "default", []byte(manifest)); err != nil {
				t.Fatalf("%v\n%s", err, manifest)
			}
		})
	}
}
