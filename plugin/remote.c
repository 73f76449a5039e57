/* SPDX-License-Identifier: MIT */
/* A GDB remote-protocol client to a live stub: connection, requests,
 * physical reads and CPU registers (remote.h). */
#define _GNU_SOURCE
#include "plugin/remote.h"
#include "common/bytes.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "dwarf/vmlinux.h"
#include "plugin/rsp.h"

/* Seconds a synchronous request waits for its reply. */
#define REQUEST_TIMEOUT_MS 30000
/* The largest target description accepted (all documents). */
#define MAX_XML (256u << 10)
/* How deep xi:include may nest. */
#define MAX_INCLUDE_DEPTH 4
#define MAX_THREADS 512u

/* Registers we take from the g packet: name -> where it goes. */
enum reg_dest { R_GPR, R_CR, R_GS_BASE, R_KGS_BASE };
static const struct {
	const char *name;
	enum reg_dest dest;
	int index;
} wanted[] = {
	{ "rax", R_GPR, VMR_REG_RAX }, { "rbx", R_GPR, VMR_REG_RBX },
	{ "rcx", R_GPR, VMR_REG_RCX }, { "rdx", R_GPR, VMR_REG_RDX },
	{ "rsi", R_GPR, VMR_REG_RSI }, { "rdi", R_GPR, VMR_REG_RDI },
	{ "rbp", R_GPR, VMR_REG_RBP }, { "rsp", R_GPR, VMR_REG_RSP },
	{ "r8", R_GPR, VMR_REG_R8 },   { "r9", R_GPR, VMR_REG_R9 },
	{ "r10", R_GPR, VMR_REG_R10 }, { "r11", R_GPR, VMR_REG_R11 },
	{ "r12", R_GPR, VMR_REG_R12 }, { "r13", R_GPR, VMR_REG_R13 },
	{ "r14", R_GPR, VMR_REG_R14 }, { "r15", R_GPR, VMR_REG_R15 },
	{ "rip", R_GPR, VMR_REG_RIP }, { "eflags", R_GPR, VMR_REG_EFLAGS },
	{ "cs", R_GPR, VMR_REG_CS },   { "ss", R_GPR, VMR_REG_SS },
	{ "ds", R_GPR, VMR_REG_DS },   { "es", R_GPR, VMR_REG_ES },
	{ "fs", R_GPR, VMR_REG_FS },   { "gs", R_GPR, VMR_REG_GS },
	{ "fs_base", R_GPR, VMR_REG_FS_BASE },
	{ "gs_base", R_GS_BASE, 0 },   { "k_gs_base", R_KGS_BASE, 0 },
	{ "cr0", R_CR, 0 }, { "cr2", R_CR, 2 }, { "cr3", R_CR, 3 }, { "cr4", R_CR, 4 },
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

struct vmr_remote {
	int fd;
	char *name;
	bool ack;               /* the stub side still acknowledges packets */
	size_t packet_size;     /* the stub's PacketSize */
	size_t max_read;        /* bytes per m request */
	bool has_phys, phys_on;
	bool has_direct;        /* no PhyMemMode: physical = direct_base + virtual */
	uint64_t direct_base;
	/* g packet layout: byte offset and size of each wanted register, -1 if absent */
	int off[NWANTED], size[NWANTED];
	char gdb_thread[64];    /* gdb's last Hg argument, "" if none */
	char stop_thread[64];   /* thread of the last stop reply */
	struct vmr_live_ops ops;
	char *frame;            /* last frame sent, resent after a '-' */
	size_t frame_len, frame_cap;
	unsigned char in[16384];
	size_t in_len, in_pos;
	struct vmr_rsp_decoder dec;
};

static struct vmr_error *io_error(struct vmr_remote *r, const char *what, int e)
{
	return vmr_error_new(VMR_ERR_IO, "%s: %s: %s", r->name, what, strerror(e));
}

static struct vmr_error *write_all(struct vmr_remote *r, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(r, "sending to the stub", n < 0 ? errno : EPIPE);
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

struct vmr_error *vmr_remote_send(struct vmr_remote *r, const char *pkt, size_t len)
{
	size_t need = VMR_RSP_FRAME_MAX(len);
	if (need > r->frame_cap) {
		char *f = realloc(r->frame, need);
		if (!f)
			return &vmr_enomem;
		r->frame = f;
		r->frame_cap = need;
	}
	r->frame_len = vmr_rsp_frame(pkt, len, r->frame);
	return write_all(r, r->frame, r->frame_len);
}

struct vmr_error *vmr_remote_send_byte(struct vmr_remote *r, unsigned char byte)
{
	return write_all(r, &byte, 1);
}

/* Fill the input buffer; @timeout_ms -1 waits forever, 0 not at all.
 * @return 1 data, 0 nothing (timeout), -1 closed or failed (*err). */
static int fill(struct vmr_remote *r, int timeout_ms, struct vmr_error **err)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0) {
		*err = io_error(r, "poll", errno);
		return -1;
	}
	if (n == 0)
		return 0;
	ssize_t got = recv(r->fd, r->in, sizeof(r->in), 0);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* A reset is the stub going away with our last bytes unread (QEMU
	 * quitting, a closed kgdb port): the same end as an orderly close. */
	if (got < 0 && errno != ECONNRESET) {
		*err = io_error(r, "reading from the stub", errno);
		return -1;
	}
	if (got <= 0) {
		*err = NULL;
		return -1;
	}
	r->in_len = (size_t)got;
	r->in_pos = 0;
	return 1;
}

