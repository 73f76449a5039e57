/* SPDX-License-Identifier: MIT */
/**
 * @file notes.c  ELF note chains of crash dumps: VMCOREINFO, NT_PRSTATUS,
 * QEMU CPU state (x86_64-layout.md §3.1, §4.1, §4.2).
 *
 * Shared by ELF vmcores (PT_NOTE) and kdump-compressed files (the note blob
 * at the sub-header's offset_note).  Every length is checked before use.
 */
#include "vmcore/dump-priv.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

#define NT_PRSTATUS 1
#define NT_PRPSINFO 3
#define NT_TASKSTRUCT 4

/* struct elf_prstatus on x86_64 (include/linux/elfcore.h, k6.12). */
#define PRSTATUS_SIZE 336
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112

/* struct QEMUCPUState, version 1 (qemu target/i386/arch_dump.c). */
#define QEMU_REGS 8       /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags */
#define QEMU_SEG(i) (152 + 24 * (i)) /* cs ds es fs gs ss ldt tr */
#define QEMU_GDT 344
#define QEMU_IDT 368
#define QEMU_CR 392
#define QEMU_MIN_SIZE 432 /* through cr[4] */
#define QEMU_KGS 432      /* kernel_gs_base, when size >= 440 */

static bool name_is(const unsigned char *name, uint32_t namesz, const char *want)
{
	size_t n = namesz;
	while (n && name[n - 1] == '\0')
		n--;
	return n == strlen(want) && !memcmp(name, want, n);
}

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

/** The state of CPU @p i, growing the table; NULL if over the cap or OOM. */
static struct vmr_error *cpu_at(struct vmr_notes *notes, unsigned int i,
				struct vmr_cpu_state **out)
{
	if (i >= VMR_MAX_CPUS)
		return vmr_error_new(VMR_ERR_LIMIT, "more than %u CPU notes", VMR_MAX_CPUS);
	if (i >= notes->ncpus) {
		struct vmr_cpu_state *c = realloc(notes->cpus, (i + 1) * sizeof(*c));
		if (!c)
			return &vmr_enomem;
		for (unsigned int j = notes->ncpus; j <= i; j++) {
			memset(&c[j], 0, sizeof(c[j]));
			c[j].index = j;
		}
		notes->cpus = c;
		notes->ncpus = i + 1;
	}
	*out = &notes->cpus[i];
	return NULL;
}

static struct vmr_error *parse_prstatus(struct vmr_notes *notes, const unsigned char *desc,
					uint32_t descsz)
{
	if (descsz < PRSTATUS_SIZE)
		return vmr_error_new(VMR_ERR_FORMAT, "NT_PRSTATUS descsz %u < %u", descsz,
				     PRSTATUS_SIZE);
	struct vmr_cpu_state *cpu;
	struct vmr_error *err = cpu_at(notes, notes->nprstatus, &cpu);
	if (err)
		return err;
	bool zero = true;
	for (uint32_t i = 0; i < PRSTATUS_SIZE && zero; i++)
		zero = desc[i] == 0;
	notes->prstatus_all_zero = (notes->nprstatus == 0 || notes->prstatus_all_zero) && zero;
	notes->nprstatus++;
	cpu->has_prstatus = true;
	cpu->pr_pid = vmr_le32(desc + PRSTATUS_PID);
	for (int i = 0; i < VMR_NR_GREGS; i++)
		cpu->gpr[i] = vmr_le64(desc + PRSTATUS_REG + 8 * i);
	return NULL;
}

