/* SPDX-License-Identifier: MIT */
/* vmregion serve: a read-only GDB remote target over a crash dump.
 *
 * What gdb 13.1 needs and how it reacts was verified with a stub first
 * (../shared/reference/gdb-integration/README.md): a target description with
 * all 40 core registers (else gdb falls back to i386), Hg0 meaning "the stop
 * thread", E + 2 hex digits as the only error form, rip never 'xx' on the
 * stop thread, and E01 (never the empty reply) for writes. */
#include "plugin/server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "owner/tasks.h"
#include "plugin/rsp.h"

/* amd64 core + segments: the register order here is the g packet order. */
static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"</target>\n";

/* Remote register number -> user_regs_struct index (-1: not in a dump) and size. */
static const struct {
	int8_t greg;
	uint8_t size;
} regs[] = {
	{ VMR_REG_RAX, 8 }, { VMR_REG_RBX, 8 }, { VMR_REG_RCX, 8 }, { VMR_REG_RDX, 8 },
	{ VMR_REG_RSI, 8 }, { VMR_REG_RDI, 8 }, { VMR_REG_RBP, 8 }, { VMR_REG_RSP, 8 },
	{ VMR_REG_R8, 8 },  { VMR_REG_R9, 8 },  { VMR_REG_R10, 8 }, { VMR_REG_R11, 8 },
	{ VMR_REG_R12, 8 }, { VMR_REG_R13, 8 }, { VMR_REG_R14, 8 }, { VMR_REG_R15, 8 },
	{ VMR_REG_RIP, 8 }, { VMR_REG_EFLAGS, 4 }, { VMR_REG_CS, 4 }, { VMR_REG_SS, 4 },
	{ VMR_REG_DS, 4 },  { VMR_REG_ES, 4 },  { VMR_REG_FS, 4 },  { VMR_REG_GS, 4 },
	{ -1, 10 }, { -1, 10 }, { -1, 10 }, { -1, 10 }, /* st0-st7 */
	{ -1, 10 }, { -1, 10 }, { -1, 10 }, { -1, 10 },
	{ -1, 4 }, { -1, 4 }, { -1, 4 }, { -1, 4 }, /* fctrl..fop */
	{ -1, 4 }, { -1, 4 }, { -1, 4 }, { -1, 4 },
	{ VMR_REG_FS_BASE, 8 }, { VMR_REG_GS_BASE, 8 },
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

/* Advertised PacketSize: what we accept, and what gdb sizes its m requests by. */
#define PACKET_SIZE VMR_RSP_MAX_PACKET
/* Thread ids per qfThreadInfo/qsThreadInfo reply. */
#define THREADS_PER_REPLY 256u
/* Text bytes per monitor 'O' packet. */
#define MONITOR_CHUNK 1024u

/* What runs on a CPU, read once on the first qThreadExtraInfo. */
struct cpu_task {
	bool known;
	int32_t pid;
	char comm[17];
};

struct buf {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory: the reply is replaced by E01 */
};

struct vmr_server {
	struct vmr_kernel *k;
	struct vmr_dump *dump;
	struct vmr_server_options opt;
	unsigned int ncpus;
	unsigned int stop_cpu;     /* the thread named by '?': the panicking CPU */
	unsigned int reg_cpu;      /* Hg: whose registers g/p read */
	unsigned int next_thread;  /* qsThreadInfo cursor */
	bool noack, done;
	bool tasks_tried;
	struct cpu_task *tasks;
	struct buf reply;          /* payload being built */
	struct buf out;            /* framed bytes to send */
	char *last;                /* the last frame, for a '-' resend */
	size_t last_len, last_cap;
	struct vmr_rsp_decoder dec;
};

static bool buf_reserve(struct buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (more <= b->cap - b->len)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void put(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len)) {
		memcpy(b->p + b->len, data, len);
		b->len += len;
	}
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_hex(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, 2 * len))
		b->len += vmr_rsp_hex_encode(data, len, b->p + b->len);
}

