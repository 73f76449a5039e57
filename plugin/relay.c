/* SPDX-License-Identifier: MIT */
/* vmregion serve --remote: gdb <-> live stub, with vmregion's monitor
 * commands answered here (relay.h). */
#define _GNU_SOURCE
#include "plugin/relay.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/rsp.h"

/* Text bytes per monitor 'O' packet (2 KiB of hex: under QEMU's PacketSize). */
#define MONITOR_CHUNK 1024u

struct relay {
	struct vmr_remote *r;
	const struct vmr_relay_options *opt;
	int in_fd, out_fd;
	bool gdb_noack;       /* gdb sent QStartNoAckMode */
	bool running;         /* resumed, no stop reply yet */
	bool want_supported;  /* the next stub packet answers gdb's qSupported */
	char *frame;          /* last frame to gdb, for a '-' resend */
	size_t frame_len, frame_cap;
	struct vmr_rsp_decoder dec; /* gdb's side */
};

static struct vmr_error *write_gdb(struct relay *y, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(y->out_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vmr_error_new(VMR_ERR_IO, "serve: writing to gdb: %s",
					     n < 0 ? strerror(errno) : "short write");
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

static struct vmr_error *to_gdb(struct relay *y, const char *pkt, size_t len)
{
	size_t need = VMR_RSP_FRAME_MAX(len);
	if (need > y->frame_cap) {
		char *f = realloc(y->frame, need);
		if (!f)
			return &vmr_enomem;
		y->frame = f;
		y->frame_cap = need;
	}
	y->frame_len = vmr_rsp_frame(pkt, len, y->frame);
	return write_gdb(y, y->frame, y->frame_len);
}

static struct vmr_error *to_gdb_str(struct relay *y, const char *s)
{
	return to_gdb(y, s, strlen(s));
}

/* c C s S vCont;ACTION — the packets after which the target runs. */
static bool is_resume(const char *p, size_t n)
{
	if (!n)
		return false;
	if (p[0] == 'c' || p[0] == 'C' || p[0] == 's' || p[0] == 'S')
		return true;
	return n > 6 && !memcmp(p, "vCont;", 6);
}

/* The text after "thread:" in a stop reply, in @out. */
static bool stop_thread(const char *p, size_t n, char *out, size_t size)
{
	const char *t = memmem(p, n, "thread:", 7);
	if (!t)
		return false;
	t += 7;
	size_t l = 0;
	while (t + l < p + n && t[l] != ';')
		l++;
	if (!l || l >= size)
		return false;
	memcpy(out, t, l);
	out[l] = 0;
	return true;
}

/* A packet of the stub: to gdb, with our QStartNoAckMode+ added to the
 * qSupported reply; a stop reply ends a run. */
static struct vmr_error *from_stub(struct relay *y, const char *p, size_t n)
{
	if (y->want_supported) {
		y->want_supported = false;
		if (!memmem(p, n, "QStartNoAckMode+", 16)) {
			char *s = malloc(n + 20);
			if (!s)
				return &vmr_enomem;
			memcpy(s, p, n);
			size_t m = n;
			if (m && s[m - 1] != ';')
				s[m++] = ';';
			memcpy(s + m, "QStartNoAckMode+", 16);
			struct vmr_error *err = to_gdb(y, s, m + 16);
			free(s);
			return err;
		}
	}
	if (n && (p[0] == 'T' || p[0] == 'S' || p[0] == 'W' || p[0] == 'X')) {
		char t[64];
		y->running = false;
		vmr_remote_set_gdb_thread(y->r, NULL, stop_thread(p, n, t, sizeof(t)) ? t : "");
	}
	return to_gdb(y, p, n);
}

/* qRcmd: ours (answered with O packets and OK/E01) or -1 (the stub's). */
static int monitor(struct relay *y, const char *hex, size_t hexlen, struct vmr_error **err)
{
	*err = NULL;
	if (!y->opt || !y->opt->monitor)
		return -1;
	char *cmd = malloc(hexlen / 2 + 1);
	if (!cmd) {
		*err = &vmr_enomem;
		return 1;
	}
	long n = vmr_rsp_hex_decode(hex, hexlen, cmd, hexlen / 2);
	if (n < 0 || memchr(cmd, 0, (size_t)n)) {
		free(cmd);
		return -1;
	}
	cmd[n] = 0;
	char *text = NULL;
	size_t len = 0;
	int rc = -1;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		rc = y->opt->monitor(y->opt->ctx, cmd, f);
		fclose(f);
	}
	free(cmd);
	if (rc < 0) {
		free(text);
		return -1;
	}
	/* Our reads may have left the stub in physical mode. */
	*err = vmr_remote_virtual_mode(y->r);
	char buf[1 + 2 * MONITOR_CHUNK];
	for (size_t off = 0; !*err && text && off < len; off += MONITOR_CHUNK) {
		size_t k = len - off < MONITOR_CHUNK ? len - off : MONITOR_CHUNK;
		buf[0] = 'O';
		*err = to_gdb(y, buf, 1 + vmr_rsp_hex_encode(text + off, k, buf + 1));
	}
	free(text);
	if (!*err)
		*err = to_gdb_str(y, rc ? "E01" : "OK");
	return rc;
}

static struct vmr_error *from_gdb(struct relay *y, const char *p, size_t n)
{
	struct vmr_error *err;
	if (n == 15 && !memcmp(p, "QStartNoAckMode", 15)) {
		err = to_gdb_str(y, "OK");
		y->gdb_noack = true;
		return err;
	}
	if (n > 6 && !memcmp(p, "qRcmd,", 6) && monitor(y, p + 6, n - 6, &err) >= 0)
		return err;
	if ((err = vmr_remote_virtual_mode(y->r)))
		return err;
	if (n > 2 && p[0] == 'H' && p[1] == 'g') {
		char t[64];
		if (n - 2 < sizeof(t)) {
			memcpy(t, p + 2, n - 2);
			t[n - 2] = 0;
			vmr_remote_set_gdb_thread(y->r, t, NULL);
		}
	}
	if (n >= 10 && !memcmp(p, "qSupported", 10))
		y->want_supported = true;
	if (is_resume(p, n)) {
		y->running = true;
		if (y->opt && y->opt->resumed)
			y->opt->resumed(y->opt->ctx);
	}
	return vmr_remote_send(y->r, p, n);
}

static struct vmr_error *gdb_input(struct relay *y, const unsigned char *b, size_t n)
{
	struct vmr_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		switch (vmr_rsp_feed(&y->dec, b[i])) {
		case VMR_RSP_EV_PACKET:
			if (!y->gdb_noack && (err = write_gdb(y, "+", 1)))
				break;
			err = from_gdb(y, y->dec.buf, y->dec.len);
			break;
		case VMR_RSP_EV_BAD_CHECKSUM:
		case VMR_RSP_EV_OVERSIZED:
			if (!y->gdb_noack)
				err = write_gdb(y, "-", 1);
			break;
		case VMR_RSP_EV_NACK:
			if (!y->gdb_noack && y->frame_len)
				err = write_gdb(y, y->frame, y->frame_len);
			break;
		case VMR_RSP_EV_INTERRUPT:
			err = vmr_remote_send_byte(y->r, 0x03);
			break;
		default:
			break;
		}
	}
	return err;
}

