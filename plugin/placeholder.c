/* SPDX-License-Identifier: MIT */
/* Placeholder so the layer builds while it has no other source. */
typedef int vmr_layer_placeholder;
