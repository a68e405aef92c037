// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "kube/yaml.h"
#include "util/cleanup.h"
#include "util/banned.h"

/*
 * Kubeconfigs are small and shallow. The document API resolves an alias by
 * pointing at the anchored node again, so a "billion laughs" file would expand
 * without bound: cap the depth and the number of nodes converted.
 */
#define MAX_DEPTH 64
#define MAX_NODES 100000

static json_t *convert(yaml_document_t *doc, yaml_node_t *node, unsigned depth, unsigned *budget)
{
	json_t *out;

	if (!node || depth > MAX_DEPTH || *budget == 0)
		return NULL;
	(*budget)--;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)node->data.scalar.value,
				    node->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *i = node->data.sequence.items.start;
		     i < node->data.sequence.items.top; i++) {
			json_t *v =
				convert(doc, yaml_document_get_node(doc, *i), depth + 1, budget);

			if (!v || json_array_append_new(out, v) < 0)
				goto fail;
		}
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;

			if (!k || k->type != YAML_SCALAR_NODE)
				goto fail;
			v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1, budget);
			if (!v ||
			    json_object_set_new(out, (const char *)k->data.scalar.value, v) < 0)
				goto fail;
		}
		return out;
	default:
		return NULL;
	}
fail:
	json_decref(out);
	return NULL;
}

int yaml_load_file(const char *path, json_t **ret, struct strbuf *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	yaml_parser_t parser;
	yaml_document_t doc;
	unsigned budget = MAX_NODES;
	json_t *root;

	if (!f) {
		int r = -errno;

		strbuf_addf(err, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		strbuf_addf(err, "%s: YAML error at line %zu: %s", path,
			    parser.problem_mark.line + 1, parser.problem ? parser.problem : "?");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	root = convert(&doc, yaml_document_get_root_node(&doc), 0, &budget);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (!root) {
		strbuf_addf(err,
			    "%s: empty, too large, or not plain YAML (complex keys, alias bombs)",
			    path);
		return -EINVAL;
	}
	*ret = root;
	return 0;
}
