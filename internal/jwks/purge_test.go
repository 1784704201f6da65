package jwks

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authstack/authstack/internal/testdb"
)

// testDatabase is a database the tests may create tables in.
type testDatabase struct {
	dialect Dialect
	url     string
	db      *sql.DB
}

// databases returns a PostgreSQL and a MySQL-dialect test database:
// throwaway servers shared by the package's tests (see TestMain), or the
// ones named by AUTHSTACK_TEST_DATABASE_URL and AUTHSTACK_TEST_MYSQL_URL.
// Without the server binaries the test is skipped, or fails under CI=true.
func databases(tb testing.TB) []testDatabase {
	tb.Helper()
	var dbs []testDatabase
	for _, env := range []struct {
		url     func(testing.TB) string
		dialect Dialect
	}{{testdb.Postgres, Postgres}, {testdb.MySQL, MySQL}} {
		u := env.url(tb)
		d, err := env.dialect.open(u, nil)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { d.db.Close() })
		dbs = append(dbs, testDatabase{env.dialect, u, d.db})
	}
	return dbs
}

// TestMain shares one server of each kind between the tests.
func TestMain(m *testing.M) { testdb.Main(m) }

// createTable creates a Better Auth jwks table named for the test and
// fills it with rows, keyed by id; each row's publicKey is "pub-<id>" and a
// nullKey value stores NULL.
func (d testDatabase) createTable(tb testing.TB, rows map[string]string) string {
	tb.Helper()
	table := fmt.Sprintf("jwks_test_%d", time.Now().UnixNano())
	q := d.dialect.quote
	idType := "text"
	if d.dialect == MySQL {
		idType = "varchar(36)"
	}
	// privateKey is nullable, unlike in Better Auth's schema, so that the
	// tests can store NULL as a damaged or hand-edited table might.
	d.exec(tb, fmt.Sprintf("CREATE TABLE %s (%s %s PRIMARY KEY, %s text NOT NULL, %s text, %s timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)",
		q(table), q("id"), idType, q("publicKey"), q("privateKey"), q("createdAt")))
	tb.Cleanup(func() { d.exec(tb, "DROP TABLE "+q(table)) })
	ids := slices.Sorted(maps.Keys(rows))
	d.insert(tb, table, len(ids), func(i int) (string, string) { return ids[i], rows[ids[i]] })
	return table
}

func (d testDatabase) exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := d.db.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

func (d testDatabase) ids(tb testing.TB, table string) []string {
	tb.Helper()
	rows, err := d.db.Query("SELECT " + d.dialect.quote("id") + " FROM " + d.dialect.quote(table))
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// unrecognizedKey is a value no Better Auth configuration writes.
const unrecognizedKey = "not-a-key"

// nullKey, as a row value for createTable, stores a NULL privateKey.
const nullKey = "\x00NULL"

// rows returns the table's id → (publicKey, privateKey) with NULL as nullKey.
func (d testDatabase) rows(tb testing.TB, table string) map[string][2]string {
	tb.Helper()
	q := d.dialect.quote
	rows, err := d.db.Query(fmt.Sprintf("SELECT %s, %s, %s FROM %s", q("id"), q("publicKey"), q("privateKey"), q(table)))
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	got := map[string][2]string{}
	for rows.Next() {
		var id, pub string
		var priv sql.NullString
		if err := rows.Scan(&id, &pub, &priv); err != nil {
			tb.Fatal(err)
		}
		if !priv.Valid {
			priv.String = nullKey
		}
		got[id] = [2]string{pub, priv.String}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return got
}

// TestPurgeBetterAuthVectors stores every recorded Better Auth key in one
// table and checks, for each secret environment, that a dry run selects
// exactly the keys real Better Auth failed to decrypt.
func TestPurgeBetterAuthVectors(t *testing.T) {
	f := loadVectors(t)
	rows := map[string]string{"unrecognized": unrecognizedKey}
	for i, v := range f.Vectors {
		rows[fmt.Sprintf("vector-%d", i)] = v.PrivateKey
	}
	for _, d := range databases(t) {
		table := d.createTable(t, rows)
		for c := range f.Vectors[0].Cases {
			env := f.Vectors[0].Cases[c].Env
			var want []string
			for i, v := range f.Vectors {
				if !v.Cases[c].Decryptable {
					want = append(want, fmt.Sprintf("vector-%d", i))
				}
			}
			t.Run(fmt.Sprintf("%s/case%d", d.dialect, c), func(t *testing.T) {
				secrets, err := ParseSecrets(env["BETTER_AUTH_SECRET"], env["BETTER_AUTH_SECRETS"])
				if err != nil {
					t.Fatal(err)
				}
				report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Secrets: secrets, DryRun: true})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(report.Deleted, want) || report.Scanned != len(rows) || report.Unrecognized != 1 || report.Kept != len(rows)-len(want) {
					t.Errorf("%s: report %+v, want Deleted %v", envNames(env), report, want)
				}
			})
		}
		if got := d.ids(t, table); len(got) != len(rows) {
			t.Errorf("dry runs deleted rows: %v left", got)
		}
	}
}

