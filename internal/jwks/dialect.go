package jwks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Dialect is the SQL database flavour behind DATABASE_URL.
type Dialect string

// The dialects Better Auth's Kysely adapter and authstack support.
const (
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ValidateIdentifier reports whether name is safe to use as a table or
// column name: Purge interpolates names into SQL, quoted, so only plain
// identifiers are accepted.
func ValidateIdentifier(name string) error {
	if !identifier.MatchString(name) {
		return fmt.Errorf("invalid SQL identifier %q: want %s", name, identifier)
	}
	return nil
}

// quote quotes a validated identifier for the dialect.
func (d Dialect) quote(name string) string {
	if d == MySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// deleteQuery returns a statement deleting the rows whose id is in ids, in
// one round trip.
func (d Dialect) deleteQuery(table, idColumn string, ids []string) (string, []any) {
	if d == MySQL {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		return fmt.Sprintf("DELETE FROM %s WHERE %s IN (?%s)", d.quote(table), d.quote(idColumn), strings.Repeat(",?", len(ids)-1)), args
	}
	return fmt.Sprintf("DELETE FROM %s WHERE %s = ANY($1)", d.quote(table), d.quote(idColumn)), []any{ids}
}

// isUndefinedTable reports whether err says the table does not exist.
func (d Dialect) isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	switch {
	case errors.As(err, &pgErr):
		return pgErr.Code == "42P01" // undefined_table
	case errors.As(err, &myErr):
		return myErr.Number == 1146 // ER_NO_SUCH_TABLE
	}
	return false
}

// database is an opened, not yet connected, handle plus what may be logged
// about it.
type database struct {
	db *sql.DB
	// target names host and database, never credentials.
	target string
	// creds are kept out of every message.
	creds credentials
	// ignored lists URL parameters that do not concern the purge.
	ignored []string
}

// open parses rawURL for the dialect and opens a handle without connecting.
// Errors never echo the URL.
// The MySQL driver's own log lines go to log.
func (d Dialect) open(rawURL string, log *logger) (*database, error) {
	switch d {
	case Postgres:
		return openPostgres(rawURL)
	case MySQL:
		return openMySQL(rawURL, log)
	}
	return nil, fmt.Errorf("unknown dialect %q: want %q or %q", d, Postgres, MySQL)
}

func openPostgres(rawURL string) (*database, error) {
	if scheme, _, ok := strings.Cut(rawURL, "://"); ok && scheme != "postgres" && scheme != "postgresql" {
		return nil, fmt.Errorf("DATABASE_URL scheme %q is not PostgreSQL (set the dialect to match)", scheme)
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx masks the password in its parse errors, but not every part
		// of a malformed URL is a recognisable password.
		return nil, errors.New("invalid DATABASE_URL for PostgreSQL")
	}
	return &database{
		db:     stdlib.OpenDB(*cfg),
		target: fmt.Sprintf("postgres %s/%s", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), cfg.Database),
		creds:  credentials{user: cfg.User, password: cfg.Password},
	}, nil
}

// openMySQL converts a mysql:// URL as Better Auth users hand it to mysql2
// (mysql://user:pass@host:port/db?ssl=...) into a go-sql-driver config.
func openMySQL(rawURL string, log *logger) (*database, error) {
	cfg, ignored, err := mysqlConfig(rawURL)
	if err != nil {
		return nil, err
	}
	if log != nil {
		// The driver logs to stderr by default, unmasked.
		cfg.Logger = log
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("invalid DATABASE_URL for MySQL: %w", err)
	}
	return &database{
		db:      sql.OpenDB(connector),
		target:  fmt.Sprintf("mysql %s/%s", cfg.Addr, cfg.DBName),
		creds:   credentials{user: cfg.User, password: cfg.Passwd},
		ignored: ignored,
	}, nil
}

func mysqlConfig(rawURL string) (*mysql.Config, []string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "mysql" || u.Host == "" {
		return nil, nil, errors.New("invalid DATABASE_URL for MySQL: want mysql://user:password@host:port/database")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, nil, errors.New("invalid DATABASE_URL for MySQL: want one database name in the path")
	}
	var ignored []string
	query := u.Query()
	for _, key := range slices.Sorted(maps.Keys(query)) {
		value := query.Get(key)
		switch key {
		case "ssl":
			cfg.TLSConfig, err = mysql2SSL(value)
		case "ssl-mode", "sslmode", "sslMode":
			cfg.TLSConfig, err = sslMode(value)
		default:
			ignored = append(ignored, key)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("invalid DATABASE_URL parameter %s: %w", key, err)
		}
	}
	return cfg, ignored, nil
}

// mysql2SSL maps mysql2's ssl URL parameter, a JSON object of TLS options
// (or a profile name), to a go-sql-driver TLS setting.
func mysql2SSL(value string) (string, error) {
	var opts struct {
		RejectUnauthorized *bool `json:"rejectUnauthorized"`
	}
	if !strings.HasPrefix(value, "{") {
		// A profile name such as "Amazon RDS": TLS with verification.
		return "true", nil
	}
	if err := json.Unmarshal([]byte(value), &opts); err != nil {
		return "", errors.New("want a JSON object")
	}
	if opts.RejectUnauthorized != nil && !*opts.RejectUnauthorized {
		return "skip-verify", nil
	}
	return "true", nil
}

// sslMode maps MySQL's ssl-mode values to a go-sql-driver TLS setting.
func sslMode(value string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(value, "-", "_")) {
	case "DISABLED":
		return "false", nil
	case "PREFERRED":
		return "preferred", nil
	case "REQUIRED":
		return "skip-verify", nil
	case "VERIFY_CA", "VERIFY_IDENTITY":
		return "true", nil
	}
	return "", errors.New("want DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
}

// placeholder returns the n-th (from 1) bind parameter.
func (d Dialect) placeholder(n int) string {
	if d == MySQL {
		return "?"
	}
	return fmt.Sprintf("$%d", n)
}