/* Frame the reply built so far and queue it. */
static void send_reply(struct vmr_server *s)
{
	if (s->reply.failed) { /* out of memory while building it */
		s->reply.failed = false;
		s->reply.len = 0;
		puts_(&s->reply, "E01");
	}
	if (!buf_reserve(&s->out, VMR_RSP_FRAME_MAX(s->reply.len))) {
		s->out.failed = false;
		s->reply.len = 0;
		return;
	}
	char *frame = s->out.p + s->out.len;
	size_t n = vmr_rsp_frame(s->reply.p ? s->reply.p : "", s->reply.len, frame);
	s->out.len += n;
	s->reply.len = 0;
	if (s->noack)
		return;
	if (s->last_cap < n) {
		char *p = realloc(s->last, n);
		if (!p) {
			s->last_len = 0;
			return;
		}
		s->last = p;
		s->last_cap = n;
	}
	memcpy(s->last, frame, n);
	s->last_len = n;
}

static void reply(struct vmr_server *s, const char *text)
{
	puts_(&s->reply, text);
	send_reply(s);
}

/* The CPU of thread id @p t (1-based), or -1. */
static long thread_cpu(const struct vmr_server *s, int64_t t)
{
	return t >= 1 && (uint64_t)t <= s->ncpus ? (long)(t - 1) : -1;
}

/* Registers of a CPU with no note: all unavailable, except the stop
 * thread's rip, which gdb needs (README A7). */
static bool cpu_has_regs(const struct vmr_cpu_state *c)
{
	return c && (c->has_prstatus || c->has_sysregs);
}

static void put_reg(struct vmr_server *s, unsigned int cpu, size_t r)
{
	const struct vmr_cpu_state *c = vmr_dump_cpu(s->dump, cpu);
	if (regs[r].greg >= 0 && cpu_has_regs(c)) {
		uint64_t v = c->gpr[regs[r].greg];
		uint8_t le[8];
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)(v >> (8 * i));
		put_hex(&s->reply, le, regs[r].size);
	} else if (regs[r].greg == VMR_REG_RIP && cpu == s->stop_cpu) {
		for (int i = 0; i < 8; i++)
			puts_(&s->reply, "00");
	} else {
		for (int i = 0; i < regs[r].size; i++)
			puts_(&s->reply, "xx");
	}
}

static void handle_read_regs(struct vmr_server *s)
{
	for (size_t r = 0; r < NREGS; r++)
		put_reg(s, s->reg_cpu, r);
	send_reply(s);
}

static void handle_read_reg(struct vmr_server *s, uint64_t r)
{
	if (r >= NREGS)
		return reply(s, "E01");
	put_reg(s, s->reg_cpu, (size_t)r);
	send_reply(s);
}

/* m and x: as many bytes as can be read from addr on; a fault at addr
 * itself is E14 (EFAULT), never zeros. */
static void handle_read_mem(struct vmr_server *s, uint64_t addr, uint64_t len, bool binary)
{
	if (len > VMR_SERVER_MAX_READ)
		len = VMR_SERVER_MAX_READ;
	if (!len)
		return reply(s, binary ? "b" : "");
	if (len - 1 > UINT64_MAX - addr) /* not past the top of the address space */
		len = UINT64_MAX - addr + 1;
	uint8_t data[VMR_SERVER_MAX_READ];
	struct vmr_error *err = vmr_kernel_read(s->k, addr, data, (size_t)len);
	if (err) {
		uint64_t bad;
		bool has = vmr_error_address(err, &bad);
		enum vmr_errcode code = vmr_error_code(err);
		vmr_error_free(err);
		if (code != VMR_ERR_FAULT || !has || bad <= addr || bad - addr >= len)
			return reply(s, code == VMR_ERR_FAULT ? "E14" : "E01");
		len = bad - addr; /* the readable prefix */
		err = vmr_kernel_read(s->k, addr, data, (size_t)len);
		if (err) {
			vmr_error_free(err);
			return reply(s, "E14");
		}
	}
	if (binary) {
		puts_(&s->reply, "b");
		put(&s->reply, data, (size_t)len);
	} else {
		put_hex(&s->reply, data, (size_t)len);
	}
	send_reply(s);
}