func TestPurge(t *testing.T) {
	const secret = "purge-test-secret-must-not-leak-0001"
	secrets, err := ParseSecrets(secret, "")
	if err != nil {
		t.Fatal(err)
	}
	good, bad := seal(t, secret), seal(t, "some-other-secret")
	rows := map[string]string{"k-good": good, "k-bad-1": bad, "k-bad-2": bad, "k-plain": `{"kty":"OKP"}`, "k-odd": unrecognizedKey}
	for _, d := range databases(t) {
		t.Run(string(d.dialect), func(t *testing.T) {
			table := d.createTable(t, rows)
			var log bytes.Buffer
			opts := Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Secrets: secrets, Log: &log}

			report, err := Purge(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			want := Report{Scanned: 5, Kept: 3, Unrecognized: 1, Deleted: []string{"k-bad-1", "k-bad-2"}}
			if !equalReports(report, want) {
				t.Errorf("report %+v, want %+v", report, want)
			}
			if got := d.ids(t, table); !slices.Equal(got, []string{"k-good", "k-odd", "k-plain"}) {
				t.Errorf("rows left: %v", got)
			}
			for _, line := range []string{"k-bad-1: delete: undecryptable with the configured secrets: authentication failed", "deleted 2 of 5 keys"} {
				if !strings.Contains(log.String(), line) {
					t.Errorf("log lacks %q:\n%s", line, log.String())
				}
			}
			assertNoLeak(t, log.String(), secret, good, bad, password(t, d.url))

			// Idempotent: a second run finds nothing to delete.
			report, err = Purge(context.Background(), opts)
			if err != nil || len(report.Deleted) != 0 || report.Scanned != 3 {
				t.Errorf("second run: %+v, %v", report, err)
			}

			opts.Strategy = All
			report, err = Purge(context.Background(), opts)
			if err != nil || len(report.Deleted) != 3 {
				t.Errorf("strategy all: %+v, %v", report, err)
			}
			if got := d.ids(t, table); len(got) != 0 {
				t.Errorf("strategy all left %v", got)
			}
		})
	}
}

// TestPurgeBatches deletes more rows than one DELETE statement carries.
func TestPurgeBatches(t *testing.T) {
	secrets, err := ParseSecrets("batch-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	bad := seal(t, "other")
	rows := map[string]string{}
	for i := range 2*batchSize + 1 {
		rows[fmt.Sprintf("k%05d", i)] = bad
	}
	for _, d := range databases(t) {
		table := d.createTable(t, rows)
		report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Secrets: secrets})
		if err != nil || len(report.Deleted) != len(rows) {
			t.Errorf("%s: deleted %d of %d: %v", d.dialect, len(report.Deleted), len(rows), err)
		}
		if left := d.ids(t, table); len(left) != 0 {
			t.Errorf("%s: %d rows left", d.dialect, len(left))
		}
	}
}

