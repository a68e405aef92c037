/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>

#include "kube/client.h"

/*
 * Events about cluster-scoped objects live here, as the kubelet does for
 * Nodes; an Event about a namespaced object lives in that object's namespace.
 */
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

/*
 * A thread of its own that writes the Events on volumes' claims, so that a
 * caller holding a lock (the agent's record lock, which a dropped leg waits
 * for) pays for one request, not five. At most CLAIM_EVENTS_MAX wait; more
 * are dropped (Events are for people, not for correctness).
 */
struct kube_claim_events;

int kube_claim_events_start(struct kube_client *c, struct kube_claim_events **ret);
/*
 * Stops the thread once its current Event is written; what still waits is dropped. NULL: nothing.
 */
void kube_claim_events_stop(struct kube_claim_events *q);

/*
 * The Event on the MeshStorVolume obj, and the same on the PersistentVolume
 * and the PersistentVolumeClaim its labels name (model/volume.h,
 * VOLUME_LABEL_PV_NAME, _PVC_NAME, _PVC_NAMESPACE), where users look
 * (`kubectl describe pvc`, `describe pv`): those two through q, later, or
 * here when q is NULL. Each is read first for its uid, which `kubectl
 * describe` matches Events by; one that is not named, gone or unreadable is
 * skipped. Returns the volume's Event's result; err (may be NULL) gets why an
 * Event written here was not.
 */
int kube_event_record_volume(struct kube_client *c, struct kube_claim_events *q, const json_t *obj,
			     enum kube_event_type type, const char *reason, const char *message,
			     const char *component, struct strbuf *err);
