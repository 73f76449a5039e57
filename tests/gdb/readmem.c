/* SPDX-License-Identifier: MIT */
/* readmem DUMP ADDR LEN [VMLINUX]: LEN bytes of kernel virtual memory read
 * with vmr_kernel_read(), printed as little-endian 64-bit words in hex, one
 * per line; the gdb tests compare them with what gdb's x/gx shows.  If a
 * page is not in the dump, the words before it are printed, then
 * "fault ADDR" (exit status 1). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmregion/vmregion.h>

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: readmem DUMP ADDR LEN [VMLINUX]\n");
		return 2;
	}
	uint64_t addr = strtoull(argv[2], NULL, 0);
	size_t len = strtoul(argv[3], NULL, 0) & ~(size_t)7;
	struct vmr_dump *d;
	struct vmr_kernel *k;
	struct vmr_error *err = vmr_dump_open(argv[1], &d);
	if (!err)
		err = vmr_kernel_open(d, argc == 5 ? argv[4] : NULL, &k);
	if (err) {
		fprintf(stderr, "readmem: %s\n", vmr_error_message(err));
		return 2;
	}
	uint64_t *buf = calloc(len / 8 + 1, 8);
	int rc = 0;
	for (size_t i = 0; i < len / 8; i++) {
		err = vmr_kernel_read(k, addr + 8 * i, &buf[i], 8);
		if (err) {
			uint64_t bad = addr + 8 * i;
			vmr_error_address(err, &bad);
			printf("fault 0x%" PRIx64 "\n", bad);
			vmr_error_free(err);
			rc = 1;
			break;
		}
		printf("0x%016" PRIx64 "\n", buf[i]);
	}
	free(buf);
	vmr_kernel_close(k);
	vmr_dump_close(d);
	return rc;
}
