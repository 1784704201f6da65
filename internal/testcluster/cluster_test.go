package testcluster

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestStartStop starts a cluster, uses it, and checks that its cleanup
// leaves no process behind.
func TestStartStop(t *testing.T) {
	binDir := os.Getenv("AUTHSTACK_KUBE_BIN")
	if binDir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("AUTHSTACK_KUBE_BIN is not set; run: make test-conformance")
		}
		t.Skip("AUTHSTACK_KUBE_BIN is not set; run: make test-conformance")
	}
	var pids []int
	t.Run("cluster", func(t *testing.T) {
		c := Start(t, binDir)
		for _, p := range c.procs {
			pids = append(pids, p.cmd.Process.Pid)
		}
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
		// Signal 0 checks existence; the group leaders were reaped by Wait.
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d still exists after cleanup (kill: %v)", pid, err)
		}
	}
}