static void handle_xfer(struct vmr_server *s, const struct vmr_rsp_request *req)
{
	if (req->object_len != 8 || memcmp(req->object, "features", 8))
		return reply(s, "");
	if (req->annex_len != 10 || memcmp(req->annex, "target.xml", 10))
		return reply(s, "E00");
	size_t size = sizeof(target_xml) - 1;
	if (req->addr >= size)
		return reply(s, "l");
	size_t n = size - (size_t)req->addr;
	uint64_t max = req->len < PACKET_SIZE / 2 ? req->len : PACKET_SIZE / 2;
	if (n > max)
		n = (size_t)max;
	puts_(&s->reply, req->addr + n < size ? "m" : "l");
	put(&s->reply, target_xml + req->addr, n);
	send_reply(s);
}

/* Per-CPU current task: pid and comm (x86_64-layout.md §7.5: current_task,
 * or pcpu_hot.current_task since 6.2).  Best effort; unknown stays unknown. */
static void read_cpu_tasks(struct vmr_server *s)
{
	s->tasks_tried = true;
	s->tasks = calloc(s->ncpus ? s->ncpus : 1, sizeof(*s->tasks));
	if (!s->tasks)
		return;
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(s->k, &pcpu);
	uint64_t cur, hot, m, pid_off, comm_off;
	struct vmr_error *err;
	if (!vmr_tasks_percpu_symbol(s->k, "current_task", &cur)) {
		if (!vmr_tasks_percpu_symbol(s->k, "pcpu_hot", &hot))
			return;
		err = vmr_kernel_member_offset(s->k, "pcpu_hot", "current_task", &m);
		if (err) {
			vmr_error_free(err);
			return;
		}
		cur = hot + m;
	}
	err = vmr_kernel_member_offset(s->k, "task_struct", "pid", &pid_off);
	if (!err)
		err = vmr_kernel_member_offset(s->k, "task_struct", "comm", &comm_off);
	if (err) {
		vmr_error_free(err);
		return;
	}
	for (unsigned int cpu = 0; cpu < n && cpu < s->ncpus; cpu++) {
		uint64_t task;
		int32_t pid;
		char comm[16];
		err = vmr_kernel_read_u64(s->k, pcpu[cpu] + cur, &task);
		if (!err)
			err = vmr_kernel_read(s->k, task + pid_off, &pid, sizeof(pid));
		if (!err)
			err = vmr_kernel_read(s->k, task + comm_off, comm, sizeof(comm));
		if (err) {
			vmr_error_free(err);
			continue;
		}
		struct cpu_task *t = &s->tasks[cpu];
		t->known = true;
		t->pid = pid;
		for (size_t i = 0; i < sizeof(comm) && comm[i]; i++)
			t->comm[i] = comm[i] >= 0x20 && comm[i] < 0x7f ? comm[i] : '.';
	}
}

static void handle_thread_extra(struct vmr_server *s, int64_t thread)
{
	long cpu = thread_cpu(s, thread);
	if (cpu < 0)
		return reply(s, "E01");
	if (!s->tasks_tried)
		read_cpu_tasks(s);
	char text[96];
	const struct cpu_task *t = s->tasks ? &s->tasks[cpu] : NULL;
	if (t && t->known)
		snprintf(text, sizeof(text), "CPU %ld %s pid %" PRId32, cpu, t->comm, t->pid);
	else
		snprintf(text, sizeof(text), "CPU %ld", cpu);
	put_hex(&s->reply, text, strlen(text));
	send_reply(s);
}

static void handle_threads(struct vmr_server *s, bool first)
{
	if (first)
		s->next_thread = 0;
	if (s->next_thread >= s->ncpus)
		return reply(s, "l");
	puts_(&s->reply, "m");
	for (unsigned int i = 0; i < THREADS_PER_REPLY && s->next_thread < s->ncpus; i++)
		putf(&s->reply, "%s%x", i ? "," : "", ++s->next_thread);
	send_reply(s);
}

