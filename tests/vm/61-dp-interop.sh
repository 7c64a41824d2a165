#!/bin/bash
# Datapath: STAMP peers that are not snapfire, RFC 8762 without the RFC 8972
# extensions, to which the SSID field is MBZ.
#   - our sender (snapfire probe, the module stamping T1/T4) against an
#     RFC 8762-only reflector (tests/lib/stamp_reflector.py --rfc8762: the
#     SSID comes back zeroed): every reply is matched, by the UDP 4-tuple,
#     in the CLI (0 % loss) and in the module (the sender flow counts every
#     reply and has an RTT sample for each), over IPv4 and IPv6;
#   - an RFC 8762-only sender (dp_stamp.py --ssid 0) against our in-kernel
#     reflector: every probe answered, the SSID echoed as 0.
# timeout: 300
# debug-kernel: skip: interop with userspace STAMP peers (python); the receive and reflect paths run here in 58 and 60
# cpus: 1 (one session at a time against a foreign peer)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3

start_reflector() { # ARGS...: the userspace reflector in $REFLECTOR
	local out=$DP_TMP/refl.$RANDOM
	ip netns exec "$REFLECTOR" /usr/bin/python3 "$SF_REPO/tests/lib/stamp_reflector.py" "$@" >"$out" 2>&1 &
	on_exit "kill $! 2>/dev/null"
	ready() { grep -q ready "$out"; }
	wait_for 30 ready || { diag "stamp_reflector.py $*: $(cat "$out")"; return 1; }
}

for fam in 4 6; do
	args=(--rfc8762)
	if [[ $fam == 4 ]]; then dst=$REFL_IP4 flag=inet; else dst=$REFL_IP6 flag=inet6 args+=(-6); fi
	ok "IPv$fam: an RFC 8762-only reflector on $dst:862" start_reflector "${args[@]}"
	f=$DP_TMP/p$fam.json
	ok "IPv$fam: snapfire probe, 20 probes" dp_probe "$SENDER" "$f" "$dst" 20 0.05
	assert_eq "IPv$fam: the CLI matched every reply (SSID 0)" 20 "$(dp_get "$f" received)"
	dp_flows "$SENDER" "$DP_TMP/fl$fam.json"
	assert_eq "IPv$fam: the module's sender flow counted every reply" 20 \
		"$(dp_get "$DP_TMP/fl$fam.json" --flow role=sender family="$flag" --last rx)"
	assert_eq "IPv$fam: and has an RTT sample for each" 20 \
		"$(dp_get "$DP_TMP/fl$fam.json" --flow role=sender family="$flag" --last rtt.count)"
	ip netns pids "$REFLECTOR" | xargs -r kill 2>/dev/null
	sleep 0.5
done

ok "our in-kernel reflector on" dp_reflect "$REFLECTOR" on
for dst in "$REFL_IP4" "$REFL_IP6"; do
	f=$DP_TMP/s0.$RANDOM.json
	ok "an RFC 8762-only sender (SSID 0) to $dst: 10 probes" \
		dp_stamp "$SENDER" "$f" --dst "$dst" --ssid 0 --count 10 --interval 0.02
	assert_eq "$dst: all 10 answered" 10 "$(dp_get "$f" replies.#)"
	assert_eq "$dst: SSID echoed as 0" "0 0" "$(dp_get "$f" replies.0.ssid) $(dp_get "$f" replies.9.ssid)"
done
done_testing
