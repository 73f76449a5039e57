/* SPDX-License-Identifier: MIT */
/**
 * @file vmcoreinfo.c  VMCOREINFO text: KEY=VALUE lines (x86_64-layout.md §3).
 *
 * The text is copied once; keys and values point into the copy.  Lines are
 * kept in file order for vmr_vmcoreinfo_entry() and indexed by a sorted
 * array of unique keys for lookups (binary search, a few hundred keys).
 *
 * Rules, from the kernel's writer (kernel/vmcore_info.c [k6.12],
 * kernel/crash_core.c [k6.1]):
 * - The buffer need not be NUL-terminated; only @p len bytes are read.
 * - A line ends at '\n' or at the end of the buffer (the last line may lack
 *   its '\n' when the 4096-byte buffer filled).  A trailing '\r' (CRLF) and
 *   trailing NUL padding are dropped; blank lines are ignored.
 * - vmcoreinfo_append_str() formats into a 0x50-byte stack buffer, so one
 *   call emits at most 79 bytes including its '\n'.  A longer entry is cut to
 *   79 bytes and loses its '\n', merging with the next key.  A line of 80 or
 *   more bytes whose byte 79 starts a KEY= is therefore split there: the cut
 *   head is counted as malformed (its value may be truncated), the rest is
 *   parsed as a line of its own.
 * - Malformed lines (no '=', empty key, control characters or NUL inside)
 *   are skipped and counted.  An empty value is kept (get() returns "") but
 *   no numeric getter accepts it.
 * - Duplicate keys: every line stays visible through vmr_vmcoreinfo_entry(),
 *   but lookups return the first occurrence in file order (the kernel writes
 *   each key once; a later copy can only come from a corrupt or appended
 *   buffer, and the first is the one the kernel wrote at boot).
 * - Texts larger than VMCOREINFO_MAX_TEXT (1 MiB) give VMR_ERR_LIMIT; the
 *   kernel's buffer is one page.
 */
#include <vmregion/vmcoreinfo.h>

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/bytes.h"
#include "common/sort.h"

/** Largest text accepted: the kernel writes at most 4096 bytes. */
#define VMCOREINFO_MAX_TEXT (1u << 20)
/** One vmcoreinfo_append_str() call emits at most this many bytes w/o '\n'. */
#define VMCOREINFO_CUT_LEN 79
/** Longest "PREFIX(name)" a typed getter builds. */
#define VMCOREINFO_MAX_KEY 256

struct vmcoreinfo_entry {
	const char *key;
	const char *value;
};

struct vmr_vmcoreinfo {
	char *text; /**< the copy; keys and values are NUL-terminated in it */
	struct vmcoreinfo_entry *entries; /**< valid lines, file order */
	size_t count;
	size_t cap;
	const struct vmcoreinfo_entry **index; /**< unique keys, sorted */
	size_t nindex;
	size_t bad; /**< malformed lines skipped */
};

/** @return true if @p c may appear in a key (printable, no space, no '='). */
static bool key_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '=';
}

