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

# create NAME COPIES DRIVES_PER_COPY: a 1 GiB volume; prints its id, and adds it to
# $e2e_dir/volumes (what a run deletes after each scenario or fault).
create() {
	local resp id
	resp=$(csi controller csi.v1.Controller/CreateVolume "{\"name\":\"$1\",\"capacityRange\":{\"requiredBytes\":\"1073741824\"},\"volumeCapabilities\":[$CAP],\"parameters\":{\"numberOfCopies\":\"$2\",\"drivesPerCopy\":\"$3\",\"sectorSize\":\"512\"}}")
	id=$(echo "$resp" | sed -n 's/.*"volumeId":"\([^"]*\)".*/\1/p')
	[ -n "$id" ] || die "CreateVolume $1 answered: $resp"
	echo "$id" >>"$e2e_dir/volumes"
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
	# Retried, as the kubelet does, only while a new volume's partition on the consumer
	# itself waits for that node's next agent pass.
	for i in $(seq 10); do
		csi "$n" csi.v1.Node/NodeStageVolume "{\"volumeId\":\"$v\",\"stagingTargetPath\":\"/var/lib/staging/$v\",\"volumeCapability\":$CAP}" >/dev/null 2>"$e2e_dir/attach.err" && break
		[[ $(cat "$e2e_dir/attach.err") = Unavailable:*"is new and none of its members is ready yet"* && $i -lt 10 ]] ||
			die "NodeStageVolume $v on $n failed: $(cat "$e2e_dir/attach.err")"
		note "NodeStageVolume $v on $n: $(cat "$e2e_dir/attach.err"); retried"
		sleep 3
	done
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
	local out
	out=$("$L" run "$2" "sync; echo 3 > /proc/sys/vm/drop_caches; cd /var/lib/pods/$1/volume && sha256sum -c" <"$e2e_dir/$1.sums" 2>&1) ||
		die "data of $1 on $2 does not match what was written: $(echo "$out" | grep -v ': OK$' | tr '\n' ' ' | cut -c1-400); $("$L" run "$2" "cat /proc/mdstat; dmesg | tail -n 15" 2>&1 | tr '\n' ' ' | cut -c1-1200)"
}

# delete VOL: DeleteVolume, then the object goes once every node let go.
delete_volume() {
	local i
	csi controller csi.v1.Controller/DeleteVolume "{\"volumeId\":\"$1\"}" >/dev/null || die "DeleteVolume $1 failed"
	for i in $(seq 240); do k get msvol "$1" >/dev/null 2>&1 || return 0; sleep 0.5; done
	die "volume $1 is still there after 120 s: finalizers $(vol_field "$1" .metadata.finalizers)"
}

# leftovers NODE: our exports, arrays, holds and partitions on NODE (empty when clean).
leftovers() {
	on "$1" "ls /sys/kernel/config/nvmet/subsystems; ls /sys/block | grep -E '^(md|dm-)'; blkid -s PARTLABEL -o value \$(ls /dev/nvme*n*p* 2>/dev/null) 2>/dev/null | grep '^ms:'; true" | tr '\n' ' '
}

