// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "kube/codec.h"
#include "kube/lease.h"
#include "model/names.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/sha256.h"
#include "util/banned.h"

void kube_lease_name(const char *node, struct strbuf *ret)
{
	uint8_t digest[SHA256_DIGEST_SIZE];

	strbuf_reset(ret);
	strbuf_adds(ret, KUBE_LEASE_PREFIX);
	if (strlen(KUBE_LEASE_PREFIX) + strlen(node) <= NAME_SUBDOMAIN_MAX) {
		strbuf_adds(ret, node);
		return;
	}
	/* Cutting the name could end it in '.' or '-', which no name may; a hash cannot. */
	sha256(node, strlen(node), digest);
	for (size_t i = 0; i < 16; i++)
		strbuf_addf(ret, "%02x", digest[i]);
}

static const char *meta_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

int kube_node_lease_read(const json_t *obj, struct kube_node_lease *ret)
{
	_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *duration = json_object_get(spec, "leaseDurationSeconds");
	const char *name = meta_string(obj, "name");
	const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
	const char *version = meta_string(obj, "resourceVersion");

	if (!name || !holder || !holder[0] || !version || !json_is_integer(duration) ||
	    json_integer_value(duration) < 1 ||
	    json_integer_value(duration) > KUBE_LEASE_DURATION_MAX)
		return -EINVAL;
	kube_lease_name(holder, &want);
	if (strcmp(want.buf, name) != 0)
		return -EINVAL;
	*ret = (struct kube_node_lease){
		.node = holder,
		.version = version,
		.duration_s = json_integer_value(duration),
	};
	return 0;
}

/* MicroTime, as the API server wants it: "2026-11-23T16:42:29.123456Z". */
static json_t *micro_time(int64_t usec)
{
	char s[CODEC_TIME_LEN + 1];
	int64_t sec = usec / (int64_t)USEC_PER_SEC, frac = usec % (int64_t)USEC_PER_SEC;

	if (frac < 0) {
		sec--;
		frac += (int64_t)USEC_PER_SEC;
	}
	if (codec_time_format(sec, s) < 0)
		return NULL;
	s[CODEC_TIME_LEN - 1] = '\0'; /* the 'Z' */
	return json_sprintf("%s.%06lldZ", s, (long long)frac);
}

json_t *kube_node_lease_renew(json_t *obj, const char *node, unsigned duration_s, int64_t now_usec)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	json_t *spec, *now = micro_time(now_usec), *made = NULL;
	int r = 0;

	if (!now)
		return NULL;
	if (!obj) {
		kube_lease_name(node, &name);
		obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{}}", "apiVersion",
				"coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
				name.buf, "namespace", KUBE_LEASE_NAMESPACE, "labels",
				"app.kubernetes.io/name", "meshstor", "spec");
		if (!obj) {
			json_decref(now);
			return NULL;
		}
		made = obj;
	}
	spec = json_object_get(obj, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		r |= json_object_set_new(obj, "spec", spec);
	}
	r |= json_object_set_new(spec, "holderIdentity", json_string(node));
	r |= json_object_set_new(spec, "leaseDurationSeconds", json_integer(duration_s));
	if (!json_is_string(json_object_get(spec, "acquireTime")))
		r |= json_object_set(spec, "acquireTime", now);
	r |= json_object_set_new(spec, "renewTime", now);
	if (r) {
		json_decref(made);
		return NULL;
	}
	return obj;
}

bool kube_node_out_of_service(const json_t *node)
{
	const json_t *taints = json_object_get(json_object_get(node, "spec"), "taints"), *t;
	size_t i;

	json_array_foreach (taints, i, t) {
		const char *key = json_string_value(json_object_get(t, "key"));

		if (key && strcmp(key, NODE_TAINT_OUT_OF_SERVICE) == 0)
			return true;
	}
	return false;
}
