# mk/kunit.mk — KUnit and the debug test kernel (docs/TESTING-KERNEL.md).
#
#   make debug-kernel   build (or find cached) the debug test kernel; prints
#                       its directory (bzImage, obj/, config, modroot/)
#   make kunit          KUnit suites (kmod/*_test.c -> snapfire_test.ko) on
#                       the debug kernel in a VM; KUNIT_ARGS passes options
#                       to scripts/kunit (e.g. KUNIT_ARGS='--ko x.ko')
#   make test-debug     the VM integration suite (tests/run) on the debug
#                       kernel, kmemleak scanned after it; TESTS=pattern
#
# Both kunit and test-debug join `make check` through CHECK_EXTRA.  Set
# SNAPFIRE_DEBUG_KERNEL=0 to leave them out (e.g. a quick local check).

SNAPFIRE_DEBUG_KERNEL ?= 1
KUNIT_ARGS ?=

.PHONY: debug-kernel kunit test-debug

debug-kernel:
	@$(CURDIR)/scripts/build-test-kernel

kunit:
	@$(CURDIR)/scripts/kunit $(KUNIT_ARGS)

test-debug:
	@$(CURDIR)/scripts/check-debug $(TESTS)

ifneq ($(SNAPFIRE_DEBUG_KERNEL),0)
CHECK_EXTRA += kunit test-debug
endif
