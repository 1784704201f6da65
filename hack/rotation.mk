# Make fragment for the rotation proof, included by the top-level Makefile,
# which defines AUTHSTACK_BIN and CACHE and builds $(AUTHSTACK_BIN) in `build`.
# Needs: go, node (20+) and the npm registry, root and Debian apt to install
# PostgreSQL when it is missing.

.PHONY: test-rotation

# Real Better Auth pods with the rendered env, the rendered Jobs, and a load
# client counting failures through two rotations, versioned and single
# secret (docs/rotation.md). About 5 minutes.
test-rotation: build
	AUTHSTACK_CACHE="$(CACHE)" AUTHSTACK_BIN="$(AUTHSTACK_BIN)" e2e/rotation/run.sh
