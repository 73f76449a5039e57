/* SPDX-License-Identifier: MIT */
/**
 * @file test_rebuild_novmcoreinfo.c  Rebuilding the layout of dumps without
 * VMCOREINFO (x86_64-layout.md §2.4): QEMU-style ELF dumps with CR3/CR4/IDTR
 * notes and page tables poked into physical memory, a small vmlinux written
 * at test time, and kcore-shaped files.
 *
 * The synthetic kernel: linked at _text = 0xffffffff81000000, running with
 * slide 0x2e00000 at physical 0x800000 (phys_base = 0x800000 - 0x3e00000),
 * kernel text mapped by two 2 MiB PMDs, the cpu_entry_area's read-only IDT
 * alias (0xfffffe0000000000) mapped to idt_table's page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmregion/vmregion.h>
#include "fixtures/mkvmcore.h"

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define LINK_TEXT 0xffffffff81000000ULL
#define SLIDE 0x2e00000ULL
#define TEXT_PA 0x800000ULL
#define PHYS_BASE (TEXT_PA - (LINK_TEXT + SLIDE - START_KERNEL_MAP))
#define RAM_SIZE 0x1000000ULL

/* vmlinux sections (link addresses) and symbols */
#define TEXT_SIZE 0x2000ULL
#define DIVIDE_ERROR_LINK (LINK_TEXT + 0x1000)
#define RODATA_LINK (LINK_TEXT + 0x200000)
#define BANNER_LINK (RODATA_LINK + 0x100)
#define DATA_LINK (LINK_TEXT + 0x300000)
#define IDT_TABLE_LINK (DATA_LINK + 0x1000)
#define END_LINK (LINK_TEXT + 0x400000)
#define VMCOREINFO_DATA_LINK (DATA_LINK + 0x18)

#define POB 0xffff9d2c00000000ULL
#define VMALLOC 0xffffb5e4c0000000ULL
#define VMEMMAP 0xffffe2f780000000ULL
#define POB_L5 0xff11000000000000ULL
#define VMALLOC_L5 0xffa0000000000000ULL
#define VMEMMAP_L5 0xffd4000000000000ULL

/* page tables */
#define PGD_PA 0x100000ULL
#define P4D_PA 0x102000ULL
#define PUD_K_PA 0x103000ULL
#define PMD_K_PA 0x104000ULL
#define PUD_C_PA 0x105000ULL
#define PMD_C_PA 0x106000ULL
#define PTE_C_PA 0x107000ULL
#define CEA_RO_IDT 0xfffffe0000000000ULL

static const char banner[] = "Linux version 6.12.0-synthetic (vmregion@tests) #1 SMP\n";

static uint64_t pa_of(uint64_t link)
{
	return link - LINK_TEXT + TEXT_PA;
}

/* ---- a minimal vmlinux: .text, .rodata, .data, symbols ---- */

struct sym {
	const char *name;
	uint64_t value, size;
	uint16_t shndx;
	unsigned char type;
};

static void text_bytes(unsigned char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		t[i] = (unsigned char)(i * 7 + 0x48);
}

