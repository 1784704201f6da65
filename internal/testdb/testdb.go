// Package testdb starts throwaway database servers for tests, as
// internal/testcluster does for the Kubernetes control plane: a PostgreSQL or
// a MariaDB (for the MySQL dialect) server with its data in a temporary
// directory, listening on a free loopback port, with a password-protected
// user that owns one database, stopped and deleted by t.Cleanup.
//
// The server binaries are the Debian packages that `make test` installs
// (hack/postgres.sh install, hack/mariadb.sh install). When they are
// missing, the test is skipped, except under CI=true, where it fails: a
// skipped database test would hide a broken setup. An environment variable
// (AUTHSTACK_TEST_DATABASE_URL, AUTHSTACK_TEST_MYSQL_URL) names an existing
// server instead.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/authstack/authstack/internal/testsupport"
)

// Names of the user and database the servers are set up with.
const (
	User     = "authstack"
	Database = "authstack"
)

// registry records what was started, for this package's own tests.
var registry struct {
	sync.Mutex
	pids, dirs []string
}

func record(list *[]string, v string) {
	registry.Lock()
	defer registry.Unlock()
	*list = append(*list, v)
}

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = time.Minute

// Environment variables naming existing servers.
const (
	PostgresEnv = "AUTHSTACK_TEST_DATABASE_URL"
	MySQLEnv    = "AUTHSTACK_TEST_MYSQL_URL"
)

// Postgres returns the URL of a PostgreSQL database for the test: the one in
// AUTHSTACK_TEST_DATABASE_URL, else a throwaway server's (see Main).
func Postgres(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(PostgresEnv); u != "" {
		return u
	}
	bin, err := postgresBinDir()
	if err != nil {
		missing(tb, "PostgreSQL", "hack/postgres.sh install", err)
	}
	return serve(tb, "PostgreSQL", func(cleanup func(func())) (string, error) { return startPostgres(cleanup, bin) })
}

// MySQL returns the mysql:// URL of a MySQL-dialect database for the test:
// the one in AUTHSTACK_TEST_MYSQL_URL, else a throwaway MariaDB server's
// (see Main).
func MySQL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(MySQLEnv); u != "" {
		return u
	}
	server, err := lookPath("mariadbd", "mysqld")
	if err == nil {
		_, err = lookPath("mariadb-install-db", "mysql_install_db")
	}
	if err != nil {
		missing(tb, "MariaDB", "hack/mariadb.sh install", err)
	}
	return serve(tb, "MariaDB", func(cleanup func(func())) (string, error) { return startMariaDB(cleanup, server) })
}

// shared holds the servers of a test binary whose TestMain calls Main.
var shared struct {
	sync.Mutex
	active   bool
	urls     map[string]string
	errs     map[string]error
	cleanups []func()
}

// Main runs the package's tests with one server of each kind shared by
// all of them, started on first use and stopped, its data deleted, when
// the tests are done; it exits with their status. Without it, Postgres and
// MySQL start a server per test, stopped by t.Cleanup. Use it from
// TestMain when several tests need a database: a server takes seconds to
// initialize. The tests must then not depend on each other's tables.
func Main(m *testing.M) {
	shared.Lock()
	shared.active = true
	shared.urls, shared.errs = map[string]string{}, map[string]error{}
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	for _, f := range slices.Backward(shared.cleanups) {
		f()
	}
	shared.Unlock()
	os.Exit(code)
}

// serve returns the shared server's URL, starting it on first use, or
// under no Main starts one for the test.
func serve(tb testing.TB, kind string, startFn func(cleanup func(func())) (string, error)) string {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.active {
		u, err := startFn(tb.Cleanup)
		if err != nil {
			tb.Fatalf("start %s: %v", kind, err)
		}
		return u
	}
	if u, ok := shared.urls[kind]; ok {
		return u
	}
	if err, failed := shared.errs[kind]; failed {
		tb.Fatalf("start %s (failed earlier): %v", kind, err)
	}
	u, err := startFn(func(f func()) { shared.cleanups = append(shared.cleanups, f) })
	if err != nil {
		shared.errs[kind] = err
		tb.Fatalf("start %s: %v", kind, err)
	}
	shared.urls[kind] = u
	return u
}

// missing skips the test, or fails it under CI=true (testsupport.Missing).
func missing(tb testsupport.TB, what, install string, err error) {
	tb.Helper()
	testsupport.Missing(tb, "%s is not installed (%s, or set %s/%s): %v", what, install, PostgresEnv, MySQLEnv, err)
}