int vmr_remote_next(struct vmr_remote *r, bool block, const char **pkt, size_t *len,
		    struct vmr_error **err)
{
	*err = NULL;
	for (;;) {
		while (r->in_pos < r->in_len) {
			enum vmr_rsp_event ev = vmr_rsp_feed(&r->dec, r->in[r->in_pos++]);
			switch (ev) {
			case VMR_RSP_EV_PACKET:
				if (r->ack && (*err = write_all(r, "+", 1)))
					return -1;
				*pkt = r->dec.buf;
				*len = r->dec.len;
				return 1;
			case VMR_RSP_EV_BAD_CHECKSUM:
			case VMR_RSP_EV_OVERSIZED:
				if (r->ack && (*err = write_all(r, "-", 1)))
					return -1;
				break;
			case VMR_RSP_EV_NACK:
				if (r->frame_len && (*err = write_all(r, r->frame, r->frame_len)))
					return -1;
				break;
			default:
				break;
			}
		}
		int n = fill(r, block ? REQUEST_TIMEOUT_MS : 0, err);
		if (n < 0)
			return -1;
		if (n == 0) {
			if (!block)
				return 0;
			*err = vmr_error_new(VMR_ERR_IO, "%s: no reply from the stub in %d s",
					     r->name, REQUEST_TIMEOUT_MS / 1000);
			return -1;
		}
	}
}

struct vmr_error *vmr_remote_request(struct vmr_remote *r, const char *pkt, size_t len,
				     const char **reply, size_t *reply_len)
{
	struct vmr_error *err = vmr_remote_send(r, pkt, len);
	if (err)
		return err;
	for (;;) {
		int n = vmr_remote_next(r, true, reply, reply_len, &err);
		if (n < 0)
			return err ? err : vmr_error_new(VMR_ERR_IO, "%s: the stub closed the connection",
							 r->name);
		/* 'O' console output belongs to nobody here; "OK" is a reply. */
		if (*reply_len >= 1 && (*reply)[0] == 'O' && strcmp(*reply, "OK"))
			continue;
		/* A stop reply to anything but '?' is stale: QEMU sends T02 on
		 * its own when a new connection stops a running guest.  No other
		 * request of ours has a reply starting with T or S. */
		if (*reply_len >= 1 && ((*reply)[0] == 'T' || (*reply)[0] == 'S') &&
		    !(len == 1 && pkt[0] == '?'))
			continue;
		return NULL;
	}
}

static struct vmr_error *request_str(struct vmr_remote *r, const char *pkt, const char **reply,
				     size_t *reply_len)
{
	return vmr_remote_request(r, pkt, strlen(pkt), reply, reply_len);
}

/* ------------------------------------------------------------------ */
/* Target description: the g-packet offsets of the registers we want. */

struct xml_doc {
	char *text;
	size_t len;
};