static void handle_monitor(struct vmr_server *s, const struct vmr_rsp_request *req)
{
	char *cmd = malloc(req->arg_len / 2 + 1);
	if (!cmd)
		return reply(s, "E01");
	long n = vmr_rsp_hex_decode(req->arg, req->arg_len, cmd, req->arg_len / 2);
	cmd[n < 0 ? 0 : n] = 0;
	char *text = NULL;
	size_t len = 0;
	int rc = 1;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		if (s->opt.monitor && n >= 0 && strlen(cmd) == (size_t)n)
			rc = s->opt.monitor(s->opt.monitor_ctx, s->k, cmd, f);
		else
			fputs("vmregion: this server has no monitor commands\n", f);
		fclose(f);
	}
	free(cmd);
	for (size_t off = 0; text && off < len; off += MONITOR_CHUNK) {
		size_t k = len - off < MONITOR_CHUNK ? len - off : MONITOR_CHUNK;
		puts_(&s->reply, "O");
		put_hex(&s->reply, text + off, k);
		send_reply(s);
	}
	free(text);
	reply(s, rc ? "E01" : "OK");
}

static void handle_set_thread(struct vmr_server *s, const struct vmr_rsp_request *req)
{
	if (req->op == 'c')
		return reply(s, "OK");
	/* Hg0 / Hg-1: gdb means the thread of the last stop reply (README A3). */
	if (req->thread == VMR_RSP_THREAD_ANY || req->thread == VMR_RSP_THREAD_ALL) {
		s->reg_cpu = s->stop_cpu;
		return reply(s, "OK");
	}
	long cpu = thread_cpu(s, req->thread);
	if (cpu < 0)
		return reply(s, "E01");
	s->reg_cpu = (unsigned int)cpu;
	reply(s, "OK");
}

static void handle(struct vmr_server *s, const char *pkt, size_t len)
{
	struct vmr_rsp_request req;
	switch (vmr_rsp_parse(pkt, len, &req)) {
	case VMR_RSP_Q_SUPPORTED:
		putf(&s->reply, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+",
		     PACKET_SIZE);
		return send_reply(s);
	case VMR_RSP_Q_START_NOACK:
		reply(s, "OK");
		s->noack = true;
		return;
	case VMR_RSP_STOP_REASON:
		putf(&s->reply, "T05thread:%x;", s->stop_cpu + 1);
		return send_reply(s);
	case VMR_RSP_SET_THREAD:
		return handle_set_thread(s, &req);
	case VMR_RSP_THREAD_ALIVE:
		return reply(s, thread_cpu(s, req.thread) >= 0 ? "OK" : "E01");
	case VMR_RSP_THREAD_FIRST:
	case VMR_RSP_THREAD_NEXT:
		return handle_threads(s, req.kind == VMR_RSP_THREAD_FIRST);
	case VMR_RSP_CURRENT_THREAD:
		putf(&s->reply, "QC%x", s->stop_cpu + 1);
		return send_reply(s);
	case VMR_RSP_THREAD_EXTRA:
		return handle_thread_extra(s, req.thread);
	case VMR_RSP_ATTACHED:
		return reply(s, "1"); /* at exit gdb detaches instead of killing */
	case VMR_RSP_SYMBOL:
		return reply(s, "OK");
	case VMR_RSP_XFER_READ:
		return handle_xfer(s, &req);
	case VMR_RSP_READ_REGS:
		return handle_read_regs(s);
	case VMR_RSP_READ_REG:
		return handle_read_reg(s, req.reg);
	case VMR_RSP_READ_MEM:
	case VMR_RSP_READ_MEM_BINARY:
		return handle_read_mem(s, req.addr, req.len, req.kind == VMR_RSP_READ_MEM_BINARY);
	case VMR_RSP_WRITE:
	case VMR_RSP_RESUME:
	case VMR_RSP_MALFORMED:
		return reply(s, "E01"); /* a dump is read-only and never runs */
	case VMR_RSP_MONITOR:
		return handle_monitor(s, &req);
	case VMR_RSP_DETACH:
		reply(s, "OK");
		s->done = true;
		return;
	case VMR_RSP_VKILL:
		reply(s, "OK");
		s->done = true;
		return;
	case VMR_RSP_KILL:
		s->done = true; /* k has no reply */
		return;
	case VMR_RSP_VCONT_QUERY: /* "": gdb falls back to c, answered E01 */
	case VMR_RSP_OFFSETS:     /* "": vmregion gdb loads vmlinux with -o SLIDE */
	case VMR_RSP_UNKNOWN:
		return reply(s, "");
	}
}