/** Write the vmlinux (with or without a divide-error entry) to @p path. */
static void write_vmlinux(char *path, size_t len, const char *entry_name)
{
	static unsigned char text[TEXT_SIZE], rodata[0x1000], data[0x2000];
	text_bytes(text, sizeof(text));
	memset(rodata, 0, sizeof(rodata));
	memcpy(rodata + (BANNER_LINK - RODATA_LINK), banner, sizeof(banner));
	memset(data, 0, sizeof(data));
	const struct sym syms[] = {
		{ "_text", LINK_TEXT, 0, 1, STT_NOTYPE },
		{ entry_name, DIVIDE_ERROR_LINK, 27, 1, STT_FUNC },
		{ "linux_banner", BANNER_LINK, sizeof(banner), 2, STT_OBJECT },
		{ "page_offset_base", DATA_LINK, 8, 3, STT_OBJECT },
		{ "vmalloc_base", DATA_LINK + 8, 8, 3, STT_OBJECT },
		{ "vmemmap_base", DATA_LINK + 16, 8, 3, STT_OBJECT },
		{ "vmcoreinfo_data", VMCOREINFO_DATA_LINK, 8, 3, STT_OBJECT },
		{ "idt_table", IDT_TABLE_LINK, 4096, 3, STT_OBJECT },
		{ "_end", END_LINK, 0, 3, STT_NOTYPE },
	};
	enum { NSYMS = sizeof(syms) / sizeof(syms[0]) };
	char strtab[512] = "";
	size_t strlen_ = 1;
	Elf64_Sym es[NSYMS + 1];
	memset(es, 0, sizeof(es));
	for (size_t i = 0; i < NSYMS; i++) {
		es[i + 1].st_name = (uint32_t)strlen_;
		strcpy(strtab + strlen_, syms[i].name);
		strlen_ += strlen(syms[i].name) + 1;
		es[i + 1].st_value = syms[i].value;
		es[i + 1].st_size = syms[i].size;
		es[i + 1].st_shndx = syms[i].shndx;
		es[i + 1].st_info = ELF64_ST_INFO(STB_GLOBAL, syms[i].type);
	}
	static const char shstr[] = "\0.text\0.rodata\0.data\0.symtab\0.strtab\0.shstrtab";
	/* file: ehdr | text | rodata | data | symtab | strtab | shstrtab | shdrs */
	size_t off_text = sizeof(Elf64_Ehdr), off_ro = off_text + sizeof(text),
	       off_data = off_ro + sizeof(rodata), off_sym = off_data + sizeof(data),
	       off_str = off_sym + sizeof(es), off_shs = off_str + strlen_,
	       off_sh = (off_shs + sizeof(shstr) + 7) & ~7UL;
	size_t total = off_sh + 7 * sizeof(Elf64_Shdr);
	unsigned char *f = calloc(1, total);
	assert_non_null(f);
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = LINK_TEXT;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shoff = off_sh;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 7;
	eh.e_shstrndx = 6;
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + off_text, text, sizeof(text));
	memcpy(f + off_ro, rodata, sizeof(rodata));
	memcpy(f + off_data, data, sizeof(data));
	memcpy(f + off_sym, es, sizeof(es));
	memcpy(f + off_str, strtab, strlen_);
	memcpy(f + off_shs, shstr, sizeof(shstr));
	Elf64_Shdr sh[7];
	memset(sh, 0, sizeof(sh));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = LINK_TEXT,
			      .sh_offset = off_text, .sh_size = sizeof(text), .sh_addralign = 4096 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			      .sh_addr = RODATA_LINK, .sh_offset = off_ro,
			      .sh_size = sizeof(rodata), .sh_addralign = 4096 };
	sh[3] = (Elf64_Shdr){ .sh_name = 15, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_WRITE, .sh_addr = DATA_LINK,
			      .sh_offset = off_data, .sh_size = sizeof(data), .sh_addralign = 4096 };
	sh[4] = (Elf64_Shdr){ .sh_name = 21, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
			      .sh_size = sizeof(es), .sh_link = 5, .sh_info = 1,
			      .sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym) };
	sh[5] = (Elf64_Shdr){ .sh_name = 29, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			      .sh_size = strlen_, .sh_addralign = 1 };
	sh[6] = (Elf64_Shdr){ .sh_name = 37, .sh_type = SHT_STRTAB, .sh_offset = off_shs,
			      .sh_size = sizeof(shstr), .sh_addralign = 1 };
	memcpy(f + off_sh, sh, sizeof(sh));
	assert_int_equal(mkvmcore_write_bytes(f, total, path, len), 0);
	free(f);
}

/* ---- the dump ---- */

struct scene {
	bool la57;
	bool map_text;        /* kernel-text PMDs present */
	bool map_idt;         /* cpu_entry_area IDT alias present */
	bool erase_text;      /* dump's _text bytes zeroed */
	uint64_t gate_delta;  /* added to gate 0's target */
	bool no_cpu;          /* no CPU notes at all */
	bool cr3_empty;       /* CR3 points at a zero page */
	const char *mem_vmcoreinfo; /* text of an in-memory VMCOREINFO page */
	const char *note;     /* VMCOREINFO note text */
	bool kcore;
};

struct built {
	char dump[256];
	char vmlinux[256];
	struct vmr_dump *d;
	struct vmr_kernel *k;
	struct vmr_error *err;
};

#define MAX_POKES 32
struct pokes {
	struct mkvmcore_poke p[MAX_POKES];
	uint64_t words[MAX_POKES];
	size_t n;
};

static void poke64(struct pokes *pk, uint64_t pa, uint64_t v)
{
	assert_true(pk->n < MAX_POKES);
	pk->words[pk->n] = v;
	pk->p[pk->n] = (struct mkvmcore_poke){ .paddr = pa, .data = &pk->words[pk->n], .len = 8 };
	pk->n++;
}

