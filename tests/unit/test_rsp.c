/* SPDX-License-Identifier: MIT */
/* The remote-protocol functions of plugin/rsp.c on buffers, and the server
 * state machine of plugin/server.c on the sample dump when it is present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vmregion/vmregion.h>

#include "plugin/rsp.h"
#include "common/bytes.h"
#include "plugin/server.h"

static void test_hex(void **state)
{
	(void)state;
	char out[16];
	uint8_t b[8];
	assert_int_equal(vmr_rsp_hex_encode("\x00\xff\x1a", 3, out), 6);
	assert_memory_equal(out, "00ff1a", 6);
	assert_int_equal(vmr_rsp_hex_decode("00ff1A", 6, b, sizeof(b)), 3);
	assert_memory_equal(b, "\x00\xff\x1a", 3);
	assert_int_equal(vmr_rsp_hex_decode("0", 1, b, sizeof(b)), -1);     /* odd */
	assert_int_equal(vmr_rsp_hex_decode("zz", 2, b, sizeof(b)), -1);    /* not hex */
	assert_int_equal(vmr_rsp_hex_decode("0011", 4, b, 1), -1);          /* too long */
	const char *p = "ffffffff81000000,10", *end = p + strlen(p);
	uint64_t v;
	assert_true(vmr_rsp_parse_hex(&p, end, &v));
	assert_true(v == 0xffffffff81000000ULL);
	assert_int_equal(*p, ',');
	p = "12345678123456781";
	assert_false(vmr_rsp_parse_hex(&p, p + 17, &v)); /* 17 digits */
	p = ",";
	assert_false(vmr_rsp_parse_hex(&p, p + 1, &v));
}

static void test_frame(void **state)
{
	(void)state;
	char out[VMR_RSP_FRAME_MAX(8)];
	size_t n = vmr_rsp_frame("OK", 2, out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "$OK#9a", 6);
	/* $ # } * are escaped; the checksum covers the escaped bytes. */
	n = vmr_rsp_frame("a$#}*", 5, out);
	assert_memory_equal(out, "$a}\x04}\x03}]}\x0a#", 11);
	assert_int_equal(n, 13);
	uint8_t sum = vmr_rsp_checksum(out + 1, 9);
	assert_int_equal(sum >> 4, vmr_hex_digit(out[11]));
	assert_int_equal(sum & 15, vmr_hex_digit(out[12]));
	n = vmr_rsp_frame("", 0, out);
	assert_memory_equal(out, "$#00", 4);
}

static enum vmr_rsp_event feed(struct vmr_rsp_decoder *d, const char *s, size_t len)
{
	enum vmr_rsp_event ev = VMR_RSP_EV_NONE, e;
	for (size_t i = 0; i < len; i++)
		if ((e = vmr_rsp_feed(d, (uint8_t)s[i])) != VMR_RSP_EV_NONE)
			ev = e;
	return ev;
}

static void test_decoder(void **state)
{
	(void)state;
	struct vmr_rsp_decoder *d = malloc(sizeof(*d));
	vmr_rsp_decoder_init(d);
	assert_int_equal(feed(d, "$g#67", 5), VMR_RSP_EV_PACKET);
	assert_string_equal(d->buf, "g");
	assert_int_equal(feed(d, "$g#68", 5), VMR_RSP_EV_BAD_CHECKSUM);
	assert_int_equal(feed(d, "$g#zz", 5), VMR_RSP_EV_BAD_CHECKSUM);
	assert_int_equal(feed(d, "+", 1), VMR_RSP_EV_ACK);
	assert_int_equal(feed(d, "-", 1), VMR_RSP_EV_NACK);
	assert_int_equal(feed(d, "\x03", 1), VMR_RSP_EV_INTERRUPT);
	/* Junk outside packets is skipped; a '$' inside one starts over. */
	assert_int_equal(feed(d, "junk$mxx$g#67", 13), VMR_RSP_EV_PACKET);
	assert_string_equal(d->buf, "g");
	/* Escapes are undone. */
	char frame[16];
	size_t n = vmr_rsp_frame("X}*", 3, frame);
	assert_int_equal(feed(d, frame, n), VMR_RSP_EV_PACKET);
	assert_int_equal(d->len, 3);
	assert_memory_equal(d->buf, "X}*", 3);
	/* Oversized: reported once the packet ends, then decoding goes on. */
	vmr_rsp_feed(d, '$');
	for (size_t i = 0; i < VMR_RSP_MAX_PACKET + 10; i++)
		assert_int_equal(vmr_rsp_feed(d, 'a'), VMR_RSP_EV_NONE);
	assert_int_equal(feed(d, "#00", 3), VMR_RSP_EV_OVERSIZED);
	assert_int_equal(feed(d, "$g#67", 5), VMR_RSP_EV_PACKET);
	free(d);
}