/* qXfer:features:read:ANNEX, whole. */
static struct vmr_error *read_feature(struct vmr_remote *r, const char *annex, struct xml_doc *d)
{
	d->text = NULL;
	d->len = 0;
	for (;;) {
		char req[160];
		size_t chunk = r->packet_size > 64 ? r->packet_size - 32 : 32;
		snprintf(req, sizeof(req), "qXfer:features:read:%s:%zx,%zx", annex, d->len, chunk);
		const char *rep;
		size_t n;
		struct vmr_error *err = request_str(r, req, &rep, &n);
		if (err)
			return err;
		if (!n || (rep[0] != 'm' && rep[0] != 'l'))
			return vmr_error_new(VMR_ERR_FORMAT, "%s: target description %s: reply %.20s",
					     r->name, annex, n ? rep : "(empty)");
		if (d->len + n > MAX_XML)
			return vmr_error_new(VMR_ERR_FORMAT, "%s: target description over %u bytes",
					     r->name, MAX_XML);
		char *t = realloc(d->text, d->len + n);
		if (!t)
			return &vmr_enomem;
		d->text = t;
		memcpy(d->text + d->len, rep + 1, n - 1);
		d->len += n - 1;
		d->text[d->len] = 0;
		if (rep[0] == 'l' || n == 1)
			return NULL;
	}
}

/* The value of attribute @name in the element [p, end), copied to @out. */
static bool attr(const char *p, const char *end, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *q = p + 1; q + nl + 2 < end; q++) { /* p is the '<' */
		if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n') && !memcmp(q, name, nl) &&
		    q[nl] == '=' && (q[nl + 1] == '"' || q[nl + 1] == '\'')) {
			const char *v = q + nl + 2, *e = memchr(v, q[nl + 1], (size_t)(end - v));
			if (!e || (size_t)(e - v) >= size)
				return false;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = 0;
			return true;
		}
	}
	return false;
}

/* Walk the <reg> elements of @annex in order, following xi:include. */
static struct vmr_error *walk_regs(struct vmr_remote *r, const char *annex, int depth,
				   size_t *offset)
{
	if (depth > MAX_INCLUDE_DEPTH)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: target description nests too deep", r->name);
	struct xml_doc d;
	struct vmr_error *err = read_feature(r, annex, &d);
	if (err) {
		free(d.text);
		return err;
	}
	const char *p = d.text, *end = d.text ? d.text + d.len : NULL;
	while (p && p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			break;
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			break;
		char v[64];
		if (!strncmp(lt, "<!--", 4)) {
			const char *c = memmem(lt, (size_t)(end - lt), "-->", 3);
			p = c ? c + 3 : end;
			continue;
		}
		if (!strncmp(lt, "<xi:include", 11) && attr(lt, gt, "href", v, sizeof(v))) {
			err = walk_regs(r, v, depth + 1, offset);
			if (err)
				break;
		} else if (!strncmp(lt, "<reg", 4) && (lt[4] == ' ' || lt[4] == '\t' || lt[4] == '\n')) {
			char name[32], bits[16];
			if (!attr(lt, gt, "name", name, sizeof(name)) ||
			    !attr(lt, gt, "bitsize", bits, sizeof(bits))) {
				err = vmr_error_new(VMR_ERR_FORMAT, "%s: %s: <reg> without name or bitsize",
						    r->name, annex);
				break;
			}
			long b = strtol(bits, NULL, 10);
			if (b <= 0 || b % 8 || b > 4096) {
				err = vmr_error_new(VMR_ERR_FORMAT, "%s: %s: register %s of %s bits",
						    r->name, annex, name, bits);
				break;
			}
			for (size_t i = 0; i < NWANTED; i++)
				if (!strcmp(name, wanted[i].name) && r->off[i] < 0) {
					r->off[i] = (int)*offset;
					r->size[i] = (int)(b / 8);
				}
			*offset += (size_t)b / 8;
		}
		p = gt + 1;
	}
	free(d.text);
	return err;
}

/* Without a target description: gdb's amd64 layout, general registers only. */
static void default_layout(struct vmr_remote *r)
{
	for (size_t i = 0; i < NWANTED; i++) {
		r->off[i] = -1;
		if (wanted[i].dest == R_GPR && i < 24) {
			r->off[i] = i < 17 ? (int)i * 8 : 136 + ((int)i - 17) * 4;
			r->size[i] = i < 17 ? 8 : 4;
		}
	}
}

