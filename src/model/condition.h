/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* The limits of metav1.Condition (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
#define CONDITION_TYPE_MAX 316
#define CONDITION_REASON_MAX 1024
#define CONDITION_MESSAGE_MAX 32768
/* Ours: a resource carries a handful of condition types; a list this long is garbage. */
#define CONDITIONS_MAX 32

enum condition_status {
	CONDITION_TRUE,
	CONDITION_FALSE,
	CONDITION_UNKNOWN,
	_CONDITION_STATUS_MAX,
};

const char *condition_status_to_string(enum condition_status s);
int condition_status_from_string(const char *s);

/* A metav1.Condition, as all three MeshStor resources carry in status.conditions. */
struct condition {
	char *type;
	enum condition_status status;
	char *reason;
	char *message;
	int64_t last_transition_time; /* Unix seconds */
	int64_t observed_generation;
};

void condition_done(struct condition *c);

/*
 * Sets the condition of type in the list (appending it when absent) to status,
 * reason and message, as metav1.Condition wants it: lastTransitionTime moves
 * to now only when the status changes. Returns whether anything changed.
 */
bool conditions_set(struct condition **c, size_t *n, const char *type, enum condition_status status,
		    const char *reason, const char *message, int64_t now, int64_t generation);
void conditions_free(struct condition *c, size_t n);

/*
 * Checks status.conditions[] against metav1.Condition's rules: type a qualified
 * name, unique in the list; reason CamelCase-ish ([A-Za-z][A-Za-z0-9_,:]*),
 * non-empty; message bounded; times representable; generation >= 0.
 */
int conditions_validate(const struct condition *c, size_t n, struct strbuf *err);
