// SPDX-License-Identifier: GPL-2.0-only
/* src/inspect-print.c: the tables of `meshstor status` and `meshstor volume`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inspect-print.h"
#include "test-model-fixtures.h"

static void expect_line(const char *out, const char *line)
{
	const char *p = out;
	size_t len = strlen(line);

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			return;
	fail_msg("no line '%s' in:\n%s", line, out);
}

static void test_bytes_and_ages(void **state)
{
	static const struct {
		int64_t bytes;
		const char *text;
	} sizes[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1536, "1.5 KiB" },
		{ 1LL << 30, "1 GiB" },
		{ 1000204886016LL, "932 GiB" },
		{ 15LL << 29, "7.5 GiB" },
	};
	static const struct {
		int64_t t;
		const char *text;
	} ages[] = {
		{ 0, "never" },	       { 1000, "0s" },	   { 1000 - 45, "45s" },
		{ 1000 - 600, "10m" }, { 1000 + 5, "0s" }, /* a clock ahead of ours */
	};
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		strbuf_reset(&sb);
		inspect_format_bytes(sizes[i].bytes, &sb);
		assert_string_equal(sb.buf, sizes[i].text);
	}
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		strbuf_reset(&sb);
		inspect_format_age(ages[i].t, 1000, &sb);
		assert_string_equal(sb.buf, ages[i].text);
	}
	strbuf_reset(&sb);
	inspect_format_age(1, 1 + 3 * 86400, &sb);
	assert_string_equal(sb.buf, "3d");
	strbuf_done(&sb);
}

/* Anyone's text reaches a terminal without its control characters. */
static void test_printable(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	inspect_printable("a\x1b]0;owned\x07"
			  "b\tc\r\nd\x7f\xc2\x9b"
			  "2J \xc3\xa9t\xc3\xa9",
			  &sb);
	assert_string_equal(sb.buf, "a?]0;owned?b c  d??2J \xc3\xa9t\xc3\xa9");
	strbuf_done(&sb);
}

/* One node with its drive and Lease, one degraded RAID10 volume, one Event. */
static void view(struct inspect_view *v)
{
	*v = (struct inspect_view){ .missing = STRBUF_INIT };
	v->volumes = xcalloc(2, sizeof(*v->volumes));
	v->volumes[0] = fixture_volume();
	v->volumes[0]->pvc.ns = xstrdup("db");
	v->volumes[0]->pvc.name = xstrdup("data-0");
	v->n_volumes = 1;
	v->nodes = xcalloc(1, sizeof(*v->nodes));
	v->nodes[0] = (struct inspect_node){ fixture_node(), FIXTURE_TIME - 8 };
	v->n_nodes = 1;
	v->devices = xcalloc(2, sizeof(*v->devices));
	v->devices[0] = fixture_device();
	v->n_devices = 1;
	v->events = xcalloc(1, sizeof(*v->events));
	v->events[0] = (struct inspect_event){ xstrdup("Warning"),
					       xstrdup("Degraded"),
					       xstrdup("member 13 missing:\nnode-b unreachable"),
					       xstrdup("meshstor-node"),
					       FIXTURE_TIME - 300,
					       3 };
	v->n_events = 1;
	v->n_unreadable = 1;
}

static void test_status(void **state)
{
	struct inspect_view v;
	struct strbuf out = STRBUF_INIT;

	view(&v);
	inspect_print_status(&v, FIXTURE_TIME, &out);
	expect_line(out.buf, "NODE    LEASE RENEWED  AGENT             ADDRESS   DRIVES  SIZE     "
			     "FREE     MEMBERS");
	/* node-a holds copy 0's two stripes. */
	expect_line(out.buf, "node-a  8s ago         0.1.0-12-gabcdef  10.0.0.1  1       932 GiB  "
			     "500 GiB  2");
	expect_line(out.buf, "VOLUME                        CLAIM      PHASE     READY  COPIES  "
			     "CONSUMER  SIZE   MEMBERS ON");
	expect_line(out.buf, FIXTURE_VOLUME_ID "  db/data-0  Degraded  3/4    2       node-a    "
					       "1 GiB  node-a,node-b");
	/* Before the agent reports: 0 of the members. */
	strbuf_reset(&out);
	fixture_set(&v.volumes[0]->status.ready, NULL);
	inspect_print_status(&v, FIXTURE_TIME, &out);
	expect_line(out.buf, FIXTURE_VOLUME_ID "  db/data-0  Degraded  0/4    2       node-a    "
					       "1 GiB  node-a,node-b");
	assert_non_null(strstr(out.buf, "\n1 object(s) did not decode and are not shown"));
	assert_null(strstr(out.buf, "Not shown"));
	strbuf_reset(&out);
	strbuf_adds(&v.missing, "the Leases (403 Forbidden)");
	inspect_print_status(&v, FIXTURE_TIME, &out);
	expect_line(out.buf, "Not shown, as it could not be read: the Leases (403 Forbidden)");
	inspect_view_done(&v);
	strbuf_done(&out);
}

static void test_volume(void **state)
{
	struct inspect_view v;
	struct strbuf out = STRBUF_INIT;

	view(&v);
	inspect_print_volume(&v, FIXTURE_TIME, &out);
	expect_line(out.buf, "Volume:    " FIXTURE_VOLUME_ID);
	expect_line(out.buf, "Claim:     db/data-0");
	expect_line(out.buf, "Phase:     Degraded, 3/4 members active (degraded)");
	expect_line(out.buf, "Size:      1 GiB, 2 copies of 2 drives each");
	expect_line(out.buf, "Consumer:  node-a (epoch 5); its array is on node-a");
	expect_line(out.buf, "MEMBER  COPY  NODE    DRIVE           SIZE     STATE           "
			     "LAST EPOCH  MESSAGE");
	expect_line(out.buf, "10      0.0   node-a  node-a-serial0  513 MiB  Synced          5");
	expect_line(out.buf,
		    "11      0.1   node-a  node-a-serial1  513 MiB  (not reported)  <none>");
	expect_line(out.buf, "13      1.1   node-b  node-b-serial3  513 MiB  Missing         "
			     "4           node-b unreachable");
	expect_line(out.buf, "CONDITION           STATUS   REASON      MESSAGE");
	expect_line(out.buf, "Ready               True     ArrayClean  all members in sync");
	/* A message's newline does not break the table. */
	expect_line(out.buf, "5m         Warning  Degraded  meshstor-node  member 13 missing: "
			     "node-b unreachable (x3)");
	assert_null(strchr(out.buf, '\x1b'));
	/* A column is as wide as a terminal shows it: "é" is one. */
	strbuf_reset(&out);
	fixture_set(&v.volumes[0]->status.conditions[1].type, "\xc3\xa9x\x1b");
	inspect_print_volume(&v, FIXTURE_TIME, &out);
	expect_line(out.buf, "\xc3\xa9x?        Unknown  NotYet");
	inspect_view_done(&v);
	strbuf_done(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_and_ages),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_volume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