static void learn_layout(struct vmr_remote *r, bool has_xml)
{
	for (size_t i = 0; i < NWANTED; i++)
		r->off[i] = -1;
	size_t offset = 0;
	struct vmr_error *err = has_xml ? walk_regs(r, "target.xml", 0, &offset) : NULL;
	if (err || !has_xml) {
		vmr_error_free(err);
		default_layout(r);
	}
}

/* ------------------------------------------------------------------ */
/* Live-dump callbacks. */

struct vmr_error *vmr_remote_virtual_mode(struct vmr_remote *r)
{
	if (!r->phys_on)
		return NULL;
	const char *rep;
	size_t n;
	struct vmr_error *err = request_str(r, "Qqemu.PhyMemMode:0", &rep, &n);
	if (err)
		return err;
	r->phys_on = false;
	return NULL;
}

/* m packets from @addr on, in the stub's current mode; @what names the
 * address space in errors. */
static struct vmr_error *read_mem(struct vmr_remote *r, uint64_t addr, void *buf, size_t len,
				  const char *what)
{
	unsigned char *out = buf;
	while (len) {
		size_t chunk = len < r->max_read ? len : r->max_read;
		char req[64];
		const char *rep;
		size_t n;
		snprintf(req, sizeof(req), "m%" PRIx64 ",%zx", addr, chunk);
		struct vmr_error *err = request_str(r, req, &rep, &n);
		if (err)
			return err;
		long got = n && rep[0] != 'E' ? vmr_rsp_hex_decode(rep, n, out, chunk) : -1;
		if (got <= 0)
			return vmr_error_fault(addr, "%s: %s 0x%" PRIx64 " not readable (%.8s)",
					       r->name, what, addr, n ? rep : "empty reply");
		out += got;
		addr += (uint64_t)got;
		len -= (size_t)got;
	}
	return NULL;
}

static struct vmr_error *read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct vmr_remote *r = ctx;
	if (!r->has_phys) {
		if (!r->has_direct)
			return vmr_error_fault(paddr, "%s: the stub cannot read physical memory "
					       "(no qqemu.PhyMemMode)", r->name);
		if (paddr > UINT64_MAX - r->direct_base - len)
			return vmr_error_fault(paddr, "%s: physical 0x%" PRIx64 " past the direct map",
					       r->name, paddr);
		struct vmr_error *err = read_mem(r, r->direct_base + paddr, buf, len, "direct map");
		if (!err)
			return NULL;
		vmr_error_free(err); /* the fault names the physical address */
		return vmr_error_fault(paddr, "%s: physical 0x%" PRIx64 " (direct map 0x%" PRIx64
				       ") not readable", r->name, paddr, r->direct_base + paddr);
	}
	if (!r->phys_on) {
		const char *rep;
		size_t n;
		struct vmr_error *err = request_str(r, "Qqemu.PhyMemMode:1", &rep, &n);
		if (err)
			return err;
		if (strcmp(rep, "OK"))
			return vmr_error_fault(paddr, "%s: Qqemu.PhyMemMode:1 answered %.20s",
					       r->name, rep);
		r->phys_on = true;
	}
	return read_mem(r, paddr, buf, len, "physical");
}

/* Un-randomized direct-map base (4-level), when the kernel has no
 * page_offset_base (CONFIG_RANDOMIZE_MEMORY=n). */
#define DIRECT_MAP_L4 0xffff888000000000ULL
#define KERNEL_MAP 0xffffffff80000000ULL
#define SLIDE_ALIGN (2ULL << 20) /* CONFIG_PHYSICAL_ALIGN */
#define BANNER_BYTES 64

