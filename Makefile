# snapfire — top-level build entry points.
#
#   make                 build kmod/snapfire.ko (kbuild, W=1) and cli/snapfire
#   make deps            install build/test dependencies (Debian, as root)
#   make check           deps + build + every test suite (last line: N passed, N failed)
#   make test            the VM integration suite only (tests/run; TESTS=pattern)
#   make host-test       the host-side tests only (tests/host/*.sh)
#   make demo            boot a VM and show snapfire probing across a router
#   make bench           run tests/bench/*.sh inside a VM
#   make vm-shell        interactive root shell in a test VM (or CMD='...')
#   make dkms-install    install the module with DKMS (dkms-uninstall removes it)
#   make install         install cli/snapfire and, from dist/, the agent's systemd unit,
#                        sysusers.d file and example config (DESTDIR, PREFIX)
#   make clean
#
# Variables:
#   KVER   kernel release to build against and boot in the VM: the newest
#          /usr/src/linux-headers-*-amd64 that has a /boot/vmlinuz-* (scripts/kver)
#   KDIR   kernel build tree (default /usr/src/linux-headers-$(KVER)); when set
#          by hand, KVER defaults to that tree's UTS_RELEASE
#   KW     kbuild warning level for the module (default W=1)
#   VM_ARGS extra scripts/vm-run options for test/demo/bench/vm-shell
#
# Other makefile fragments: mk/*.mk are included at the end.  A fragment adds
# a test suite to `make check` with `CHECK_EXTRA += <target>`; the target
# should print `ok N - ...`/`not ok N - ...` lines and end with a line
# `N passed, N failed` (otherwise its exit status counts as one test).

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Memoized lazy evaluation: computed on first use, after e.g. `make deps`.
ifeq ($(origin KDIR),undefined)
KVER ?= $(eval KVER := $$(shell $(CURDIR)/scripts/kver 2>/dev/null))$(KVER)
KDIR = /usr/src/linux-headers-$(KVER)
else
KVER ?= $(eval KVER := $$(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null))$(KVER)
endif
KW ?= 1
VM_ARGS ?=
CHECK_EXTRA ?=
VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)

# Exported only when the user chose them: an exported variable is expanded
# when the first recipe starts, and on a fresh machine that is before
# `make check` / `make demo` have run scripts/deps, which installs the
# kernel; the child make then inherited an empty KVER and stopped.  Left
# alone, every (child) make looks the kernel up itself when it needs it.
ifneq ($(filter command line environment,$(origin KVER) $(origin KDIR)),)
export KVER KDIR
endif

.PHONY: all kmod cli deps check test host-test demo bench vm-shell \
	dkms-install dkms-uninstall install clean kver help

all: kmod cli

kmod:
	@test -n "$(KVER)" || { echo "make: no kernel headers with a matching /boot/vmlinuz found; run 'make deps' or set KDIR=" >&2; exit 1; }
	@test -d "$(KDIR)" || { echo "make: KDIR=$(KDIR) does not exist (make deps)" >&2; exit 1; }
	@test -f kmod/Kbuild -o -f kmod/Makefile || { echo "make: kmod/Kbuild not found: the module sources are not there yet" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=$(KW) modules

cli:
	@test -f cli/Makefile || { echo "make: cli/Makefile not found: the CLI sources are not there yet" >&2; exit 1; }
	$(MAKE) -C cli

deps:
	$(CURDIR)/scripts/deps

check:
	CHECK_EXTRA="$(strip $(CHECK_EXTRA))" $(CURDIR)/scripts/check

test:
	$(CURDIR)/tests/run $(VM_ARGS) $(TESTS)

host-test:
	$(CURDIR)/tests/host/run $(TESTS)

demo:
	$(CURDIR)/scripts/demo $(VM_ARGS)

bench:
	$(CURDIR)/scripts/bench $(VM_ARGS) $(BENCH)

vm-shell: export SF_VM_SHELL_CMD = $(value CMD)
vm-shell:
	@if [ -n "$$SF_VM_SHELL_CMD" ]; then \
		$(CURDIR)/scripts/vm-run --kver "$(KVER)" $(VM_ARGS) -- "$$SF_VM_SHELL_CMD"; \
	else \
		$(CURDIR)/scripts/vm-run --kver "$(KVER)" $(VM_ARGS) --interactive; \
	fi

dkms-install:
	$(CURDIR)/scripts/dkms install

dkms-uninstall:
	$(CURDIR)/scripts/dkms uninstall

install:
	$(MAKE) -C cli install
	$(MAKE) -C dist install

clean:
	@if [ -d "$(KDIR)" ] && [ -f kmod/Kbuild -o -f kmod/Makefile ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean; \
	fi
	@if [ -f cli/Makefile ]; then $(MAKE) -C cli clean; fi
	rm -rf build tests/bin

kver:
	@echo "KVER=$(KVER) KDIR=$(KDIR) VERSION=$(VERSION)"

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

-include mk/*.mk