# dump_logs: for a failure, what each node says: the agent's last lines, what
# the kernel said of segfaults, the OOM killer, oopses and hung tasks, the
# tasks stuck in the kernel and their stacks (a guest whose userspace starves
# answers TCP but never runs a command), and what the console printed since
# this boot (an oops or a soft lockup ends there when nothing else answers).
# Every call is bounded: a failure report that hangs hides the failure.
dump_logs() {
	local n
	echo "--- last agent log lines, kernel messages and consoles" >&2
	for n in node1 node2 node3; do
		echo "[$n]" >&2
		if ! timeout 20 "$L" run "$n" true </dev/null >/dev/null 2>&1; then
			echo "(does not run commands)" >&2
		else
			# The agent's log: run-agent's, or its pod's (LAB_KUBE=1).
			timeout 20 "$L" run "$n" 'tail -n 8 /var/log/meshstor.log 2>/dev/null ||
				tail -qn 8 /var/log/pods/meshstor_meshstor-node-*/meshstor/*.log' </dev/null >&2 2>/dev/null
			# shellcheck disable=SC2016 # expanded on the node
			timeout 20 "$L" run "$n" 'pidof meshstor >/dev/null || echo "(no meshstor process)"
				dmesg | grep -E "segfault|Out of memory|Killed process|BUG:|Oops|blocked for more than|soft lockup" | tail -n 5
				for t in /proc/[0-9]*; do
					grep -q "^State:.*D (disk sleep)" $t/status 2>/dev/null || continue
					echo "stuck in the kernel: $(tr "\0" " " <$t/cmdline | cut -c1-80) [$(cat $t/comm)]"
					sed -n 1,12p $t/stack 2>/dev/null | sed "s/^/    /"
				done' </dev/null >&2 2>/dev/null || echo "(the report of $n did not finish in 20 s)" >&2
		fi
		console_of "$n" 40 >&2
	done
}

# console_of NODE LINES: what NODE's console printed since its last boot
# (quiet: warnings and worse), from the first oops, lockup or panic line if
# there is one (the trace that names the cause comes first), else the end.
console_of() {
	"$L" log "$1" 2>/dev/null | awk -v max="$2" '
		/^=== lab: .* booting/ { n = 0; first = 0; delete l; next }
		{ l[++n] = $0 }
		!first && /BUG:|Oops|general protection|soft lockup|blocked for more than|Kernel panic|WARNING:/ { first = n }
		END {
			from = first ? first : (n > max ? n - max + 1 : 1)
			for (i = from; i <= n && i < from + max; i++) print "  | " l[i]
		}' || true
}

e2e_dir=$(mktemp -d)

# ------------------------------------------------------------------ the fault suite's helpers
# (test/e2e/faults): CSI steps one at a time, the application (an fsync'd counter), a sampler
# of every node during a fault, and the checker run after one. A failed check is recorded with
# `bad` and the fault goes on to its end, so one run shows every broken promise.

fault_nodes="node1 node2 node3"
stage_path() { echo "/var/lib/staging/$1"; }
target_path() { echo "/var/lib/pods/$1/volume"; }

# After a failure (the faults' and the scenarios' cleanup):
# heal_cuts NODES...: every network cut between two of NODES undone.
heal_cuts() {
	local n m
	for n in "$@"; do
		for m in "$@"; do
			[[ "$n" < "$m" ]] || continue
			"$L" netheal "$n" "$m" >/dev/null 2>&1 || true
		done
	done
}

# agent_deaths NODE: how many times NODE's console says its agent ended unasked (the line
# lab/cluster's run-agent writes; a stop asked for says "stopped as asked" and is not counted).
agent_deaths() {
	"$L" log "$1" 2>/dev/null | tr -d '\r' | grep -cE "'s meshstor agent (killed by signal|exited with status)" || true
}

# agents_mark NODES... / agents_check NODES...: a BAD line for each node whose agent died
# (a crash, the OOM killer, an exit of its own) since the mark, and false if one did. Run
# after the fault or scenario, however it ended: a death is what made it fail, often. Nothing restarts an agent in
# the lab, and one that died used to show only as a later "connection refused".
agents_mark() {
	local n
	for n in "$@"; do agent_deaths "$n" >"$e2e_dir/deaths.$n"; done
}

agents_check() {
	local n ok=0
	for n in "$@"; do
		[ "$(agent_deaths "$n")" -gt "$(cat "$e2e_dir/deaths.$n" 2>/dev/null || echo 0)" ] || continue
		bad "$n's agent died: $("$L" log "$n" 2>/dev/null | tr -d '\r' | grep -E "'s meshstor agent (killed|exited)" | tail -n 1) (its log and console say more)"
		ok=1
	done
	return "$ok"
}

# revive_nodes NODES...: a stopped node started; one that no longer answers (a kernel crash
# or hang) shows the end of its console, then boots again.
revive_nodes() {
	local n st
	# (read whole first: grep -q would end the pipe early, and pipefail take the SIGPIPE)
	st=$("$L" status 2>/dev/null) || true
	for n in "$@"; do
		if grep -q "^$n .* stopped" <<<"$st"; then
			"$C" node-start "$n" >/dev/null 2>&1 || note "cannot start $n"
		elif ! timeout 30 "$L" run "$n" true </dev/null >/dev/null 2>&1; then
			note "$n does not answer; the end of its console:"
			console_of "$n" 60 | sed 's/^/        /'
			"$L" kill "$n" >/dev/null 2>&1 || true
			"$C" node-start "$n" >/dev/null 2>&1 || note "cannot start $n"
		fi
	done
}

# sweep_volumes NODES...: whatever it takes: each volume of $e2e_dir/volumes unpublished and
# unstaged on every node, detached and deleted (its finalizers dropped if it would not go);
# then the mounts and arrays the agents left (a broken fault can leave them) undone.
sweep_volumes() {
	local v n holder i
	for v in $(tac "$e2e_dir/volumes" 2>/dev/null); do
		for n in "$@"; do
			timeout 180 "$C" csi "$n" csi.v1.Node/NodeUnpublishVolume "{\"volumeId\":\"$v\",\"targetPath\":\"$(target_path "$v")\"}" >/dev/null 2>&1 || true
			timeout 180 "$C" csi "$n" csi.v1.Node/NodeUnstageVolume "{\"volumeId\":\"$v\",\"stagingTargetPath\":\"$(stage_path "$v")\"}" >/dev/null 2>&1 || true
		done
		holder=$(vol_field "$v" .spec.nodeName 2>/dev/null || true)
		[ -z "$holder" ] || timeout 180 "$C" csi controller csi.v1.Controller/ControllerUnpublishVolume "{\"volumeId\":\"$v\",\"nodeId\":\"$holder\"}" >/dev/null 2>&1 || true
		timeout 60 "$C" csi controller csi.v1.Controller/DeleteVolume "{\"volumeId\":\"$v\"}" >/dev/null 2>&1 || true
		for i in $(seq 120); do
			k get msvol "$v" >/dev/null 2>&1 || break
			sleep 1
		done
		if k get msvol "$v" >/dev/null 2>&1; then
			note "cleanup: $v would not go; its finalizers dropped (partitions may be left)"
			k patch msvol "$v" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
		fi
	done
	for n in "$@"; do
		on "$n" "for m in \$(grep -o ' /var/lib/pods/[^ ]*\| /var/lib/staging/[^ ]*' /proc/mounts); do umount -l \$m; done;
			for d in /sys/block/md*; do [ -e \$d/md ] && mdadm --stop /dev/\${d##*/}; done; true" >/dev/null 2>&1 || true
	done
}

