// SPDX-License-Identifier: GPL-2.0-only
#include "kube/codec.h"
#include "util/banned.h"

int codec_decode_volume(const json_t *obj, void **ret, struct strbuf *err)
{
	struct volume *v;
	int r = volume_from_json(obj, &v, err);

	if (r == 0)
		*ret = v;
	return r;
}

void codec_free_volume(void *v)
{
	volume_free(v);
}

int codec_decode_mesh_node(const json_t *obj, void **ret, struct strbuf *err)
{
	struct mesh_node *n;
	int r = mesh_node_from_json(obj, &n, err);

	if (r == 0)
		*ret = n;
	return r;
}

void codec_free_mesh_node(void *n)
{
	mesh_node_free(n);
}

int codec_accept_node_device(const json_t *obj, struct strbuf *err, void *userdata)
{
	struct node_device *d;
	int r = node_device_from_json(obj, &d, err);

	node_device_free(r == 0 ? d : NULL);
	return r;
}

int codec_accept_mesh_node(const json_t *obj, struct strbuf *err, void *userdata)
{
	struct mesh_node *n;
	int r = mesh_node_from_json(obj, &n, err);

	mesh_node_free(r == 0 ? n : NULL);
	return r;
}
