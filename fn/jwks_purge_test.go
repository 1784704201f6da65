package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestJWKSPurgeCommandErrors(t *testing.T) {
	const (
		secret   = "cli-test-secret-must-not-leak"
		password = "cli-test-password-must-not-leak"
		// Nothing listens on port 1: the run fails after its timeout.
		closedDB = "postgres://app:" + password + "@127.0.0.1:1/auth"
	)
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantUsage bool
		wantErr   string
	}{
		{"unknown flag", []string{"--force"}, nil, true, "unknown flag: --force"},
		{"positional argument", []string{"jwks"}, nil, true, `unknown command "jwks"`},
		{"bad dialect", []string{"--dialect=sqlite"}, nil, true, `invalid --dialect "sqlite"`},
		{"bad strategy", []string{"--strategy=expired"}, nil, true, `invalid --strategy "expired"`},
		{"bad table", []string{"--table=jwks;drop"}, nil, true, "invalid --table"},
		{"bad column", []string{"--private-key-column=private key"}, nil, true, "invalid --private-key-column"},
		{"bad timeout", []string{"--timeout=0s"}, nil, true, "invalid --timeout 0s"},
		{"unparsable timeout", []string{"--timeout=soon"}, nil, true, `invalid argument "soon"`},
		{"no DATABASE_URL", nil, map[string]string{"BETTER_AUTH_SECRET": secret}, false, "DATABASE_URL is not set"},
		{"no secret", nil, map[string]string{"DATABASE_URL": closedDB}, false, "no secret: set BETTER_AUTH_SECRET or BETTER_AUTH_SECRETS"},
		{"bad BETTER_AUTH_SECRETS", nil, map[string]string{"DATABASE_URL": closedDB, "BETTER_AUTH_SECRETS": secret}, false, "BETTER_AUTH_SECRETS entry 1: want <version>:<secret>"},
		{"dialect mismatch", []string{"--dialect=mysql"}, map[string]string{"DATABASE_URL": closedDB, "BETTER_AUTH_SECRET": secret}, false, "invalid DATABASE_URL for MySQL"},
		{"bad connect timeout", []string{"--connect-timeout=-1s"}, nil, true, "invalid --connect-timeout -1s"},
		{"bad statement timeout", []string{"--statement-timeout=0s"}, nil, true, "invalid --statement-timeout 0s"},
		{"reencrypt without versions", []string{"--strategy=reencrypt"}, map[string]string{"DATABASE_URL": closedDB, "BETTER_AUTH_SECRET": secret}, false, "strategy reencrypt needs BETTER_AUTH_SECRETS"},
		{"database down", []string{"--timeout=300ms"}, map[string]string{"DATABASE_URL": closedDB, "AUTH_SECRET": secret}, false, "connecting to postgres 127.0.0.1:1/auth: gave up after 300ms (the timeout): context deadline exceeded: last error: 127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"DATABASE_URL", "BETTER_AUTH_SECRET", "BETTER_AUTH_SECRETS", "AUTH_SECRET"} {
				t.Setenv(name, tt.env[name])
			}
			var out bytes.Buffer
			cmd := newJWKSPurgeCommand()
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			err := cmd.Execute()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if isUsage := errors.As(err, new(usageError)); isUsage != tt.wantUsage {
				t.Errorf("usage error (exit 2): %v, want %v", isUsage, tt.wantUsage)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if all := out.String() + err.Error(); strings.Contains(all, secret) || strings.Contains(all, password) {
				t.Errorf("output leaks a secret:\n%s", all)
			}
		})
	}
}