struct vmr_error *vmr_relay_run(struct vmr_remote *r, int in_fd, int out_fd,
				const struct vmr_relay_options *opt, bool *stub_closed)
{
	struct relay *y = calloc(1, sizeof(*y));
	if (!y)
		return &vmr_enomem;
	y->r = r;
	y->opt = opt;
	y->in_fd = in_fd;
	y->out_fd = out_fd;
	vmr_rsp_decoder_init(&y->dec);
	*stub_closed = false;
	struct vmr_error *err = NULL;
	unsigned char in[16384];
	for (;;) {
		/* Whatever the stub sent (some may be buffered already). */
		const char *p;
		size_t n;
		int got;
		while ((got = vmr_remote_next(r, false, &p, &n, &err)) == 1)
			if ((err = from_stub(y, p, n)))
				break;
		if (got < 0) {
			*stub_closed = !err;
			break;
		}
		if (err)
			break;
		struct pollfd fds[2] = { { .fd = in_fd, .events = POLLIN },
					 { .fd = vmr_remote_fd(r), .events = POLLIN } };
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = vmr_error_new(VMR_ERR_IO, "serve: poll: %s", strerror(errno));
			break;
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(in_fd, in, sizeof(in));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				err = vmr_error_new(VMR_ERR_IO, "serve: reading from gdb: %s",
						    strerror(errno));
				break;
			}
			if (k == 0)
				break; /* gdb closed the pipe */
			if ((err = gdb_input(y, in, (size_t)k)))
				break;
		}
	}
	free(y->frame);
	free(y);
	return err;
}
