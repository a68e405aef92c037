/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Kubernetes' limits (k8s.io/apimachinery/pkg/util/validation). */
#define NAME_SUBDOMAIN_MAX 253
#define NAME_LABEL_MAX 63

/* The longest volume id we accept; see volume_id_from_request_name() in names.c for why. */
#define VOLUME_ID_MAX 31
/* What volume_id_from_request_name() produces: "pvc-" and 24 hex digits. */
#define VOLUME_ID_LEN 28
#define VOLUME_REQUEST_NAME_MAX 253

/* NVMe Base Specification 2.0, 4.5: an NQN is at most 223 bytes. */
#define NQN_MAX 223
#define MEMBER_NQN_PREFIX "nqn.2024-01.io.meshstor:vol:"

#define UUID_STRING_LEN 36

bool name_is_dns1123_label(const char *s);
/*
 * Kubernetes' IsValidLabelValue, less the empty value: at most 63 of
 * [A-Za-z0-9._-], beginning and ending with a letter or digit.
 */
bool name_is_label_value(const char *s);
bool name_is_dns1123_subdomain(const char *s);

/* 8-4-4-4-12 hex digits; the _lowercase variant takes only a-f. */
bool name_is_uuid(const char *s);
bool name_is_lowercase_uuid(const char *s);

/*
 * Whether s can name a volume: a DNS-1123 label of at most VOLUME_ID_MAX
 * characters, which is what every place a volume id is used needs.
 */
bool volume_id_is_valid(const char *s);

/* Whether s has exactly the form volume_id_from_request_name() gives. */
bool volume_id_is_ours(const char *s);

/*
 * Derives the volume id from a CreateVolume name: the same name always gives
 * the same id, which is what makes CreateVolume idempotent. -EINVAL when the
 * name is empty or longer than VOLUME_REQUEST_NAME_MAX.
 */
int volume_id_from_request_name(const char *request_name, char **ret);

/*
 * The GPT partition UUID of member index of a volume, lowercase. -EINVAL when
 * volume_id is not valid.
 */
int partition_uuid_for_member(const char *volume_id, unsigned index,
			      char ret[static UUID_STRING_LEN + 1]);

/*
 * Appends the NVMe subsystem NQN that exports member index of a volume:
 * "nqn.2024-01.io.meshstor:vol:<id>:m<index>". -EINVAL, and nothing appended,
 * when volume_id is not valid.
 */
int member_nqn(const char *volume_id, unsigned index, struct strbuf *out);

/*
 * A name-based version 8 UUID as in RFC 9562 appendix B.2: the first 128 bits of
 * SHA-256(namespace || name) with the version and variant bits set.
 */
void uuid_v8_sha256(const uint8_t ns[static 16], const void *name, size_t len,
		    char ret[static UUID_STRING_LEN + 1]);

/* The MD array UUID of a volume: name-based (v8, SHA-256) in a namespace of its own. */
void volume_md_uuid(const char *volume_id, char ret[static UUID_STRING_LEN + 1]);

/*
 * The volume id and member index a member NQN names: 0, or -EINVAL when nqn
 * is not one member_nqn() makes. ret_id gets at most VOLUME_ID_MAX + 1 bytes.
 */
int member_nqn_parse(const char *nqn, char ret_id[static VOLUME_ID_MAX + 1], unsigned *ret_index);
