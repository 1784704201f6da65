package realnode

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// DialContext dials from inside the node's network namespace, so that tests
// reach Service ClusterIPs and pod IPs the way pods do, through kube-proxy's
// rules, without any route from the host into the namespace.
//
// The socket is created on an OS thread moved into the namespace with
// setns(2); a socket stays in the namespace it was created in. The thread
// goes back to the host's namespace afterwards, or, if that fails, is
// never reused (the goroutine exits while still locked to it).
func (n *Node) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		c, err, back := dialIn(ctx, "/run/netns/"+NetNS, network, addr)
		if back {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func dialIn(ctx context.Context, nsPath, network, addr string) (c net.Conn, err error, back bool) {
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return nil, err, true
	}
	defer self.Close()
	target, err := os.Open(nsPath)
	if err != nil {
		return nil, err, true
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("enter %s: %w", nsPath, err), true
	}
	// An IP literal needs no resolver, so the socket is made on this
	// thread; connecting then waits in the poller like any other.
	c, err = (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
	back = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil
	return c, err, back
}

// HTTPClient returns a client whose connections start inside the node's
// network namespace (see DialContext).
func (n *Node) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:       n.DialContext,
			DisableKeepAlives: true,
			Proxy:             nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
