package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
)

// TestServers starts each server, uses it as its URL's user, and checks
// that the cleanup stops the process and deletes the data directory.
func TestServers(t *testing.T) {
	t.Setenv(PostgresEnv, "")
	t.Setenv(MySQLEnv, "")
	for _, tt := range []struct {
		name  string
		start func(testing.TB) string
		open  func(t *testing.T, u string) *sql.DB
	}{
		{"postgres", Postgres, func(t *testing.T, u string) *sql.DB {
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}},
		{"mariadb", MySQL, func(t *testing.T, raw string) *sql.DB {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			cfg := mysql.NewConfig()
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
			cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
			c, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return sql.OpenDB(c)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var pids []int
			var dirs []string
			t.Run("server", func(t *testing.T) {
				u := tt.start(t)
				if !strings.Contains(u, "@127.0.0.1:") || !strings.HasSuffix(strings.Split(u, "?")[0], "/"+Database) {
					t.Errorf("URL %s...: want a loopback server and database %s", strings.Split(u, ":")[0], Database)
				}
				db := tt.open(t, u)
				defer db.Close()
				if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (id int)"); err != nil {
					t.Fatalf("create a table as the URL's user: %v", err)
				}
				pids, dirs = serverPIDs(t), stateDirs(t)
			})
			for _, pid := range pids {
				if err := syscall.Kill(pid, 0); err == nil {
					t.Errorf("server process %d still running after the cleanup", pid)
				}
			}
			for _, dir := range dirs {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("%s left behind", dir)
				}
			}
			if len(pids) == 0 || len(dirs) == 0 {
				t.Errorf("found %d server processes and %d state directories while running", len(pids), len(dirs))
			}
		})
	}
}

var _ = stdlib.GetDefaultDriver

// serverPIDs and stateDirs return what this process started so far.
func serverPIDs(t *testing.T) []int {
	registry.Lock()
	defer registry.Unlock()
	var pids []int
	for _, p := range registry.pids {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, n)
	}
	return pids
}

func stateDirs(*testing.T) []string {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.dirs)
}