static struct vmr_error *parse_qemu(struct vmr_notes *notes, const unsigned char *desc,
				    uint32_t descsz)
{
	if (descsz < 8)
		return vmr_error_new(VMR_ERR_FORMAT, "QEMU CPU-state descsz %u too small",
				     descsz);
	uint32_t size = vmr_le32(desc + 4);
	if (size > descsz)
		size = descsz;
	if (size < QEMU_MIN_SIZE)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "QEMU CPU-state note too small (size %u, need %u)",
				     size, QEMU_MIN_SIZE);
	struct vmr_cpu_state *cpu;
	struct vmr_error *err = cpu_at(notes, notes->nqemu, &cpu);
	if (err)
		return err;
	notes->nqemu++;
	cpu->has_sysregs = true;
	for (int i = 0; i < 5; i++)
		cpu->cr[i] = vmr_le64(desc + QEMU_CR + 8 * i);
	cpu->gdt_limit = vmr_le32(desc + QEMU_GDT + 4);
	cpu->gdt_base = vmr_le64(desc + QEMU_GDT + 16);
	cpu->idt_limit = vmr_le32(desc + QEMU_IDT + 4);
	cpu->idt_base = vmr_le64(desc + QEMU_IDT + 16);
	cpu->gs_base = vmr_le64(desc + QEMU_SEG(4) + 16);
	if (size >= QEMU_KGS + 8) {
		cpu->has_kernel_gs_base = true;
		cpu->kernel_gs_base = vmr_le64(desc + QEMU_KGS);
	}
	/* NT_PRSTATUS, when present, keeps its raw register values. */
	if (cpu->has_prstatus)
		return NULL;
	static const enum vmr_greg order[18] = {
		VMR_REG_RAX, VMR_REG_RBX, VMR_REG_RCX, VMR_REG_RDX, VMR_REG_RSI,
		VMR_REG_RDI, VMR_REG_RSP, VMR_REG_RBP, VMR_REG_R8, VMR_REG_R9,
		VMR_REG_R10, VMR_REG_R11, VMR_REG_R12, VMR_REG_R13, VMR_REG_R14,
		VMR_REG_R15, VMR_REG_RIP, VMR_REG_EFLAGS,
	};
	for (int i = 0; i < 18; i++)
		cpu->gpr[order[i]] = vmr_le64(desc + QEMU_REGS + 8 * i);
	static const enum vmr_greg segs[6] = {
		VMR_REG_CS, VMR_REG_DS, VMR_REG_ES, VMR_REG_FS, VMR_REG_GS, VMR_REG_SS,
	};
	for (int i = 0; i < 6; i++)
		cpu->gpr[segs[i]] = vmr_le32(desc + QEMU_SEG(i));
	cpu->gpr[VMR_REG_FS_BASE] = vmr_le64(desc + QEMU_SEG(3) + 16);
	cpu->gpr[VMR_REG_GS_BASE] = cpu->gs_base;
	return NULL;
}

static struct vmr_error *parse_vmcoreinfo(struct vmr_notes *notes, const unsigned char *desc,
					  uint32_t descsz)
{
	if (notes->has_vmcoreinfo)
		return NULL; /* the first one wins */
	if (descsz > VMR_MAX_VMCOREINFO)
		return vmr_error_new(VMR_ERR_LIMIT, "VMCOREINFO note of %u bytes (limit %u)",
				     descsz, VMR_MAX_VMCOREINFO);
	size_t len = descsz;
	while (len && desc[len - 1] == '\0')
		len--;
	char *text = malloc(len + 1);
	if (!text)
		return &vmr_enomem;
	memcpy(text, desc, len);
	text[len] = '\0';
	notes->vmcoreinfo = text;
	notes->vmcoreinfo_len = len;
	notes->has_vmcoreinfo = true;
	return NULL;
}

struct vmr_error *vmr_notes_parse(struct vmr_notes *notes, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off = 0;
	while (len - off >= 12) {
		uint32_t namesz = vmr_le32(p + off);
		uint32_t descsz = vmr_le32(p + off + 4);
		uint32_t type = vmr_le32(p + off + 8);
		if (!namesz && !descsz && !type)
			break; /* terminating empty note, or zero padding */
		size_t name_off = off + 12;
		if (namesz > len - name_off)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "note %u at offset 0x%zx: name size %u past the end of the notes (0x%zx bytes)",
					     notes->nnotes, off, namesz, len);
		size_t desc_off = name_off + align4(namesz);
		if (desc_off > len || descsz > len - desc_off)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "note %u at offset 0x%zx: descriptor size %u past the end of the notes (0x%zx bytes)",
					     notes->nnotes, off, descsz, len);
		if (notes->nnotes >= VMR_MAX_NOTES)
			return vmr_error_new(VMR_ERR_LIMIT, "more than %u notes", VMR_MAX_NOTES);
		notes->nnotes++;
		const unsigned char *name = p + name_off, *desc = p + desc_off;
		struct vmr_error *err = NULL;
		if (name_is(name, namesz, "CORE")) {
			if (type == NT_PRSTATUS)
				err = parse_prstatus(notes, desc, descsz);
			else if (type == NT_PRPSINFO)
				notes->has_prpsinfo = true;
			else if (type == NT_TASKSTRUCT)
				notes->has_taskstruct = true;
		} else if (name_is(name, namesz, "QEMU") && type == 0) {
			err = parse_qemu(notes, desc, descsz);
		} else if (name_is(name, namesz, "VMCOREINFO") && type == 0) {
			err = parse_vmcoreinfo(notes, desc, descsz);
		} else if (name_is(name, namesz, "ERASEINFO")) {
			notes->has_eraseinfo = true;
		}
		if (err)
			return vmr_error_prefix(err, "note %u at offset 0x%zx",
						notes->nnotes - 1, off);
		/* The padding of the last descriptor may be missing. */
		size_t next = desc_off + align4(descsz);
		if (next >= len)
			break;
		off = next;
	}
	return NULL;
}

void vmr_notes_deinit(struct vmr_notes *notes)
{
	free(notes->vmcoreinfo);
	free(notes->cpus);
	memset(notes, 0, sizeof(*notes));
}
