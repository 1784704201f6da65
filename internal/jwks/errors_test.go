package jwks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestIsPermanent(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"pg wrong password", &pgconn.PgError{Code: "28P01"}, true},
		{"pg invalid authorization", &pgconn.PgError{Code: "28000"}, true},
		{"pg missing database", &pgconn.PgError{Code: "3D000"}, true},
		{"pg no CONNECT privilege", &pgconn.PgError{Code: "42501"}, true},
		{"pg starting up", &pgconn.PgError{Code: "57P03"}, false},
		{"pg shutting down", &pgconn.PgError{Code: "57P01"}, false},
		{"pg too many connections", &pgconn.PgError{Code: "53300"}, false},
		{"pg wrapped", fmt.Errorf("failed SASL auth: %w", &pgconn.PgError{Code: "28P01"}), true},
		{"mysql access denied", &mysql.MySQLError{Number: 1045}, true},
		{"mysql unknown database", &mysql.MySQLError{Number: 1049}, true},
		{"mysql database access denied", &mysql.MySQLError{Number: 1044}, true},
		{"mysql host not allowed", &mysql.MySQLError{Number: 1130}, true},
		{"mysql too many connections", &mysql.MySQLError{Number: 1040}, false},
		{"mysql shutdown in progress", &mysql.MySQLError{Number: 1053}, false},
		{"connection refused", dial, false},
		{"unknown host (Service not created yet)", &net.DNSError{Err: "no such host", Name: "db", IsNotFound: true}, false},
		{"driver bad connection", mysql.ErrInvalidConn, false},
		{"context", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		if got := isPermanent(tt.err); got != tt.want {
			t.Errorf("%s: isPermanent = %v, want %v", tt.name, got, tt.want)
		}
		if got := permanent(credentials{}.sanitize(tt.err)); got != tt.want {
			t.Errorf("%s: permanent(sanitize) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestDescribeMasksStructurally feeds driver errors as servers word them,
// with users and passwords whose characters are everywhere in ordinary
// text, and checks that the credentials are gone and the rest intact.
func TestDescribeMasksStructurally(t *testing.T) {
	tests := []struct {
		name  string
		creds credentials
		err   error
		want  string
	}{
		{"pg auth failure names the user", credentials{"e", "e"},
			&pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "e"`},
			"password authentication failed for the user of DATABASE_URL (SQLSTATE 28P01)"},
		{"pg other class 28", credentials{"app", "x"},
			&pgconn.PgError{Severity: "FATAL", Code: "28000", Message: `no pg_hba.conf entry for host "10.0.0.1", user "app", database "auth", no encryption`},
			"the server refused the user of DATABASE_URL (no pg_hba.conf entry, or the role may not log in) (SQLSTATE 28000)"},
		{"pg quoted user in another message", credentials{"e", "e"},
			&pgconn.PgError{Severity: "FATAL", Code: "53300", Message: `too many connections for role "e"`},
			`FATAL: too many connections for role "<user>" (SQLSTATE 53300)`},
		{"pg database name kept", credentials{"e", "e"},
			&pgconn.PgError{Severity: "FATAL", Code: "3D000", Message: `database "nope" does not exist`},
			`FATAL: database "nope" does not exist (SQLSTATE 3D000)`},
		{"mysql access denied", credentials{"o", "o"},
			&mysql.MySQLError{Number: 1045, Message: "Access denied for user 'o'@'10.0.0.1' (using password: YES)"},
			"access denied for the user of DATABASE_URL (wrong user or password) (MySQL error 1045)"},
		{"mysql unknown database", credentials{"o", "o"},
			&mysql.MySQLError{Number: 1049, Message: "Unknown database 'nope'"},
			"Unknown database 'nope' (MySQL error 1049)"},
		{"network error intact", credentials{"n", "o"},
			&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")},
			"dial tcp: connect: connection refused"},
		{"long password in free text", credentials{"app", "a-long-password-value"},
			errors.New("weird driver error echoing a-long-password-value"),
			"weird driver error echoing <password>"},
		{"short password in free text left alone", credentials{"app", "on"},
			errors.New("connection reset: connect on port 1"),
			"connection reset: connect on port 1"},
		{"dictionary-word password in free text left alone", credentials{"app", "postgres"},
			errors.New("cannot reach postgres"),
			"cannot reach postgres"},
		{"multi-line error on one line", credentials{},
			errors.New("first\n\tsecond"),
			"first; second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.creds.sanitize(tt.err).Error()
			if got != tt.want {
				t.Errorf("message\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

// TestLoggerDoesNotRevealShortPasswords: the old logger replaced every
// occurrence of the password, so with the password "e" every "e" became
// "xxxxx". Ordinary text must come out unchanged whatever the password.
func TestLoggerDoesNotRevealShortPasswords(t *testing.T) {
	const line = "connecting to postgres db.example:5432/authstack: table \"jwks\": 3 keys scanned, 1 kept"
	for _, p := range []string{"e", "a", "o", "s", "1", "3", ":", "/", "@", " ", "\"", "x", "xxxxx", "postgres", "jwks"} {
		var out strings.Builder
		l := &logger{w: &out, creds: credentials{user: p, password: p}}
		l.printf("%s", line)
		if got := strings.TrimSuffix(out.String(), "\n"); got != line {
			t.Errorf("password %q: logged %q", p, got)
		}
	}
}