struct vmr_error *vmr_remote_direct_map(struct vmr_remote *r, const char *path)
{
	if (r->has_phys || r->has_direct)
		return NULL;
	if (!path)
		return vmr_error_new(VMR_ERR_INVALID, "%s: the stub cannot read physical memory "
				     "(no qqemu.PhyMemMode): give the vmlinux (-k) to read it "
				     "through the kernel's direct map", r->name);
	struct vmr_vmlinux *v;
	struct vmr_error *err = vmr_vmlinux_open(path, &v);
	if (err)
		return err;
	uint64_t banner, rodata, rosize, pob, text;
	const void *data;
	if (!vmr_vmlinux_symbol(v, "linux_banner", &banner, NULL) ||
	    !vmr_vmlinux_symbol(v, "_text", &text, NULL)) {
		vmr_vmlinux_close(v);
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no linux_banner or _text", path);
	}
	err = vmr_vmlinux_section(v, ".rodata", &rodata, &rosize, &data);
	if (!err && (!data || banner < rodata || banner - rodata > rosize - BANNER_BYTES))
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: linux_banner not in .rodata", path);
	if (err) {
		vmr_vmlinux_close(v);
		return err;
	}
	const unsigned char *want = (const unsigned char *)data + (banner - rodata);
	/* The slide: where the running kernel's banner is (2 MiB steps in
	 * the 1 GiB image window), one virtual read per candidate. */
	bool found = false;
	uint64_t slide = 0;
	for (uint64_t s = 0; !found && text + s < KERNEL_MAP + (1ULL << 30); s += SLIDE_ALIGN) {
		unsigned char got[BANNER_BYTES];
		struct vmr_error *e = read_mem(r, banner + s, got, sizeof(got), "virtual");
		if (!e && !memcmp(got, want, sizeof(got))) {
			found = true;
			slide = s;
		}
		vmr_error_free(e);
	}
	if (!found) {
		vmr_vmlinux_close(v);
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: the linux_banner of %s is nowhere in "
				     "the kernel image window", r->name, path);
	}
	r->direct_base = DIRECT_MAP_L4;
	if (vmr_vmlinux_symbol(v, "page_offset_base", &pob, NULL))
		err = read_mem(r, pob + slide, &r->direct_base, sizeof(r->direct_base), "virtual");
	vmr_vmlinux_close(v);
	if (err)
		return err;
	r->has_direct = true;
	return NULL;
}