/* The CPU that panicked: panic_cpu if it is readable and sane. */
static unsigned int find_stop_cpu(struct vmr_server *s)
{
	uint64_t addr;
	int32_t cpu;
	struct vmr_error *err = vmr_kernel_symbol_address(s->k, "panic_cpu", &addr);
	if (!err)
		err = vmr_kernel_read(s->k, addr, &cpu, sizeof(cpu));
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	return cpu >= 0 && (uint32_t)cpu < s->ncpus ? (unsigned int)cpu : 0;
}

struct vmr_error *vmr_server_create(struct vmr_kernel *k, const struct vmr_server_options *opt,
				    struct vmr_server **out)
{
	struct vmr_server *s = calloc(1, sizeof(*s));
	if (!s)
		return &vmr_enomem;
	s->k = k;
	s->dump = vmr_kernel_dump(k);
	if (opt)
		s->opt = *opt;
	s->ncpus = vmr_dump_get_info(s->dump)->ncpus;
	if (!s->ncpus)
		s->ncpus = 1; /* gdb needs a thread; its registers are unavailable */
	s->stop_cpu = find_stop_cpu(s);
	s->reg_cpu = s->stop_cpu;
	vmr_rsp_decoder_init(&s->dec);
	*out = s;
	return NULL;
}

void vmr_server_destroy(struct vmr_server *s)
{
	if (!s)
		return;
	free(s->tasks);
	free(s->reply.p);
	free(s->out.p);
	free(s->last);
	free(s);
}

/* Resend the last reply after a '-' (only before QStartNoAckMode). */
static void resend(struct vmr_server *s)
{
	if (s->last_len)
		put(&s->out, s->last, s->last_len);
}

bool vmr_server_input(struct vmr_server *s, const void *data, size_t len)
{
	const uint8_t *b = data;
	for (size_t i = 0; i < len && !s->done; i++) {
		switch (vmr_rsp_feed(&s->dec, b[i])) {
		case VMR_RSP_EV_PACKET:
			if (!s->noack)
				put(&s->out, "+", 1);
			handle(s, s->dec.buf, s->dec.len);
			break;
		case VMR_RSP_EV_BAD_CHECKSUM:
			if (!s->noack)
				put(&s->out, "-", 1);
			else /* gdb no longer checks them; neither do we */
				handle(s, s->dec.buf, s->dec.len);
			break;
		case VMR_RSP_EV_OVERSIZED:
			if (!s->noack)
				put(&s->out, "+", 1);
			reply(s, "E01");
			break;
		case VMR_RSP_EV_NACK:
			if (!s->noack)
				resend(s);
			break;
		case VMR_RSP_EV_INTERRUPT: /* already stopped */
			putf(&s->reply, "T02thread:%x;", s->stop_cpu + 1);
			send_reply(s);
			break;
		default:
			break;
		}
	}
	return s->done;
}

const char *vmr_server_output(const struct vmr_server *s, size_t *len)
{
	*len = s->out.len;
	return s->out.p;
}

void vmr_server_consume(struct vmr_server *s, size_t n)
{
	if (n > s->out.len)
		n = s->out.len;
	memmove(s->out.p, s->out.p + n, s->out.len - n);
	s->out.len -= n;
}

struct vmr_error *vmr_server_run(struct vmr_server *s, int in_fd, int out_fd)
{
	static const size_t chunk = 16384;
	uint8_t *in = malloc(chunk);
	if (!in)
		return &vmr_enomem;
	struct vmr_error *err = NULL;
	bool done = false;
	while (!done) {
		ssize_t n = read(in_fd, in, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = vmr_error_new(VMR_ERR_IO, "serve: reading requests: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break; /* gdb closed the pipe */
		done = vmr_server_input(s, in, (size_t)n);
		size_t len;
		const char *p = vmr_server_output(s, &len);
		size_t sent = 0;
		while (sent < len) {
			ssize_t w = write(out_fd, p + sent, len - sent);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				err = vmr_error_new(VMR_ERR_IO, "serve: writing replies: %s",
						    w < 0 ? strerror(errno) : "short write");
				break;
			}
			sent += (size_t)w;
		}
		vmr_server_consume(s, sent);
		if (err)
			break;
	}
	free(in);
	return err;
}

const char *vmr_server_target_xml(void)
{
	return target_xml;
}
