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
#
# Measured on 2 cores (2026-12-01): parts 1 and 2 take 26 min; the 100
# load/unload cycles of part 3 did not end within the 6 000 s that the
# test's timeout (1500 s) x check-debug's usual scale (4) allows them
# together, with other VMs beside it some of the time. The full soak runs
# at scale 12 (18 000 s); SF_SOAK_PARTS="3" (or "4 5") runs parts alone.
# Measured on 2026-12-02 with one vCPU: a cycle of part 3 with its 100 000
# flows takes about 6 minutes (its first rmmod 354 s: the flows' teardown
# beside the flood), so the 100 cycles take about 10 hours;
# SF_SOAK_DUMP_FLOWS=N floods and dumps N flows a cycle instead.

.PHONY: soak
soak:
	@SF_SOAK=full SF_DEBUG_TIMEOUT_SCALE=$${SF_DEBUG_TIMEOUT_SCALE:-12} \
		$(CURDIR)/scripts/check-debug --mem 6G 60-soak
