#!/usr/bin/env bash
# up.sh: starts the node (see node.go). Needs root. Env: RN_DIR (state dir,
# holding assets/), RN_KUBE_BIN, RN_CONTAINERD_BIN. Run down.sh first.
#   host  asrn-h 10.250.0.1/30  <-veth->  asrn-n 10.250.0.2/30 in netns authstack-rn
#         (node IP, apiserver :6443); pods 10.250.1.0/24 on bridge asrn0 in the
#         netns; services 10.250.128.0/20. The netns has no default route and
#         the host no route into it beyond the /30: nothing leaves the box.
set -euo pipefail
A=$RN_DIR/assets; RUN=$RN_DIR/run
[[ -e /run/netns/authstack-rn ]] && { echo "up.sh: netns authstack-rn exists: run down.sh first" >&2; exit 1; }
rm -rf "$RUN"
mkdir -p "$RUN"/{logs,pids,cni/net.d,cni/ipam,pod-logs,kubelet,etcd}
NODE_NAME=authstack-node APISERVER=https://127.0.0.1:6443 "$A/gen-pki.sh" "$RUN/pki"
sed 's#https://127.0.0.1:6443#https://10.250.0.2:6443#' "$RUN/pki/admin.kubeconfig" >"$RUN/pki/host-admin.kubeconfig"
render() { sed -e "s#@RUNC@#/usr/sbin/runc#g" -e "s#@RUN@#$RUN#g" "$A/$1" >"$2"; }
render containerd.toml "$RUN/containerd.toml"
render kubelet.yaml "$RUN/kubelet.yaml"
render kube-proxy.yaml "$RUN/kube-proxy.yaml"
render 10-realnode.conflist "$RUN/cni/net.d/10-realnode.conflist"
echo "nameserver 127.0.0.1" >"$RUN/resolv.conf"

ip netns add authstack-rn
ip link add asrn-h type veth peer name asrn-n netns authstack-rn
ip addr add 10.250.0.1/30 dev asrn-h
ip link set asrn-h up
ip -n authstack-rn link set lo up
ip -n authstack-rn addr add 10.250.0.2/30 dev asrn-n
ip -n authstack-rn link set asrn-n up
# Sockets made inside the netns (the tests' HTTP client) need a route to
# Service IPs for kube-proxy's OUTPUT DNAT to apply. Its device is the pods'
# bridge, made here with the gateway address the CNI bridge plugin expects
# (it adopts an existing bridge): a packet no rule rewrites dies there
# instead of leaving through the host.
ip -n authstack-rn link add asrn0 type bridge
ip -n authstack-rn addr add 10.250.1.1/24 dev asrn0
ip -n authstack-rn link set asrn0 up
ip -n authstack-rn route add 10.250.128.0/20 dev asrn0

# A private mount namespace (slave: host mounts still propagate in, nothing
# propagates out) and a new session, so the daemons outlive this script.
nsenter --net=/run/netns/authstack-rn -- unshare --mount --propagation slave -- \
	setsid "$A/node-init.sh" >"$RUN/logs/init.log" 2>&1 </dev/null &
init=$!
wait $init && rc=0 || rc=$?
[[ $rc -eq 0 && -e $RUN/up.done ]] || { echo "up.sh: node-init failed (rc=$rc):" >&2; tail -n 20 "$RUN/logs/init.log" >&2; exit 1; }