# bad MESSAGE: a broken promise, recorded; the fault fails at its end.
bad() {
	printf '          BAD: %s\n' "$*"
	echo "$*" >>"$e2e_dir/bad"
}

# create_small NAME COPIES: a 512 MiB volume (the smallest; resync and check stay short).
create_small() {
	local resp id
	resp=$(csi controller csi.v1.Controller/CreateVolume "{\"name\":\"$1\",\"capacityRange\":{\"requiredBytes\":\"536870912\"},\"volumeCapabilities\":[$CAP],\"parameters\":{\"numberOfCopies\":\"$2\",\"drivesPerCopy\":\"1\",\"sectorSize\":\"512\"}}" 2>&1) || true
	id=$(echo "$resp" | sed -n 's/.*"volumeId":"\([^"]*\)".*/\1/p')
	[ -n "$id" ] || die "CreateVolume $1 answered: $resp"
	echo "$id" >>"$e2e_dir/volumes"
	echo "$id"
}

# One CSI call each; the gRPC status and message go to stderr, the exit status says how it went.
cpublish() {
	csi controller csi.v1.Controller/ControllerPublishVolume "{\"volumeId\":\"$1\",\"nodeId\":\"$2\",\"volumeCapability\":$CAP}" >/dev/null
}
cunpublish() {
	csi controller csi.v1.Controller/ControllerUnpublishVolume "{\"volumeId\":\"$1\",\"nodeId\":\"$2\"}" >/dev/null
}
nstage() {
	on "$2" "mkdir -p $(stage_path "$1") /var/lib/pods/$1"
	csi "$2" csi.v1.Node/NodeStageVolume "{\"volumeId\":\"$1\",\"stagingTargetPath\":\"$(stage_path "$1")\",\"volumeCapability\":$CAP}" >/dev/null
}
nunstage() {
	csi "$2" csi.v1.Node/NodeUnstageVolume "{\"volumeId\":\"$1\",\"stagingTargetPath\":\"$(stage_path "$1")\"}" >/dev/null
}
npublish() {
	csi "$2" csi.v1.Node/NodePublishVolume "{\"volumeId\":\"$1\",\"stagingTargetPath\":\"$(stage_path "$1")\",\"targetPath\":\"$(target_path "$1")\",\"volumeCapability\":$CAP}" >/dev/null
}
nunpublish() {
	csi "$2" csi.v1.Node/NodeUnpublishVolume "{\"volumeId\":\"$1\",\"targetPath\":\"$(target_path "$1")\"}" >/dev/null
}

