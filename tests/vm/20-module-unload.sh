#!/bin/bash
# The module unloads cleanly: family gone, nothing left in /proc/modules,
# and it can be loaded and unloaded again.
# timeout: 90
# debug-kernel: skip: load and unload: 57 does both here, under traffic, and 60 in its cycles
# cpus: 1 (load and unload with nothing in flight)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

sf_load || bail "insmod snapfire.ko failed"
ok "family registered after load" sf_family
ok "rmmod snapfire" sf_rmmod
must_fail "snapfire gone from /proc/modules" grep -q "^$SF_MODNAME " /proc/modules
must_fail "family '$SF_GENL_FAMILY' gone" genl ctrl get name "$SF_GENL_FAMILY"
must_fail "no /sys/module/$SF_MODNAME left" test -e "/sys/module/$SF_MODNAME"

cycles_ok=1
for i in 1 2 3 4 5; do
	if ! sf_load >/dev/null || ! sf_family || ! sf_rmmod >/dev/null; then
		cycles_ok=0
		diag "load/unload cycle $i failed"
		break
	fi
done
if ((cycles_ok)); then ok "5 load/unload cycles"; else not_ok "5 load/unload cycles"; fi
must_fail "nothing left after the cycles" grep -q "^$SF_MODNAME " /proc/modules
done_testing
