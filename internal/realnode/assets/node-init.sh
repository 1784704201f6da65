#!/usr/bin/env bash
# node-init.sh: runs inside netns authstack-rn and a private (slave) mount
# namespace, started by up.sh. Starts etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, containerd, kubelet and
# kube-proxy; each daemon's PID goes to $RUN/pids/<name>.pid and its log to
# $RUN/logs/<name>.log. Images in $RN_DIR/images/*.tar are imported.
set -euo pipefail
RUN=$RN_DIR/run; PKI=$RUN/pki
export PATH=$RN_CONTAINERD_BIN:$RN_KUBE_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SOCK=$RUN/containerd/containerd.sock
START=$(date +%s.%N)
log() { echo "$(awk -v a="$(date +%s.%N)" -v b="$START" 'BEGIN{printf "%6.1fs", a-b}') $*"; }
readlink /proc/self/ns/mnt >"$RUN/mntns"

# `ip netns exec` would remount /sys and lose /sys/fs/cgroup: mount a sysfs
# that shows this netns' interfaces and move the host's cgroup tree back.
mkdir -p "$RUN/.cg"
mount --rbind /sys/fs/cgroup "$RUN/.cg"
umount -l /sys
mount -t sysfs sysfs /sys
mount --move "$RUN/.cg" /sys/fs/cgroup
# Paths that kubelet and libcni hardcode: bind them to the run dir. A
# directory this creates on the host is listed for down.sh to remove.
for p in /var/lib/cni:var-lib-cni /var/log/containers:var-log-containers; do
	dst=${p%%:*}; src=$RUN/${p#*:}
	[[ -d $dst ]] || { mkdir -p "$dst"; echo "$dst" >>"$RN_DIR/created-dirs"; }
	mkdir -p "$src"; mount --bind "$src" "$dst"
done

start() { # name cmd...
	local n=$1; shift
	"$@" >"$RUN/logs/$n.log" 2>&1 </dev/null &
	echo $! >"$RUN/pids/$n.pid"
}
waitfor() { # what timeout cmd...
	local what=$1 t=$2; shift 2
	for ((i = 0; i < t * 5; i++)); do "$@" >/dev/null 2>&1 && { log "$what ready"; return 0; }; sleep 0.2; done
	log "timeout waiting for $what"; exit 1
}
CURL=(curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")
K=(kubectl --kubeconfig="$PKI/admin.kubeconfig")

start etcd etcd --name authstack-rn --data-dir "$RUN/etcd" \
	--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster authstack-rn=http://127.0.0.1:2380
start containerd containerd --config "$RUN/containerd.toml"
waitfor etcd 60 curl -sf http://127.0.0.1:2379/health

start kube-apiserver kube-apiserver --etcd-servers=http://127.0.0.1:2379 \
	--bind-address=0.0.0.0 --secure-port=6443 --advertise-address=10.250.0.2 \
	--cert-dir="$PKI" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
	--client-ca-file="$PKI/ca.crt" \
	--kubelet-client-certificate="$PKI/admin.crt" --kubelet-client-key="$PKI/admin.key" \
	--kubelet-preferred-address-types=InternalIP \
	--service-account-issuer=https://kubernetes.default.svc.cluster.local \
	--service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
	--service-cluster-ip-range=10.250.128.0/20 \
	--authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
	--allow-privileged=true --profiling=false

waitfor containerd 60 ctr --address "$SOCK" version
for img in "$RN_DIR"/images/*.tar; do
	[[ -e $img ]] || continue
	ctr --address "$SOCK" -n k8s.io images import --platform linux/amd64 "$img" >/dev/null
done
log "images: $(ctr --address "$SOCK" -n k8s.io images ls -q | grep -v '^sha256:' | tr '\n' ' ')"

waitfor kube-apiserver 180 "${CURL[@]}" https://127.0.0.1:6443/readyz
start kube-controller-manager kube-controller-manager --kubeconfig="$PKI/kcm.kubeconfig" \
	--authentication-kubeconfig="$PKI/kcm.kubeconfig" --authorization-kubeconfig="$PKI/kcm.kubeconfig" \
	--leader-elect=false --bind-address=127.0.0.1 --root-ca-file="$PKI/ca.crt" \
	--service-account-private-key-file="$PKI/sa.key" --use-service-account-credentials=true \
	--cluster-name=authstack-rn --service-cluster-ip-range=10.250.128.0/20 --profiling=false
start kube-scheduler kube-scheduler --kubeconfig="$PKI/scheduler.kubeconfig" \
	--authentication-kubeconfig="$PKI/scheduler.kubeconfig" --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
	--leader-elect=false --bind-address=127.0.0.1 --profiling=false
start kubelet kubelet --config="$RUN/kubelet.yaml" --kubeconfig="$PKI/node.kubeconfig" \
	--hostname-override=authstack-node --node-ip=10.250.0.2 \
	--root-dir="$RUN/kubelet" --cert-dir="$RUN/kubelet/pki" -v=1
start kube-proxy kube-proxy --config="$RUN/kube-proxy.yaml" -v=1
waitfor kubelet-healthz 120 curl -sf http://127.0.0.1:10248/healthz
waitfor node-Ready 180 sh -c "${K[*]} get node authstack-node -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
waitfor default-serviceaccount 120 "${K[@]}" -n default get serviceaccount default
log "cluster up"
touch "$RUN/up.done"