static void pokebytes(struct pokes *pk, uint64_t pa, const void *data, size_t len)
{
	assert_true(pk->n < MAX_POKES);
	pk->p[pk->n] = (struct mkvmcore_poke){ .paddr = pa, .data = data, .len = len };
	pk->n++;
}

static unsigned idx(uint64_t va, unsigned shift)
{
	return (unsigned)((va >> shift) & 511);
}

static void page_tables(struct pokes *pk, const struct scene *s)
{
	uint64_t text_va = LINK_TEXT + SLIDE;
	uint64_t pud_parent = s->la57 ? P4D_PA : PGD_PA;
	if (s->la57) {
		/* 5-level: PGD 511 -> P4D; kernel and cea are P4D 511 and 508 */
		poke64(pk, PGD_PA + 8 * idx(text_va, 48), P4D_PA | 0x63);
	}
	poke64(pk, pud_parent + 8 * idx(text_va, 39), PUD_K_PA | 0x63);
	poke64(pk, PUD_K_PA + 8 * idx(text_va, 30), PMD_K_PA | 0x63);
	if (s->map_text) {
		poke64(pk, PMD_K_PA + 8 * idx(text_va, 21), TEXT_PA | 0x1e3);
		poke64(pk, PMD_K_PA + 8 * (idx(text_va, 21) + 1), (TEXT_PA + 0x200000) | 0x1e3);
	}
	if (s->map_idt) {
		poke64(pk, pud_parent + 8 * idx(CEA_RO_IDT, 39), PUD_C_PA | 0x63);
		poke64(pk, PUD_C_PA + 8 * idx(CEA_RO_IDT, 30), PMD_C_PA | 0x63);
		poke64(pk, PMD_C_PA + 8 * idx(CEA_RO_IDT, 21), PTE_C_PA | 0x63);
		poke64(pk, PTE_C_PA + 8 * idx(CEA_RO_IDT, 12),
		       pa_of(IDT_TABLE_LINK) | 0x8000000000000161ULL);
	}
}

static unsigned char gate0[16];
static unsigned char dump_text[TEXT_SIZE];
static char mem_vi_page[4096];

static void build(struct built *b, const struct scene *s, const char *vmlinux_entry)
{
	memset(b, 0, sizeof(*b));
	struct pokes pk = { .n = 0 };
	page_tables(&pk, s);
	/* the image: .text bytes, banner, the three bases, gate 0 */
	text_bytes(dump_text, sizeof(dump_text));
	if (s->erase_text)
		memset(dump_text, 0, sizeof(dump_text));
	pokebytes(&pk, pa_of(LINK_TEXT), dump_text, sizeof(dump_text));
	pokebytes(&pk, pa_of(BANNER_LINK), banner, sizeof(banner));
	poke64(&pk, pa_of(DATA_LINK), s->la57 ? POB_L5 : POB);
	poke64(&pk, pa_of(DATA_LINK + 8), s->la57 ? VMALLOC_L5 : VMALLOC);
	poke64(&pk, pa_of(DATA_LINK + 16), s->la57 ? VMEMMAP_L5 : VMEMMAP);
	uint64_t h = DIVIDE_ERROR_LINK + SLIDE + s->gate_delta;
	memset(gate0, 0, sizeof(gate0));
	gate0[0] = (unsigned char)h;
	gate0[1] = (unsigned char)(h >> 8);
	gate0[2] = 0x10;
	gate0[5] = 0x8e;
	gate0[6] = (unsigned char)(h >> 16);
	gate0[7] = (unsigned char)(h >> 24);
	for (int i = 0; i < 4; i++)
		gate0[8 + i] = (unsigned char)(h >> (32 + 8 * i));
	pokebytes(&pk, pa_of(IDT_TABLE_LINK), gate0, sizeof(gate0));
	if (s->mem_vmcoreinfo) {
		memset(mem_vi_page, 0, sizeof(mem_vi_page));
		strcpy(mem_vi_page, s->mem_vmcoreinfo);
		pokebytes(&pk, 0x300000, mem_vi_page, sizeof(mem_vi_page));
		poke64(&pk, pa_of(VMCOREINFO_DATA_LINK), POB + 0x300000);
	}

	struct mkvmcore_load loads[3];
	size_t nloads = 0;
	if (s->kcore) {
		/* KCORE_TEXT, KCORE_VMALLOC (not RAM), KCORE_RAM (fs/proc/kcore.c) */
		loads[nloads++] = (struct mkvmcore_load){ .paddr = TEXT_PA,
			.vaddr = LINK_TEXT + SLIDE, .filesz = END_LINK - LINK_TEXT };
		loads[nloads++] = (struct mkvmcore_load){ .paddr = UINT64_MAX,
			.vaddr = VMALLOC, .filesz = 0x2000 };
		loads[nloads++] = (struct mkvmcore_load){ .paddr = 0, .vaddr = POB,
			.filesz = RAM_SIZE };
	} else {
		loads[nloads++] = (struct mkvmcore_load){ .paddr = 0, .filesz = RAM_SIZE };
	}
	struct mkvmcore_cpu cpu = { 0 };
	cpu.prstatus = true;
	cpu.pid = 1;
	cpu.qemu = true;
	cpu.cr[0] = 0x80050033;
	cpu.cr[3] = s->cr3_empty ? 0x200000 : PGD_PA | 0x1000 | 0x5; /* PTI user half, PCID */
	cpu.cr[4] = 0x3606f0 | (s->la57 ? 1u << 12 : 0);
	cpu.idt_base = CEA_RO_IDT;
	cpu.idt_limit = 0xfff;
	cpu.gs_base = POB + 0xfc00000;
	struct mkvmcore_spec spec = {
		.loads = loads, .nloads = nloads, .pokes = pk.p, .npokes = pk.n,
		.cpus = &cpu, .ncpus = s->no_cpu || s->kcore ? 0 : 1,
		.vmcoreinfo = s->note, .kcore = s->kcore,
	};
	assert_int_equal(mkvmcore_write(&spec, b->dump, sizeof(b->dump)), 0);
	if (vmlinux_entry)
		write_vmlinux(b->vmlinux, sizeof(b->vmlinux), vmlinux_entry);
	struct vmr_error *err = vmr_dump_open(b->dump, &b->d);
	if (err)
		fail_msg("%s", vmr_error_message(err));
	b->err = vmr_kernel_open(b->d, vmlinux_entry ? b->vmlinux : NULL, &b->k);
}

