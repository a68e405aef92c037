// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzes request decoding: the first byte picks one of the requests of every
 * CSI service we define, the rest is its body, run through the same
 * csi_message_decode() the server uses before any handler sees a request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "csi/gen/csi.pb-c.h"
#include "csi/message.h"
#include "util/strbuf.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ProtobufCServiceDescriptor *const services[] = {
	&csi__v1__identity__descriptor,
	&csi__v1__controller__descriptor,
	&csi__v1__node__descriptor,
	&csi__v1__group_controller__descriptor,
};

static const ProtobufCMessageDescriptor *pick(uint8_t selector)
{
	unsigned total = 0, i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		total += services[i]->n_methods;
	selector %= total;
	for (i = 0; selector >= services[i]->n_methods; i++)
		selector -= services[i]->n_methods;
	return services[i]->methods[selector].input;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	const ProtobufCMessageDescriptor *d;
	ProtobufCMessage *m = NULL;

	if (size < 1)
		return 0;
	d = pick(data[0]);
	if (csi_message_decode(d, data + 1, size - 1, &err, &m) == 0) {
		/* What we accepted, packed again, must be accepted again. */
		size_t len = protobuf_c_message_get_packed_size(m);
		uint8_t *buf = malloc(len ? len : 1);
		ProtobufCMessage *again = NULL;

		if (!buf || protobuf_c_message_pack(m, buf) != len ||
		    csi_message_decode(d, buf, len, &err, &again) < 0)
			abort();
		protobuf_c_message_free_unpacked(again, NULL);
		protobuf_c_message_free_unpacked(m, NULL);
		free(buf);
	}
	strbuf_done(&err);
	return 0;
}
