#!/bin/bash
# insmod while namespaces already send to UDP 862. register_pernet_subsys()
# sets the namespaces up one at a time, init_net first (whose setup, with
# default_enabled=1, wants the tracepoint probes); a namespace set up last
# sends all along. The global xmit probe reads the sending namespace's
# sf_net, which until its own setup is garbage (NULL, past the end of the
# net_generic array, or a slot a previous load freed): the probes may only
# attach once every namespace is set up (kmod/probes.c, sf_probes_start()).
# NSPARE namespaces widen that window; the sender's namespace is the newest,
# the last one set up. Several load and unload cycles; then the positive
# control: the xmit probe ran for the sender's packets (its counter moved),
# so the packets did take the path that was raced.
# timeout: 600
# debug-kernel: skip: on one vCPU of the debug kernel the flood starves insmod and rmmod (866 s, the sender ran out first: CI 2026-12-05); the stock kernel catches the race
# cpus: 1 (the sender runs whenever the setup of a namespace sleeps; one vCPU also keeps the load and unload text patching off QEMU TCG's cross-vCPU race, docs/PORTABILITY.md)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

NSPARE=${SF_LOADRACE_NS:-200}
CYCLES=4
SEND=sf-loadrace
BIN=$SF_REPO/tests/bin
o=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools" "$o"
tmp=$(mktemp -d /tmp/sf-loadrace.XXXXXX)

sf_unload || bail "rmmod before the test"
spares=()
cleanup() {
	[[ -n ${blast:-} ]] && kill "$blast" 2>/dev/null
	((${#spares[@]})) && kill "${spares[@]}" 2>/dev/null
	ip netns del "$SEND" 2>/dev/null
	rm -rf "$tmp"
}
on_exit cleanup
# each held by a process of its own (unshare: no bind mount to make)
for ((i = 0; i < NSPARE; i++)); do
	unshare -n sleep 3600 &
	spares+=($!)
done
in_netns() { [[ $(readlink "/proc/$1/ns/net") != "$(readlink /proc/self/ns/net)" ]]; }
ok "$NSPARE namespaces made before the sender's" wait_for 30 in_netns "${spares[-1]}"
ip netns add "$SEND" && ip -n "$SEND" link set lo up || bail "namespace $SEND"
# STAMP probes to 127.0.0.1:862 for the whole test (nothing answers:
# reflect is off; each makes a sender flow once the module is there)
# (until killed at the end; not niced: on one vCPU a niced sender never
# runs while insmod sets the namespaces up, and the race is not tried)
ip netns exec "$SEND" "$BIN/udpblast" -d 127.0.0.1 -P 862 -t 3600 -b 16 >"$tmp/blast.out" 2>&1 &
blast=$!
sleep 1
ok "sender running in $SEND" kill -0 "$blast"

xmit_moved() { local v; v=$(sf_counter -n "$SEND" xmit) && ((v > 0)); }
dmesg_before=$(dmesg | wc -l)
for ((c = 1; c <= CYCLES; c++)); do
	ok "cycle $c: insmod while $SEND sends to 862" sf_load
	ok "cycle $c: the xmit probe stamps $SEND's probes" wait_for 20 xmit_moved
	ok "cycle $c: the sender is still running" kill -0 "$blast"
	((c < CYCLES)) && { ok "cycle $c: rmmod" sf_unload; }
done
new=$(dmesg | tail -n +"$((dmesg_before + 1))")
bad=$(grep -E 'BUG:|Oops|general protection|WARNING:' <<<"$new" | head -n 3)
assert_eq "kernel log: no oops, BUG or WARNING" "" "$bad"
done_testing