static void unbuild(struct built *b)
{
	vmr_kernel_close(b->k);
	vmr_dump_close(b->d);
	vmr_error_free(b->err);
	unlink(b->dump);
	if (b->vmlinux[0])
		unlink(b->vmlinux);
}

static const struct vmr_layout *layout_ok(struct built *b)
{
	if (b->err)
		fail_msg("%s", vmr_error_message(b->err));
	return vmr_kernel_layout(b->k);
}

static bool has_warning(const struct vmr_layout *l, const char *a, const char *b)
{
	for (unsigned i = 0; i < l->nwarnings; i++)
		if (strstr(l->warnings[i], a) && (!b || strstr(l->warnings[i], b)))
			return true;
	return false;
}

static void print_layout(const char *what, const struct vmr_layout *l)
{
	printf("# %s\n#  slide %#llx %s %s\n#  phys_base %#llx %s %s\n#  paging %llu %s %s\n",
	       what, (unsigned long long)l->kaslr_offset.value,
	       vmr_source_name(l->kaslr_offset.source), l->kaslr_offset.detail,
	       (unsigned long long)l->phys_base.value, vmr_source_name(l->phys_base.source),
	       l->phys_base.detail, (unsigned long long)l->paging_levels.value,
	       vmr_source_name(l->paging_levels.source), l->paging_levels.detail);
	for (unsigned i = 0; i < l->nwarnings; i++)
		printf("#  warning: %s\n", l->warnings[i]);
}

static const struct scene base_scene = { .map_text = true, .map_idt = true };

