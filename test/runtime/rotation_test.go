package runtime_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// rotation is one way to rotate the auth secret. The single-secret way
// replaces BETTER_AUTH_SECRET's value; a versioned way (spec.auth.secret
// versionsKey, BETTER_AUTH_SECRETS) is another value of this type.
type rotation struct {
	name string
	// write writes the render input (e.dir) for a fresh secret value.
	write func(t *testing.T, e *stackEnv, value string)
}

// versionedSecret keeps the Secret's BETTER_AUTH_SECRET and prepends a new
// version to BETTER_AUTH_SECRETS ("2:new,1:old"): spec.auth.secret
// versionsKey, docs/rotation.md.
var versionedSecret = rotation{
	name: "versioned",
	write: func(t *testing.T, e *stackEnv, value string) {
		e.writeFiles(t, "secrets", e.legacy, "2:"+value+",1:"+e.legacy)
	},
}

var singleSecret = rotation{
	name:  "single",
	write: func(t *testing.T, e *stackEnv, value string) { e.writeInput(t, value) },
}

// phaseStats counts one phase of the load client's requests.
type phaseStats struct {
	start                        time.Time
	end                          time.Time
	iterations                   int
	signinFail, signFail, signed int
	sessionLost                  int // /token refused the session (401): cookie signed by another pod's secret
	freshOK, freshFail           int // the JWT just issued, against /jwks
	oldOK, oldFail               int // the run's first JWT (unexpired), against /jwks
	errs                         map[string]int
}

// load signs in, gets a JWT and verifies it (and the run's first JWT)
// against /jwks, in a loop, through the frontend Service, counting
// failures in the phase current when each iteration started.
type load struct {
	c      authClient
	mu     sync.Mutex
	cur    *phaseStats
	order  []string
	phases map[string]*phaseStats
	first  string
}

func newLoad(c authClient) *load { return &load{c: c, phases: map[string]*phaseStats{}} }

// mark starts phase p.
func (l *load) mark(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.cur != nil {
		l.cur.end = now
	}
	l.cur = &phaseStats{start: now, errs: map[string]int{}}
	l.phases[p] = l.cur
	l.order = append(l.order, p)
}

func (l *load) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			l.mu.Lock()
			l.cur.end = time.Now()
			l.mu.Unlock()
			return
		default:
		}
		l.once()
		time.Sleep(50 * time.Millisecond)
	}
}

// errKey shortens an error to what identifies its kind.
func errKey(what string, err error) string {
	s := err.Error()
	if len(s) > 90 {
		s = s[:90]
	}
	return what + ": " + s
}

func (l *load) once() {
	l.mu.Lock()
	ps := l.cur
	first := l.first
	l.mu.Unlock()
	count := func(f func()) { l.mu.Lock(); f(); l.mu.Unlock() }
	count(func() { ps.iterations++ })
	cookie, err := l.c.signIn(loadEmail, loadPassword)
	if err != nil {
		count(func() { ps.signinFail++; ps.errs[errKey("sign-in", err)]++ })
		return
	}
	tok, err := l.c.token(cookie)
	if errors.Is(err, errSessionRejected) {
		count(func() { ps.sessionLost++; ps.errs[errKey("token", err)]++ })
	} else if err != nil {
		count(func() { ps.signFail++; ps.errs[errKey("token", err)]++ })
	} else {
		count(func() {
			ps.signed++
			if l.first == "" {
				l.first = tok
			}
		})
	}
	keys, jerr := l.c.jwks()
	now := time.Now()
	if tok != "" {
		err := jerr
		if err == nil {
			err = verifyJWT(tok, keys, now)
		}
		count(func() {
			if err != nil {
				ps.freshFail++
				ps.errs[errKey("verify new JWT", err)]++
			} else {
				ps.freshOK++
			}
		})
	}
	if first != "" {
		err := jerr
		if err == nil {
			err = verifyJWT(first, keys, now)
		}
		count(func() {
			if err != nil {
				ps.oldFail++
				ps.errs[errKey("verify first JWT", err)]++
			} else {
				ps.oldOK++
			}
		})
	}
}

// rotate rotates the secret the given way while the load client runs, and
// returns its failures: failed signings (sign-in or /token) and failed
// verifications of unexpired JWTs.
func rotate(t *testing.T, e *stackEnv, c authClient, r rotation) *failures {
	l := newLoad(c)
	l.mark("before")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { l.run(stop); close(done) }()
	stopLoad := func() {
		select {
		case <-stop:
		default:
			close(stop)
			<-done
		}
	}
	defer stopLoad()
	time.Sleep(8 * time.Second)

	oldJob := e.job
	r.write(t, e, newSecret(t))
	e.deploy(t, l.mark)
	time.Sleep(10 * time.Second)
	stopLoad()

	if out := kubectl(t, e.node, nil, "-n", e.ns, "get", "job", oldJob, "--ignore-not-found", "-o", "name"); out != "" {
		t.Errorf("the old purge Job %s was not pruned", oldJob)
	}
	if e.job == oldJob {
		t.Errorf("the rotation rendered the same Job name %s", oldJob)
	}
	e.checkPods(t)

	f := &failures{}
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "rotation %s, per phase (token-fail: /token failed to sign; session-lost: /token answered 401 to a fresh session; verify new/first: the JWT just issued / the run's first JWT against /jwks):\n", r.name)
	fmt.Fprintf(&tbl, "  %-8s %6s %6s %11s %10s %12s %12s %12s\n", "phase", "secs", "iters", "signin-fail", "token-fail", "session-lost", "verify-new", "verify-first")
	for _, p := range l.order {
		s := l.phases[p]
		f.sign += s.signinFail + s.signFail
		f.verify += s.freshFail + s.oldFail
		f.sessions += s.sessionLost
		fmt.Fprintf(&tbl, "  %-8s %6.1f %6d %11d %10d %12d %5d/%-6d %5d/%-6d\n", p, s.end.Sub(s.start).Seconds(), s.iterations,
			s.signinFail, s.signFail, s.sessionLost, s.freshFail, s.freshFail+s.freshOK, s.oldFail, s.oldFail+s.oldOK)
		for k, n := range s.errs {
			fmt.Fprintf(&tbl, "           %4d x %s\n", n, k)
		}
	}
	t.Log(tbl.String())
	t.Logf("rotation %s: failed-sign=%d failed-verify=%d sessions-lost=%d", r.name, f.sign, f.verify, f.sessions)

	before, after := l.phases["before"], l.phases["after"]
	if before.signed == 0 || before.signinFail+before.signFail+before.sessionLost+before.freshFail+before.oldFail > 0 {
		t.Errorf("the stack was not healthy before the rotation: %+v", *before)
	}
	if after == nil || after.signed == 0 || after.freshOK == 0 {
		t.Errorf("after the rotation no JWT was issued and verified: %+v", after)
	}
	return f
}
