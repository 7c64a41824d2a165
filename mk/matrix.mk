# mk/matrix.mk — the kernel build matrix (docs/PORTABILITY.md).
#
#   make matrix          build kmod/ (W=$(KW)) against every supported kernel:
#                        bookworm's 6.1, bookworm's 6.12 and sid's newest
#                        (7.x), headers fetched once into a cache, each in a
#                        scratch copy (kmod/ itself is not touched);
#                        MATRIX='6.12 sid' picks kernels, MATRIX_ARGS passes
#                        options to scripts/kernel-matrix (e.g. --keep)
#   make matrix-run      the VM integration suite on bookworm's 6.12 kernel
#                        (MATRIX_RUN=<kernel>, also sid; TESTS=pattern)
#   make matrix-smoke    boot bookworm's 6.12 and sid's 7.x images and run
#                        the smoke subset on each (scripts/kernel-matrix
#                        --smoke; SMOKE='6.12' picks kernels)
#
# `matrix` and `matrix-smoke` join `make check` through CHECK_EXTRA (ok/not
# ok per kernel and `N passed, N failed`).  Set SNAPFIRE_MATRIX=0 to leave
# both out.

SNAPFIRE_MATRIX ?= 1
MATRIX ?=
MATRIX_ARGS ?=
MATRIX_RUN ?= 6.12
SMOKE ?=

.PHONY: matrix matrix-run matrix-smoke

matrix:
	@$(CURDIR)/scripts/kernel-matrix $(MATRIX_ARGS) $(MATRIX)

matrix-run:
	@$(CURDIR)/scripts/kernel-matrix $(MATRIX_ARGS) --run $(MATRIX_RUN) -- $(VM_ARGS) $(TESTS)

matrix-smoke:
	@$(CURDIR)/scripts/kernel-matrix $(MATRIX_ARGS) --smoke $(SMOKE) -- $(VM_ARGS)

ifneq ($(SNAPFIRE_MATRIX),0)
CHECK_EXTRA += matrix matrix-smoke
endif