func TestPurgeMissingTable(t *testing.T) {
	secrets, err := ParseSecrets("s", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range databases(t) {
		var log bytes.Buffer
		report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: "jwks_never_created", Secrets: secrets, Log: &log})
		if err != nil || !report.TableMissing {
			t.Errorf("%s: report %+v, error %v; want TableMissing", d.dialect, report, err)
		}
		if !strings.Contains(log.String(), `table "jwks_never_created" does not exist yet`) {
			t.Errorf("%s: log: %s", d.dialect, log.String())
		}
	}
}

// TestPurgePermanentErrors checks that errors waiting cannot fix end the
// run at once, with the condition named, instead of being retried until the
// timeout; and that they never show the credentials.
func TestPurgePermanentErrors(t *testing.T) {
	const wrong = "wrong-password-must-not-leak"
	tests := []struct {
		name string
		edit func(u *url.URL)
		want map[Dialect]string
	}{
		{"wrong password", func(u *url.URL) { u.User = url.UserPassword(u.User.Username(), wrong) },
			map[Dialect]string{Postgres: "password authentication failed for the user of DATABASE_URL (SQLSTATE 28P01)", MySQL: "access denied for the user of DATABASE_URL (wrong user or password) (MySQL error 1045)"}},
		{"unknown user", func(u *url.URL) { u.User = url.UserPassword("no_such_user_jwks", wrong) },
			map[Dialect]string{Postgres: "(SQLSTATE 28P01)", MySQL: "(MySQL error 1045)"}},
		{"missing database", func(u *url.URL) { u.Path = "/no_such_database" },
			// MySQL answers 1044 to a user without rights on it, 1049 otherwise.
			map[Dialect]string{Postgres: `FATAL: database "no_such_database" does not exist (SQLSTATE 3D000)`, MySQL: "(MySQL error 104"}},
	}
	for _, d := range databases(t) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", d.dialect, tt.name), func(t *testing.T) {
				u, err := url.Parse(d.url)
				if err != nil {
					t.Fatal(err)
				}
				tt.edit(u)
				var log bytes.Buffer
				start := time.Now()
				_, err = Purge(context.Background(), Options{DatabaseURL: u.String(), Dialect: d.dialect, Strategy: All, Timeout: 20 * time.Second, Log: &log})
				if elapsed := time.Since(start); elapsed > 10*time.Second {
					t.Errorf("took %s: retried a permanent error", elapsed.Round(time.Millisecond))
				}
				if err == nil || !strings.Contains(err.Error(), tt.want[d.dialect]) || !strings.Contains(err.Error(), "not retried") {
					t.Errorf("error %v, want %q, not retried", err, tt.want[d.dialect])
				}
				if strings.Contains(log.String(), "database not ready") {
					t.Errorf("retried:\n%s", log.String())
				}
				assertNoLeak(t, fmt.Sprint(err)+log.String(), wrong, password(t, d.url))
				if strings.Contains(fmt.Sprint(err)+log.String(), "no_such_user_jwks") {
					t.Errorf("user name shown: %v\n%s", err, log.String())
				}
			})
		}
	}
}

func TestPurgeOptionErrors(t *testing.T) {
	secrets, err := ParseSecrets("s", "")
	if err != nil {
		t.Fatal(err)
	}
	const u = "postgres://u:p@127.0.0.1:1/d"
	tests := []struct {
		opts Options
		want string
	}{
		{Options{DatabaseURL: u, Secrets: secrets, Table: `jwks"; --`}, "invalid SQL identifier"},
		{Options{DatabaseURL: u, Secrets: secrets, PrivateKeyColumn: "private key"}, "invalid SQL identifier"},
		{Options{DatabaseURL: u, Secrets: secrets, Strategy: "expired"}, `unknown strategy "expired"`},
		{Options{DatabaseURL: u}, "needs BETTER_AUTH_SECRET"},
		{Options{Secrets: secrets}, "set DATABASE_URL"},
		{Options{DatabaseURL: u, Secrets: secrets, Dialect: "oracle"}, `unknown dialect "oracle"`},
	}
	for _, tt := range tests {
		if _, err := Purge(context.Background(), tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Purge(%+v) = %v, want %q", tt.opts, err, tt.want)
		}
	}
}

