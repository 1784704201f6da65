#!/usr/bin/env bash
# install-kube.sh builds kube-apiserver, kube-controller-manager and kubectl
# from the Go module proxy into $CACHE/kube/$VERSION/ for the conformance
# stage. It is idempotent: it does nothing when all binaries already exist.
#
# The build happens in a throwaway module outside the repository because
# k8s.io/kubernetes is not meant to be required as a library: its staging
# modules must all be replaced with their published versions.
set -euo pipefail

VERSION="${KUBE_VERSION:-v1.37.2}"
CACHE="${AUTHSTACK_CACHE:-$HOME/.cache/authstack}"
OUT="$CACHE/kube/$VERSION"
# KUBE_BINS: the binaries wanted (the real-node stage adds kubelet,
# kube-scheduler and kube-proxy, sharing this build's module cache).
read -r -a BINS <<<"${KUBE_BINS:-kube-apiserver kube-controller-manager kubectl}"

missing=()
for b in "${BINS[@]}"; do
	[[ -x "$OUT/$b" ]] || missing+=("$b")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-kube: $OUT already has ${BINS[*]}"
	exit 0
fi

# Staging modules are published as v0.X.Y for kubernetes v1.X.Y.
STAGING_VERSION="v0.${VERSION#v1.}"
BUILD="$CACHE/kube/build-$VERSION"
mkdir -p "$BUILD" "$OUT"
cd "$BUILD"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

cat >go.mod <<GOMOD
module authstack.local/kubebuild

go 1.26.8

require k8s.io/kubernetes $VERSION
GOMOD
: >tools.go

# Read the staging module list from kubernetes' own go.mod so it stays right
# across versions; the sample modules are not published.
kmod="$(go mod download -json "k8s.io/kubernetes@$VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$kmod" |
	grep -v -e sample-cli-plugin -e sample-controller | sort -u)
if [[ ${#staging[@]} -eq 0 ]]; then
	echo "install-kube: found no staging replaces in $kmod" >&2
	exit 1
fi
for m in "${staging[@]}"; do
	echo "replace $m => $m $STAGING_VERSION" >>go.mod
done

{
	printf '//go:build tools\n\npackage tools\n\nimport (\n'
	for b in "${BINS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
	printf ')\n'
} >tools.go
go mod tidy -e >/dev/null 2>&1 || true
go mod download

for b in "${missing[@]}"; do
	echo "install-kube: building $b $VERSION"
	go build -tags tools -trimpath -ldflags "-s -w \
		-X k8s.io/component-base/version.gitVersion=$VERSION \
		-X k8s.io/client-go/pkg/version.gitVersion=$VERSION" \
		-o "$OUT/$b.tmp" "k8s.io/kubernetes/cmd/$b"
	mv "$OUT/$b.tmp" "$OUT/$b"
done
echo "install-kube: installed ${BINS[*]} in $OUT"
