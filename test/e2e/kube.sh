# The application of the Kubernetes tests and the demo (sourced after lib.sh):
# a claim of the chart's class, and a Pod that writes an fsync'd counter, as a
# user would check them.

# The Pod: an fsync'd counter in /data/counter, carried on from its value
# there; each value is printed once it is durable, so the Pod's log holds the
# last one acknowledged ("failed N" when a write of N failed).
pod_on() {
	k apply -f - >/dev/null <<-EOF
		apiVersion: v1
		kind: Pod
		metadata: {name: writer, namespace: default}
		spec:
		  ${1:+nodeSelector: {kubernetes.io/hostname: $1\}}
		  terminationGracePeriodSeconds: 2
		  containers:
		  - name: writer
		    image: lab.local/busybox:1
		    imagePullPolicy: Never
		    command:
		    - sh
		    - -c
		    - |
		      i=\$(cat /data/counter 2>/dev/null || echo 0)
		      echo "start \$i"
		      while :; do
		        i=\$((i + 1))
		        if echo \$i | dd of=/data/counter.new conv=fsync 2>/dev/null &&
		          mv /data/counter.new /data/counter && sync; then
		          echo \$i
		        else
		          echo "failed \$i"
		        fi
		        sleep 0.2
		      done
		    volumeMounts: [{name: data, mountPath: /data}]
		  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
	EOF
}

field() { k get "$1" -o "jsonpath={$2}" 2>/dev/null || true; }
pod_node() { field pod/writer .spec.nodeName; }
# follow: the Pod's log from its last line on, streamed (through its kubelet)
# into writer.log until the Pod ends or its kubelet goes. A second call
# replaces the first stream and its file. The stream runs in a session of its
# own, so that stopping it stops kubectl too.
follow_pid=""
follow_stop() {
	[ -z "$follow_pid" ] || kill -- -"$follow_pid" 2>/dev/null || true
	follow_pid=""
}
follow() {
	follow_stop
	: >"$e2e_dir/writer.log"
	setsid "$C" kubectl logs -f --tail=1 writer >"$e2e_dir/writer.log" 2>/dev/null </dev/null &
	follow_pid=$!
}
# follow_end: wait up to 30 s for the stream to end (its Pod has gone).
follow_end() {
	local i
	for i in $(seq 60); do kill -0 "$follow_pid" 2>/dev/null || break; sleep 0.5; done
	follow_stop
}
# The last value the Pod printed (acknowledged) in the stream so far, whole
# lines only; empty before the first.
acked() {
	local f=$e2e_dir/writer.log
	{ if [ -n "$(tail -c1 "$f" 2>/dev/null)" ]; then sed '$d' "$f"; else cat "$f" 2>/dev/null; fi; } |
		awk '/^[0-9]+$/ { v = $0 } END { print v }'
}
# The value the running Pod started from (the first line of its log).
# The value the Pod started from (its log's first line), read again for up to
# 30 s: a slow API server or kubelet can fail one read of a log just begun.
started_at() {
	local s _
	for _ in $(seq 60); do
		s=$({ k logs writer 2>/dev/null || true; } | sed -n '1s/^start //p')
		[ -z "$s" ] || break
		sleep 0.5
	done
	echo "$s"
}
volume() { field pvc/data .spec.volumeName; }
# The counter as its file on NODE holds it.
file_counter() { on "$1" "cat /var/lib/kubelet/pods/*/volumes/kubernetes.io~csi/*/mount/counter 2>/dev/null" || true; }
msvol() { { k get msvol -o name 2>/dev/null || true; } | sed 's|.*/||'; }

# wait_pod_running [SECONDS]: the Pod Ready, and its log followed.
wait_pod_running() {
	k wait --for=condition=Ready pod/writer --timeout="${1:-300}s" >/dev/null ||
		die "the Pod is not Ready after ${1:-300} s: $(k get pod writer -o wide --no-headers 2>&1); $(k get events --field-selector involvedObject.name=writer -o custom-columns=R:.reason,M:.message --no-headers 2>&1 | tail -n 3)"
	follow
}

# grows SECONDS: within SECONDS, a value acknowledged and then a greater one.
grows() {
	local a="" b i
	for ((i = 0; i < $1 * 2; i++)); do
		b=$(acked)
		if [ -z "$a" ]; then
			a=$b
		elif [ -n "$b" ] && [ "$b" -gt "$a" ]; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# other_member VOL NODE: the first node of VOL's members that is not NODE.
other_member() {
	local o
	o=$({ members_of "$1" || true; } | awk -v n="$2" '$0 != n && !o { print; o = 1 }')
	[ -n "$o" ] || die "volume $1 has no member outside $2"
	echo "$o"
}
md_arrays() { on "$1" "ls /sys/block | grep '^md'; true" || echo "(cannot reach $1)"; }
delete_pod() { k delete pod writer --wait --timeout=120s >/dev/null || die "the Pod was not deleted in 120 s"; }

claim() {
	k apply -f - >/dev/null <<-EOF
		apiVersion: v1
		kind: PersistentVolumeClaim
		metadata: {name: data, namespace: default}
		spec:
		  storageClassName: meshstor-replicated
		  accessModes: [ReadWriteOnce]
		  resources: {requests: {storage: 1Gi}}
	EOF
}

# The running Pod's whole log: FIRST LAST COUNT FAILED of the values it
# acknowledged and the writes that failed.
writes_summary() {
	{ k logs writer 2>/dev/null || true; } |
		awk '/^[0-9]+$/ { if (!n++) f = $0; l = $0 } /^failed/ { e++ }
			END { printf "%d %d %d %d", f, l, n, e }'
}

# claim_event REASON: within 30 s, an Event REASON on the claim and one on its
# PV, each naming its object's uid (what `kubectl describe` shows).
claim_event() {
	local pv i sel
	pv=$(volume)
	for i in $(seq 60); do
		sel="reason=$1,involvedObject.kind=PersistentVolumeClaim,involvedObject.name=data,involvedObject.uid=$(field pvc/data .metadata.uid)"
		if [ -n "$(k get events -n default --field-selector "$sel" -o name 2>/dev/null)" ]; then
			sel="reason=$1,involvedObject.kind=PersistentVolume,involvedObject.name=$pv,involvedObject.uid=$(field "pv/$pv" .metadata.uid)"
			[ -n "$(k get events -n default --field-selector "$sel" -o name 2>/dev/null)" ] && return 0
		fi
		sleep 0.5
	done
	return 1
}

# md_check NODE: MD's check of NODE's one array, while it serves (MD holds
# writes off each region it compares); dies unless it ends idle, its last
# action check, not degraded, mismatch_cnt 0. Prints those four.
md_check() {
	local md out
	md=$(md_arrays "$1")
	[[ $md =~ ^md[0-9]+$ ]] || die "$1 has not one array but '$md'"
	out=$(on "$1" "cd /sys/block/$md/md && echo check >sync_action || exit 1; sleep 1
		for i in \$(seq 600); do [ \$(cat sync_action) = idle ] && break; sleep 1; done
		cat sync_action last_sync_action degraded mismatch_cnt" | tr '\n' ' ') || true
	[ "$out" = "idle check 0 0 " ] ||
		die "MD's check of $md: sync_action, last_sync_action, degraded, mismatch_cnt: '$out'"
	echo "$out"
}
