package conformance_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/authstack/authstack/internal/testcluster"
)

// TestClusterCleanup starts a cluster, uses it, and checks that its cleanup
// leaves no process behind: the stage must not leak an etcd or apiserver
// into the CI machine, whatever the outcome of the tests.
func TestClusterCleanup(t *testing.T) {
	kubeBin := requireEnv(t, "AUTHSTACK_KUBE_BIN", "directory holding kube-apiserver, kube-controller-manager and kubectl")
	var pids []int
	t.Run("cluster", func(t *testing.T) {
		c := testcluster.Start(t, kubeBin)
		pids = c.PIDs()
		res, err := c.Kubectl(nil, "get", "namespaces", "--output=name")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Stdout, "namespace/default") {
			t.Fatalf("no default namespace in %q", res.Stdout)
		}
		if _, err := c.Kubectl(nil, "get", "no-such-kind"); err == nil {
			t.Fatal("Kubectl reported no error for a failing command")
		}
	})
	if len(pids) != 3 {
		t.Fatalf("started %d processes, want etcd, kube-apiserver and kube-controller-manager", len(pids))
	}
	for _, pid := range pids {
		// Signal 0 only checks whether any process of the group exists.
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d still exists after cleanup (kill: %v)", pid, err)
		}
	}
}
