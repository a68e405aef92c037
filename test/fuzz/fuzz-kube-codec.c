// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzes the Kubernetes JSON codecs: the input is parsed as the API server's
 * reply would be and handed to all three x_from_json(). Whatever one accepts
 * must write out with x_to_json() and read back again: the codec never writes
 * what it would refuse to read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "kube/codec.h"
#include "util/strbuf.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Through text, as the object would travel. */
static json_t *reparse(json_t *o)
{
	char *text;
	json_t *again;

	if (!o)
		abort();
	text = json_dumps(o, JSON_COMPACT);
	if (!text)
		abort();
	again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!again)
		abort();
	free(text);
	json_decref(o);
	return again;
}

static void volume(const json_t *in, struct strbuf *err)
{
	struct volume *v = NULL, *again = NULL;
	json_t *o;

	if (volume_from_json(in, &v, err) < 0)
		return;
	o = reparse(volume_to_json(v));
	if (volume_from_json(o, &again, err) < 0)
		abort();
	json_decref(o);
	o = volume_status_to_json(again);
	if (!o)
		abort();
	json_decref(o);
	volume_free(again);
	volume_free(v);
}

static void device(const json_t *in, struct strbuf *err)
{
	struct node_device *d = NULL, *again = NULL;
	json_t *o;

	if (node_device_from_json(in, &d, err) < 0)
		return;
	o = reparse(node_device_to_json(d));
	if (node_device_from_json(o, &again, err) < 0)
		abort();
	json_decref(o);
	node_device_free(again);
	node_device_free(d);
}

static void node(const json_t *in, struct strbuf *err)
{
	struct mesh_node *n = NULL, *again = NULL;
	json_t *o;

	if (mesh_node_from_json(in, &n, err) < 0)
		return;
	o = reparse(mesh_node_to_json(n));
	if (mesh_node_from_json(o, &again, err) < 0)
		abort();
	json_decref(o);
	mesh_node_free(again);
	mesh_node_free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	/* JSON_ALLOW_NUL lets "\u0000" through to the codec, which must refuse it itself. */
	json_t *in = json_loadb((const char *)data, size,
				JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

	volume(in, &err);
	device(in, &err);
	node(in, &err);
	json_decref(in);
	strbuf_done(&err);
	return 0;
}