/** @return true if @p c may appear in a value (no control characters). */
static bool value_char(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

/**
 * @return the length of the key if @p p[0..len) starts with KEY= (the key
 * non-empty and made of key characters), else 0.
 */
static size_t key_length(const char *p, size_t len)
{
	size_t i = 0;
	while (i < len && key_char((unsigned char)p[i]))
		i++;
	return i > 0 && i < len && p[i] == '=' ? i : 0;
}

/** @return true if a cut line's tail at @p p looks like the next key. */
static bool starts_key(const char *p, size_t len)
{
	return len > 0 && p[0] >= 'A' && p[0] <= 'Z' && key_length(p, len) > 0;
}

/** Append one entry.  @return false on out of memory. */
static bool add_entry(struct vmr_vmcoreinfo *vi, const char *key,
		      const char *value)
{
	if (vi->count == vi->cap) {
		size_t cap = vi->cap ? vi->cap * 2 : 128;
		struct vmcoreinfo_entry *n =
			realloc(vi->entries, cap * sizeof(*n));
		if (!n)
			return false;
		vi->entries = n;
		vi->cap = cap;
	}
	vi->entries[vi->count].key = key;
	vi->entries[vi->count].value = value;
	vi->count++;
	return true;
}

/**
 * Parse the line @p p[0..len) of the writable copy; @p p[len] is writable
 * (a '\n', '\r' or the spare byte at the end of the copy).
 * @return false on out of memory.
 */
static bool parse_line(struct vmr_vmcoreinfo *vi, char *p, size_t len)
{
	for (;;) {
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\0'))
			len--;
		if (len == 0)
			return true;
		if (len <= VMCOREINFO_CUT_LEN ||
		    !starts_key(p + VMCOREINFO_CUT_LEN,
				len - VMCOREINFO_CUT_LEN))
			break;
		/* A cut entry merged with the next one: drop the head. */
		vi->bad++;
		p += VMCOREINFO_CUT_LEN;
		len -= VMCOREINFO_CUT_LEN;
	}

	size_t klen = key_length(p, len);
	if (!klen) {
		vi->bad++;
		return true;
	}
	for (size_t i = klen + 1; i < len; i++) {
		if (!value_char((unsigned char)p[i])) {
			vi->bad++;
			return true;
		}
	}
	p[klen] = '\0';
	p[len] = '\0';
	return add_entry(vi, p, p + klen + 1);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct vmcoreinfo_entry *ea = *(const struct vmcoreinfo_entry *const *)a;
	const struct vmcoreinfo_entry *eb = *(const struct vmcoreinfo_entry *const *)b;
	int c = strcmp(ea->key, eb->key);
	if (c)
		return c;
	/* Same key: file order (entries is one array), so the first wins. */
	return ea < eb ? -1 : ea > eb;
}

/** Build the sorted index of unique keys.  @return false on out of memory. */
static bool build_index(struct vmr_vmcoreinfo *vi)
{
	vi->index = malloc(vi->count * sizeof(*vi->index));
	if (!vi->index)
		return false;
	for (size_t i = 0; i < vi->count; i++)
		vi->index[i] = &vi->entries[i];
	vmr_sort(vi->index, vi->count, sizeof(*vi->index), entry_cmp);
	size_t n = 0;
	for (size_t i = 0; i < vi->count; i++) {
		if (n && !strcmp(vi->index[n - 1]->key, vi->index[i]->key))
			continue;
		vi->index[n++] = vi->index[i];
	}
	vi->nindex = n;
	return true;
}

struct vmr_error *vmr_vmcoreinfo_parse(const char *text, size_t len,
				       struct vmr_vmcoreinfo **out)
{
	if (out)
		*out = NULL;
	if (!out || (!text && len))
		return vmr_error_new(VMR_ERR_INVALID,
				     "VMCOREINFO: no text or no result pointer");
	if (len > VMCOREINFO_MAX_TEXT)
		return vmr_error_new(VMR_ERR_LIMIT,
				     "VMCOREINFO: %zu bytes of text, more than the %u accepted",
				     len, VMCOREINFO_MAX_TEXT);

	struct vmr_vmcoreinfo *vi = calloc(1, sizeof(*vi));
	if (!vi)
		return &vmr_enomem;
	vi->text = malloc(len + 1);
	if (!vi->text)
		goto nomem;
	if (len)
		memcpy(vi->text, text, len);
	vi->text[len] = '\0';

	char *p = vi->text, *end = vi->text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *q = nl ? nl : end;
		if (!parse_line(vi, p, (size_t)(q - p)))
			goto nomem;
		p = q + 1;
	}
	if (!vi->count) {
		size_t bad = vi->bad;
		vmr_vmcoreinfo_free(vi);
		return vmr_error_new(VMR_ERR_FORMAT,
				     "VMCOREINFO: no KEY=VALUE line in %zu bytes (%zu malformed)",
				     len, bad);
	}
	if (!build_index(vi))
		goto nomem;
	*out = vi;
	return NULL;

nomem:
	vmr_vmcoreinfo_free(vi);
	return &vmr_enomem;
}

void vmr_vmcoreinfo_free(struct vmr_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->index);
	free(vi->entries);
	free(vi->text);
	free(vi);
}

const char *vmr_vmcoreinfo_get(const struct vmr_vmcoreinfo *vi,
			       const char *key)
{
	if (!vi || !key)
		return NULL;
	size_t lo = 0, hi = vi->nindex;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, vi->index[mid]->key);
		if (!c)
			return vi->index[mid]->value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t vmr_vmcoreinfo_count(const struct vmr_vmcoreinfo *vi)
{
	return vi ? vi->count : 0;
}

