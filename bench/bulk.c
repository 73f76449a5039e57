/* SPDX-License-Identifier: MIT */
/*
 * bulk: in-process throughput of the library on a real dump.
 *
 *   bulk classify DUMP N [HOT...]          vmr_classify() of N addresses
 *   bulk describe DUMP N [-k VMLINUX] [-o FILE K] [HOT...]
 *                                          vmr_kernel_describe() + vmr_owner_lookup()
 *                                          of N addresses (-o: write the first K
 *                                          addresses to FILE, one hex a line, so
 *                                          that peers annotate the same ones)
 *   bulk scan DUMP START LEN [-k VMLINUX] [-O]
 *                                          vmr_kernel_read() of [START, START+LEN)
 *                                          in 64 KiB chunks (page by page where a
 *                                          chunk faults), vmr_classify() of every
 *                                          8-byte word (-O: vmr_kernel_describe()
 *                                          + vmr_owner_lookup() of every word);
 *                                          also names the first 1 MiB window that
 *                                          the dump holds completely (for peers
 *                                          that stop at the first missing page)
 *
 * The address mix: half are HOT addresses (known objects, e.g. the samples of
 * truth.json) plus a small random offset, half a random row of this dump's
 * region table plus a random offset inside it (every region, user and
 * non-canonical included).  Same seed every run.
 *
 * Output: one line "RESULT key=value ..." per measurement, for bench/run.
 *
 * Build (bench/run does this):
 *   cc -O2 -I include bench/bulk.c BUILD/libvmregion_static.a \
 *      $(pkg-config --libs libelf libdw libkdumpfile libzstd zlib) -o bulk
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmregion/vmregion.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int fail(const char *what, struct vmr_error *err)
{
	fprintf(stderr, "bulk: %s: %s\n", what, vmr_error_message(err));
	vmr_error_free(err);
	return 2;
}

static uint64_t *make_mix(const struct vmr_layout *L, size_t n, const uint64_t *hot, size_t nhot)
{
	uint64_t *a = malloc(n * sizeof(*a));
	uint64_t seed = 0x9e3779b97f4a7c15u;
	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = xorshift(&seed);
		if ((r & 1) || nhot == 0) {
			const struct vmr_region *row = &L->regions[(r >> 1) % L->nregions];
			uint64_t span = row->end - row->start;
			uint64_t off = xorshift(&seed);
			a[i] = row->start + (span == UINT64_MAX ? off : off % (span + 1));
		} else {
			a[i] = hot[(r >> 1) % nhot] + ((r >> 20) & 0xff);
		}
	}
	return a;
}

struct opts {
	const char *cmd, *dump, *vmlinux, *out;
	size_t out_n;
	bool owners;
	uint64_t num[2];
	int nnum;
	uint64_t hot[256];
	size_t nhot;
};

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	if (argc < 3)
		return -1;
	o->cmd = argv[1];
	o->dump = argv[2];
	int want = strcmp(o->cmd, "scan") == 0 ? 2 : 1;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "-k") == 0 && i + 1 < argc) {
			o->vmlinux = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 2 < argc) {
			o->out = argv[++i];
			o->out_n = strtoull(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "-O") == 0) {
			o->owners = true;
		} else if (o->nnum < want) {
			o->num[o->nnum++] = strtoull(argv[i], NULL, 0);
		} else if (o->nhot < sizeof(o->hot) / sizeof(o->hot[0])) {
			o->hot[o->nhot++] = strtoull(argv[i], NULL, 0);
		}
	}
	return o->nnum == want ? 0 : -1;
}

static int do_classify(const struct vmr_layout *L, const struct opts *o)
{
	size_t n = o->num[0];
	uint64_t *a = make_mix(L, n, o->hot, o->nhot);
	if (!a)
		return 2;
	struct vmr_addrinfo ai;
	uint64_t sink = 0;
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		vmr_classify(L, a[i], &ai);
		sink += (uint64_t)ai.region + ai.pfn;
	}
	double dt = now() - t0;
	printf("RESULT classify n=%zu seconds=%.6f rate=%.0f checksum=%" PRIx64 "\n", n, dt,
	       (double)n / dt, sink);
	free(a);
	return 0;
}

static int do_describe(struct vmr_kernel *k, const struct vmr_layout *L, const struct opts *o)
{
	size_t n = o->num[0];
	uint64_t *a = make_mix(L, n, o->hot, o->nhot);
	if (!a)
		return 2;
	if (o->out) {
		FILE *f = fopen(o->out, "w");
		if (!f) {
			perror(o->out);
			return 2;
		}
		for (size_t i = 0; i < o->out_n && i < n; i++)
			fprintf(f, "0x%016" PRIx64 "\n", a[i]);
		fclose(f);
	}
	size_t kinds[VMR_OWNER__COUNT] = {0};
	size_t mapped = 0, errors = 0;
	struct vmr_addrinfo ai;
	struct vmr_owner ow;
	double t0 = now(), first = 0;
	for (size_t i = 0; i < n; i++) {
		vmr_kernel_describe(k, a[i], &ai);
		struct vmr_error *err = vmr_owner_lookup(k, &ai, &ow);
		if (err) {
			errors++;
			vmr_error_free(err);
			continue;
		}
		if (i == 0)
			first = now() - t0;
		mapped += ai.mapped;
		if (ow.kind < VMR_OWNER__COUNT)
			kinds[ow.kind]++;
	}
	double dt = now() - t0;
	printf("RESULT describe n=%zu seconds=%.6f rate=%.0f first_seconds=%.6f mapped=%zu errors=%zu",
	       n, dt, (double)n / dt, first, mapped, errors);
	for (int i = 0; i < VMR_OWNER__COUNT; i++)
		if (kinds[i])
			printf(" owner_%s=%zu", vmr_owner_kind_name((enum vmr_owner_kind)i), kinds[i]);
	printf("\n");
	free(a);
	return 0;
}

#define CHUNK (64u * 1024u)
#define PAGE 4096u

static int do_scan(struct vmr_kernel *k, const struct vmr_layout *L, const struct opts *o)
{
	uint64_t start = o->num[0], len = o->num[1];
	unsigned char *buf = malloc(CHUNK);
	if (!buf)
		return 2;
	uint64_t read_bytes = 0, missing = 0, words = 0, sink = 0;
	size_t per_region[VMR_REGION__COUNT] = {0};
	double t_read = 0, t_class = 0;
	struct vmr_addrinfo ai;
	struct vmr_owner ow;
	size_t owned = 0;
	uint64_t full_run = 0, full_mib = 0; /* bytes present since a 1 MiB boundary */
	uint64_t map_va = 0, map_pa = 0, map_size = 0; /* last translation */
	for (uint64_t off = 0; off < len; off += CHUNK) {
		uint64_t want = len - off < CHUNK ? len - off : CHUNK;
		uint64_t va = start + off;
		double t0 = now();
		/* Which pages the dump holds: one translation per mapping (a 2 MiB
		 * or 1 GiB leaf covers many pages) and vmr_dump_has_phys(), so
		 * that a filtered page costs no failed read (each failed read
		 * builds an error message: 17% of the time in a profile). */
		unsigned char ok[CHUNK / PAGE];
		uint64_t got = 0;
		for (uint64_t p = 0; p < want; p += PAGE) {
			uint64_t v = va + p, pa;
			if (!(map_size && v >= map_va && v - map_va < map_size)) {
				uint64_t ps = 0;
				struct vmr_error *e = vmr_kernel_translate(k, v & ~(uint64_t)(PAGE - 1), &pa, &ps);
				if (e) {
					vmr_error_free(e);
					map_size = 0;
					ok[p / PAGE] = 0;
					continue;
				}
				map_size = ps ? ps : PAGE;
				map_va = v & ~(map_size - 1);
				map_pa = pa & ~(map_size - 1);
			}
			pa = map_pa + (v - map_va);
			ok[p / PAGE] = vmr_dump_has_phys(vmr_kernel_dump(k), pa);
		}
		/* Read each run of present pages at once. */
		for (uint64_t p = 0; p < want;) {
			if (!ok[p / PAGE]) {
				uint64_t l = want - p < PAGE ? want - p : PAGE;
				missing += l;
				p += PAGE;
				continue;
			}
			uint64_t q = p;
			while (q < want && ok[q / PAGE])
				q += PAGE;
			uint64_t l = (q < want ? q : want) - p;
			struct vmr_error *err = vmr_kernel_read(k, va + p, buf + p, l);
			if (err) { /* present by the index but unreadable: page by page */
				vmr_error_free(err);
				for (uint64_t r = p; r < p + l; r += PAGE) {
					uint64_t m = p + l - r < PAGE ? p + l - r : PAGE;
					err = vmr_kernel_read(k, va + r, buf + r, m);
					if (err) {
						vmr_error_free(err);
						ok[r / PAGE] = 0;
						missing += m;
					} else {
						got += m;
					}
				}
			} else {
				got += l;
			}
			p = q;
		}
		double t1 = now();
		t_read += t1 - t0;
		read_bytes += got;
		if ((va & 0xfffff) == 0)
			full_run = 0;
		full_run += got == want ? want : 0;
		if (!full_mib && full_run == 0x100000)
			full_mib = va + want - 0x100000;
		for (uint64_t p = 0; p < want; p += PAGE) {
			if (!ok[p / PAGE])
				continue;
			uint64_t l = want - p < PAGE ? want - p : PAGE;
			const uint64_t *w = (const uint64_t *)(buf + p);
			for (uint64_t j = 0; j < l / 8; j++) {
				if (o->owners) {
					vmr_kernel_describe(k, w[j], &ai);
					struct vmr_error *e = vmr_owner_lookup(k, &ai, &ow);
					if (e)
						vmr_error_free(e);
					else if (ow.kind != VMR_OWNER_NONE)
						owned++;
				} else {
					vmr_classify(L, w[j], &ai);
				}
				per_region[ai.region]++;
				sink += ai.pfn;
			}
			words += l / 8;
		}
		t_class += now() - t1;
	}
	double total = t_read + t_class;
	(void)0;
	printf("RESULT scan owners=%d owned=%zu first_full_mib=0x%" PRIx64, o->owners, owned, full_mib);
	printf(" start=0x%" PRIx64 " len=%" PRIu64 " read_bytes=%" PRIu64
	       " missing_bytes=%" PRIu64 " words=%" PRIu64 " seconds=%.6f read_seconds=%.6f"
	       " classify_seconds=%.6f rate=%.0f classify_rate=%.0f checksum=%" PRIx64,
	       start, len, read_bytes, missing, words, total, t_read, t_class,
	       (double)len / total, t_class > 0 ? (double)(words * 8) / t_class : 0.0, sink);
	for (int i = 0; i < VMR_REGION__COUNT; i++)
		if (per_region[i] && i != VMR_REGION_USER && i != VMR_REGION_NON_CANONICAL)
			printf(" words_%s=%zu", vmr_region_name((enum vmr_region_id)i), per_region[i]);
	printf("\n");
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: bulk classify DUMP N [HOT...]\n"
				"       bulk describe DUMP N [-k VMLINUX] [-o FILE K] [HOT...]\n"
				"       bulk scan DUMP START LEN [-k VMLINUX]\n");
		return 2;
	}
	struct vmr_dump *d;
	struct vmr_kernel *k;
	struct vmr_error *err;
	double t0 = now();
	if ((err = vmr_dump_open(o.dump, &d)))
		return fail(o.dump, err);
	if ((err = vmr_kernel_open(d, o.vmlinux, &k))) {
		vmr_dump_close(d);
		return fail(o.dump, err);
	}
	printf("RESULT open seconds=%.6f\n", now() - t0);
	const struct vmr_layout *L = vmr_kernel_layout(k);
	int rc;
	if (strcmp(o.cmd, "classify") == 0)
		rc = do_classify(L, &o);
	else if (strcmp(o.cmd, "describe") == 0)
		rc = do_describe(k, L, &o);
	else if (strcmp(o.cmd, "scan") == 0)
		rc = do_scan(k, L, &o);
	else {
		fprintf(stderr, "bulk: unknown command %s\n", o.cmd);
		rc = 2;
	}
	vmr_kernel_close(k);
	vmr_dump_close(d);
	return rc;
}
