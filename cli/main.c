/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <vmregion/vmregion.h>

int main(void)
{
	printf("vmregion %s\n", vmr_version());
	return 0;
}
