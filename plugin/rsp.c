/* SPDX-License-Identifier: MIT */
/* The GDB remote serial protocol on buffers: hex, framing, decoding, parsing. */
#include "plugin/rsp.h"
#include "common/bytes.h"

#include <string.h>

size_t vmr_rsp_hex_encode(const void *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	return 2 * len;
}

long vmr_rsp_hex_decode(const char *hex, size_t hexlen, void *out, size_t size)
{
	uint8_t *b = out;
	if (hexlen % 2 || hexlen / 2 > size || hexlen / 2 > (size_t)0x7fffffff)
		return -1;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = vmr_hex_digit((unsigned char)hex[2 * i]);
		int lo = vmr_hex_digit((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(hexlen / 2);
}

bool vmr_rsp_parse_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0, d;
	const char *s = *p;
	while (s < end && (d = vmr_hex_digit((unsigned char)*s)) >= 0) {
		if (++n > 16)
			return false;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (!n)
		return false;
	*p = s;
	*out = v;
	return true;
}

uint8_t vmr_rsp_checksum(const void *data, size_t len)
{
	const uint8_t *b = data;
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)sum;
}

size_t vmr_rsp_frame(const void *payload, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = payload;
	size_t n = 0;
	unsigned sum = 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = b[i];
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = (char)c;
		sum += c;
	}
	out[n++] = '#';
	out[n++] = digits[(sum >> 4) & 15];
	out[n++] = digits[sum & 15];
	return n;
}

enum { ST_IDLE, ST_DATA, ST_CSUM1, ST_CSUM2 };

void vmr_rsp_decoder_init(struct vmr_rsp_decoder *d)
{
	d->state = ST_IDLE;
	d->escape = false;
	d->sum = 0;
	d->csum_hi = 0;
	d->len = 0;
	d->overflow = false;
	d->buf[0] = 0;
}

static void start_packet(struct vmr_rsp_decoder *d)
{
	d->state = ST_DATA;
	d->escape = false;
	d->sum = 0;
	d->len = 0;
	d->overflow = false;
}

enum vmr_rsp_event vmr_rsp_feed(struct vmr_rsp_decoder *d, uint8_t c)
{
	switch (d->state) {
	case ST_IDLE:
		if (c == '$')
			start_packet(d);
		else if (c == '+')
			return VMR_RSP_EV_ACK;
		else if (c == '-')
			return VMR_RSP_EV_NACK;
		else if (c == 0x03)
			return VMR_RSP_EV_INTERRUPT;
		return VMR_RSP_EV_NONE;
	case ST_DATA:
		if (c == '$') { /* a raw '$' is never inside a packet: start over */
			start_packet(d);
			return VMR_RSP_EV_NONE;
		}
		if (c == '#') {
			d->state = ST_CSUM1;
			return VMR_RSP_EV_NONE;
		}
		d->sum = (uint8_t)(d->sum + c);
		if (d->escape) {
			d->escape = false;
			c ^= 0x20;
		} else if (c == '}') {
			d->escape = true;
			return VMR_RSP_EV_NONE;
		}
		if (d->len < VMR_RSP_MAX_PACKET)
			d->buf[d->len++] = (char)c;
		else
			d->overflow = true;
		return VMR_RSP_EV_NONE;
	case ST_CSUM1:
		d->csum_hi = vmr_hex_digit(c);
		d->state = ST_CSUM2;
		return VMR_RSP_EV_NONE;
	default: {
		int lo = vmr_hex_digit(c);
		d->state = ST_IDLE;
		d->buf[d->len] = 0;
		if (d->overflow) {
			d->len = 0;
			d->buf[0] = 0;
			return VMR_RSP_EV_OVERSIZED;
		}
		if (d->csum_hi < 0 || lo < 0 || (uint8_t)(d->csum_hi << 4 | lo) != d->sum)
			return VMR_RSP_EV_BAD_CHECKSUM;
		return VMR_RSP_EV_PACKET;
	}
	}
}

/* A string view over the request. */
struct view {
	const char *p, *end;
};

static bool starts(const struct view *v, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(v->end - v->p) >= n && !memcmp(v->p, s, n);
}

static bool equals(const struct view *v, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(v->end - v->p) == n && !memcmp(v->p, s, n);
}

