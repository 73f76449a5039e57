/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the GDB remote-protocol functions (plugin/rsp.c): the input
 * is a byte stream from gdb fed to the packet decoder one byte at a time;
 * every packet is parsed as a request, its hex arguments decoded, and framed
 * back.  Seeds: packets of a real gdb session (qSupported, g, m, p, qXfer,
 * qRcmd, vCont...) and broken framings.
 */
#include <stdlib.h>

#include "plugin/rsp.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmr_rsp_decoder d;
	static char frame[VMR_RSP_FRAME_MAX(VMR_RSP_MAX_PACKET)];
	static uint8_t bytes[VMR_RSP_MAX_PACKET];
	vmr_rsp_decoder_init(&d);
	for (size_t i = 0; i < size; i++) {
		if (vmr_rsp_feed(&d, data[i]) != VMR_RSP_EV_PACKET)
			continue;
		/* the packet in an exactly-sized buffer, for ASan */
		char *pkt = malloc(d.len ? d.len : 1);
		if (!pkt)
			return 0;
		memcpy(pkt, d.buf, d.len);
		struct vmr_rsp_request req;
		enum vmr_rsp_kind kind = vmr_rsp_parse(pkt, d.len, &req);
		if (kind == VMR_RSP_MONITOR && req.arg)
			(void)vmr_rsp_hex_decode(req.arg, req.arg_len, bytes, sizeof(bytes));
		(void)vmr_rsp_hex_decode(pkt, d.len, bytes, d.len / 4);
		const char *p = pkt;
		uint64_t v;
		(void)vmr_rsp_parse_hex(&p, pkt + d.len, &v);
		size_t n = vmr_rsp_frame(pkt, d.len, frame);
		(void)vmr_rsp_checksum(frame, n);
		(void)vmr_rsp_hex_encode(pkt, d.len < sizeof(frame) / 2 ? d.len : 0, frame);
		free(pkt);
	}
	return 0;
}