# stage_until VOL NODE SECONDS: NodeStageVolume until it succeeds (the CO retries too); the
# last answer is in $e2e_dir/stage.err. Then NodePublishVolume.
stage_until() {
	local end=$((SECONDS + $3))
	until nstage "$1" "$2" 2>"$e2e_dir/stage.err"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 3
	done
	npublish "$1" "$2"
}

# restage VOL NODE: what a restarted pod does on the same node at the same epoch (no
# ControllerUnpublish): NodeUnpublish, NodeUnstage, NodeStage (retried 180 s), NodePublish.
restage() {
	nunpublish "$1" "$2" || bad "NodeUnpublishVolume $1 on $2 failed"
	nunstage "$1" "$2" || bad "NodeUnstageVolume $1 on $2 failed"
	stage_until "$1" "$2" 180 || {
		bad "NodeStageVolume $1 on $2 kept failing for 180 s: $(cat "$e2e_dir/stage.err")"
		return 1
	}
}

# The kernel name of VOL's array on NODE (empty when none is assembled there).
md_of() {
	on "$2" "for m in /sys/block/md*; do [ -e \$m/md ] || continue; mdadm --detail --export /dev/\${m##*/} 2>/dev/null | grep -qE '^MD_NAME=(.*:)?$1\$' && echo \${m##*/}; done; true" | sed -n 1p
}

# ---- the application: an fsync'd counter, each acknowledged value printed