/* Little-endian value of @size bytes at @hex (2 digits a byte); false if 'xx'. */
static bool le_value(const char *hex, int size, uint64_t *out)
{
	uint64_t v = 0;
	for (int i = size < 8 ? size - 1 : 7; i >= 0; i--) {
		int hi = vmr_hex_digit((unsigned char)hex[2 * i]);
		int lo = vmr_hex_digit((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		v = v << 8 | (uint64_t)(hi << 4 | lo);
	}
	*out = v;
	return true;
}

static void parse_regs(struct vmr_remote *r, const char *g, size_t len, struct vmr_cpu_state *c)
{
	bool cr3 = false, cr0 = false;
	for (size_t i = 0; i < NWANTED; i++) {
		uint64_t v;
		if (r->off[i] < 0 || 2 * (size_t)(r->off[i] + r->size[i]) > len ||
		    !le_value(g + 2 * r->off[i], r->size[i], &v))
			continue;
		switch (wanted[i].dest) {
		case R_GPR:
			c->gpr[wanted[i].index] = v;
			c->has_prstatus = true;
			break;
		case R_CR:
			c->cr[wanted[i].index] = v;
			cr3 |= wanted[i].index == 3;
			cr0 |= wanted[i].index == 0;
			break;
		case R_GS_BASE:
			c->gs_base = v;
			c->gpr[VMR_REG_GS_BASE] = v;
			break;
		case R_KGS_BASE:
			c->kernel_gs_base = v;
			c->has_kernel_gs_base = true;
			break;
		}
	}
	c->has_sysregs = cr3 && cr0;
}

/* Thread ids from qfThreadInfo/qsThreadInfo. */
static struct vmr_error *list_threads(struct vmr_remote *r, char (*ids)[32], unsigned int max,
				      unsigned int *n)
{
	*n = 0;
	const char *q = "qfThreadInfo";
	for (unsigned int round = 0; round < MAX_THREADS + 1; round++, q = "qsThreadInfo") {
		const char *rep;
		size_t len;
		struct vmr_error *err = request_str(r, q, &rep, &len);
		if (err)
			return err;
		if (!len || rep[0] != 'm')
			return NULL;
		const char *p = rep + 1, *end = rep + len;
		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			size_t l = (size_t)((comma ? comma : end) - p);
			if (l && l < 32 && *n < max) {
				memcpy(ids[*n], p, l);
				ids[*n][l] = 0;
				++*n;
			}
			p = comma ? comma + 1 : end;
		}
	}
	return NULL;
}

static struct vmr_error *set_thread(struct vmr_remote *r, const char *id)
{
	char req[80];
	const char *rep;
	size_t n;
	snprintf(req, sizeof(req), "Hg%s", id);
	struct vmr_error *err = request_str(r, req, &rep, &n);
	if (!err && strcmp(rep, "OK"))
		err = vmr_error_new(VMR_ERR_IO, "%s: %s answered %.20s", r->name, req, rep);
	return err;
}

static struct vmr_error *read_cpus(void *ctx, struct vmr_cpu_state *cpus, unsigned int max,
				   unsigned int *ncpus)
{
	struct vmr_remote *r = ctx;
	char (*ids)[32] = calloc(MAX_THREADS, sizeof(*ids));
	if (!ids)
		return &vmr_enomem;
	unsigned int n;
	struct vmr_error *err = list_threads(r, ids, MAX_THREADS < max ? MAX_THREADS : max, &n);
	if (!err && !n)
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: the stub lists no threads", r->name);
	for (unsigned int i = 0; !err && i < n; i++) {
		const char *rep;
		size_t len;
		err = set_thread(r, ids[i]);
		if (!err)
			err = request_str(r, "g", &rep, &len);
		if (!err)
			parse_regs(r, rep, len, &cpus[i]);
	}
	/* gdb's own thread selection, as it was. */
	const char *back = r->gdb_thread[0] ? r->gdb_thread : r->stop_thread;
	if (back[0]) {
		struct vmr_error *e2 = set_thread(r, back);
		if (!err)
			err = e2;
		else
			vmr_error_free(e2);
	}
	free(ids);
	*ncpus = n;
	return err;
}

void vmr_remote_set_gdb_thread(struct vmr_remote *r, const char *hg, const char *stop)
{
	if (hg)
		snprintf(r->gdb_thread, sizeof(r->gdb_thread), "%s", hg);
	if (stop) {
		snprintf(r->stop_thread, sizeof(r->stop_thread), "%s", stop);
		r->gdb_thread[0] = 0;
	}
}

/* RAM size from QEMU's monitor (`info memory_size_summary`), for the
 * memory scan's upper bound: above 2 GiB the PC machines split RAM around
 * the PCI hole, so the bound is then moved past 4 GiB. */
static uint64_t qemu_ram_size(struct vmr_remote *r)
{
	static const char cmd[] = "info memory_size_summary";
	char req[8 + 2 * sizeof(cmd)];
	memcpy(req, "qRcmd,", 6);
	size_t n = 6 + vmr_rsp_hex_encode(cmd, sizeof(cmd) - 1, req + 6);
	req[n] = 0;
	struct vmr_error *err = vmr_remote_send(r, req, n);
	uint64_t size = 0;
	char text[256] = "";
	size_t tl = 0;
	while (!err) {
		const char *rep;
		size_t len;
		if (vmr_remote_next(r, true, &rep, &len, &err) < 0)
			break;
		if (len > 1 && rep[0] == 'O' && strcmp(rep, "OK")) {
			long k = vmr_rsp_hex_decode(rep + 1, len - 1, text + tl, sizeof(text) - 1 - tl);
			if (k > 0)
				tl += (size_t)k;
			text[tl] = 0;
			continue;
		}
		break;
	}
	vmr_error_free(err);
	const char *p = strstr(text, "base memory: ");
	if (p)
		size = strtoull(p + 13, NULL, 10);
	if (size > (1ULL << 46)) /* past x86_64's physical address width: noise */
		return 0;
	if (size > (2ULL << 30))
		size += 2ULL << 30;
	return size;
}

/* ------------------------------------------------------------------ */

static struct vmr_error *dial(const char *hostport, int *out)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	if (!colon || colon == hostport || !colon[1] || (size_t)(colon - hostport) >= sizeof(host))
		return vmr_error_new(VMR_ERR_INVALID, "%s: expected HOST:PORT", hostport);
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') { /* [::1]:1234 */
		h[strlen(h) - 1] = 0;
		h++;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int rc = getaddrinfo(h, colon + 1, &hints, &ai);
	if (rc)
		return vmr_error_new(VMR_ERR_IO, "%s: %s", hostport, gai_strerror(rc));
	int fd = -1, e = 0;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen)) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return vmr_error_new(VMR_ERR_IO, "%s: connect: %s", hostport, strerror(e));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = fd;
	return NULL;
}

