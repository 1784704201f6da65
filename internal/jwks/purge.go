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

// Strategy selects the rows Purge deletes.
type Strategy string

const (
	// Undecryptable deletes the keys Better Auth cannot decrypt with the
	// configured secrets; it keeps usable keys, so it is safe to re-run.
	Undecryptable Strategy = "undecryptable"
	// All deletes every key, as `DELETE FROM jwks` does.
	All Strategy = "all"
)

// Defaults for the zero values of Options.
const (
	DefaultTable            = "jwks"
	DefaultIDColumn         = "id"
	DefaultPrivateKeyColumn = "privateKey"
	DefaultTimeout          = 2 * time.Minute
)

const (
	// batchSize bounds the ids sent in one DELETE statement.
	batchSize = 5000
	// maxListedKeys bounds the key ids written to the log.
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
	// DryRun reports what would be deleted and changes nothing.
	DryRun bool
	// Secrets decide which keys are undecryptable; unused by All.
	Secrets Secrets
	// Timeout bounds the whole run, connection retries included;
	// DefaultTimeout when zero.
	Timeout time.Duration
	// Log receives progress lines: counts, key ids, the database host and
	// name; never key material, secrets or passwords. Nil discards them.
	Log io.Writer
}

// Report is the outcome of Purge.
type Report struct {
	// TableMissing is set when the table does not exist yet, as before
	// Better Auth's first migration; nothing else is set then.
	TableMissing bool
	// Scanned counts the rows read.
	Scanned int
	// Kept counts rows left in place: usable keys and, under Undecryptable,
	// unrecognized values.
	Kept int
	// Unrecognized counts values that are neither encrypted keys nor JWKs.
	Unrecognized int
	// Deleted lists, sorted, the ids of the deleted rows, or with DryRun of
	// the rows that would be deleted.
	Deleted []string
}

