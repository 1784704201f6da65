// Package testcluster starts a throwaway Kubernetes control plane (etcd,
// kube-apiserver and kube-controller-manager on loopback ports) for
// conformance tests, and stops every process it started when the test ends.
//
// There is no scheduler and no kubelet: objects are admitted, validated and
// reconciled by controllers (Deployments get ReplicaSets, ReplicaSets and
// Jobs get Pods), but no container ever runs.
package testcluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long the control plane may take to become ready.
const startTimeout = 2 * time.Minute

// Cluster is a running control plane.
type Cluster struct {
	// Kubeconfig is the path of an admin kubeconfig for the cluster.
	Kubeconfig string
	// Server is the apiserver's URL.
	Server string

	kubectl string
	procs   []*process
}

// Start starts etcd, kube-apiserver and kube-controller-manager, the latter
// two taken from binDir (which must also hold kubectl) and etcd from PATH.
// It returns once the apiserver is ready and the controller-manager has
// created the default ServiceAccount. Everything is stopped by t.Cleanup,
// also when the test fails; each process runs in its own process group,
// which is killed as a whole, and is killed by the kernel if the test binary
// dies first.
func Start(t testing.TB, binDir string) *Cluster {
	t.Helper()
	c, err := start(t, binDir)
	if err != nil {
		t.Fatalf("start test cluster: %v", err)
	}
	return c
}

func start(t testing.TB, binDir string) (*Cluster, error) {
	dir := t.TempDir()
	etcdBin, err := exec.LookPath("etcd")
	if err != nil {
		return nil, fmt.Errorf("find etcd (apt-get install etcd-server): %w", err)
	}
	bins := map[string]string{}
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kubectl"} {
		p := filepath.Join(binDir, name)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("find %s: %w", name, err)
		}
		bins[name] = p
	}
	creds, err := newPKI(dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	c := &Cluster{
		Kubeconfig: filepath.Join(dir, "kubeconfig"),
		Server:     "https://127.0.0.1:" + strconv.Itoa(ports[2]),
		kubectl:    bins["kubectl"],
	}
	if err := writeKubeconfig(c.Kubeconfig, c.Server, creds); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range c.procs {
				t.Logf("last lines of %s log:\n%s", p.name, p.tail(30))
			}
		}
	})

	etcd, err := c.run(t, dir, "etcd", etcdBin,
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
	)
	if err != nil {
		return nil, err
	}
	apiserver, err := c.run(t, dir, "kube-apiserver", bins["kube-apiserver"],
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]),
		// A loopback advertise address cannot back the "kubernetes"
		// Service's endpoints, so nothing must try to reconcile them.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--cert-dir="+dir,
		"--tls-cert-file="+creds.servingCert,
		"--tls-private-key-file="+creds.servingKey,
		"--client-ca-file="+creds.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+creds.saPub,
		"--service-account-signing-key-file="+creds.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		// As on real clusters: privileged pods are then refused by
		// PodSecurity in restricted namespaces, not by the apiserver.
		"--allow-privileged=true",
		"--profiling=false",
	)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := waitReady(ctx, c.Server+"/readyz", creds, etcd, apiserver); err != nil {
		return nil, err
	}
	kcm, err := c.run(t, dir, "kube-controller-manager", bins["kube-controller-manager"],
		"--kubeconfig="+c.Kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--root-ca-file="+creds.caCert,
		"--service-account-private-key-file="+creds.saKey,
		"--cluster-name=authstack-test",
	)
	if err != nil {
		return nil, err
	}
	// Pods can only be admitted once their namespace's ServiceAccount
	// exists, which the controller-manager creates.
	for {
		_, err := c.Kubectl(nil, "get", "serviceaccount", "default", "--namespace=default")
		if err == nil {
			return c, nil
		}
		for _, p := range []*process{etcd, apiserver, kcm} {
			if p.exited() {
				return nil, fmt.Errorf("%s exited early:\n%s", p.name, p.tail(30))
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the default ServiceAccount: %w (last: %v)", ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// PIDs returns the process ids of the control plane, which are also the ids
// of their process groups; tests use them to check the cleanup.
func (c *Cluster) PIDs() []int {
	var pids []int
	for _, p := range c.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}

// Result is the output of one kubectl run.
type Result struct {
	Stdout, Stderr string
}

// Kubectl runs kubectl against the cluster, with stdin as its standard input
// when not nil. A non-zero exit is an error that includes stderr; stderr is
// returned in both cases, as it carries the apiserver's warnings.
func (c *Cluster) Kubectl(stdin []byte, args ...string) (Result, error) {
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig=" + c.Kubeconfig}, args...)...)
	// ApplySet pruning is still gated behind this variable in kubectl.
	cmd.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		return res, fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(res.Stderr))
	}
	return res, nil
}

// process is one control-plane process, logging into a file.
type process struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail returns the last n lines of the process's log.
func (p *process) tail(n int) string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// run starts a process and registers its stop with t.Cleanup.
func (c *Cluster) run(t testing.TB, dir, name, bin string, args ...string) (*process, error) {
	p := &process{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", name, err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	c.procs = append(c.procs, p)
	t.Cleanup(func() { p.stop() })
	return p, nil
}

// stop asks the process group to terminate and kills it after a grace period.
func (p *process) stop() {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	// Also reaps any child left in the group after the leader exited.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	<-p.done
}

// waitReady polls the apiserver's readyz endpoint until it answers 200 OK.
func waitReady(ctx context.Context, url string, creds *pki, procs ...*process) error {
	client, err := adminClient(creds)
	if err != nil {
		return err
	}
	var last error
	for {
		for _, p := range procs {
			if p.exited() {
				return fmt.Errorf("%s exited early:\n%s", p.name, p.tail(30))
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build readyz request: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", url, ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func adminClient(creds *pki) (*http.Client, error) {
	caPEM, err := os.ReadFile(creds.caCert)
	if err != nil {
		return nil, fmt.Errorf("read CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(creds.adminCert, creds.adminKey)
	if err != nil {
		return nil, fmt.Errorf("load admin certificate: %w", err)
	}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{cert},
		}},
	}, nil
}

func writeKubeconfig(path, server string, creds *pki) error {
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
`, server, creds.caCert, creds.adminCert, creds.adminKey)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
