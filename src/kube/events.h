/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>

#include "kube/client.h"

/* Events about cluster-scoped objects live here, as the kubelet does for Nodes. */
#define KUBE_EVENTS_NAMESPACE "default"

enum kube_event_type {
	KUBE_EVENT_NORMAL,
	KUBE_EVENT_WARNING,
};

/*
 * Records a core/v1 Event about obj (a cluster-scoped object of resource res),
 * so `kubectl describe` shows it. reason is CamelCase ("Degraded"); message
 * is for people and is cut at 1 KiB. component: "meshstor-controller" or
 * "meshstor-node". The same Event again within 10 minutes (object, reason,
 * message, component) bumps the count of the one written, as client-go does.
 */
int kube_event_record(struct kube_client *c, const struct kube_resource *res, const json_t *obj,
		      enum kube_event_type type, const char *reason, const char *message,
		      const char *component, struct strbuf *err);