# Runs in the VM: overwrites FILE with the next value, fsync'd, then prints it; exits on the
# first failed write. The file stays open (an application holding it), so it can never fall
# through to the directory under an unmounted target.
fault_writer() {
	local f=$1 i
	echo $$ >/run/fault-writer.pid
	i=$(cat "$f" 2>/dev/null) || i=0
	i=$((10#${i:-0}))
	exec 3<>"$f" || exit 1
	while :; do
		i=$((i + 1))
		printf '%012d\n' "$i" | dd of=/proc/self/fd/3 conv=notrunc,fsync 2>/dev/null ||
			{
				echo "write of $i failed"
				exit 1
			}
		echo "$i"
		sleep 0.2
	done
}

# writer_start VOL NODE: the writer on NODE, its output streamed to the host
# ($e2e_dir/writer.VOL), so the last acknowledged value is known even if NODE dies.
# Returns once it has acknowledged 3 values past the current one.
writer_start() {
	local v=$1 n=$2 from i lines
	from=$(writer_last "$v")
	lines=0
	[ ! -f "$e2e_dir/writer.$v" ] || lines=$(wc -l <"$e2e_dir/writer.$v")
	"$L" run "$n" "$(declare -f fault_writer); fault_writer $(target_path "$v")/counter" \
		</dev/null >>"$e2e_dir/writer.$v" 2>&1 &
	echo "$! $n" >"$e2e_dir/writer.$v.pid"
	for i in $(seq 120); do
		[ "$(writer_last "$v")" -ge $((from + 3)) ] && return 0
		# An earlier writer's failure is not this one's.
		tail -n +$((lines + 1)) "$e2e_dir/writer.$v" | grep -q failed && break
		sleep 0.5
	done
	die "the writer on $n did not get going: $(tail -n 2 "$e2e_dir/writer.$v" | tr '\n' ' ')"
}

# writer_last VOL: the last value the writer had acknowledged (0 before any).
writer_last() {
	local x
	x=$(grep -E '^[0-9]+$' "$e2e_dir/writer.$1" 2>/dev/null | tail -n 1) || true
	echo $((10#${x:-0}))
}

# writer_wait VOL N: until N more values are acknowledged (false if the writer stopped).
writer_wait() {
	local want i
	want=$(($(writer_last "$1") + $2))
	for i in $(seq 240); do
		[ "$(writer_last "$1")" -ge "$want" ] && return 0
		writer_alive "$1" || return 1
		sleep 0.5
	done
	return 1
}

writer_alive() {
	local pid
	[ -f "$e2e_dir/writer.$1.pid" ] || return 1
	read -r pid _ <"$e2e_dir/writer.$1.pid"
	kill -0 "$pid" 2>/dev/null
}

# writer_stop VOL: the writer ends (on its node when that answers), its stream with it.
writer_stop() {
	local pid n
	[ -f "$e2e_dir/writer.$1.pid" ] || return 0
	read -r pid n <"$e2e_dir/writer.$1.pid"
	# shellcheck disable=SC2016 # expanded on the node
	timeout 20 "$L" run "$n" 'p=$(cat /run/fault-writer.pid 2>/dev/null) && kill $p 2>/dev/null &&
		while kill -0 $p 2>/dev/null; do sleep 0.1; done; true' </dev/null >/dev/null 2>&1 || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$e2e_dir/writer.$1.pid"
}

# counter_read VOL NODE: the counter as NODE reads it now, page cache dropped ("" if unreadable).
counter_read() {
	on "$2" "echo 3 >/proc/sys/vm/drop_caches; cat $(target_path "$1")/counter" 2>/dev/null |
		grep -E '^[0-9]+$' | sed 's/^0*\(.\)/\1/' || true
}

# check_counter VOL NODE: the counter read back is at least the last acknowledged value.
check_counter() {
	local got last
	last=$(writer_last "$1")
	got=$(counter_read "$1" "$2")
	if [ -z "$got" ]; then
		bad "the counter of $1 cannot be read on $2 (last acknowledged: $last)"
	elif [ "$got" -lt "$last" ]; then
		bad "the counter went backwards: $2 reads $got, the application had acknowledged $last"
	else
		note "counter: read $got, last acknowledged $last"
	fi
}

# ---- the sampler: every node's arrays (and the consumer's filesystem) and the volume's
# status, about once a second, with host timestamps, during a fault.

# One line per node: FSDOWN MOUNTED, then per array kname,uuid,array_state,ro,degraded,
# raid_disks,present,reach (present: members whose block device still exists; reach: those
# that can take a write now: a local partition, or a namespace with a live controller. An
# array whose every member is gone, or only reconnecting to an exporter that fenced it,
# writes nowhere, whatever array_state says).
sample_cmd() {
	local st
	st=$(stage_path "$1")
	cat <<-EOF
		m=0 f=0; grep -q ' $st ' /proc/mounts && m=1
		# XFS shut down fails stat(2) of its root with EIO (a stalled one still answers).
		[ \$m = 1 ] && stat $st 2>&1 >/dev/null | grep -q 'Input/output error' && f=1
		l="\$f \$m"
		for d in /sys/block/md*; do
			[ -e \$d/md/array_state ] || continue
			read -r u <\$d/md/uuid; read -r s <\$d/md/array_state; read -r r <\$d/ro
			read -r g <\$d/md/degraded; read -r k <\$d/md/raid_disks; read -r y <\$d/md/level
			v=0 w=0
			for x in \$d/md/dev-*; do
				[ -e \$x/block/dev ] || continue
				grep -q faulty \$x/state 2>/dev/null && continue
				v=\$((v + 1))
				if [ -e \$x/block/partition ]; then w=\$((w + 1)); continue; fi
				# A hold (dm-N) answers through the namespace under it.
				for c in \$x/block/device/state \$x/block/device/nvme*/state \
					\$x/block/slaves/*/device/state \$x/block/slaves/*/device/nvme*/state; do
					[ "\$(cat \$c 2>/dev/null)" = live ] && { w=\$((w + 1)); break; }
				done
			done
			# RAID1 completes a write once every leg in it has: one reconnecting holds them all.
			if [ \$y = raid1 ]; then [ \$w -gt 0 ] && [ \$w = \$v ] && o=1 || o=0; else [ \$w -gt 0 ] && o=1 || o=0; fi
			l="\$l \${d##*/},\$u,\$s,\$r,\$g,\$k,\$v,\$o"
		done
		echo "\$l"
	EOF
}

sampler_loop() {
	local v=$1 cmd n out cr
	cmd=$(sample_cmd "$v")
	while [ ! -e "$e2e_dir/sampler.stop" ]; do
		for n in $fault_nodes; do
			out=$(timeout 5 "$L" run "$n" "$cmd" </dev/null 2>/dev/null) || continue
			echo "$EPOCHREALTIME $n $out"
		done
		cr=$(timeout 5 "$C" kubectl get msvol "$v" -o jsonpath='{.status.phase} {.status.degraded} {.status.ready} {.status.nodeName}' 2>/dev/null) &&
			echo "$EPOCHREALTIME cr $cr"
		sleep 0.3
	done
}

# sampler_start VOL: samples into $e2e_dir/samples until sampler_stop.
sampler_start() {
	rm -f "$e2e_dir/sampler.stop" "$e2e_dir/samples"
	echo "$1" >"$e2e_dir/sampler.vol"
	sampler_loop "$1" >"$e2e_dir/samples" 2>/dev/null &
	echo $! >"$e2e_dir/sampler.pid"
}

# sampler_stop UUID: stops it and judges the samples:
#  - at most one node ever has an array of this UUID assembled read-write that can complete a
#    write (RAID1: every leg not faulty is a local partition or has a live controller; RAID10:
#    one has) under a filesystem that is not shut down: a node's run of such samples must not contain another node's (a consumer
#    fenced while cut from the API server keeps its array until it hears of the new claim;
#    its writes wait for the legs it lost meanwhile);
#  - for longer than the 15 s a report may lag, the volume's status never hides a broken
#    array on the node it names (phase Broken), a filesystem shut down there (phase
#    FilesystemShutDown, or Broken), or an array with no working member (not Ready, degraded).
sampler_stop() {
	local pid out
	[ -f "$e2e_dir/sampler.pid" ] || return 0
	touch "$e2e_dir/sampler.stop"
	read -r pid <"$e2e_dir/sampler.pid"
	wait "$pid" 2>/dev/null || true
	rm -f "$e2e_dir/sampler.pid"
	out=$(awk -v vu="$1" -v grace=15 '
		NR == 1 { t0 = $1 }
		function close_run(n, u) {
			runs++; ru[runs] = u; rn[runs] = n; rs[runs] = start[n, u]; re[runs] = end[n, u]
			delete open[n, u]
		}
		$2 == "cr" {
			n = $6
			# Broken says Broken, a shut-down filesystem FilesystemShutDown (or Broken, its
			# cause), and any array that writes nowhere is at least not Ready.
			if (kind[n] == "broken") ok = $3 == "Broken"
			else if (kind[n] == "fs") ok = $3 == "FilesystemShutDown" || $3 == "Broken"
			else ok = $3 != "Ready" && $4 != "false"
			if (n != "" && since[n] != "" && $1 - since[n] >= grace && !ok && !said) {
				printf "the volume says phase=%s degraded=%s ready=%s while its array has been %s for %.0f s\n", $3, $4, $5, what[n], $1 - since[n]
				said = 1
			}
			next
		}
		{
			t = $1; n = $2; nodes[n] = 1; brk = 0; why = ""; k = ""
			split("", rw)
			for (i = 5; i <= NF; i++) {
				split($i, f, ",")
				if (f[3] ~ /^(clean|active|active-idle|write-pending)$/ && f[4] == 0 && f[8] > 0)
					rw[f[2]] = 1
				if (f[2] == vu && (f[3] == "broken" || f[5] + 0 >= f[6] + 0 || f[7] == 0)) {
					brk = 1; why = f[3] " (" f[1] " on " n ")"
					k = f[3] == "broken" ? "broken" : "other"
				}
			}
			if ($4 == 1 && $3 == 1 && k != "broken") { brk = 1; why = "shut down (XFS on " n ")"; k = "fs" }
			# A shut-down XFS acknowledges nothing, whatever the array under it completes.
			if ($4 == 1 && $3 == 1) split("", rw)
			kind[n] = k
			for (k in open) { split(k, p, SUBSEP); if (p[1] == n && !(p[2] in rw)) close_run(n, p[2]) }
			for (u in rw) { if (!((n, u) in open)) { open[n, u] = 1; start[n, u] = t } end[n, u] = t }
			if (brk && since[n] == "") since[n] = t
			if (brk) what[n] = why
			if (!brk) since[n] = ""
		}
		END {
			for (k in open) { split(k, p, SUBSEP); close_run(p[1], p[2]) }
			for (a = 1; a <= runs; a++)
				for (b = a + 1; b <= runs; b++)
					if (ru[a] == ru[b] && rn[a] != rn[b] && rs[a] <= re[b] && rs[b] <= re[a])
						printf "array %s was read-write on %s and on %s at once (%.1f s..%.1f s and %.1f s..%.1f s)\n", ru[a], rn[a], rn[b], rs[a] - t0, re[a] - t0, rs[b] - t0, re[b] - t0
		}' "$e2e_dir/samples")
	[ -z "$out" ] || while IFS= read -r line; do bad "$line"; done <<<"$out"
	note "sampler: $(grep -c ' cr ' "$e2e_dir/samples" || true) rounds"
}

# ---- the checker, after a fault; VOL staged and published on NODE, the writer stopped

# wait_settled VOL SECONDS: until the volume is Ready, not degraded, no resync.
wait_settled() {
	local i
	for ((i = 0; i < $2; i += 2)); do
		[ "$(vol_field "$1" '.status.phase}/{.status.degraded')" = Ready/false ] && return 0
		sleep 2
	done
	return 1
}

# cr_mismatches VOL NODE MD: where the volume's status and the kernel on NODE disagree, one
# line each (empty when they agree). active and clean are one state here: MD flips between
# them with every write, faster than a status is written.
cr_mismatches() {
	local v=$1 n=$2 md=$3 disks mdstat st
	local -a k s
	read -r -a k <<<"$(on "$n" "cd /sys/block/$md/md && cat array_state degraded raid_disks && cat dev-*/state | grep -c in_sync;
		for d in dev-*; do [ -e \$d/block/dev ] || echo \$d; done" | tr '\n' ' ')"
	mdstat=$(on "$n" "grep -A1 '^$md ' /proc/mdstat | tail -n 1") || true
	read -r -a s <<<"$(vol_field "$v" '.status.phase} {.status.mdState} {.status.degraded} {.status.ready} {.status.nodeName} {.status.members[*].state')"
	echo "# kernel: ${k[*]} ($mdstat); status: ${s[*]}"
	disks=$(members_of "$v" | wc -l)
	[ -z "${k[4]:-}" ] || echo "$md on $n has members whose device is gone: ${k[*]:4}"
	[ "${s[4]:-}" = "$n" ] || echo "status.nodeName is '${s[4]:-}', the array is on $n"
	st=${s[1]:-}
	[ "$st" != active ] || st=clean
	[ "$st" = "${k[0]/active/clean}" ] || echo "status.mdState is '${s[1]:-}', the kernel says '${k[0]}'"
	[ "${s[3]:-}" = "${k[3]}/$disks" ] || echo "status.ready is '${s[3]:-}', the kernel has ${k[3]} of $disks members in sync"
	if [ "${k[1]}" = 0 ] && [ "${k[0]}" != broken ]; then
		[ "${s[2]:-}" = false ] || echo "status.degraded is ${s[2]:-}, the kernel's array is whole"
	else
		[ "${s[2]:-}" = true ] || echo "status.degraded is ${s[2]:-}, the kernel's array is ${k[0]} with degraded=${k[1]}"
		[ "${s[0]:-}" != Ready ] || echo "the volume says Ready, the kernel's array is ${k[0]} with degraded=${k[1]}"
	fi
	case $mdstat in
	*"[$(printf 'U%.0s' $(seq "$disks"))]"*) ;;
	*) [ "${s[0]:-}" != Ready ] || echo "the volume says Ready, /proc/mdstat says: $mdstat" ;;
	esac
}

# check_cr VOL NODE MD: the volume's status agrees with /proc/mdstat and sysfs on NODE
# within 20 s (a report follows the kernel by a pass or two).
check_cr() {
	local i out
	for i in $(seq 10); do
		out=$(cr_mismatches "$@")
		grep -qv '^#' <<<"$out" || break
		sleep 2
	done
	note "$(sed -n 's/^# //p' <<<"$out")"
	while IFS= read -r line; do
		[ -z "$line" ] || [ "${line:0:1}" = "#" ] || bad "$line"
	done <<<"$out"
}

# check_exports VOL CONSUMER: every member on another node is exported to CONSUMER's host NQN
# alone (and linked to a port); none on CONSUMER itself is exported.
check_exports() {
	local v=$1 c=$2 want i n got
	want=$("$L" hostnqn "$c")
	i=0
	while read -r n; do
		got=$(on "$n" "d=\$(ls -d /sys/kernel/config/nvmet/subsystems/*$v:m$(vol_field "$v" ".spec.members[$i].index") 2>/dev/null) || exit 0
			echo \"\$(ls \$d/allowed_hosts) any=\$(cat \$d/attr_allow_any_host) ports=\$(ls /sys/kernel/config/nvmet/ports/*/subsystems/ | grep -c \${d##*/})\"")
		if [ "$n" = "$c" ]; then
			[ -z "$got" ] || bad "member $i on the consumer $n is exported: $got"
		elif [ "$got" != "$want any=0 ports=1" ]; then
			bad "member $i on $n is exported as '$got', not to $c ($want) alone"
		fi
		i=$((i + 1))
	done < <(members_of "$v")
}

# md_check NODE MD SECONDS: MD's check of array MD on NODE, waited for SECONDS at most;
# prints its sync_action and mismatch_cnt then, on one line ("idle 0 " when the copies agree).
md_check() {
	on "$1" "echo check >/sys/block/$2/md/sync_action && sleep 1 &&
		for i in \$(seq $3); do [ \$(cat /sys/block/$2/md/sync_action) = idle ] && break; sleep 1; done;
		cat /sys/block/$2/md/sync_action /sys/block/$2/md/mismatch_cnt" | tr '\n' ' ' || true
}

# check_volume VOL NODE: the checker. The counter did not go backwards; the volume settles
# Ready and its status agrees with the kernel and configfs; then, unmounted: MD's check finds
# no mismatch and xfs_repair -n finds nothing. Leaves the volume unmounted on NODE (NodeUnstage
# finishes the job).
check_volume() {
	local v=$1 n=$2 md out
	writer_stop "$v"
	check_counter "$v" "$n"
	wait_settled "$v" 180 || bad "$v did not settle Ready within 180 s: $(vol_field "$v" '.status.phase} {.status.mdState} {.status.ready} {.status.members[*].state')"
	md=$(md_of "$v" "$n")
	if [ -z "$md" ]; then
		bad "no array of $v on $n"
		return 0
	fi
	check_cr "$v" "$n" "$md"
	check_exports "$v" "$n"
	on "$n" "umount $(target_path "$v") && umount $(stage_path "$v")" >/dev/null 2>&1 ||
		bad "cannot unmount $v on $n for the offline checks"
	if [ "$(on "$n" "cat /sys/block/$md/md/degraded")" = 0 ]; then
		out=$(md_check "$n" "$md" 600)
		[ "$out" = "idle 0 " ] || bad "MD's check of $md: sync_action and mismatch_cnt: $out"
		note "MD check: $out"
	else
		bad "$md is degraded: MD's check cannot compare the copies"
	fi
	if out=$(on "$n" "xfs_repair -n /dev/$md 2>&1"); then
		note "xfs_repair -n: clean"
	else
		bad "xfs_repair -n /dev/$md: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}
