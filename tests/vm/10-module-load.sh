#!/bin/bash
# The module loads and registers its generic netlink family.
# timeout: 60
# debug-kernel: skip: load and unload: 57 does both here, under traffic, and 60 in its cycles
# cpus: 1 (load and unload with nothing in flight)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

[[ -f $SF_KO ]] || bail "snapfire.ko is built" "no $SF_KO (make)"
ok "modinfo reads snapfire.ko" modinfo "$SF_KO"
ok "insmod snapfire.ko" sf_load
ok "snapfire listed in /proc/modules" sf_loaded
ok "generic netlink family '$SF_GENL_FAMILY' registered" genl ctrl get name "$SF_GENL_FAMILY"
assert_contains "family listed by 'genl ctrl list'" "Name: $SF_GENL_FAMILY" "$(genl ctrl list 2>&1)"
assert_eq "module is live" Live "$(awk -v m="$SF_MODNAME" '$1 == m {print $5}' /proc/modules)"
done_testing