bool vmr_vmcoreinfo_entry(const struct vmr_vmcoreinfo *vi, size_t i,
			  const char **key, const char **value)
{
	if (!vi || i >= vi->count)
		return false;
	if (key)
		*key = vi->entries[i].key;
	if (value)
		*value = vi->entries[i].value;
	return true;
}

size_t vmr_vmcoreinfo_bad_lines(const struct vmr_vmcoreinfo *vi)
{
	return vi ? vi->bad : 0;
}

/* ---- Numbers: whole value, no spaces, overflow is an error. ---- */

/** Hex digits, an optional 0x prefix; at most 64 bits. */
static bool parse_hex(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		int d = vmr_hex_digit(*s);
		if (d < 0 || v >> 60)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/** Decimal digits only; at most UINT64_MAX. */
static bool parse_dec(const char *s, uint64_t *out)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/**
 * NUMBER(): "%ld" (signed decimal), or "0x%lx" as NUMBER(VMALLOC_START)
 * writes [k6.12 kernel/vmcore_info.c].  A 0x value is 64 bits of two's
 * complement (vmalloc_base is above INT64_MAX); a decimal one must fit int64.
 */
static bool parse_number(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (neg)
		s++;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	uint64_t mag;
	if (!(hex ? parse_hex(s, &mag) : parse_dec(s, &mag)))
		return false;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return false;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (!hex && mag > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)mag;
	}
	return true;
}

/** The value of "@p prefix(@p name)", or NULL (absent or name too long). */
static const char *get_wrapped(const struct vmr_vmcoreinfo *vi,
			       const char *prefix, const char *name)
{
	if (!vi || !name)
		return NULL;
	char key[VMCOREINFO_MAX_KEY];
	size_t plen = strlen(prefix), nlen = strlen(name);
	if (plen + nlen + 3 > sizeof(key))
		return NULL;
	memcpy(key, prefix, plen);
	key[plen] = '(';
	memcpy(key + plen + 1, name, nlen);
	key[plen + 1 + nlen] = ')';
	key[plen + 2 + nlen] = '\0';
	return vmr_vmcoreinfo_get(vi, key);
}

bool vmr_vmcoreinfo_symbol(const struct vmr_vmcoreinfo *vi, const char *name,
			   uint64_t *out)
{
	const char *v = get_wrapped(vi, "SYMBOL", name);
	uint64_t x;
	if (!v || !parse_hex(v, &x))
		return false;
	if (out)
		*out = x;
	return true;
}

bool vmr_vmcoreinfo_number(const struct vmr_vmcoreinfo *vi, const char *name,
			   int64_t *out)
{
	const char *v = get_wrapped(vi, "NUMBER", name);
	int64_t x;
	if (!v || !parse_number(v, &x))
		return false;
	if (out)
		*out = x;
	return true;
}

/** A decimal getter for PREFIX(@p name). */
static bool get_decimal(const struct vmr_vmcoreinfo *vi, const char *prefix,
			const char *name, uint64_t *out)
{
	const char *v = get_wrapped(vi, prefix, name);
	uint64_t x;
	if (!v || !parse_dec(v, &x))
		return false;
	if (out)
		*out = x;
	return true;
}

bool vmr_vmcoreinfo_offset(const struct vmr_vmcoreinfo *vi, const char *name,
			   uint64_t *out)
{
	return get_decimal(vi, "OFFSET", name, out);
}

bool vmr_vmcoreinfo_size(const struct vmr_vmcoreinfo *vi, const char *name,
			 uint64_t *out)
{
	return get_decimal(vi, "SIZE", name, out);
}

bool vmr_vmcoreinfo_length(const struct vmr_vmcoreinfo *vi, const char *name,
			   uint64_t *out)
{
	return get_decimal(vi, "LENGTH", name, out);
}

bool vmr_vmcoreinfo_kerneloffset(const struct vmr_vmcoreinfo *vi,
				 uint64_t *out)
{
	const char *v = vmr_vmcoreinfo_get(vi, "KERNELOFFSET");
	uint64_t x;
	if (!v || !parse_hex(v, &x))
		return false;
	if (out)
		*out = x;
	return true;
}
