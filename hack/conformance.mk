# Conformance stage: the compiler's output against a real kube-apiserver and
# kube-controller-manager, plus kube-score. See docs/conformance.md.
#
# Included by the top-level Makefile, which defines "build" (producing
# $(AUTHSTACK_BIN)) and runs test-conformance as part of "make test", so CI
# runs the stage on every submission.
#
# The tools are installed idempotently into $(CACHE), outside the repository:
# the first run builds Kubernetes from source (minutes), later runs reuse it.

AUTHSTACK_BIN      ?= bin/authstack
CACHE              ?= $(or $(AUTHSTACK_CACHE),$(HOME)/.cache/authstack)
KUBE_VERSION       ?= v1.37.2
KUBE_SCORE_VERSION ?= v1.20.0
KUBE_BIN           := $(abspath $(CACHE)/kube/$(KUBE_VERSION))
KUBE_SCORE_DIR     := $(abspath $(CACHE)/kube-score/$(KUBE_SCORE_VERSION))
# apt-get needs root; CI runners are usually not root but have sudo.
SUDO               ?= $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: test-conformance conformance-tools install-kube install-etcd install-kube-score

# The variables tell the tests where the tools are; see docs/conformance.md.
test-conformance: build conformance-tools
	AUTHSTACK_BIN=$(abspath $(AUTHSTACK_BIN)) \
	AUTHSTACK_KUBE_BIN=$(KUBE_BIN) \
	AUTHSTACK_KUBE_SCORE=$(KUBE_SCORE_DIR)/kube-score \
	go test -count=1 -timeout=20m ./test/conformance/

conformance-tools: install-kube install-etcd install-kube-score

install-kube:
	AUTHSTACK_CACHE=$(CACHE) KUBE_VERSION=$(KUBE_VERSION) hack/install-kube.sh

# The test runs its own etcd on loopback ports with a temporary data dir; the
# packaged system service is not wanted, so it is stopped if it started.
install-etcd:
	@command -v etcd >/dev/null || { \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server && \
		if command -v systemctl >/dev/null && systemctl is-active --quiet etcd; then \
			$(SUDO) systemctl disable --now etcd; \
		fi; \
	}

install-kube-score:
	@test -x $(KUBE_SCORE_DIR)/kube-score || \
		GOBIN=$(KUBE_SCORE_DIR) go install github.com/zegl/kube-score/cmd/kube-score@$(KUBE_SCORE_VERSION)
