# Helpers of the lab's end-to-end scripts (scripts/demo, test/e2e/scenarios):
# narration with timings, CSI calls through lab/cluster, and waits on volumes.
# Sourced from the repository root.

C=lab/cluster
L=lab/lab
CAP='{"mount":{"fsType":"xfs"},"accessMode":{"mode":"SINGLE_NODE_WRITER"}}'

t0=$(date +%s.%N)
step_t=$t0
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() {
	step_t=$(date +%s.%N)
	printf '\n[%6ss] %s\n' "$(since "$t0")" "$*"
}
note() { printf '          %s\n' "$@"; }
took() { note "done in $(since "$step_t") s${1:+: $1}"; }
die() {
	printf '\n%s: FAILED: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

k() { "$C" kubectl "$@"; }
csi() { "$C" csi "$@"; }
on() { "$L" run "$@" </dev/null; }
# vol_field VOL JSONPATH
vol_field() { k get msvol "$1" -o "jsonpath={$2}"; }
show() { k get msvol "$@" | sed 's/^/          /'; }

# wait_phase VOL PHASE SECONDS
wait_phase() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		[ "$(vol_field "$1" .status.phase)" = "$2" ] && return 0
		sleep 0.5
	done
	die "volume $1 did not become $2 within $3 s (it is $(vol_field "$1" .status.phase))"
}

# create NAME COPIES DRIVES_PER_COPY: prints the volume id.
create() {
	local resp id
	resp=$(csi controller csi.v1.Controller/CreateVolume "{\"name\":\"$1\",\"capacityRange\":{\"requiredBytes\":\"1073741824\"},\"volumeCapabilities\":[$CAP],\"parameters\":{\"numberOfCopies\":\"$2\",\"drivesPerCopy\":\"$3\",\"sectorSize\":\"512\"}}")
	id=$(echo "$resp" | sed -n 's/.*"volumeId":"\([^"]*\)".*/\1/p')
	[ -n "$id" ] || die "CreateVolume $1 answered: $resp"
	echo "$id"
}

# The nodes holding VOL's members, in member order.
members_of() { k get msvol "$1" -o jsonpath='{range .spec.members[*]}{.nodeName}{"\n"}{end}'; }

# attach VOL NODE: ControllerPublish, NodeStage, NodePublish at /var/lib/pods/VOL/volume.
attach() {
	local v=$1 n=$2 i
	# Retried as the CO does: a publish waiting for a host that just died
	# answers DEADLINE_EXCEEDED until the controller counts that host as dead.
	for i in 1 2 3 4; do
		csi controller csi.v1.Controller/ControllerPublishVolume "{\"volumeId\":\"$v\",\"nodeId\":\"$n\",\"volumeCapability\":$CAP}" >/dev/null && break
		[ "$i" -lt 4 ] || die "ControllerPublishVolume $v to $n failed"
	done
	on "$n" "mkdir -p /var/lib/staging/$v /var/lib/pods/$v"
	csi "$n" csi.v1.Node/NodeStageVolume "{\"volumeId\":\"$v\",\"stagingTargetPath\":\"/var/lib/staging/$v\",\"volumeCapability\":$CAP}" >/dev/null ||
		die "NodeStageVolume $v on $n failed"
	csi "$n" csi.v1.Node/NodePublishVolume "{\"volumeId\":\"$v\",\"stagingTargetPath\":\"/var/lib/staging/$v\",\"targetPath\":\"/var/lib/pods/$v/volume\",\"volumeCapability\":$CAP}" >/dev/null ||
		die "NodePublishVolume $v on $n failed"
}

# detach VOL NODE: the reverse, through CSI.
detach() {
	local v=$1 n=$2
	csi "$n" csi.v1.Node/NodeUnpublishVolume "{\"volumeId\":\"$v\",\"targetPath\":\"/var/lib/pods/$v/volume\"}" >/dev/null ||
		die "NodeUnpublishVolume $v on $n failed"
	csi "$n" csi.v1.Node/NodeUnstageVolume "{\"volumeId\":\"$v\",\"stagingTargetPath\":\"/var/lib/staging/$v\"}" >/dev/null ||
		die "NodeUnstageVolume $v on $n failed"
	csi controller csi.v1.Controller/ControllerUnpublishVolume "{\"volumeId\":\"$v\",\"nodeId\":\"$n\"}" >/dev/null ||
		die "ControllerUnpublishVolume $v from $n failed"
}

# write_data VOL NODE MIB: random files, their checksums kept on the host.
write_data() {
	on "$2" "cd /var/lib/pods/$1/volume && for i in \$(seq $3); do dd if=/dev/urandom of=f\$i bs=1M count=1 2>/dev/null; done && sync && sha256sum f*" >"$e2e_dir/$1.sums"
}

# verify_data VOL NODE: every file reads back as written (page cache dropped).
verify_data() {
	"$L" run "$2" "sync; echo 3 > /proc/sys/vm/drop_caches; cd /var/lib/pods/$1/volume && sha256sum -c" <"$e2e_dir/$1.sums" >/dev/null 2>&1 ||
		die "data of $1 on $2 does not match what was written"
}

# delete VOL: DeleteVolume, then the object goes once every node let go.
delete_volume() {
	local i
	csi controller csi.v1.Controller/DeleteVolume "{\"volumeId\":\"$1\"}" >/dev/null || die "DeleteVolume $1 failed"
	for i in $(seq 240); do k get msvol "$1" >/dev/null 2>&1 || return 0; sleep 0.5; done
	die "volume $1 is still there after 120 s: finalizers $(vol_field "$1" .metadata.finalizers)"
}

# leftovers NODE: our exports, arrays and partitions on NODE (empty when clean).
leftovers() {
	on "$1" "ls /sys/kernel/config/nvmet/subsystems; ls /sys/block | grep '^md'; blkid -s PARTLABEL -o value \$(ls /dev/nvme*n*p* 2>/dev/null) 2>/dev/null | grep '^ms:'; true" | tr '\n' ' '
}

# dump_logs: the last agent lines of every node, for a failure.
dump_logs() {
	local n
	echo "--- last agent log lines" >&2
	for n in node1 node2 node3; do
		echo "[$n]" >&2
		on "$n" 'tail -n 8 /var/log/meshstor.log' >&2 2>/dev/null || true
	done
}

e2e_dir=$(mktemp -d)
