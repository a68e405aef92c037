// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model/names.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..len), the shape of one DNS-1123 label. */
static bool label_ok(const char *s, size_t len)
{
	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool name_is_dns1123_label(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strnlen(s, NAME_LABEL_MAX + 1);
	return len <= NAME_LABEL_MAX && label_ok(s, len);
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool name_is_label_value(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strnlen(s, NAME_LABEL_MAX + 1);
	if (len == 0 || len > NAME_LABEL_MAX || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/*
 * Kubernetes' IsDNS1123Subdomain: labels joined by dots, at most 253 characters
 * in all. It does not limit each label to 63, so neither do we.
 */
bool name_is_dns1123_subdomain(const char *s)
{
	size_t len;
	const char *p;

	if (!s)
		return false;
	len = strnlen(s, NAME_SUBDOMAIN_MAX + 1);
	if (len > NAME_SUBDOMAIN_MAX)
		return false;
	for (p = s;;) {
		const char *dot = memchr(p, '.', len - (size_t)(p - s));
		size_t n = dot ? (size_t)(dot - p) : len - (size_t)(p - s);

		if (!label_ok(p, n))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static bool uuid_shape(const char *s, bool lowercase)
{
	if (!s)
		return false;
	for (size_t i = 0; i < UUID_STRING_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (!lowercase && c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return s[UUID_STRING_LEN] == '\0';
}

bool name_is_uuid(const char *s)
{
	return uuid_shape(s, false);
}

bool name_is_lowercase_uuid(const char *s)
{
	return uuid_shape(s, true);
}

bool volume_id_is_valid(const char *s)
{
	return name_is_dns1123_label(s) && strlen(s) <= VOLUME_ID_MAX;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
}

/*
 * The volume id is "pvc-" and the first 24 hex digits (96 bits) of
 * SHA-256(request name); `printf %s "$name" | sha256sum | cut -c1-24` gives the
 * same. It names the MeshStorVolume (a DNS-1123 label), the md array and, with a
 * suffix, NVMe NQNs and GPT partitions. The tightest of those is mdadm: the v1.2
 * superblock keeps the name in set_name[32], NUL included, so at most 31
 * characters survive (super1.c, init_super1()) - hence VOLUME_ID_MAX. At 28
 * characters the id also leaves 8 of the 36 UTF-16 units of a GPT partition name
 * (UEFI 2.10, 5.3.3) for a member suffix. A hash, not a cleaned-up copy of the
 * name, because any request name must map to a valid id, and 96 bits make an
 * accidental collision negligible (about 2^-57 at a million volumes).
 */
int volume_id_from_request_name(const char *request_name, char **ret)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	char *id;
	size_t len;

	if (!request_name)
		return -EINVAL;
	len = strnlen(request_name, VOLUME_REQUEST_NAME_MAX + 1);
	if (len == 0 || len > VOLUME_REQUEST_NAME_MAX)
		return -EINVAL;
	sha256(request_name, len, digest);
	id = xmalloc(VOLUME_ID_LEN + 1);
	memcpy(id, "pvc-", 4);
	hex(digest, (VOLUME_ID_LEN - 4) / 2, id + 4);
	id[VOLUME_ID_LEN] = '\0';
	*ret = id;
	return 0;
}

void uuid_v8_sha256(const uint8_t ns[static 16], const void *name, size_t len,
		    char ret[static UUID_STRING_LEN + 1])
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256 s;
	char *p = ret;

	sha256_init(&s);
	sha256_update(&s, ns, 16);
	sha256_update(&s, name, len);
	sha256_final(&s, digest);
	/* RFC 9562 5.8: version 8 in the high nibble of octet 6, variant 10 in octet 8. */
	digest[6] = (digest[6] & 0x0f) | 0x80;
	digest[8] = (digest[8] & 0x3f) | 0x80;
	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		hex(digest + i, 1, p);
		p += 2;
	}
	*p = '\0';
}

/*
 * MeshStor's namespace for name-based UUIDs: itself name-based, the version 8
 * UUID of "meshstor.io" in RFC 9562's DNS namespace (6ba7b810-9dad-11d1-80b4-
 * 00c04fd430c8), i.e. 8366db61-be91-8183-bac2-66b35ccfa451.
 */
static const uint8_t meshstor_ns[16] = {
	0x83, 0x66, 0xdb, 0x61, 0xbe, 0x91, 0x81, 0x83,
	0xba, 0xc2, 0x66, 0xb3, 0x5c, 0xcf, 0xa4, 0x51,
};

/*
 * The partition UUID is uuid_v8_sha256(meshstor_ns, "<volume id>/<index>"). It
 * is a function of the member alone, so any node can find a member's partition
 * from the MeshStorVolume, and a re-run of a half-finished create picks the same
 * UUID. Version 8, not 5: version 5 needs SHA-1, and RFC 9562 B.2 shows this very
 * construction with SHA-256. In Python:
 *   uuid.UUID(bytes=sha256(ns.bytes + b"pvc-.../3").digest()[:16]) with the
 *   version and variant bits then set as below.
 * Changing the name format would orphan every existing partition.
 */
int partition_uuid_for_member(const char *volume_id, unsigned index,
			      char ret[static UUID_STRING_LEN + 1])
{
	char name[VOLUME_ID_MAX + 16];
	int n;

	if (!volume_id_is_valid(volume_id))
		return -EINVAL;
	n = snprintf(name, sizeof(name), "%s/%u", volume_id, index);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -EINVAL;
	uuid_v8_sha256(meshstor_ns, name, (size_t)n, ret);
	return 0;
}

int member_nqn(const char *volume_id, unsigned index, struct strbuf *out)
{
	/* The longest result is 28 + 31 + 2 + 10 = 71 bytes, well inside NQN_MAX. */
	if (!volume_id_is_valid(volume_id))
		return -EINVAL;
	strbuf_addf(out, MEMBER_NQN_PREFIX "%s:m%u", volume_id, index);
	return 0;
}

bool volume_id_is_ours(const char *s)
{
	if (strlen(s) != VOLUME_ID_LEN || strncmp(s, "pvc-", 4) != 0)
		return false;
	for (const char *p = s + 4; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int member_nqn_parse(const char *nqn, char ret_id[static VOLUME_ID_MAX + 1], unsigned *ret_index)
{
	size_t plen = strlen(MEMBER_NQN_PREFIX), idlen;
	const char *id, *m;
	char idbuf[VOLUME_ID_MAX + 1];
	unsigned long index;
	char *end;

	if (strncmp(nqn, MEMBER_NQN_PREFIX, plen) != 0)
		return -EINVAL;
	id = nqn + plen;
	m = strrchr(id, ':');
	if (!m || m[1] != 'm' || !isdigit((unsigned char)m[2]))
		return -EINVAL;
	idlen = (size_t)(m - id);
	if (idlen == 0 || idlen > VOLUME_ID_MAX)
		return -EINVAL;
	memcpy(idbuf, id, idlen);
	idbuf[idlen] = '\0';
	errno = 0;
	index = strtoul(m + 2, &end, 10);
	if (errno || *end || index > INT32_MAX || (m[2] == '0' && m[3]) ||
	    !volume_id_is_valid(idbuf))
		return -EINVAL;
	memcpy(ret_id, idbuf, idlen + 1);
	*ret_index = (unsigned)index;
	return 0;
}

/* "meshstor-md-arry": MD array UUIDs live in a namespace of their own. */
static const uint8_t md_uuid_namespace[16] = { 0x6d, 0x65, 0x73, 0x68, 0x73, 0x74, 0x6f, 0x72,
					       0x2d, 0x6d, 0x64, 0x2d, 0x61, 0x72, 0x72, 0x79 };

void volume_md_uuid(const char *volume_id, char ret[static UUID_STRING_LEN + 1])
{
	uuid_v8_sha256(md_uuid_namespace, volume_id, strlen(volume_id), ret);
}
