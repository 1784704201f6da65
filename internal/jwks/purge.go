package jwks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Strategy selects what Purge does with each row.
type Strategy string

const (
	// Undecryptable deletes the keys Better Auth cannot decrypt with the
	// configured secrets; it keeps usable keys, so it is safe to re-run.
	Undecryptable Strategy = "undecryptable"
	// All deletes every key, as `DELETE FROM jwks` does.
	All Strategy = "all"
	// Reencrypt re-encrypts every key that a configured secret decrypts
	// but that is not encrypted with the current version (the first entry
	// of BETTER_AUTH_SECRETS), keeping its id and public key, so that every
	// JWT signed with it keeps verifying and the old versions can later be
	// dropped; it deletes only the keys no configured secret decrypts. Rows
	// already encrypted with the current version are left untouched, so a
	// second run changes nothing.
	Reencrypt Strategy = "reencrypt"
)

// Strategies lists the strategies, the default first.
var Strategies = []Strategy{Undecryptable, Reencrypt, All}

// Defaults for the zero values of Options.
const (
	DefaultTable            = "jwks"
	DefaultIDColumn         = "id"
	DefaultPrivateKeyColumn = "privateKey"
	DefaultTimeout          = 2 * time.Minute
	// DefaultConnectTimeout bounds one connection attempt, so that a
	// server that accepts the connection and never answers is retried or
	// given up on rather than waited for.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultStatementTimeout bounds one SQL statement, lock waits
	// included.
	DefaultStatementTimeout = 30 * time.Second
)

