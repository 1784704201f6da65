#!/usr/bin/env bash
# install-node.sh installs what the real-node stage (internal/realnode) needs,
# idempotently, with caches outside the repository:
#   - kubelet, kube-scheduler and kube-proxy next to the conformance stage's
#     kube-apiserver, kube-controller-manager and kubectl, built by
#     hack/install-kube.sh from the Go module proxy ($CACHE/kube/$KUBE_VERSION);
#   - containerd 2 (+ shim, ctr) from the module proxy, CGO_ENABLED=0
#     ($CACHE/containerd/$CONTAINERD_VERSION);
#   - Debian's runc, CNI plugins, etcd, iptables, conntrack and PostgreSQL.
# Usage: hack/install-node.sh [all|containerd|kube|apt]
set -euo pipefail

CACHE="${AUTHSTACK_CACHE:-$HOME/.cache/authstack}"
KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
CONTAINERD_VERSION="${CONTAINERD_VERSION:-v2.4.2}"
here=$(cd "$(dirname "$0")" && pwd)
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo

apt_pkgs() {
	local want=() p
	# package:file that proves it is installed
	for p in runc:/usr/sbin/runc containernetworking-plugins:/usr/lib/cni/bridge \
		etcd-server:/usr/bin/etcd iptables:/usr/sbin/iptables conntrack:/usr/sbin/conntrack \
		postgresql:/usr/bin/pg_lsclusters; do
		[[ -e ${p#*:} ]] || want+=("${p%%:*}")
	done
	[[ ${#want[@]} -eq 0 ]] && return 0
	echo "install-node: apt-get install ${want[*]}" >&2
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >&2
	# The packaged services are not wanted: the stage runs its own.
	if command -v systemctl >/dev/null; then
		for s in etcd postgresql; do
			systemctl is-active --quiet "$s" 2>/dev/null && $SUDO systemctl disable --now "$s" || true
		done
	fi
}

containerd() {
	local out="$CACHE/containerd/$CONTAINERD_VERSION"
	if [[ -x $out/containerd && -x $out/containerd-shim-runc-v2 && -x $out/ctr ]]; then
		return 0
	fi
	echo "install-node: building containerd $CONTAINERD_VERSION into $out" >&2
	mkdir -p "$out"
	# Static, no btrfs/cgo: the flags containerd's own Makefile uses for a
	# static build (see its BUILDTAGS / SHIM_GO_TAGS).
	GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath \
		-ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
		-tags "urfave_cli_no_docs osusergo netgo no_btrfs" \
		"github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
		"github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
	GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w" \
		-tags "urfave_cli_no_docs osusergo netgo no_grpc" \
		"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION"
}

kube() {
	AUTHSTACK_CACHE="$CACHE" KUBE_VERSION="$KUBE_VERSION" \
		KUBE_BINS="kube-apiserver kube-controller-manager kubectl kubelet kube-scheduler kube-proxy" \
		"$here/install-kube.sh"
}

case ${1:-all} in
all) apt_pkgs; containerd; kube ;;
apt) apt_pkgs ;;
containerd) containerd ;;
kube) kube ;;
*) echo "usage: $0 [all|containerd|kube|apt]" >&2; exit 2 ;;
esac