// Purge deletes jwks rows according to opts.Strategy in one transaction
// that locks the rows it reads, so concurrent runs do not interfere. It is
// idempotent: run it again when a process still on an old secret may have
// minted a key after it. A missing table is not an error.
func Purge(ctx context.Context, opts Options) (Report, error) {
	if err := opts.setDefaults(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	d, err := opts.Dialect.open(opts.DatabaseURL)
	if err != nil {
		return Report{}, err
	}
	defer d.db.Close()
	log := &logger{w: opts.Log, password: d.password}
	if len(d.ignored) > 0 {
		log.printf("ignoring DATABASE_URL parameters: %s", strings.Join(d.ignored, ", "))
	}
	log.printf("connecting to %s", d.target)
	if err := connect(ctx, d.db, log); err != nil {
		return Report{}, log.redact(fmt.Errorf("connecting to %s: %w", d.target, err))
	}
	report, err := opts.purge(ctx, d.db, log)
	if err != nil {
		return Report{}, log.redact(fmt.Errorf("purging table %q: %w", opts.Table, err))
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
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
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
	default:
		return fmt.Errorf("unknown strategy %q: want %q or %q", o.Strategy, Undecryptable, All)
	}
	if o.DatabaseURL == "" {
		return errors.New("no database URL: set DATABASE_URL")
	}
	return nil
}

// connect pings until the database answers, backing off exponentially, so
// that a Job started alongside its database waits for it.
func connect(ctx context.Context, db *sql.DB, log *logger) error {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		log.printf("database not ready (attempt %d, retrying in %s): %v", attempt, backoff, err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (o *Options) purge(ctx context.Context, db *sql.DB, log *logger) (Report, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: o.DryRun})
	if err != nil {
		return Report{}, fmt.Errorf("begin: %w", err)
	}
	// Rollback after Commit is a no-op; on every other path it releases the
	// locks and discards the deletes.
	defer tx.Rollback()

	q := o.Dialect.quote
	// ORDER BY makes concurrent purges lock rows in the same order.
	query := fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY %s", q(o.IDColumn), q(o.PrivateKeyColumn), q(o.Table), q(o.IDColumn))
	if !o.DryRun {
		// Lock the rows so that a concurrent purge waits for this one.
		query += " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, query)
	if o.Dialect.isUndefinedTable(err) {
		log.printf("table %q does not exist yet (Better Auth has not migrated): nothing to purge", o.Table)
		return Report{TableMissing: true}, nil
	}
	if err != nil {
		return Report{}, fmt.Errorf("select: %w", err)
	}
	report, deletions, err := o.classify(rows)
	if err != nil {
		return Report{}, err
	}
	log.printf("table %q: %d keys scanned, %d kept (%d unrecognized), %d to delete (strategy %s)",
		o.Table, report.Scanned, report.Kept, report.Unrecognized, len(report.Deleted), o.Strategy)
	for i, d := range deletions {
		if i == maxListedKeys {
			log.printf("  ... and %d more", len(deletions)-i)
			break
		}
		log.printf("  %s: %s", d.id, d.reason)
	}
	if o.DryRun {
		log.printf("dry run: deleted nothing")
		return report, nil
	}
	deleted, err := o.delete(ctx, tx, report.Deleted)
	if err != nil {
		return Report{}, err
	}
	if err := tx.Commit(); err != nil {
		return Report{}, fmt.Errorf("commit: %w", err)
	}
	log.printf("deleted %d of %d keys", deleted, report.Scanned)
	return report, nil
}

// doomed is a row to delete and why.
type doomed struct{ id, reason string }

// classify reads (id, privateKey) rows and decides which to delete, sorted
// by id bytewise for deterministic output whatever the database collation.
func (o *Options) classify(rows *sql.Rows) (Report, []doomed, error) {
	defer rows.Close()
	var report Report
	var deletions []doomed
	for rows.Next() {
		var id, privateKey string
		if err := rows.Scan(&id, &privateKey); err != nil {
			return Report{}, nil, fmt.Errorf("scan: %w", err)
		}
		report.Scanned++
		reason := "strategy all"
		if o.Strategy == Undecryptable {
			err := o.Secrets.Check(privateKey)
			if errors.Is(err, ErrUnrecognized) {
				report.Unrecognized++
			}
			if !errors.Is(err, ErrUndecryptable) {
				report.Kept++
				continue
			}
			reason = err.Error()
		}
		deletions = append(deletions, doomed{id, reason})
	}
	if err := rows.Err(); err != nil {
		return Report{}, nil, fmt.Errorf("select: %w", err)
	}
	slices.SortFunc(deletions, func(a, b doomed) int { return strings.Compare(a.id, b.id) })
	for _, d := range deletions {
		report.Deleted = append(report.Deleted, d.id)
	}
	return report, deletions, nil
}

// delete removes ids in batches and returns the number of rows deleted.
func (o *Options) delete(ctx context.Context, tx *sql.Tx, ids []string) (int64, error) {
	var total int64
	for batch := range slices.Chunk(ids, batchSize) {
		query, args := o.Dialect.deleteQuery(o.Table, o.IDColumn, batch)
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return 0, fmt.Errorf("delete: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("delete: %w", err)
		}
		total += n
	}
	return total, nil
}

// logger writes progress lines with the database password masked.
type logger struct {
	w        io.Writer
	password string
}

func (l *logger) printf(format string, args ...any) {
	fmt.Fprintln(l.w, l.mask(fmt.Sprintf(format, args...)))
}

// mask removes the password and puts driver errors, which can span lines,
// on one line.
func (l *logger) mask(s string) string {
	if l.password != "" {
		s = strings.ReplaceAll(s, l.password, "xxxxx")
	}
	return oneLine.Replace(s)
}

var oneLine = strings.NewReplacer(":\n\t", ": ", "\n\t", "; ", "\n", "; ")

// redact masks the password in err's message; errors.Is and errors.As
// still see the wrapped error.
func (l *logger) redact(err error) error {
	return &redactedError{msg: l.mask(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
