# Image and runtime stage, included by the top-level Makefile (which defines
# build, AUTHSTACK_BIN, VERSION and CACHE). See docs/runtime.md.
#
# `make image` builds the authstack OCI image without a Docker daemon
# (internal/ociimage, go-containerregistry) as a tarball for
# `ctr images import`, `crane push` or `minikube image load`.
# `make test-runtime` starts a real single-node cluster (internal/realnode)
# and deploys the reference stack on it.

# The tag the binary itself renders as its purge image (a release's
# vX.Y.Z, else :dev), so `minikube image load` gives the image the output
# names. Expanded in the recipe, after `build`.
IMAGE     ?= $(shell $(AUTHSTACK_BIN) version 2>/dev/null | sed -n 's/^purge image: //p')
IMAGE_TAR ?= bin/authstack-image.tar
KUBE_VERSION       ?= v1.37.2
CONTAINERD_VERSION ?= v2.4.2

.PHONY: image test-runtime install-node

image: build
	go run ./hack/mkimage -bin $(AUTHSTACK_BIN) -tag $(IMAGE) -version $(VERSION) -out $(IMAGE_TAR)

install-node:
	AUTHSTACK_CACHE=$(CACHE) KUBE_VERSION=$(KUBE_VERSION) CONTAINERD_VERSION=$(CONTAINERD_VERSION) hack/install-node.sh

# The whole verbose log goes to $(CACHE)/runtime.log too; the last line is
# the stage's summary (runtime: ready=... signin=... ...).
test-runtime: image install-node
	@mkdir -p $(CACHE); set -o pipefail; \
	AUTHSTACK_BIN=$(abspath $(AUTHSTACK_BIN)) AUTHSTACK_IMAGE_TAR=$(abspath $(IMAGE_TAR)) AUTHSTACK_IMAGE=$(IMAGE) \
	AUTHSTACK_KUBE_BIN=$(abspath $(CACHE)/kube/$(KUBE_VERSION)) \
	AUTHSTACK_CONTAINERD_BIN=$(abspath $(CACHE)/containerd/$(CONTAINERD_VERSION)) \
	AUTHSTACK_CACHE=$(CACHE) \
	go test -count=1 -timeout=30m -v ./test/runtime/ 2>&1 | tee $(CACHE)/runtime.log; \
	rc=$$?; grep -a '^runtime:' $(CACHE)/runtime.log | tail -n 1; exit $$rc