static struct vmr_error *handshake(struct vmr_remote *r)
{
	const char *rep;
	size_t n;
	/* multiprocess+ as gdb sends it: QEMU's thread ids do not change
	 * form when gdb's own qSupported comes through the relay. */
	struct vmr_error *err = request_str(r, "qSupported:multiprocess+;xmlRegisters=i386",
					    &rep, &n);
	if (err)
		return err;
	r->packet_size = 400;
	const char *ps = strstr(rep, "PacketSize=");
	if (ps) {
		unsigned long long v = strtoull(ps + 11, NULL, 16);
		if (v >= 64 && v <= VMR_RSP_MAX_PACKET)
			r->packet_size = (size_t)v;
	}
	bool has_xml = strstr(rep, "qXfer:features:read+") != NULL;
	bool noack = strstr(rep, "QStartNoAckMode+") != NULL;
	/* Room for "m" + hex + "#cc" in a packet, never past QEMU's 2 KiB. */
	r->max_read = (r->packet_size - 8) / 2;
	if (r->max_read > 2048)
		r->max_read = 2048;
	/* No acks on a reliable stream, when the stub can stop sending them
	 * (QEMU 7.2 cannot; gdb's side is negotiated by the relay). */
	if (noack) {
		err = request_str(r, "QStartNoAckMode", &rep, &n);
		if (err)
			return err;
		if (!strcmp(rep, "OK"))
			r->ack = false;
	}
	err = request_str(r, "qqemu.Supported", &rep, &n);
	if (err)
		return err;
	r->has_phys = strstr(rep, "PhyMemMode") != NULL;
	/* The mode outlives connections: a client that ended in physical
	 * mode would leave gdb reading physical memory. */
	r->phys_on = r->has_phys;
	if ((err = vmr_remote_virtual_mode(r)))
		return err;
	learn_layout(r, has_xml);
	/* As a stub without PhyMemMode and control registers (kgdb) would
	 * be: the direct-map path, testable against QEMU. */
	const char *virt = getenv("VMREGION_REMOTE_VIRTUAL");
	if (virt && *virt && strcmp(virt, "0")) {
		r->has_phys = false;
		for (size_t i = 0; i < NWANTED; i++)
			if (wanted[i].dest != R_GPR)
				r->off[i] = -1;
	}
	err = request_str(r, "?", &rep, &n);
	if (err)
		return err;
	const char *t = strstr(rep, "thread:");
	if (t) {
		size_t l = strcspn(t + 7, ";");
		if (l < sizeof(r->stop_thread)) {
			memcpy(r->stop_thread, t + 7, l);
			r->stop_thread[l] = 0;
		}
	}
	return NULL;
}

struct vmr_error *vmr_remote_connect(const char *hostport, struct vmr_remote **out)
{
	struct vmr_remote *r = calloc(1, sizeof(*r));
	if (!r)
		return &vmr_enomem;
	r->fd = -1;
	r->ack = true;
	r->name = strdup(hostport);
	if (!r->name) {
		free(r);
		return &vmr_enomem;
	}
	vmr_rsp_decoder_init(&r->dec);
	struct vmr_error *err = dial(hostport, &r->fd);
	if (!err)
		err = handshake(r);
	if (err) {
		vmr_remote_close(r);
		return err;
	}
	r->ops.read_phys = read_phys;
	r->ops.read_cpus = read_cpus;
	r->ops.max_read = r->max_read;
	r->ops.max_paddr = r->has_phys ? qemu_ram_size(r) : 0;
	r->ops.format_name = r->has_phys ? "live (QEMU gdbstub)" : "live (gdb stub)";
	*out = r;
	return NULL;
}

void vmr_remote_close(struct vmr_remote *r)
{
	if (!r)
		return;
	if (r->fd >= 0) {
		vmr_error_free(vmr_remote_virtual_mode(r)); /* best effort */
		close(r->fd);
	}
	free(r->frame);
	free(r->name);
	free(r);
}

const char *vmr_remote_name(const struct vmr_remote *r)
{
	return r->name;
}

int vmr_remote_fd(const struct vmr_remote *r)
{
	return r->fd;
}

const struct vmr_live_ops *vmr_remote_live_ops(const struct vmr_remote *r)
{
	return &r->ops;
}

bool vmr_remote_has_phys(const struct vmr_remote *r)
{
	return r->has_phys;
}