const (
	// batchSize bounds the ids sent in one DELETE statement.
	batchSize = 5000
	// maxListedKeys bounds the key ids written to the log per list.
	maxListedKeys = 50
	// Connection retry backoff.
	minBackoff = 250 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Options configures Purge.
type Options struct {
	// DatabaseURL is the application's DATABASE_URL: a PostgreSQL URL or
	// keyword/value string, or mysql://user:password@host:port/database.
	DatabaseURL string
	// Dialect is Postgres when empty.
	Dialect Dialect
	// Table, IDColumn and PrivateKeyColumn name Better Auth's jwks model
	// (its schema.jwks.modelName and fields options). Empty means the
	// Better Auth defaults.
	Table, IDColumn, PrivateKeyColumn string
	// Strategy is Undecryptable when empty.
	Strategy Strategy
	// DryRun reports what would be changed and changes nothing.
	DryRun bool
	// Secrets decide which keys are undecryptable and, for Reencrypt,
	// encrypt with the current version; unused by All.
	Secrets Secrets
	// Timeout bounds the whole run, connection retries included;
	// DefaultTimeout when zero.
	Timeout time.Duration
	// ConnectTimeout bounds one connection attempt; StatementTimeout one
	// SQL statement. Defaults when zero; Timeout bounds both.
	ConnectTimeout, StatementTimeout time.Duration
	// Log receives progress lines: counts, key ids, the database host and
	// name; never key material, secrets, user names or passwords. Nil
	// discards them.
	Log io.Writer
}

// Report is the outcome of Purge.
type Report struct {
	// TableMissing is set when the table does not exist yet, as before
	// Better Auth's first migration; nothing else is set then.
	TableMissing bool
	// Scanned counts the rows read.
	Scanned int
	// Kept counts rows left unchanged: usable keys and unrecognized values
	// (under All, none).
	Kept int
	// Unrecognized counts values that are neither encrypted keys nor JWKs.
	Unrecognized int
	// Reencrypted lists, sorted, the ids of the keys re-encrypted with the
	// current secret version (Reencrypt only), or with DryRun of those that
	// would be.
	Reencrypted []string
	// Deleted lists, sorted, the ids of the deleted rows, or with DryRun of
	// the rows that would be deleted.
	Deleted []string
	// Skipped lists, sorted, the ids of rows left alone because their
	// privateKey is NULL (under All they are deleted like any other row);
	// NullIDs counts rows whose id is NULL, which cannot be addressed.
	Skipped []string
	NullIDs int
}

// Purge deletes, or with Reencrypt re-encrypts, jwks rows according to
// opts.Strategy in one transaction that locks the rows it reads, so
// concurrent runs do not interfere. It is idempotent: run it again when a
// process still on an old secret may have minted a key after it. A missing
// table is not an error.
func Purge(ctx context.Context, opts Options) (Report, error) {
	if err := opts.setDefaults(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	log := &logger{w: opts.Log}
	d, err := opts.Dialect.open(opts.DatabaseURL, log)
	if err != nil {
		return Report{}, err
	}
	defer d.db.Close()
	log.creds = d.creds
	if len(d.ignored) > 0 {
		log.printf("ignoring DATABASE_URL parameters: %s", strings.Join(d.ignored, ", "))
	}
	log.printf("connecting to %s", d.target)
	if err := opts.connect(ctx, d, log); err != nil {
		return Report{}, fmt.Errorf("connecting to %s: %w", d.target, err)
	}
	report, err := opts.purge(ctx, d, log)
	if err != nil {
		return Report{}, fmt.Errorf("purging table %q: %w", opts.Table, err)
	}
	return report, nil
}

func (o *Options) setDefaults() error {
	defaults := []struct {
		field *string
		value string
	}{
		{(*string)(&o.Dialect), string(Postgres)},
		{(*string)(&o.Strategy), string(Undecryptable)},
		{&o.Table, DefaultTable},
		{&o.IDColumn, DefaultIDColumn},
		{&o.PrivateKeyColumn, DefaultPrivateKeyColumn},
	}
	for _, d := range defaults {
		if *d.field == "" {
			*d.field = d.value
		}
	}
	for _, d := range []struct {
		field *time.Duration
		value time.Duration
	}{{&o.Timeout, DefaultTimeout}, {&o.ConnectTimeout, DefaultConnectTimeout}, {&o.StatementTimeout, DefaultStatementTimeout}} {
		if *d.field <= 0 {
			*d.field = d.value
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, name := range []string{o.Table, o.IDColumn, o.PrivateKeyColumn} {
		if err := ValidateIdentifier(name); err != nil {
			return err
		}
	}
	switch o.Strategy {
	case All:
	case Undecryptable:
		if o.Secrets.legacy == nil && o.Secrets.versions == nil {
			return errors.New("strategy undecryptable needs BETTER_AUTH_SECRET or BETTER_AUTH_SECRETS")
		}
	case Reencrypt:
		if o.Secrets.versions == nil {
			return errors.New("strategy reencrypt needs BETTER_AUTH_SECRETS (keys are re-encrypted with its first entry)")
		}
	default:
		return fmt.Errorf("unknown strategy %q: want %s", o.Strategy, strategyList())
	}
	if o.DatabaseURL == "" {
		return errors.New("no database URL: set DATABASE_URL")
	}
	return nil
}

// strategyList names the strategies for messages: "a", "b" or "c".
func strategyList() string {
	var quoted []string
	for _, s := range Strategies {
		quoted = append(quoted, fmt.Sprintf("%q", s))
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// connect pings until the database answers, backing off exponentially, so
// that a Job started alongside its database waits for it. Errors that
// waiting cannot heal (authentication, a missing database) end it at once;
// each attempt is bounded by ConnectTimeout, the whole by ctx.
func (o *Options) connect(ctx context.Context, d *database, log *logger) error {
	backoff := minBackoff
	var last error
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
		err := d.db.PingContext(attemptCtx)
		timedOut := attemptCtx.Err() != nil
		cancel()
		if err == nil {
			return nil
		}
		switch {
		case timedOut && ctx.Err() == nil:
			err = fmt.Errorf("no answer within %s (the connect timeout): is a %s server listening there?", o.ConnectTimeout, o.Dialect)
		case timedOut && last != nil:
			// The run's deadline cut this attempt short: the previous
			// attempt's error says more than the driver's "timeout".
			err = last
		case timedOut:
			err = fmt.Errorf("no answer within %s", o.Timeout)
		default:
			err = d.creds.sanitize(err)
		}
		if permanent(err) {
			return fmt.Errorf("%w (not retried: waiting does not fix this)", err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("gave up after %s (the timeout): %w: last error: %w", o.Timeout, ctx.Err(), err)
		}
		last = err
		log.printf("database not ready (attempt %d, retrying in %s): %v", attempt, backoff, err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s (the timeout): %w: last error: %w", o.Timeout, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// statement runs fn with a context bounded by StatementTimeout and turns a
// driver error into a message without credentials that says when the
// statement timed out.
func (o *Options) statement(ctx context.Context, d *database, what string, fn func(context.Context) error) error {
	stmtCtx, cancel := context.WithTimeout(ctx, o.StatementTimeout)
	defer cancel()
	err := fn(stmtCtx)
	if err == nil {
		return nil
	}
	if errors.Is(stmtCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("%s: no answer within %s (the statement timeout): is another transaction holding a lock on the table, or the server hung?", what, o.StatementTimeout)
	}
	return fmt.Errorf("%s: %w", what, d.creds.sanitize(err))
}

func (o *Options) purge(ctx context.Context, d *database, log *logger) (Report, error) {
	// The transaction lives on ctx, the whole run's context: database/sql
	// rolls a transaction back when its context ends. The connection was
	// just checked, and the statements below are bounded one by one.
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: o.DryRun})
	if err != nil {
		return Report{}, fmt.Errorf("begin: %w", d.creds.sanitize(err))
	}
	// Rollback after Commit is a no-op; on every other path it releases the
	// locks and discards the changes.
	defer tx.Rollback()

	q := o.Dialect.quote
	// ORDER BY makes concurrent purges lock rows in the same order.
	query := fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY %s", q(o.IDColumn), q(o.PrivateKeyColumn), q(o.Table), q(o.IDColumn))
	if !o.DryRun {
		// Lock the rows so that a concurrent purge waits for this one.
		query += " FOR UPDATE"
	}
	var report Report
	var plan []action
	missing := false
	err = o.statement(ctx, d, "select", func(stmtCtx context.Context) error {
		rows, err := tx.QueryContext(stmtCtx, query)
		if o.Dialect.isUndefinedTable(err) {
			missing = true
			return nil
		}
		if err != nil {
			return err
		}
		report, plan, err = o.classify(rows)
		return err
	})
	if err != nil {
		return Report{}, err
	}
	if missing {
		log.printf("table %q does not exist yet (Better Auth has not migrated): nothing to purge", o.Table)
		return Report{TableMissing: true}, nil
	}
	o.logPlan(log, report, plan)
	if o.DryRun {
		log.printf("dry run: changed nothing")
		return report, nil
	}
	if err := o.reencrypt(ctx, d, tx, plan); err != nil {
		return Report{}, err
	}
	deleted, err := o.delete(ctx, d, tx, report.Deleted)
	if err != nil {
		return Report{}, err
	}
	if err := tx.Commit(); err != nil {
		return Report{}, fmt.Errorf("commit: %w", d.creds.sanitize(err))
	}
	if o.Strategy == Reencrypt {
		log.printf("re-encrypted %d of %d keys with secret version %d", len(report.Reencrypted), report.Scanned, o.Secrets.current)
	}
	log.printf("deleted %d of %d keys", deleted, report.Scanned)
	return report, nil
}

// action is what happens to one row, and why.
type action struct {
	id, reason string
	// sealed is the re-encrypted value; empty for a deletion.
	sealed string
}

// classify reads (id, privateKey) rows and decides what to do with each,
// sorted by id bytewise for deterministic output whatever the database
// collation.
func (o *Options) classify(rows *sql.Rows) (Report, []action, error) {
	defer rows.Close()
	var report Report
	var plan []action
	for rows.Next() {
		var id, privateKey sql.NullString
		if err := rows.Scan(&id, &privateKey); err != nil {
			return Report{}, nil, fmt.Errorf("scan: %w", err)
		}
		report.Scanned++
		switch {
		case !id.Valid:
			report.NullIDs++
			continue
		case o.Strategy == All:
			plan = append(plan, action{id: id.String, reason: "strategy all"})
			continue
		case !privateKey.Valid:
			report.Skipped = append(report.Skipped, id.String)
			continue
		}
		key, err := o.Secrets.open(privateKey.String)
		switch {
		case errors.Is(err, ErrUndecryptable):
			plan = append(plan, action{id: id.String, reason: err.Error()})
		case errors.Is(err, ErrUnrecognized):
			report.Unrecognized++
			report.Kept++
		case o.Strategy == Reencrypt && key.plaintext != nil && key.version != o.Secrets.current:
			sealed, err := o.Secrets.seal(key.plaintext)
			if err != nil {
				return Report{}, nil, err
			}
			from := fmt.Sprintf("secret version %d", key.version)
			if key.version < 0 {
				from = "BETTER_AUTH_SECRET (bare hex)"
			}
			plan = append(plan, action{id: id.String, reason: "encrypted with " + from, sealed: sealed})
		default:
			report.Kept++
		}
	}
	if err := rows.Err(); err != nil {
		return Report{}, nil, err
	}
	slices.SortFunc(plan, func(a, b action) int { return strings.Compare(a.id, b.id) })
	slices.Sort(report.Skipped)
	for _, a := range plan {
		if a.sealed != "" {
			report.Reencrypted = append(report.Reencrypted, a.id)
		} else {
			report.Deleted = append(report.Deleted, a.id)
		}
	}
	return report, plan, nil
}

// logPlan writes the counts and up to maxListedKeys ids per list.
func (o *Options) logPlan(log *logger, report Report, plan []action) {
	log.printf("table %q: %d keys scanned, %d kept (%d unrecognized), %d to re-encrypt, %d to delete, %d skipped (strategy %s)",
		o.Table, report.Scanned, report.Kept, report.Unrecognized, len(report.Reencrypted), len(report.Deleted), len(report.Skipped)+report.NullIDs, o.Strategy)
	for _, reencrypt := range []bool{true, false} {
		listed := 0
		for _, a := range plan {
			if (a.sealed != "") != reencrypt {
				continue
			}
			if listed == maxListedKeys {
				listed++
				continue
			}
			if listed < maxListedKeys {
				verb := "delete"
				if reencrypt {
					verb = fmt.Sprintf("re-encrypt with secret version %d", o.Secrets.current)
				}
				log.printf("  %s: %s: %s", a.id, verb, a.reason)
			}
			listed++
		}
		if listed > maxListedKeys {
			log.printf("  ... and %d more", listed-maxListedKeys)
		}
	}
	for i, id := range report.Skipped {
		if i == maxListedKeys {
			log.printf("  ... and %d more", len(report.Skipped)-i)
			break
		}
		log.printf("  %s: skipped: privateKey is NULL", id)
	}
	if report.NullIDs > 0 {
		log.printf("  %d rows skipped: %s is NULL", report.NullIDs, o.IDColumn)
	}
}

// reencrypt writes the re-encrypted values; ids and public keys stay.
func (o *Options) reencrypt(ctx context.Context, d *database, tx *sql.Tx, plan []action) error {
	q := o.Dialect.quote
	query := fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s",
		q(o.Table), q(o.PrivateKeyColumn), o.Dialect.placeholder(1), q(o.IDColumn), o.Dialect.placeholder(2))
	var stmt *sql.Stmt
	for _, a := range plan {
		if a.sealed == "" {
			continue
		}
		err := o.statement(ctx, d, "update", func(stmtCtx context.Context) error {
			if stmt == nil {
				var err error
				if stmt, err = tx.PrepareContext(stmtCtx, query); err != nil {
					return err
				}
			}
			res, err := stmt.ExecContext(stmtCtx, a.sealed, a.id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("key %s: %d rows updated, want 1 (%v)", a.id, n, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if stmt != nil {
		stmt.Close()
	}
	return nil
}

// delete removes ids in batches and returns the number of rows deleted.
func (o *Options) delete(ctx context.Context, d *database, tx *sql.Tx, ids []string) (int64, error) {
	var total int64
	for batch := range slices.Chunk(ids, batchSize) {
		query, args := o.Dialect.deleteQuery(o.Table, o.IDColumn, batch)
		err := o.statement(ctx, d, "delete", func(stmtCtx context.Context) error {
			res, err := tx.ExecContext(stmtCtx, query, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			total += n
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

// logger writes progress lines, one line each. Its lines are built from
// names, counts and sanitized errors, so it does not search them for
// credentials, which would reveal short ones. It also receives the MySQL
// driver's own log lines, which are free text and are masked.
type logger struct {
	w     io.Writer
	creds credentials
}

func (l *logger) printf(format string, args ...any) {
	fmt.Fprintln(l.w, oneLine.Replace(fmt.Sprintf(format, args...)))
}

// Print implements mysql.Logger.
func (l *logger) Print(v ...any) {
	l.printf("mysql driver: %s", l.creds.mask(fmt.Sprint(v...)))
}
