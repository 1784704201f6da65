// Package realnode starts a real single-node Kubernetes cluster for tests:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd 2
// with Debian's runc and CNI plugins, kubelet and kube-proxy, all inside a
// network namespace of their own (authstack-rn) and a private mount
// namespace, so that nothing is reachable from outside the machine and the
// host's iptables, routes and mounts stay untouched. Pods really run: Pod
// Security admission, probes, Services, Jobs and rollouts behave as on a
// cluster.
//
// The recipe and the host quirks it works around (cgroup v1, no
// CAP_SYS_RESOURCE for oom_score_adj, no loopback node IP, sysfs of the
// netns) are described in docs/runtime.md. The scripts in assets/ do the
// host work; this package runs them, imports images, hands tests a
// kubeconfig and a network path into the namespace, and tears everything
// down, also what a crashed earlier run left behind.
//
// One node runs at a time on a machine: Start takes an exclusive lock.
package realnode

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/authstack/authstack/internal/ociimage"
)

//go:embed assets
var assets embed.FS

// Addresses of the node; see assets/up.sh.
const (
	// NodeIP is the node's address inside the namespace, where the
	// apiserver listens; the host reaches it over a veth pair.
	NodeIP = "10.250.0.2"
	// NetNS is the name of the network namespace (/run/netns/authstack-rn).
	NetNS = "authstack-rn"
	// PauseImage is the sandbox image, built from ./pause.
	PauseImage = "authstack.local/pause:1"
)

// Options say where the binaries are.
type Options struct {
	// KubeBin holds kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubelet, kube-proxy and kubectl.
	KubeBin string
	// ContainerdBin holds containerd, containerd-shim-runc-v2 and ctr.
	ContainerdBin string
	// Images are image tarballs imported before the node is started.
	Images []string
	// Dir is the state directory; it is fixed (not a test temp dir) so
	// that a later run finds what a crashed one left. Default:
	// ${TMPDIR:-/tmp}/authstack-realnode.
	Dir string
}

// OptionsFromEnv reads AUTHSTACK_KUBE_BIN and AUTHSTACK_CONTAINERD_BIN, as
// `make test-runtime` sets them.
func OptionsFromEnv() Options {
	return Options{KubeBin: os.Getenv("AUTHSTACK_KUBE_BIN"), ContainerdBin: os.Getenv("AUTHSTACK_CONTAINERD_BIN")}
}

// Missing lists what the node needs and the machine lacks (root, binaries,
// Debian packages), so that a test can skip, or fail under CI.
func (o Options) Missing() []string {
	var miss []string
	if os.Geteuid() != 0 {
		miss = append(miss, "root")
	}
	need := []string{"/usr/sbin/runc", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap"}
	dirs := []struct {
		env, dir string
		bins     []string
	}{
		{"AUTHSTACK_KUBE_BIN", o.KubeBin, []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl"}},
		{"AUTHSTACK_CONTAINERD_BIN", o.ContainerdBin, []string{"containerd", "containerd-shim-runc-v2", "ctr"}},
	}
	for _, d := range dirs {
		if d.dir == "" {
			miss = append(miss, d.env+" (unset)")
			continue
		}
		for _, b := range d.bins {
			need = append(need, filepath.Join(d.dir, b))
		}
	}
	for _, p := range need {
		if _, err := os.Stat(p); err != nil {
			miss = append(miss, p)
		}
	}
	for _, c := range []string{"etcd", "iptables", "conntrack", "ip", "nsenter", "unshare", "setsid", "openssl", "curl"} {
		if _, err := exec.LookPath(c); err != nil {
			miss = append(miss, c)
		}
	}
	return miss
}

// Node is a running node.
type Node struct {
	// Kubeconfig is an admin kubeconfig usable from the host.
	Kubeconfig string
	// Dir is the state directory (run/logs holds every daemon's log).
	Dir string
	// Started is how long the node took to come up.
	Started time.Duration

	opts Options
	lock *os.File
}

// Start starts a node, after cleaning what an earlier run left, and stops
// it and cleans the host with t.Cleanup. It fails the test if the node does
// not come up.
func Start(t testing.TB, o Options) *Node {
	t.Helper()
	if o.Dir == "" {
		o.Dir = filepath.Join(os.TempDir(), "authstack-realnode")
	}
	n := &Node{Dir: o.Dir, opts: o, Kubeconfig: filepath.Join(o.Dir, "run", "pki", "host-admin.kubeconfig")}
	if err := n.lockDir(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("real node logs in %s; last lines:\n%s", filepath.Join(n.Dir, "run", "logs"), n.Tails(15))
		}
		if err := n.down(); err != nil {
			t.Errorf("real node teardown: %v", err)
		}
		n.lock.Close()
	})
	start := time.Now()
	if err := n.up(); err != nil {
		t.Fatalf("start real node: %v\n%s", err, n.Tails(20))
	}
	n.Started = time.Since(start)
	return n
}

