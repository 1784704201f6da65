package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/authstack/authstack/internal/jwks"
)

// newJWKSPurgeCommand returns `authstack jwks-purge`, which the Job emitted
// after each BETTER_AUTH_SECRET rotation runs.
func newJWKSPurgeCommand() *cobra.Command {
	var (
		opts     jwks.Options
		dialect  string
		strategy string
	)
	cmd := &cobra.Command{
		Use:   "jwks-purge",
		Short: "Delete (or re-encrypt) Better Auth signing keys after a secret change",
		Long: `Repair Better Auth's jwks table after BETTER_AUTH_SECRET or BETTER_AUTH_SECRETS
changed, in one transaction. Running it again is safe. A table that does not
exist yet is not an error. Rows whose privateKey is NULL are skipped and listed.

Strategies:
  undecryptable  delete the keys the configured secrets cannot decrypt
  reencrypt      re-encrypt every key a listed BETTER_AUTH_SECRETS version (or
                 BETTER_AUTH_SECRET, for bare-hex keys) decrypts with the current
                 version, the first entry, keeping its id and public key so that
                 issued JWTs keep verifying; keys already current are untouched;
                 delete only the keys nothing decrypts. Needs BETTER_AUTH_SECRETS.
  all            delete every key

Environment:
  DATABASE_URL          postgres://... or mysql://user:password@host:port/db
  BETTER_AUTH_SECRET    the secret (AUTH_SECRET is read when it is unset)
  BETTER_AUTH_SECRETS   versioned secrets "version:secret,...", current first

Only key ids and counts are printed, never secrets, keys, the database user
or its password.`,
		Example: `  # Show what would be deleted
  authstack jwks-purge --dry-run

  # After the rollout of a new version put first in BETTER_AUTH_SECRETS
  authstack jwks-purge --strategy=reencrypt

  # Delete every key in a custom table on MySQL
  authstack jwks-purge --dialect=mysql --table=auth_jwks --strategy=all`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.NoArgs(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		},
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Dialect = jwks.Dialect(dialect)
			opts.Strategy = jwks.Strategy(strategy)
			if err := validateFlags(opts); err != nil {
				return usageError{err}
			}
			opts.DatabaseURL = os.Getenv("DATABASE_URL")
			if opts.DatabaseURL == "" {
				return errors.New("DATABASE_URL is not set")
			}
			if opts.Strategy != jwks.All {
				secret := os.Getenv("BETTER_AUTH_SECRET")
				if secret == "" {
					secret = os.Getenv("AUTH_SECRET")
				}
				var err error
				if opts.Secrets, err = jwks.ParseSecrets(secret, os.Getenv("BETTER_AUTH_SECRETS")); err != nil {
					return err
				}
			}
			opts.Log = cmd.OutOrStdout()
			_, err := jwks.Purge(cmd.Context(), opts)
			return err
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	flags := cmd.Flags()
	flags.StringVar(&opts.Table, "table", jwks.DefaultTable, "name of Better Auth's jwks table")
	flags.StringVar(&opts.IDColumn, "id-column", jwks.DefaultIDColumn, "name of the table's id column")
	flags.StringVar(&opts.PrivateKeyColumn, "private-key-column", jwks.DefaultPrivateKeyColumn, "name of the table's privateKey column")
	flags.StringVar(&dialect, "dialect", string(jwks.Postgres), `database dialect: "postgres" or "mysql"`)
	flags.StringVar(&strategy, "strategy", string(jwks.Undecryptable), `what to do: "undecryptable", "reencrypt" or "all" (see above)`)
	flags.BoolVar(&opts.DryRun, "dry-run", false, "only report what would be changed")
	flags.DurationVar(&opts.Timeout, "timeout", jwks.DefaultTimeout, "give up after this long, waiting for the database included")
	flags.DurationVar(&opts.ConnectTimeout, "connect-timeout", jwks.DefaultConnectTimeout, "give up on one connection attempt after this long")
	flags.DurationVar(&opts.StatementTimeout, "statement-timeout", jwks.DefaultStatementTimeout, "give up on one SQL statement, lock waits included, after this long")
	return cmd
}

// validateFlags rejects flag values before anything is read or connected.
func validateFlags(opts jwks.Options) error {
	if opts.Dialect != jwks.Postgres && opts.Dialect != jwks.MySQL {
		return fmt.Errorf("invalid --dialect %q: want %q or %q", opts.Dialect, jwks.Postgres, jwks.MySQL)
	}
	if !slices.Contains(jwks.Strategies, opts.Strategy) {
		return fmt.Errorf("invalid --strategy %q: want %q, %q or %q", opts.Strategy, jwks.Undecryptable, jwks.Reencrypt, jwks.All)
	}
	for _, f := range []struct {
		flag  string
		value time.Duration
	}{{"timeout", opts.Timeout}, {"connect-timeout", opts.ConnectTimeout}, {"statement-timeout", opts.StatementTimeout}} {
		if f.value <= 0 {
			return fmt.Errorf("invalid --%s %s: want a positive duration", f.flag, f.value)
		}
	}
	for _, f := range []struct{ flag, name string }{
		{"table", opts.Table}, {"id-column", opts.IDColumn}, {"private-key-column", opts.PrivateKeyColumn},
	} {
		if err := jwks.ValidateIdentifier(f.name); err != nil {
			return fmt.Errorf("invalid --%s: %w", f.flag, err)
		}
	}
	return nil
}
