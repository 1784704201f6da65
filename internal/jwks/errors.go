package jwks

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// credentials are the user and password of DATABASE_URL, kept only to keep
// them out of messages.
//
// They are kept out structurally: messages are built from the host and
// database name, and driver errors are described from their fields (the
// SQLSTATE or MySQL error number, a fixed text for authentication errors,
// the server's message with the quoted user name replaced) rather than
// echoed. Searching free text for a value and replacing it reveals a short
// value ("e" would turn every "e" into a marker), so free text is searched
// only for a password of at least minMaskable bytes, as a last line of
// defence.
type credentials struct{ user, password string }

const (
	minMaskable = 12
	maskedUser  = "<user>"
	maskedPass  = "<password>"
)

// authMessages replace server messages that name the user. They also say
// the condition in plain words.
var authMessages = map[string]string{
	// PostgreSQL: class 28, invalid_authorization_specification.
	"28000": "the server refused the user of DATABASE_URL (no pg_hba.conf entry, or the role may not log in)",
	"28P01": "password authentication failed for the user of DATABASE_URL",
	// MySQL/MariaDB error numbers.
	"1044": "access denied: the user of DATABASE_URL may not use this database",
	"1045": "access denied for the user of DATABASE_URL (wrong user or password)",
	"1698": "access denied for the user of DATABASE_URL",
	"1130": "this host may not connect to the server",
}

// permanentPG lists SQLSTATEs that waiting does not heal, besides the
// authentication ones (class 28). Sources: PostgreSQL's errcodes.txt.
var permanentPG = map[string]bool{
	"3D000": true, // invalid_catalog_name: the database does not exist
	"42501": true, // insufficient_privilege: no CONNECT on the database
	"0A000": true, // feature_not_supported, e.g. a protocol version
	"08P01": true, // protocol_violation
	"22023": true, // invalid_parameter_value, e.g. a bad startup option
	"42704": true, // undefined_object, e.g. an unknown search_path role setting
}

// permanentMySQL lists MySQL/MariaDB error numbers that waiting does not
// heal. Source: the MariaDB error code reference.
var permanentMySQL = map[uint16]bool{
	1044: true, // ER_DBACCESS_DENIED_ERROR
	1045: true, // ER_ACCESS_DENIED_ERROR
	1049: true, // ER_BAD_DB_ERROR: unknown database
	1130: true, // ER_HOST_NOT_PRIVILEGED
	1227: true, // ER_SPECIFIC_ACCESS_DENIED_ERROR
	1251: true, // ER_NOT_SUPPORTED_AUTH_MODE
	1698: true, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	1862: true, // ER_MUST_CHANGE_PASSWORD_LOGIN
	3118: true, // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
	4151: true, // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
}

// dbError is a driver error described without credentials.
type dbError struct {
	msg       string
	permanent bool
	err       error
}

func (e *dbError) Error() string { return e.msg }

// Unwrap lets errors.Is and errors.As see the driver's error; its own
// message is never printed.
func (e *dbError) Unwrap() error { return e.err }

// sanitize wraps a driver error so that its message holds no credentials
// and says whether retrying can help.
func (c credentials) sanitize(err error) error {
	if err == nil {
		return nil
	}
	var d *dbError
	if errors.As(err, &d) {
		return err
	}
	return &dbError{msg: c.describe(err), permanent: isPermanent(err), err: err}
}

// describe builds a one-line message for a driver error from its fields.
func (c credentials) describe(err error) string {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	switch {
	case errors.As(err, &pgErr):
		if text, ok := authMessages[pgErr.Code]; ok || strings.HasPrefix(pgErr.Code, "28") {
			if !ok {
				text = "the server refused the user of DATABASE_URL"
			}
			return fmt.Sprintf("%s (SQLSTATE %s)", text, pgErr.Code)
		}
		return fmt.Sprintf("%s: %s (SQLSTATE %s)", pgErr.Severity, c.mask(c.maskQuotedUser(pgErr.Message)), pgErr.Code)
	case errors.As(err, &myErr):
		if text, ok := authMessages[fmt.Sprint(myErr.Number)]; ok {
			return fmt.Sprintf("%s (MySQL error %d)", text, myErr.Number)
		}
		return fmt.Sprintf("%s (MySQL error %d)", c.mask(c.maskQuotedUser(myErr.Message)), myErr.Number)
	}
	msg := err.Error()
	// pgx prefixes connection errors with "failed to connect to
	// `user=... database=...`:"; the details that follow name the address.
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) && connErr.Unwrap() != nil {
		msg = connErr.Unwrap().Error()
	}
	return c.mask(oneLine.Replace(msg))
}

// maskQuotedUser replaces the user name where servers quote it: "user" in
// PostgreSQL messages, 'user' in MySQL ones. Only a whole quoted token is
// replaced, so ordinary text stays intact whatever the name.
func (c credentials) maskQuotedUser(msg string) string {
	if c.user == "" {
		return msg
	}
	for _, q := range []string{`"`, `'`} {
		msg = strings.ReplaceAll(msg, q+c.user+q, q+maskedUser+q)
	}
	return msg
}

// mask is the last line of defence for free text: it replaces the password
// only when it is long enough that replacing it reveals nothing; shorter
// ones are kept out by the structural rules above. The user name is not
// searched for: it is often also the database name, which is printed.
func (c credentials) mask(msg string) string {
	if len(c.password) >= minMaskable {
		msg = strings.ReplaceAll(msg, c.password, maskedPass)
	}
	return msg
}

// isPermanent reports whether a connection error cannot heal by waiting: the
// server answered with an authentication or configuration error, or TLS
// verification failed. Network errors, DNS errors (the Service may not exist
// yet), a server starting up or shutting down (57P03, 57P01) and too many
// connections (53300, 1040) are transient.
func isPermanent(err error) bool {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "28") || permanentPG[pgErr.Code]
	case errors.As(err, &myErr):
		return permanentMySQL[myErr.Number]
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &certInvalid), errors.As(err, &verify):
		return true
	}
	return false
}

// permanent reports whether err, returned by sanitize, cannot heal.
func permanent(err error) bool {
	var d *dbError
	return errors.As(err, &d) && d.permanent
}

var oneLine = strings.NewReplacer(":\n\t", ": ", "\n\t", "; ", "\n", "; ")
