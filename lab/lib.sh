# Shared settings and helpers of the lab scripts (sourced, not run).
#
# Everything downloaded or built lives in the cache; everything that exists
# only while a lab is up (disks, sockets, pids, logs) lives in the run dir,
# which `lab down` removes.

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$lab_dir/.." && pwd)
tool_cache=${MESHSTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshstor}
cache=$tool_cache/lab
run_dir=${LAB_RUN_DIR:-$cache/run}
image_dir=${LAB_IMAGE_DIR:-$cache/image}

# The lab's private network, which exists only inside its namespace.
netns=${LAB_NETNS:-meshstor-lab}
netns_path=/run/netns/$netns
bridge=labbr0
net_prefix=192.168.100
host_ip=$net_prefix.1
agent_port=7070

# Shape of the cluster (read by `lab up`; recorded in the run dir so the
# other commands use what `up` used).
LAB_NODES=${LAB_NODES:-3}
LAB_DRIVES=${LAB_DRIVES:-2}
LAB_DRIVE_SIZE=${LAB_DRIVE_SIZE:-4G}
LAB_KUBE=${LAB_KUBE:-0}
# A Kubernetes node (LAB_KUBE=1) holds the kubelet and containerd in RAM too.
if [ "$LAB_KUBE" = 1 ]; then LAB_MEM=${LAB_MEM:-1536}; else LAB_MEM=${LAB_MEM:-768}; fi

say() { printf 'lab: %s\n' "$*" >&2; }
fail() {
	say "error: $*"
	exit 1
}

# Seconds since the epoch with milliseconds, for timings.
now() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Node names are node1..nodeN; their lab address is .11, .12, ...
node_index() {
	local n=${1#node}
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 89 ] || fail "no such node: $1"
	echo "$n"
}
node_ip() { echo "$net_prefix.$((10 + $(node_index "$1")))"; }

# A stable host ID and host NQN per node name: the same on every machine and
# every run, so logs and allowed_hosts entries can be compared across runs.
node_hostid() {
	local h
	h=$(printf 'meshstor-lab/%s' "$1" | sha256sum | cut -c1-32)
	# Shape it as a version-4-looking UUID.
	printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}
node_hostnqn() { echo "nqn.2014-08.org.nvmexpress:uuid:$(node_hostid "$1")"; }
