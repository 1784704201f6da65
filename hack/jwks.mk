# Make fragment for jwks-purge, included by the top-level Makefile, which
# defines AUTHSTACK_BIN and CACHE and builds $(AUTHSTACK_BIN) in `build`.
# Needs: go; root and Debian apt to install PostgreSQL and MariaDB when they
# are missing; node (20+) and the npm registry for test-better-auth.

AUTHSTACK_BIN ?= bin/authstack
CACHE ?= $${AUTHSTACK_CACHE:-$$HOME/.cache/authstack}

.PHONY: test-jwks test-better-auth better-auth-vectors

# Go tests and the 100k-row purge benchmarks against PostgreSQL and MariaDB
# (MySQL dialect). The tests start and stop throwaway servers themselves
# (internal/testdb), or use AUTHSTACK_TEST_DATABASE_URL and
# AUTHSTACK_TEST_MYSQL_URL when set; this only installs the packages.
test-jwks:
	hack/postgres.sh install
	hack/mariadb.sh install
	go test -count=1 -run . -bench Purge100k -benchtime 3x ./internal/jwks ./internal/testdb ./fn

# jwks-purge (the undecryptable and reencrypt strategies) against real Better
# Auth from npm on a fresh PostgreSQL.
test-better-auth: build
	AUTHSTACK_CACHE="$(CACHE)" AUTHSTACK_BIN="$(AUTHSTACK_BIN)" e2e/better-auth/run.sh e2e

# Regenerate testdata/better-auth/vectors.json from real Better Auth.
better-auth-vectors:
	AUTHSTACK_CACHE="$(CACHE)" e2e/better-auth/run.sh vectors
