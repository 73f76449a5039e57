/* SPDX-License-Identifier: MIT */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmr_error {
	enum vmr_errcode code;
	bool has_addr;
	uint64_t addr;
	char message[];
};

struct vmr_error vmr_enomem = { .code = VMR_ERR_NOMEM };

static const char *const errcode_text[] = {
#define VMR_ERR_TEXT(code, text) [code] = text,
	VMR_ERRORS(VMR_ERR_TEXT)
#undef VMR_ERR_TEXT
};

const char *vmr_errcode_text(enum vmr_errcode code)
{
	if ((unsigned)code >= VMR_ERR__COUNT)
		return "unknown error";
	return errcode_text[code];
}

static struct vmr_error *error_vnew(enum vmr_errcode code, bool has_addr,
				    uint64_t addr, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static struct vmr_error *error_vnew(enum vmr_errcode code, bool has_addr,
				    uint64_t addr, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	struct vmr_error *err = malloc(sizeof(*err) + (size_t)n + 1);
	if (!err)
		return &vmr_enomem;
	err->code = code;
	err->has_addr = has_addr;
	err->addr = addr;
	vsnprintf(err->message, (size_t)n + 1, fmt, ap);
	/* One line: a stray newline from dump data must not break the format. */
	for (char *p = err->message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return err;
}

struct vmr_error *vmr_error_new(enum vmr_errcode code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmr_error *err = error_vnew(code, false, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct vmr_error *vmr_error_fault(uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vmr_error *err = error_vnew(VMR_ERR_FAULT, true, addr, fmt, ap);
	va_end(ap);
	return err;
}

struct vmr_error *vmr_error_prefix(struct vmr_error *err, const char *fmt, ...)
{
	if (!err || err == &vmr_enomem)
		return err;
	char prefix[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	struct vmr_error *n = vmr_error_new(err->code, "%s: %s", prefix, err->message);
	if (n == &vmr_enomem)
		return err;
	n->has_addr = err->has_addr;
	n->addr = err->addr;
	free(err);
	return n;
}

enum vmr_errcode vmr_error_code(const struct vmr_error *err)
{
	return err ? err->code : VMR_ERR_INVALID;
}

const char *vmr_error_message(const struct vmr_error *err)
{
	if (!err)
		return "";
	if (err == &vmr_enomem || !err->message[0])
		return vmr_errcode_text(err->code);
	return err->message;
}

bool vmr_error_address(const struct vmr_error *err, uint64_t *addr)
{
	if (!err || !err->has_addr)
		return false;
	if (addr)
		*addr = err->addr;
	return true;
}

void vmr_error_free(struct vmr_error *err)
{
	if (err && err != &vmr_enomem)
		free(err);
}

const char *vmr_version(void)
{
	return VMR_VERSION_STRING;
}
