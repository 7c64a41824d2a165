// SPDX-License-Identifier: GPL-2.0
#include "common.h"
int cmd_probe(int argc, char **argv) { (void)argc; (void)argv; errmsg("probe: not yet"); return EXIT_FAIL; }
