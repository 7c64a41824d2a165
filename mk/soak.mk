# mk/soak.mk — the full soak on the debug kernel (tests/vm/60-soak.sh with
# SF_SOAK=full): 100 000 fuzzed datagrams, 100 000 fuzzed netlink requests,
# 100 load/unload cycles under load, 1 000 000 spoofed sources, a netns of
# 1 000 000 flows torn down (a 6 GiB VM); KASAN,
# UBSAN, lockdep and kmemleak watching. `make check` runs its short version
# (the same test at SF_SOAK=short) on both kernels.
#
#   make soak                 SF_SOAK_SEED=N for another seed
#
# Its figures are printed as the test's diagnostics ("# ..." lines).

.PHONY: soak
soak:
	@SF_SOAK=full $(CURDIR)/scripts/check-debug --mem 6G 60-soak