static enum vmr_rsp_kind parse(const char *s, struct vmr_rsp_request *r)
{
	return vmr_rsp_parse(s, strlen(s), r);
}

static void test_parse(void **state)
{
	(void)state;
	struct vmr_rsp_request r;
	assert_int_equal(parse("m ffffffff81000000,8", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("mffffffff81000000,8", &r), VMR_RSP_READ_MEM);
	assert_true(r.addr == 0xffffffff81000000ULL && r.len == 8);
	assert_int_equal(parse("x10,20", &r), VMR_RSP_READ_MEM_BINARY);
	assert_int_equal(parse("m10,", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("m10,8x", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("g", &r), VMR_RSP_READ_REGS);
	assert_int_equal(parse("p10", &r), VMR_RSP_READ_REG);
	assert_int_equal(r.reg, 16);
	assert_int_equal(parse("Hg0", &r), VMR_RSP_SET_THREAD);
	assert_int_equal(r.op, 'g');
	assert_int_equal(r.thread, VMR_RSP_THREAD_ANY);
	assert_int_equal(parse("Hc-1", &r), VMR_RSP_SET_THREAD);
	assert_int_equal(r.thread, VMR_RSP_THREAD_ALL);
	assert_int_equal(parse("Hg1f", &r), VMR_RSP_SET_THREAD);
	assert_int_equal(r.thread, 31);
	assert_int_equal(parse("Hq1", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("T2", &r), VMR_RSP_THREAD_ALIVE);
	assert_int_equal(parse("?", &r), VMR_RSP_STOP_REASON);
	assert_int_equal(parse("qSupported:multiprocess+;xmlRegisters=i386", &r),
			 VMR_RSP_Q_SUPPORTED);
	assert_int_equal(parse("qSupported", &r), VMR_RSP_Q_SUPPORTED);
	assert_int_equal(parse("QStartNoAckMode", &r), VMR_RSP_Q_START_NOACK);
	assert_int_equal(parse("qfThreadInfo", &r), VMR_RSP_THREAD_FIRST);
	assert_int_equal(parse("qsThreadInfo", &r), VMR_RSP_THREAD_NEXT);
	assert_int_equal(parse("qThreadExtraInfo,2", &r), VMR_RSP_THREAD_EXTRA);
	assert_int_equal(r.thread, 2);
	assert_int_equal(parse("qThreadExtraInfo,0", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("qXfer:features:read:target.xml:0,fff", &r), VMR_RSP_XFER_READ);
	assert_int_equal(r.object_len, 8);
	assert_memory_equal(r.annex, "target.xml", 10);
	assert_true(r.addr == 0 && r.len == 0xfff);
	assert_int_equal(parse("qXfer:features:read:target.xml", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("qXfer:features:write:x:0:", &r), VMR_RSP_UNKNOWN);
	assert_int_equal(parse("qRcmd,68656c70", &r), VMR_RSP_MONITOR);
	assert_int_equal(r.arg_len, 8);
	assert_int_equal(parse("qRcmd,686", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("qRcmd,zz", &r), VMR_RSP_MALFORMED);
	assert_int_equal(parse("M10,1:00", &r), VMR_RSP_WRITE);
	assert_int_equal(parse("X10,0:", &r), VMR_RSP_WRITE);
	assert_int_equal(parse("P0=00", &r), VMR_RSP_WRITE);
	assert_int_equal(parse("G00", &r), VMR_RSP_WRITE);
	assert_int_equal(parse("Z0,10,1", &r), VMR_RSP_WRITE);
	assert_int_equal(parse("c", &r), VMR_RSP_RESUME);
	assert_int_equal(parse("vCont;c", &r), VMR_RSP_RESUME);
	assert_int_equal(parse("vCont?", &r), VMR_RSP_VCONT_QUERY);
	assert_int_equal(parse("D", &r), VMR_RSP_DETACH);
	assert_int_equal(parse("D;1", &r), VMR_RSP_DETACH);
	assert_int_equal(parse("k", &r), VMR_RSP_KILL);
	assert_int_equal(parse("vKill;a410", &r), VMR_RSP_VKILL);
	assert_int_equal(parse("qAttached", &r), VMR_RSP_ATTACHED);
	assert_int_equal(parse("qOffsets", &r), VMR_RSP_OFFSETS);
	assert_int_equal(parse("vMustReplyEmpty", &r), VMR_RSP_UNKNOWN);
	assert_int_equal(vmr_rsp_parse("", 0, &r), VMR_RSP_UNKNOWN);
}

/* Every byte string of up to 3 bytes parses without a crash, and random
 * frames never overflow the decoder. */
static void test_parse_all_short(void **state)
{
	(void)state;
	struct vmr_rsp_request r;
	char s[3];
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			s[0] = (char)a;
			s[1] = (char)b;
			vmr_rsp_parse(s, 1, &r);
			vmr_rsp_parse(s, 2, &r);
		}
	struct vmr_rsp_decoder *d = malloc(sizeof(*d));
	vmr_rsp_decoder_init(d);
	srand(1);
	for (int i = 0; i < 1 << 20; i++)
		if (vmr_rsp_feed(d, (uint8_t)rand()) == VMR_RSP_EV_PACKET)
			vmr_rsp_parse(d->buf, d->len, &r);
	free(d);
}

/* The server on the sample dump: packets in, framed replies out. */
static int monitor(void *ctx, struct vmr_kernel *k, const char *cmd, FILE *out)
{
	(void)ctx;
	(void)k;
	fprintf(out, "[%s]\n", cmd);
	return strcmp(cmd, "fail") == 0;
}

static char *exchange(struct vmr_server *s, const char *payload)
{
	char frame[VMR_RSP_FRAME_MAX(256)];
	size_t n = vmr_rsp_frame(payload, strlen(payload), frame), len;
	vmr_server_input(s, frame, n);
	const char *out = vmr_server_output(s, &len);
	char *copy = strndup(out ? out : "", len);
	vmr_server_consume(s, len);
	return copy;
}

static void test_server(void **state)
{
	(void)state;
	const char *samples = getenv("VMR_SAMPLES");
	char path[4096];
	snprintf(path, sizeof(path), "%s/vmcore.kdump-zlib", samples ? samples : "samples");
	struct vmr_dump *d;
	struct vmr_kernel *k;
	struct vmr_error *err = vmr_dump_open(path, &d);
	if (err) {
		vmr_error_free(err);
		skip();
	}
	assert_null(vmr_kernel_open(d, NULL, &k));
	struct vmr_server_options opt = { .monitor = monitor };
	struct vmr_server *s;
	assert_null(vmr_server_create(k, &opt, &s));
	char *r = exchange(s, "qSupported:xmlRegisters=i386");
	assert_non_null(strstr(r, "+$PacketSize="));
	free(r);
	r = exchange(s, "QStartNoAckMode");
	assert_string_equal(r, "+$OK#9a");
	free(r);
	r = exchange(s, "g");
	assert_int_equal(strlen(r), 1 + 584 + 3);
	free(r);
	r = exchange(s, "M0,1:00");
	assert_string_equal(r, "$E01#a6");
	free(r);
	r = exchange(s, "m0,8");
	assert_string_equal(r, "$E14#aa");
	free(r);
	r = exchange(s, "qRcmd,6661696c"); /* "fail" */
	assert_non_null(strstr(r, "$O5b6661696c5d0a#"));
	assert_non_null(strstr(r, "$E01#a6"));
	free(r);
	r = exchange(s, "D");
	assert_string_equal(r, "$OK#9a");
	free(r);
	assert_true(vmr_server_input(s, "", 0));
	vmr_server_destroy(s);
	vmr_kernel_close(k);
	vmr_dump_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_decoder),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_all_short),
		cmocka_unit_test(test_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
