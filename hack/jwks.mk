# Make fragment for jwks-purge, included by the top-level Makefile, which
# defines AUTHSTACK_BIN and CACHE and builds $(AUTHSTACK_BIN) in `build`.
# Needs: go; root and Debian apt to install PostgreSQL and MariaDB when they
# are missing; node (20+) and the npm registry for test-better-auth.

AUTHSTACK_BIN ?= bin/authstack
CACHE ?= $${AUTHSTACK_CACHE:-$$HOME/.cache/authstack}

.PHONY: test-jwks test-better-auth better-auth-vectors

# Go tests and the 100k-row purge benchmarks against PostgreSQL and MariaDB
# (MySQL dialect): the servers in AUTHSTACK_TEST_DATABASE_URL and
# AUTHSTACK_TEST_MYSQL_URL, else throwaway ones started and stopped here.
test-jwks:
	@set -e; stop=:; trap 'eval "$$stop"' EXIT; \
	export AUTHSTACK_PG_DIR=$${TMPDIR:-/tmp}/authstack-postgres-jwks AUTHSTACK_MARIADB_DIR=$${TMPDIR:-/tmp}/authstack-mariadb-jwks; \
	if [ -z "$$AUTHSTACK_TEST_DATABASE_URL" ]; then \
	  stop="$$stop; hack/postgres.sh stop"; AUTHSTACK_TEST_DATABASE_URL=$$(hack/postgres.sh start); \
	fi; \
	if [ -z "$$AUTHSTACK_TEST_MYSQL_URL" ]; then \
	  stop="$$stop; hack/mariadb.sh stop"; AUTHSTACK_TEST_MYSQL_URL=$$(hack/mariadb.sh start); \
	fi; \
	export AUTHSTACK_TEST_DATABASE_URL AUTHSTACK_TEST_MYSQL_URL; \
	go test -count=1 -run . -bench Purge100k -benchtime 3x ./internal/jwks ./cmd/authstack

# jwks-purge against real Better Auth from npm on a fresh PostgreSQL.
test-better-auth: build
	AUTHSTACK_CACHE="$(CACHE)" AUTHSTACK_BIN="$(AUTHSTACK_BIN)" e2e/better-auth/run.sh e2e

# Regenerate testdata/better-auth/vectors.json from real Better Auth.
better-auth-vectors:
	AUTHSTACK_CACHE="$(CACHE)" e2e/better-auth/run.sh vectors