// lockDir takes the machine-wide lock: the node's names and addresses are
// fixed, so two runs at once would collide.
func (n *Node) lockDir() error {
	if err := os.MkdirAll(n.Dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(n.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	n.lock = f
	return nil
}

func (n *Node) up() error {
	if err := n.down(); err != nil {
		return fmt.Errorf("clean up after an earlier run: %w", err)
	}
	if err := n.writeAssets(); err != nil {
		return err
	}
	imgDir := filepath.Join(n.Dir, "images")
	if err := os.RemoveAll(imgDir); err != nil {
		return err
	}
	if err := os.MkdirAll(imgDir, 0o700); err != nil {
		return err
	}
	if err := n.buildPause(filepath.Join(imgDir, "pause.tar")); err != nil {
		return err
	}
	for i, img := range n.opts.Images {
		if err := os.Symlink(img, filepath.Join(imgDir, fmt.Sprintf("%02d-%s", i, filepath.Base(img)))); err != nil {
			return err
		}
	}
	return n.script("up.sh")
}

func (n *Node) down() error {
	if _, err := os.Stat(filepath.Join(n.Dir, "assets", "down.sh")); err != nil {
		// Nothing was ever started from this directory, but a netns
		// of that name may be left by a run with another TMPDIR.
		if _, err := os.Stat("/run/netns/" + NetNS); err != nil {
			return nil
		}
		if err := n.writeAssets(); err != nil {
			return err
		}
	}
	return n.script("down.sh")
}

func (n *Node) writeAssets() error {
	dst := filepath.Join(n.Dir, "assets")
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(n.Dir, p)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o600)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o700
		}
		return os.WriteFile(target, b, mode)
	})
}

func (n *Node) script(name string) error {
	cmd := exec.Command(filepath.Join(n.Dir, "assets", name))
	cmd.Env = append(os.Environ(), "RN_DIR="+n.Dir, "RN_KUBE_BIN="+n.opts.KubeBin, "RN_CONTAINERD_BIN="+n.opts.ContainerdBin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out)
	}
	return nil
}

// buildPause builds the sandbox ("pause") binary from ./pause and its
// image: static Go, as small as the real one, run as a non-root user.
func (n *Node) buildPause(out string) error {
	return GoImage("github.com/authstack/authstack/internal/realnode/pause", PauseImage, out,
		ociimage.Spec{User: "65535:65535"})
}

// GoImage builds the Go main package pkg as a static binary and writes a
// one-binary image of it under ref to the tarball out: the binary is
// /<base name of pkg> and the entrypoint; spec gives the rest (user, env).
func GoImage(pkg, ref, out string, spec ociimage.Spec) error {
	dir, err := os.MkdirTemp("", "realnode-goimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := path.Base(pkg)
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", pkg, err, b)
	}
	spec.Files = append(spec.Files, ociimage.File{Path: "/" + name, Src: bin, Mode: 0o755})
	spec.Entrypoint = []string{"/" + name}
	img, err := ociimage.Build(spec)
	if err != nil {
		return err
	}
	return ociimage.Write(out, map[string]v1.Image{ref: img})
}

// Import imports an image tarball into the node's containerd (the CRI
// namespace, where kubelet looks).
func (n *Node) Import(tarball string) error {
	ctr := filepath.Join(n.opts.ContainerdBin, "ctr")
	sock := filepath.Join(n.Dir, "run", "containerd", "containerd.sock")
	out, err := exec.Command(ctr, "--address", sock, "-n", "k8s.io", "images", "import", "--platform", "linux/amd64", tarball).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr images import %s: %w\n%s", tarball, err, out)
	}
	return nil
}

// Kubectl runs kubectl against the node with stdin (may be nil) and
// returns its stdout; the error carries stderr.
func (n *Node) Kubectl(stdin []byte, args ...string) (string, error) {
	return n.KubectlContext(context.Background(), stdin, args...)
}

// KubectlContext is Kubectl with a context.
func (n *Node) KubectlContext(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(n.opts.KubeBin, "kubectl"), append([]string{"--kubeconfig=" + n.Kubeconfig}, args...)...)
	// --applyset (apply --prune with an ApplySet) is still gated.
	cmd.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Command returns a command that runs inside the node's network namespace
// (for a database or a client the pods must reach at NodeIP).
func (n *Node) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=/run/netns/" + NetNS, "--", name}, args...)...)
}

// StartProcess starts a long-running process inside the node's network
// namespace, with its output in run/logs/<name>.log. It is stopped with the
// node (its PID is recorded like the daemons'; anything left in the
// namespace is killed by the teardown).
func (n *Node) StartProcess(name string, argv ...string) error {
	logf, err := os.Create(filepath.Join(n.Dir, "run", "logs", name+".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := n.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	go cmd.Wait() //nolint:errcheck // reaped; the log tells why it ended
	return os.WriteFile(filepath.Join(n.Dir, "run", "pids", name+".pid"), []byte(fmt.Sprint(cmd.Process.Pid)), 0o600)
}

// Tails returns the last lines of every daemon's log.
func (n *Node) Tails(lines int) string {
	var b strings.Builder
	logs, _ := filepath.Glob(filepath.Join(n.Dir, "run", "logs", "*.log"))
	for _, l := range logs {
		data, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		ls := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(ls) > lines {
			ls = ls[len(ls)-lines:]
		}
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.Base(l), strings.Join(ls, "\n"))
	}
	return b.String()
}
