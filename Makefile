# authstack: `make run` builds and renders the reference stack into out/;
# `make test` installs what the tests need (idempotently, caches outside the
# repository) and runs them all.

SHELL := /bin/bash
CACHE ?= $(or $(AUTHSTACK_CACHE),$(HOME)/.cache/authstack)
TOOLS := $(CACHE)/bin
export PATH := $(TOOLS):$(PATH)
export GOTOOLCHAIN ?= local

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
AUTHSTACK_BIN := $(CURDIR)/bin/authstack
KUSTOMIZE := $(TOOLS)/kustomize
KUSTOMIZE_VERSION := v5.8.2
REF := examples/shop

.PHONY: all build run test test-go test-fuzz test-e2e bench tools clean
all: build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(AUTHSTACK_BIN) ./cmd/authstack

$(KUSTOMIZE):
	GOBIN=$(TOOLS) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# kpt cannot be `go install`ed; the machine image provides it.
tools: $(KUSTOMIZE)
	@command -v kpt >/dev/null || { echo "kpt not found: install kpt 1.0.0-beta.56 or later" >&2; exit 1; }

# The main job: the reference stack's tree and the manifests of each of its
# targets, the overlays build wrote (no list of platforms here: they are the
# files in overlays/).
run: build
	$(AUTHSTACK_BIN) vet -f $(REF)/stack.yaml
	$(AUTHSTACK_BIN) build -f $(REF) -o out
	@mkdir -p out/render
	@for d in out/overlays/*/; do t=$$(basename $$d); \
	  $(AUTHSTACK_BIN) render -f $(REF) --target $$t > out/render/$$t.yaml 2>/dev/null || exit 1; \
	  printf '%-9s %s\n' "$$t:" "$$(grep '^kind:' out/render/$$t.yaml | sort | uniq -c | awk '{printf "%s %s, ", $$1, $$3}' | sed 's/, $$//')"; \
	done
	@echo "tree in out/ (kustomize build out/overlays/<target>), manifests in out/render/"

test: build tools test-go test-fuzz test-e2e test-jwks test-better-auth test-rotation test-conformance test-release test-runtime
	@echo "make test: all stages passed"

# Unit tests; the database tests run in test-jwks, which installs the servers.
# internal/tree checks the trees it writes with the real kustomize.
test-go: $(KUSTOMIZE)
	go vet ./...
	KUSTOMIZE=$(KUSTOMIZE) go test -count=1 $$(go list ./... | grep -v -e /internal/jwks -e /internal/testdb -e /test/)
	# Renders share kyaml's process-wide schema: the race detector watches the lock.
	CGO_ENABLED=1 go test -race -count=1 -run TestRenderConcurrently ./internal/tree

# Each fuzz target for FUZZTIME (Go native fuzzing, seeds in
# internal/*/testdata/fuzz); test-go already runs the seeds. A failing input
# is written next to the seeds: commit it with the fix.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./internal/spec:FuzzStacks ./internal/input:FuzzRead ./internal/krm:FuzzProcessor
test-fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t#*:} for $(FUZZTIME)"; \
	  go test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) -parallel 2 "$${t%%:*}"; \
	done

# The binary next to the real kustomize and kpt.
# Then a smoke run of the benchmark script (one run of each case, tiny sizes).
test-e2e: build tools
	AUTHSTACK_BIN=$(AUTHSTACK_BIN) KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./test/e2e/
	RUNS=1 RSS_RUNS=1 SIZES=2 KRM_ITEMS=300 BUILD_N=2 AUTHSTACK_BIN=$(AUTHSTACK_BIN) KUSTOMIZE=$(KUSTOMIZE) hack/bench.sh >/dev/null

# deploy/flux built by Flux's own kustomize code (a module of its own, so
# that Flux's dependencies stay out of authstack's go.mod).
.PHONY: test-flux
test: test-flux
test-flux: build
	cd test/flux && go vet . && AUTHSTACK_BIN=$(AUTHSTACK_BIN) go test -count=1 .

# Go benchmarks (BenchmarkScale: each step at 2-100 components), then
# whole-process time and peak RSS against kustomize build of the same
# overlay at scale, as a markdown table (hack/bench.sh; RUNS, SIZES…).
bench: build tools
	go test -run '^$$' -bench . -benchmem -count 1 ./internal/compile/ | tee $(CACHE)/bench.txt
	@AUTHSTACK_BIN=$(AUTHSTACK_BIN) KUSTOMIZE=$(KUSTOMIZE) hack/bench.sh

clean:
	rm -rf bin out

include hack/jwks.mk
include hack/conformance.mk
include hack/release.mk
include hack/runtime.mk
include hack/rotation.mk