// postgresBinDir returns the newest Debian server's bin directory, which
// is not on PATH, else the directory of initdb on PATH.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(a) - majorOf(b) })
	for _, dir := range slices.Backward(dirs) {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		return "", errors.New("no /usr/lib/postgresql/*/bin/initdb and no initdb on PATH")
	}
	return filepath.Dir(initdb), nil
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// lookPath finds the first of names on PATH or in /usr/sbin, where Debian
// puts mariadbd.
func lookPath(names ...string) (string, error) {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		if p := filepath.Join("/usr/sbin", name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %s on PATH or in /usr/sbin", strings.Join(names, ", "))
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// serverUser returns the credential the server runs as: as root, the
// package's system user, since neither server runs as root; else nil (the
// current user).
func serverUser(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root needs the %s system user: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// stateDir makes a temporary directory owned by the server's user. It is
// not t.TempDir(): the server user must be able to reach it.
func stateDir(cleanup func(func()), prefix string, cred *syscall.Credential) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	cleanup(func() { os.RemoveAll(dir) })
	record(&registry.dirs, dir)
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// run runs a setup command as the server user and returns its output on
// failure.
func run(cred *syscall.Credential, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, tail(string(out), 20))
	}
	return nil
}

// server is a running server process.
type server struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// start starts a server in its own process group, killed by the kernel if
// the test binary dies first, and registers its stop with tb.Cleanup:
// stopSignal, then SIGKILL to the group after a grace period. The
// credential is set by the runtime before the parent-death signal, so the
// signal survives the change of user.
func start(cleanup func(func()), cred *syscall.Credential, logPath string, stopSignal syscall.Signal, name string, args ...string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if cred != nil {
		os.Chown(logPath, int(cred.Uid), int(cred.Gid))
	}
	s := &server{cmd: exec.Command(name, args...), log: logPath, done: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", filepath.Base(name), err)
	}
	record(&registry.pids, strconv.Itoa(s.cmd.Process.Pid))
	go func() {
		s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	cleanup(func() {
		pgid := -s.cmd.Process.Pid
		_ = syscall.Kill(pgid, stopSignal)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
		}
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-s.done
	})
	return s, nil
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// waitReady calls ready until it succeeds, the server exits or startTimeout
// passes.
func (s *server) waitReady(ready func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		if s.exited() {
			return fmt.Errorf("server exited: %s", s.tail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %v\n%s", startTimeout, err, s.tail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *server) tail() string {
	data, _ := os.ReadFile(s.log)
	return tail(string(data), 20)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newPassword() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// retryPort runs startOn with free ports until one is not taken between
// freePort and the server binding it, which another test binary may do.
func retryPort(startOn func(port int) error) error {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		if err = startOn(port); err == nil || !strings.Contains(err.Error(), "in use") {
			return err
		}
	}
	return err
}

func startPostgres(cleanup func(func()), bin string) (string, error) {
	cred, err := serverUser("postgres")
	if err != nil {
		return "", err
	}
	dir, err := stateDir(cleanup, "authstack-testdb-pg-", cred)
	if err != nil {
		return "", err
	}
	password := newPassword()
	pwfile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwfile, []byte(password), 0o600); err != nil {
		return "", err
	}
	if cred != nil {
		os.Chown(pwfile, int(cred.Uid), int(cred.Gid))
	}
	data := filepath.Join(dir, "data")
	if err := run(cred, filepath.Join(bin, "initdb"), "-D", data, "-U", User, "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return "", err
	}
	os.Remove(pwfile)
	var url string
	err = retryPort(func(port int) error {
		// SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for
		// clients to disconnect.
		s, err := start(cleanup, cred, filepath.Join(dir, fmt.Sprintf("server-%d.log", port)), syscall.SIGINT, filepath.Join(bin, "postgres"),
			"-D", data, "-p", strconv.Itoa(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
		if err != nil {
			return err
		}
		base := fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/", User, password, port)
		if err := s.waitReady(func(ctx context.Context) error {
			conn, err := pgx.Connect(ctx, base+"postgres?sslmode=disable")
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, "CREATE DATABASE "+Database)
			return err
		}); err != nil {
			return err
		}
		url = base + Database + "?sslmode=disable"
		return nil
	})
	return url, err
}

func startMariaDB(cleanup func(func()), server string) (string, error) {
	installDB, err := lookPath("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return "", err
	}
	cred, err := serverUser("mysql")
	if err != nil {
		return "", err
	}
	dir, err := stateDir(cleanup, "authstack-testdb-mariadb-", cred)
	if err != nil {
		return "", err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := run(cred, installDB, "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"); err != nil {
		return "", err
	}
	password := newPassword()
	var url string
	err = retryPort(func(port int) error {
		s, err := start(cleanup, cred, filepath.Join(dir, fmt.Sprintf("server-%d.log", port)), syscall.SIGTERM, server,
			"--no-defaults", "--datadir="+data, "--socket="+sock, "--pid-file="+filepath.Join(dir, "mariadbd.pid"),
			"--bind-address=127.0.0.1", "--port="+strconv.Itoa(port), "--skip-name-resolve",
			"--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", "--innodb-buffer-pool-size=64M")
		if err != nil {
			return err
		}
		root := mysql.NewConfig()
		root.User, root.Net, root.Addr = "root", "unix", sock
		if err := s.waitReady(func(ctx context.Context) error {
			connector, err := mysql.NewConnector(root)
			if err != nil {
				return err
			}
			db := sql.OpenDB(connector)
			defer db.Close()
			for _, stmt := range []string{
				"CREATE DATABASE IF NOT EXISTS " + Database,
				fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY '%s'", User, password),
				fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'127.0.0.1'", Database, User),
			} {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		url = fmt.Sprintf("mysql://%s:%s@127.0.0.1:%d/%s", User, password, port, Database)
		return nil
	})
	return url, err
}
