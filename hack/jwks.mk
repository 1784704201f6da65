# Make fragment for jwks-purge, included by the top-level Makefile, which
# defines AUTHSTACK_BIN and CACHE and builds $(AUTHSTACK_BIN) in `build`.
# Needs: go; Debian apt and root for PostgreSQL when it is not installed;
# node (20+) and the npm registry for test-better-auth.

AUTHSTACK_BIN ?= bin/authstack
CACHE ?= $${AUTHSTACK_CACHE:-$$HOME/.cache/authstack}

.PHONY: test-jwks test-better-auth better-auth-vectors

# Go tests and the 100k-row purge benchmark against PostgreSQL: the one in
# AUTHSTACK_TEST_DATABASE_URL, else a throwaway one started and stopped here.
test-jwks:
	@set -e; \
	if [ -z "$$AUTHSTACK_TEST_DATABASE_URL" ]; then \
	  export AUTHSTACK_PG_DIR=$${TMPDIR:-/tmp}/authstack-postgres-jwks; \
	  trap 'hack/postgres.sh stop' EXIT; \
	  AUTHSTACK_TEST_DATABASE_URL=$$(hack/postgres.sh start); \
	  export AUTHSTACK_TEST_DATABASE_URL; \
	fi; \
	go test -count=1 -run . -bench Purge100k -benchtime 3x ./internal/jwks ./fn

# jwks-purge against real Better Auth from npm on a fresh PostgreSQL.
test-better-auth: build
	AUTHSTACK_CACHE="$(CACHE)" AUTHSTACK_BIN="$(AUTHSTACK_BIN)" e2e/better-auth/run.sh e2e

# Regenerate testdata/better-auth/vectors.json from real Better Auth.
better-auth-vectors:
	AUTHSTACK_CACHE="$(CACHE)" e2e/better-auth/run.sh vectors
