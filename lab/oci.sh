# OCI image archives without a registry or a daemon (sourced, not run; needs
# lib.sh first, and umoci): the lab's node images (lab/build-image) and the
# images the chart's pods run in the lab (lab/cluster).

# oci_archive TREE NAME FILE ENTRYPOINT...: an OCI image archive of TREE, one
# layer, named NAME (what `ctr images import` registers it as).
oci_archive() {
	local tree=$1 name=$2 out=$3 work a cfg=()
	shift 3
	work=$(mktemp -d "$cache/oci.XXXXXX")
	tar -C "$tree" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .
	umoci init --layout "$work/oci"
	umoci new --image "$work/oci:$name"
	umoci raw add-layer --image "$work/oci:$name" "$work/layer.tar"
	for a in "$@"; do cfg+=(--config.entrypoint "$a"); done
	umoci config --image "$work/oci:$name" --architecture amd64 --os linux \
		--config.env PATH=/bin "${cfg[@]}"
	umoci gc --layout "$work/oci"
	tar -C "$work/oci" --sort=name --owner=0 --group=0 --numeric-owner -cf "$out" .
	rm -rf "$work"
}
