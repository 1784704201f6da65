package jwks

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// oddPasswords are passwords and user names whose characters are all over
// ordinary log text, or that are URL syntax once escaped.
var oddPasswords = []string{"e", "o", "t", "1", "s", "%", ":", "@", "/", "x", "xxxxx", "postgres", "mysql", "connecting", "127.0.0.1"}

// runLog runs Purge and returns its error and log with retry counts and
// timings normalized, so that runs that differ only in credentials can be
// compared line by line.
func runLog(opts Options) string {
	var log bytes.Buffer
	opts.Log = &log
	_, err := Purge(context.Background(), opts)
	out := log.String() + fmt.Sprintf("error: %v\n", err)
	out = regexp.MustCompile(`attempt \d+, retrying in [^)]*`).ReplaceAllString(out, "attempt N")
	// On a loaded machine the deadline may end a dial before the refusal
	// arrives: the same attempt, told by timing and not by credentials.
	out = dialTimeout.ReplaceAllString(out, "$1: connect: connection refused")
	var lines []string
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// dialTimeout is a dial that the run's deadline cut short.
var dialTimeout = regexp.MustCompile(`timeout: (dial tcp [^:]+:\d+): i/o timeout`)

// withUserinfo returns rawURL with its user and password replaced.
func withUserinfo(tb testing.TB, rawURL, user, password string) string {
	tb.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// TestPurgeMasksShortCredentials runs failing purges with odd user names and
// passwords and checks that the output is exactly that of a run with
// credentials that appear nowhere: no line reveals them, by showing or by
// masking them, and ordinary text is intact.
func TestPurgeMasksShortCredentials(t *testing.T) {
	const refUser, refPassword = "reference_user_q", "reference-password-q"
	type target struct {
		name    string
		dialect Dialect
		url     string
		timeout time.Duration
	}
	targets := []target{
		// Nothing listens on port 1: retried until the timeout.
		{"postgres/refused", Postgres, "postgres://u:p@127.0.0.1:1/authstack?sslmode=disable", 300 * time.Millisecond},
		{"mysql/refused", MySQL, "mysql://u:p@127.0.0.1:1/authstack", 300 * time.Millisecond},
	}
	if !testing.Short() {
		for _, d := range databases(t) {
			// The server refuses the credentials, naming the user.
			targets = append(targets, target{string(d.dialect) + "/refused credentials", d.dialect, d.url, 10 * time.Second})
		}
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			opts := Options{Dialect: tg.dialect, Strategy: All, Timeout: tg.timeout}
			opts.DatabaseURL = withUserinfo(t, tg.url, refUser, refPassword)
			want := runLog(opts)
			if strings.Contains(want, refUser) || strings.Contains(want, refPassword) {
				t.Fatalf("reference run shows its credentials:\n%s", want)
			}
			for i, p := range oddPasswords {
				t.Run(fmt.Sprint(i), func(t *testing.T) {
					t.Parallel()
					opts := opts
					opts.DatabaseURL = withUserinfo(t, tg.url, p, p)
					if got := runLog(opts); got != want {
						t.Errorf("user and password %q: output differs from the reference run:\n%s\nwant:\n%s", p, got, want)
					}
				})
			}
		})
	}
}

// silentServer accepts TCP connections on loopback and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestPurgeSilentServer: a server that accepts the connection and never
// answers makes each attempt end at the connect timeout and the run at its
// timeout, with a message that says so.
func TestPurgeSilentServer(t *testing.T) {
	addr := silentServer(t)
	for _, tt := range []struct {
		dialect Dialect
		url     string
	}{
		{Postgres, "postgres://u:p@" + addr + "/authstack?sslmode=disable"},
		{MySQL, "mysql://u:p@" + addr + "/authstack"},
	} {
		t.Run(string(tt.dialect), func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			opts := Options{DatabaseURL: tt.url, Dialect: tt.dialect, Strategy: All, Timeout: 3 * time.Second, ConnectTimeout: time.Second, Log: &log}
			start := time.Now()
			errc := make(chan error, 1)
			go func() {
				_, err := Purge(context.Background(), opts)
				errc <- err
			}()
			var err error
			select {
			case err = <-errc:
			case <-time.After(30 * time.Second):
				t.Fatal("Purge still waiting for a silent server after 30s")
			}
			elapsed := time.Since(start)
			want := fmt.Sprintf("connecting to %s %s/authstack: gave up after 3s (the timeout): context deadline exceeded: last error: no answer within 1s (the connect timeout): is a %s server listening there?", tt.dialect, addr, tt.dialect)
			if err == nil || err.Error() != want {
				t.Errorf("error:\n %v\nwant:\n %s", err, want)
			}
			if elapsed > 6*time.Second {
				t.Errorf("took %s with --timeout 3s", elapsed.Round(time.Millisecond))
			}
			if !strings.Contains(log.String(), "database not ready (attempt 1, retrying in 250ms): no answer within 1s") {
				t.Errorf("log:\n%s", log.String())
			}
		})
	}
}

// TestPurgeStatementTimeout: a statement that waits on a lock held by
// another transaction ends at the statement timeout, not the run's.
func TestPurgeStatementTimeout(t *testing.T) {
	secrets := mustSecrets(t, "statement-timeout-secret", "")
	for _, d := range databases(t) {
		t.Run(string(d.dialect), func(t *testing.T) {
			table := d.createTable(t, map[string]string{"k": seal(t, "other")})
			tx, err := d.db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("SELECT * FROM " + d.dialect.quote(table) + " FOR UPDATE"); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Secrets: secrets,
				Timeout: time.Minute, StatementTimeout: time.Second})
			want := fmt.Sprintf("purging table %q: select: no answer within 1s (the statement timeout)", table)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %v, want %q", err, want)
			}
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("took %s with a 1s statement timeout", elapsed.Round(time.Millisecond))
			}
			tx.Rollback()
			if ids := d.ids(t, table); len(ids) != 1 {
				t.Errorf("rows left %v", ids)
			}
		})
	}
}