/* Page tables, IDT, _text bytes and linux_banner agree; bases via vmlinux. */
static void test_idt_agrees(void **state)
{
	(void)state;
	struct built b;
	build(&b, &base_scene, "asm_exc_divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("agree", l);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->phys_base.value, PHYS_BASE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_PAGE_TABLES);
	assert_int_equal(l->phys_base.source, VMR_SRC_PAGE_TABLES);
	assert_non_null(strstr(l->kaslr_offset.detail, "confirmed by idt, _text, linux_banner"));
	assert_non_null(strstr(l->phys_base.detail, "confirmed by idt"));
	assert_int_equal(l->paging_levels.value, 4);
	assert_int_equal(l->paging_levels.source, VMR_SRC_CPU_STATE);
	assert_int_equal(l->page_offset_base.value, POB);
	assert_int_equal(l->vmalloc_base.value, VMALLOC);
	assert_int_equal(l->vmemmap_base.value, VMEMMAP);
	assert_int_equal(l->page_offset_base.source, VMR_SRC_VMLINUX);
	assert_int_equal(l->nwarnings, 0);
	unbuild(&b);
}

/* The older entry name divide_error is looked up too (crash symbols.c). */
static void test_idt_old_entry_name(void **state)
{
	(void)state;
	struct built b;
	build(&b, &base_scene, "divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	assert_non_null(strstr(l->kaslr_offset.detail, "idt"));
	unbuild(&b);
}

/* Gate 0 points 2 MiB off: a warning names both slides, page tables win. */
static void test_idt_disagrees(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.gate_delta = 0x200000;
	build(&b, &s, "asm_exc_divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("disagree", l);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_PAGE_TABLES);
	assert_null(strstr(l->kaslr_offset.detail, "idt"));
	assert_true(has_warning(l, "0x2e00000", "0x3000000"));
	assert_true(has_warning(l, "page-tables", "idt"));
	unbuild(&b);
}

/* Kernel text unmapped in the page tables: the IDT method alone. */
static void test_idt_alone(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.map_text = false;
	build(&b, &s, "asm_exc_divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("idt alone", l);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->phys_base.value, PHYS_BASE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_IDT);
	assert_int_equal(l->phys_base.source, VMR_SRC_IDT);
	assert_non_null(strstr(l->kaslr_offset.detail, "linux_banner"));
	unbuild(&b);
}

/* Erased kernel text (makedumpfile filter): _text is not compared. */
static void test_erased_text(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.erase_text = true;
	build(&b, &s, "asm_exc_divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	assert_null(strstr(l->kaslr_offset.detail, "_text,"));
	assert_non_null(strstr(l->kaslr_offset.detail, "linux_banner"));
	assert_int_equal(l->nwarnings, 0);
	unbuild(&b);
}

/* 5-level paging from CR4.LA57; the walk uses 5 levels. */
static void test_la57_from_cr4(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.la57 = true;
	build(&b, &s, "asm_exc_divide_error");
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("la57", l);
	assert_int_equal(l->paging_levels.value, 5);
	assert_int_equal(l->paging_levels.source, VMR_SRC_CPU_STATE);
	assert_non_null(strstr(l->paging_levels.detail, "CR4.LA57"));
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->phys_base.value, PHYS_BASE);
	assert_non_null(strstr(l->kaslr_offset.detail, "idt"));
	assert_int_equal(l->page_offset_base.value, POB_L5);
	assert_int_equal(l->vmalloc_base.value, VMALLOC_L5);
	assert_int_equal(l->vmemmap_base.value, VMEMMAP_L5);
	unbuild(&b);
	/* Without the vmlinux too: the slide is a guess, paging still 5. */
	build(&b, &s, NULL);
	l = layout_ok(&b);
	assert_int_equal(l->paging_levels.value, 5);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_GUESS);
	assert_non_null(strstr(l->kaslr_offset.detail, "0xffffffff81000000"));
	assert_int_equal(l->phys_base.source, VMR_SRC_PAGE_TABLES);
	unbuild(&b);
}

#define MEM_VI "OSRELEASE=6.12.0-synthetic\nPAGESIZE=4096\nKERNELOFFSET=2e00000\n" \
	"NUMBER(phys_base)=-56623104\nNUMBER(pgtable_l5_enabled)=0\n" \
	"NUMBER(VMALLOC_START)=0xffffb5e4c0000000\nSYMBOL(vmemmap)=ffffe2f780000000\n"

/* The kernel's own VMCOREINFO page, found by the scan and by the symbol. */
static void test_memory_vmcoreinfo(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.mem_vmcoreinfo = MEM_VI;
	build(&b, &s, NULL);
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("memory vmcoreinfo, scan", l);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->phys_base.value, PHYS_BASE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_VMCOREINFO_MEM);
	assert_non_null(strstr(l->kaslr_offset.detail, "KERNELOFFSET @phys 0x300000"));
	assert_non_null(strstr(l->phys_base.detail, "confirmed by page-tables"));
	assert_int_equal(l->vmalloc_base.value, VMALLOC);
	assert_int_equal(l->vmemmap_base.value, VMEMMAP);
	assert_string_equal(vmr_kernel_vmcoreinfo_origin(b.k), "memory copy at phys 0x300000");
	unbuild(&b);
	build(&b, &s, "asm_exc_divide_error");
	l = layout_ok(&b);
	print_layout("memory vmcoreinfo, symbol", l);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_VMCOREINFO_MEM);
	assert_non_null(strstr(l->kaslr_offset.detail, "confirmed by page-tables, idt"));
	unbuild(&b);
}

/* Nothing works: one error naming every method and why it failed. */
static void test_all_methods_fail(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.no_cpu = true;
	build(&b, &s, NULL);
	assert_non_null(b.err);
	const char *m = vmr_error_message(b.err);
	printf("# %s\n", m);
	assert_int_equal(vmr_error_code(b.err), VMR_ERR_FORMAT);
	assert_non_null(strstr(m, "no VMCOREINFO note"));
	assert_non_null(strstr(m, "no vmlinux"));
	assert_non_null(strstr(m, "no kernel-text PT_LOAD"));
	assert_non_null(strstr(m, "page tables: CR3 not in any CPU note"));
	assert_non_null(strstr(m, "memory scan: no page starts with OSRELEASE="));
	unbuild(&b);

	/* CR3 at an empty table, with a vmlinux: page tables and idt say why. */
	s.no_cpu = false;
	s.cr3_empty = true;
	build(&b, &s, "asm_exc_divide_error");
	assert_non_null(b.err);
	m = vmr_error_message(b.err);
	printf("# %s\n", m);
	assert_non_null(strstr(m, "page tables (root 0x200000): nothing mapped"));
	assert_non_null(strstr(m, "idt: CPU 0:"));
	assert_non_null(strstr(m, "memory scan:"));
	assert_null(strstr(m, "no vmlinux"));
	unbuild(&b);
}

/* kcore: KCORE_TEXT gives the slide, KCORE_RAM the direct map, never
 * KCORE_VMALLOC (p_paddr -1). */
static void test_kcore(void **state)
{
	(void)state;
	struct built b;
	struct scene s = base_scene;
	s.kcore = true;
	s.note = "OSRELEASE=6.12.0-synthetic\nPAGESIZE=4096\nKERNELOFFSET=2e00000\n"
		 "NUMBER(phys_base)=-56623104\nSYMBOL(init_top_pgt)=ffffffff83700000\n"
		 "NUMBER(pgtable_l5_enabled)=0\n";
	build(&b, &s, NULL);
	const struct vmr_layout *l = layout_ok(&b);
	print_layout("kcore with VMCOREINFO", l);
	assert_int_equal(vmr_dump_get_info(b.d)->format, VMR_DUMP_KCORE);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_VMCOREINFO);
	assert_non_null(strstr(l->kaslr_offset.detail, "confirmed by PT_LOAD"));
	assert_non_null(strstr(l->phys_base.detail, "confirmed by PT_LOAD, page-tables"));
	assert_int_equal(l->page_offset_base.value, POB);
	assert_int_equal(l->page_offset_base.source, VMR_SRC_ELF_HEADERS);
	/* No symbol gives vmalloc_base or vmemmap_base: their un-randomized
	 * defaults are a guess that a slid image makes doubtful (§2.4(d)5). */
	assert_int_equal(l->vmalloc_base.source, VMR_SRC_DEFAULT);
	assert_true(has_warning(l, "vmalloc_base, vmemmap_base: un-randomized default",
				"slid"));
	/* A VMCOREINFO without the kallsyms tables, none found in the image:
	 * no symbols, said. */
	assert_true(has_warning(l, "no kallsyms tables", "-k"));
	assert_int_equal(l->nwarnings, 2);
	unbuild(&b);

	/* Before 4.19 kcore had no VMCOREINFO: the PT_LOADs alone. */
	s.note = NULL;
	build(&b, &s, "asm_exc_divide_error");
	l = layout_ok(&b);
	print_layout("kcore without VMCOREINFO", l);
	assert_int_equal(l->kaslr_offset.value, SLIDE);
	assert_int_equal(l->kaslr_offset.source, VMR_SRC_ELF_HEADERS);
	assert_int_equal(l->phys_base.value, PHYS_BASE);
	assert_non_null(strstr(l->kaslr_offset.detail, "linux_banner"));
	assert_int_equal(l->page_offset_base.value, POB);
	assert_int_equal(l->vmalloc_base.value, VMALLOC);
	unbuild(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idt_agrees),
		cmocka_unit_test(test_idt_old_entry_name),
		cmocka_unit_test(test_idt_disagrees),
		cmocka_unit_test(test_idt_alone),
		cmocka_unit_test(test_erased_text),
		cmocka_unit_test(test_la57_from_cr4),
		cmocka_unit_test(test_memory_vmcoreinfo),
		cmocka_unit_test(test_all_methods_fail),
		cmocka_unit_test(test_kcore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
