// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the controller does on its own, every MAINTAIN_PERIOD_S: replace
 * members that have been missing longer than their volume's
 * memberMissingTimeout with new ones on healthy nodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/controller.h"
#include "controller/replace.h"
#include "controller/cache-copy.h"
#include "kube/codec.h"
#include "kube/events.h"
#include "kube/update.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/banned.h"

#define MAINTAIN_PERIOD_S 10

struct replacement {
	const struct topology *t;
	struct strbuf *what; /* for the log and the Event */
};

/* Re-decides on the freshly read object: the cache may be a moment behind. */
static int replace_change(struct volume *v, void *userdata)
{
	struct replacement *rp = userdata;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int i = replace_due(v, time(NULL)), r;

	strbuf_reset(rp->what); /* decided anew on each try */
	if (i < 0)
		return 1;
	strbuf_addf(rp->what, "member %d on %s missing for longer than %d s; ",
		    v->spec.members[i].index, v->spec.members[i].node_name,
		    v->spec.member_missing_timeout_sec);
	r = replace_member(v, (size_t)i, rp->t, &err);
	if (r == 0)
		strbuf_addf(rp->what, "replaced by member %d on %s (%s) at epoch %lld",
			    v->spec.members[i].index, v->spec.members[i].node_name,
			    v->spec.members[i].drive, (long long)v->spec.epoch);
	else
		strbuf_addf(rp->what, "no replacement: %s", err.buf);
	return r;
}

static void replace_missing(struct controller *c)
{
	struct topology t;
	struct cache_copy s;

	pthread_mutex_lock(&c->placing);
	cache_copy_topology(c, &s, &t);
	for (size_t i = 0; i < s.n_volumes; i++) {
		_cleanup_strbuf_ struct strbuf what = STRBUF_INIT, err = STRBUF_INIT;
		struct replacement rp = { .t = &t, .what = &what };
		const char *id = s.volumes[i]->meta.name;
		json_t *updated = NULL;
		int r;

		if (s.volumes[i]->meta.deleting || replace_due(s.volumes[i], time(NULL)) < 0)
			continue;
		r = kube_update_volume(c->client, id, VOLUME_PART_SPEC, replace_change, &rp,
				       &updated, &err);
		if (r < 0) {
			log_vol_warning(id, "Replacing a member failed: %s%s", what.buf, err.buf);
			continue;
		}
		if (what.len == 0) {
			json_decref(updated); /* no longer due on the fresh read: nothing done */
			continue;
		}
		log_vol_info(id, "%s", what.buf);
		kube_event_record_volume(c->client, c->claim_events, updated, KUBE_EVENT_WARNING,
					 "Replacing", what.buf, "meshstor-controller", NULL);
		json_decref(updated);
	}
	topology_done(&t);
	cache_copy_done(&s);
	pthread_mutex_unlock(&c->placing);
}

static void *maintain(void *arg)
{
	struct controller *c = arg;

	pthread_mutex_lock(&c->maintain_lock);
	while (!c->stopping) {
		struct timespec until = realtime_after_ms(MAINTAIN_PERIOD_S * MSEC_PER_SEC);

		while (!c->stopping && pthread_cond_timedwait(&c->maintain_wake, &c->maintain_lock,
							      &until) != ETIMEDOUT)
			;
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->maintain_lock);
		if (controller_ready(c))
			replace_missing(c);
		pthread_mutex_lock(&c->maintain_lock);
	}
	pthread_mutex_unlock(&c->maintain_lock);
	return NULL;
}

int controller_maintain_start(struct controller *c)
{
	int r = -pthread_create(&c->maintainer, NULL, maintain, c);

	c->maintaining = r == 0;
	return r;
}

void controller_maintain_stop(struct controller *c)
{
	if (!c->maintaining)
		return;
	pthread_mutex_lock(&c->maintain_lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->maintain_wake);
	pthread_mutex_unlock(&c->maintain_lock);
	pthread_join(c->maintainer, NULL);
	c->maintaining = false;
}