func equalReports(a, b Report) bool {
	return a.TableMissing == b.TableMissing && a.Scanned == b.Scanned && a.Kept == b.Kept &&
		a.Unrecognized == b.Unrecognized && slices.Equal(a.Deleted, b.Deleted) &&
		slices.Equal(a.Reencrypted, b.Reencrypted) && slices.Equal(a.Skipped, b.Skipped) && a.NullIDs == b.NullIDs
}

func password(tb testing.TB, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		tb.Fatal(err)
	}
	p, _ := u.User.Password()
	return p
}

func assertNoLeak(tb testing.TB, out string, secrets ...string) {
	tb.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			tb.Errorf("output contains a secret or key material (%d chars)", len(s))
		}
	}
}

// seal encrypts a stand-in private key as Better Auth does with a plain
// secret: the JSON string of hex nonce‖ciphertext‖tag.
func seal(tb testing.TB, secret string) string {
	tb.Helper()
	aead := newAEAD(secret)
	nonce := make([]byte, aead.NonceSize())
	// A fixed nonce is fine for test data and keeps it deterministic.
	sealed := aead.Seal(nonce, nonce, []byte(`{"kty":"OKP","crv":"Ed25519","d":"test"}`), nil)
	return fmt.Sprintf("%q", fmt.Sprintf("%x", sealed))
}

// BenchmarkPurge100k purges 100,000 rows of which half are undecryptable.
func BenchmarkPurge100k(b *testing.B) {
	const rows = 100_000
	secrets, err := ParseSecrets("bench-secret", "")
	if err != nil {
		b.Fatal(err)
	}
	good, bad := seal(b, "bench-secret"), seal(b, "other")
	for _, d := range databases(b) {
		b.Run(string(d.dialect), func(b *testing.B) {
			table := d.createTable(b, nil)
			for b.Loop() {
				b.StopTimer()
				d.fill(b, table, rows, good, bad)
				b.StartTimer()
				report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Secrets: secrets})
				if err != nil || len(report.Deleted) != rows/2 {
					b.Fatalf("deleted %d: %v", len(report.Deleted), err)
				}
			}
			b.ReportMetric(float64(rows), "rows/op")
		})
	}
}

// fill replaces the table's rows with n rows, alternately good and bad.
func (d testDatabase) fill(tb testing.TB, table string, n int, good, bad string) {
	tb.Helper()
	d.exec(tb, "DELETE FROM "+d.dialect.quote(table))
	d.insert(tb, table, n, func(i int) (string, string) {
		if i%2 == 0 {
			return fmt.Sprintf("k%06d", i), good
		}
		return fmt.Sprintf("k%06d", i), bad
	})
}

// insert adds n rows, row(i) giving the id and privateKey of the i-th, in
// multi-row INSERT statements.
func (d testDatabase) insert(tb testing.TB, table string, n int, row func(i int) (id, privateKey string)) {
	tb.Helper()
	const perStatement = 1000
	q := d.dialect.quote
	for start := 0; start < n; start += perStatement {
		var values []string
		var args []any
		for i := start; i < min(start+perStatement, n); i++ {
			id, privateKey := row(i)
			if d.dialect == MySQL {
				values = append(values, "(?, ?, ?)")
			} else {
				values = append(values, fmt.Sprintf("($%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3))
			}
			var value any = privateKey
			if privateKey == nullKey {
				value = nil
			}
			args = append(args, id, "pub-"+id, value)
		}
		d.exec(tb, fmt.Sprintf("INSERT INTO %s (%s, %s, %s) VALUES %s", q(table), q("id"), q("publicKey"), q("privateKey"), strings.Join(values, ", ")), args...)
	}
}