/* A thread id: "-1", or 1-16 hex digits; the whole rest of the view. */
static bool parse_thread(const char *p, const char *end, int64_t *out)
{
	uint64_t v;
	if (end - p == 2 && p[0] == '-' && p[1] == '1') {
		*out = VMR_RSP_THREAD_ALL;
		return true;
	}
	if (!vmr_rsp_parse_hex(&p, end, &v) || p != end || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* "ADDR,LEN" and nothing else (x requests may carry a ':' and no data). */
static bool parse_addr_len(const char *p, const char *end, uint64_t *addr, uint64_t *len)
{
	if (!vmr_rsp_parse_hex(&p, end, addr) || p == end || *p++ != ',' ||
	    !vmr_rsp_parse_hex(&p, end, len))
		return false;
	return p == end;
}

static enum vmr_rsp_kind set(struct vmr_rsp_request *req, enum vmr_rsp_kind kind)
{
	req->kind = kind;
	return kind;
}

/* qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH */
static enum vmr_rsp_kind parse_xfer(struct view v, struct vmr_rsp_request *req)
{
	const char *p = v.p + strlen("qXfer:");
	const char *colon = memchr(p, ':', (size_t)(v.end - p));
	if (!colon)
		return set(req, VMR_RSP_MALFORMED);
	req->object = p;
	req->object_len = (size_t)(colon - p);
	p = colon + 1;
	if ((size_t)(v.end - p) < 5 || memcmp(p, "read:", 5))
		return set(req, VMR_RSP_UNKNOWN); /* write and other operations */
	p += 5;
	colon = memchr(p, ':', (size_t)(v.end - p));
	if (!colon)
		return set(req, VMR_RSP_MALFORMED);
	req->annex = p;
	req->annex_len = (size_t)(colon - p);
	if (!parse_addr_len(colon + 1, v.end, &req->addr, &req->len))
		return set(req, VMR_RSP_MALFORMED);
	return set(req, VMR_RSP_XFER_READ);
}

static enum vmr_rsp_kind parse_query(struct view v, struct vmr_rsp_request *req)
{
	if (starts(&v, "qSupported")) {
		if (v.p + 10 < v.end && v.p[10] != ':')
			return set(req, VMR_RSP_UNKNOWN);
		req->arg = v.p + 10 < v.end ? v.p + 11 : v.end;
		req->arg_len = (size_t)(v.end - req->arg);
		return set(req, VMR_RSP_Q_SUPPORTED);
	}
	if (equals(&v, "qfThreadInfo"))
		return set(req, VMR_RSP_THREAD_FIRST);
	if (equals(&v, "qsThreadInfo"))
		return set(req, VMR_RSP_THREAD_NEXT);
	if (equals(&v, "qC"))
		return set(req, VMR_RSP_CURRENT_THREAD);
	if (equals(&v, "qAttached") || starts(&v, "qAttached:"))
		return set(req, VMR_RSP_ATTACHED);
	if (equals(&v, "qOffsets"))
		return set(req, VMR_RSP_OFFSETS);
	if (starts(&v, "qSymbol:"))
		return set(req, VMR_RSP_SYMBOL);
	if (starts(&v, "qThreadExtraInfo,")) {
		if (!parse_thread(v.p + 17, v.end, &req->thread) || req->thread <= 0)
			return set(req, VMR_RSP_MALFORMED);
		return set(req, VMR_RSP_THREAD_EXTRA);
	}
	if (starts(&v, "qRcmd,")) {
		req->arg = v.p + 6;
		req->arg_len = (size_t)(v.end - req->arg);
		if (req->arg_len % 2)
			return set(req, VMR_RSP_MALFORMED);
		for (size_t i = 0; i < req->arg_len; i++)
			if (vmr_hex_digit((unsigned char)req->arg[i]) < 0)
				return set(req, VMR_RSP_MALFORMED);
		return set(req, VMR_RSP_MONITOR);
	}
	if (starts(&v, "qXfer:"))
		return parse_xfer(v, req);
	return set(req, VMR_RSP_UNKNOWN);
}

static enum vmr_rsp_kind parse_v(struct view v, struct vmr_rsp_request *req)
{
	if (equals(&v, "vCont?"))
		return set(req, VMR_RSP_VCONT_QUERY);
	if (starts(&v, "vCont;")) {
		req->op = 'v';
		return set(req, VMR_RSP_RESUME);
	}
	if (starts(&v, "vKill"))
		return set(req, VMR_RSP_VKILL);
	return set(req, VMR_RSP_UNKNOWN);
}

enum vmr_rsp_kind vmr_rsp_parse(const char *pkt, size_t len, struct vmr_rsp_request *req)
{
	memset(req, 0, sizeof(*req));
	struct view v = { pkt, pkt + len };
	if (!len)
		return set(req, VMR_RSP_UNKNOWN);
	const char *a = pkt + 1, *end = v.end;
	switch (pkt[0]) {
	case '?':
		return set(req, len == 1 ? VMR_RSP_STOP_REASON : VMR_RSP_UNKNOWN);
	case 'g':
		return set(req, len == 1 ? VMR_RSP_READ_REGS : VMR_RSP_MALFORMED);
	case 'p':
		if (!vmr_rsp_parse_hex(&a, end, &req->reg) || a != end)
			return set(req, VMR_RSP_MALFORMED);
		return set(req, VMR_RSP_READ_REG);
	case 'm':
	case 'x':
		if (!parse_addr_len(a, end, &req->addr, &req->len))
			return set(req, VMR_RSP_MALFORMED);
		return set(req, pkt[0] == 'm' ? VMR_RSP_READ_MEM : VMR_RSP_READ_MEM_BINARY);
	case 'H':
		if (len < 3 || (pkt[1] != 'g' && pkt[1] != 'c') ||
		    !parse_thread(pkt + 2, end, &req->thread))
			return set(req, VMR_RSP_MALFORMED);
		req->op = pkt[1];
		return set(req, VMR_RSP_SET_THREAD);
	case 'T':
		if (!parse_thread(a, end, &req->thread))
			return set(req, VMR_RSP_MALFORMED);
		return set(req, VMR_RSP_THREAD_ALIVE);
	case 'M':
	case 'X':
	case 'P':
	case 'G':
	case 'Z':
	case 'z':
		req->op = pkt[0];
		return set(req, VMR_RSP_WRITE);
	case 'c':
	case 'C':
	case 's':
	case 'S':
		req->op = pkt[0];
		return set(req, VMR_RSP_RESUME);
	case 'D':
		return set(req, len == 1 || pkt[1] == ';' ? VMR_RSP_DETACH : VMR_RSP_UNKNOWN);
	case 'k':
		return set(req, len == 1 ? VMR_RSP_KILL : VMR_RSP_UNKNOWN);
	case 'q':
		return parse_query(v, req);
	case 'Q':
		return set(req, equals(&v, "QStartNoAckMode") ? VMR_RSP_Q_START_NOACK
							      : VMR_RSP_UNKNOWN);
	case 'v':
		return parse_v(v, req);
	default:
		return set(req, VMR_RSP_UNKNOWN);
	}
}
