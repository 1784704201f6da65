# test-release: the release files cannot run here (no GitHub, no registry),
# so they are linted: the workflow with actionlint, .goreleaser.yaml with
# `goreleaser check` (the same goreleaser version the workflow pins). Both
# tools are go-installed once into $(TOOLS), one file per version.
ACTIONLINT_VERSION := v1.7.12
GORELEASER_VERSION := v2.15.1
ACTIONLINT := $(TOOLS)/actionlint-$(ACTIONLINT_VERSION)
GORELEASER := $(TOOLS)/goreleaser-$(GORELEASER_VERSION)

.PHONY: test-release
test-release: $(ACTIONLINT) $(GORELEASER)
	$(ACTIONLINT) -no-color .github/workflows/*.yml
	@grep -q "version: $(GORELEASER_VERSION)$$" .github/workflows/release.yml || \
	  { echo "release.yml does not pin goreleaser $(GORELEASER_VERSION)" >&2; exit 1; }
	$(GORELEASER) check --quiet
	go test -count=1 -run TestReleaseConfigMatches ./internal/version

# go install into a temporary GOBIN, then rename: the file name carries the version.
$(ACTIONLINT):
	@mkdir -p $(TOOLS); tmp=$$(mktemp -d) && GOBIN=$$tmp go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION) && mv $$tmp/actionlint $@ && rmdir $$tmp

$(GORELEASER):
	@mkdir -p $(TOOLS); tmp=$$(mktemp -d) && GOBIN=$$tmp go install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION) && mv $$tmp/goreleaser $@ && rmdir $$tmp
