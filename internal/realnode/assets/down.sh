#!/usr/bin/env bash
# down.sh: stops everything up.sh started and removes what it changed on the
# host, also after a crash of the run that started it (the test binary
# killed, the machine's tmp kept): processes by PID file, every process left
# in the node's network or mount namespace, every process of a kubepods
# cgroup (only this node's kubelet makes them), the kubepods cgroups, the
# netns (taking the veth pair, bridge and routes with it) and the host
# directories node-init.sh had to create. Idempotent. Env: RN_DIR.
set -uo pipefail
RUN=$RN_DIR/run
stop() { # name
	local f=$RUN/pids/$1.pid pid
	[[ -f $f ]] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$f"
}
podpids() { find /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/unified/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u; }
# in_ns KIND LINK: PIDs whose /proc/PID/ns/KIND is LINK (e.g. net:[4026532281]).
in_ns() { local d; for d in /proc/[0-9]*; do [[ $(readlink "$d/ns/$1" 2>/dev/null) == "$2" ]] && echo "${d#/proc/}"; done; }
# 1. node agents first so nothing restarts containers
for n in kube-proxy kubelet kube-scheduler kube-controller-manager; do stop $n; done
# 2. every process of a pod cgroup
for _ in 1 2 3; do p=$(podpids); [[ -z $p ]] && break; kill -KILL $p 2>/dev/null; sleep 0.5; done
# 3. runtime, apiserver, etcd, then leftovers (shims, extra processes such
#    as a database started by a test) in the node's namespaces
stop containerd; stop kube-apiserver; stop etcd
for f in "$RUN"/pids/*.pid; do [[ -f $f ]] && stop "$(basename "$f" .pid)"; done
links=()
[[ -f $RUN/mntns ]] && links+=("mnt $(cat "$RUN/mntns")")
[[ -e /run/netns/authstack-rn ]] && links+=("net net:[$(stat -L -c %i /run/netns/authstack-rn)]")
for l in "${links[@]}"; do
	for _ in 1 2 3; do
		p=$(in_ns $l | grep -vx -e "$$" -e "$PPID"); [[ -z $p ]] && break
		kill -KILL $p 2>/dev/null; sleep 0.3
	done
done
sleep 0.3
# 4. kubepods cgroups (v1 hierarchies and the unified one), deepest first
for h in /sys/fs/cgroup/*/kubepods; do [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null; done
# 5. network
ip netns del authstack-rn 2>/dev/null
ip link del asrn-h 2>/dev/null
# 6. host dirs node-init.sh had to create as bind-mount targets
if [[ -f $RN_DIR/created-dirs ]]; then
	while read -r d; do rmdir "$d" 2>/dev/null; done <"$RN_DIR/created-dirs"
	rm -f "$RN_DIR/created-dirs"
fi
rc=0
left=$(ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null) && { echo "down.sh: cgroups left: $left" >&2; rc=1; }
[[ -e /run/netns/authstack-rn ]] && { echo "down.sh: netns authstack-rn left" >&2; rc=1; }
exit $rc
