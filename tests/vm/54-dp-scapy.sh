#!/bin/bash
# Datapath: the in-kernel reflector answers a third-party Session-Sender.
# Probes are built byte by byte (tests/lib/dp_stamp.py, RFC 8762 4.2.1
# offsets) and sent from a plain UDP socket (port 40000, not a STAMP port)
# in the sender namespace; replies are read on that socket (IP_RECVTTL)
# and captured on the sender's eth0 (scapy recomputes the UDP checksum).
# Every field is checked per RFC 8762 4.3.1; stateful mode; RFC 8972 TLVs
# (Extra Padding echoed, unknown type flagged U); malformed probes counted
# and not answered, and the reflector still works afterwards.
# timeout: 600
# debug-kernel: skip: crafted malformed probes (scapy, minutes a start here): the same parsing 60's packet fuzzer drives here with thousands of mutated datagrams
# cpus: 1 (crafted packets one at a time)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "reflector on" dp_reflect "$REFLECTOR" on
# the sender's module would rewrite T1 of anything leaving for port 862
ok "stamp-tx off in the sender namespace" dp_cfg "$SENDER" stamp-tx off

# check_reply JSON I SENT_SEQ EXPECT_SEQ FROM LABEL
check_reply() {
	local f=$1 i=$2 sseq=$3 rseq=$4 from=$5 l=$6 r="replies.$2" v
	mapfile -t v < <(dp_get "$f" $r.len $r.from $r.sport $r.seq $r.ssid $r.sender_seq \
		sent.$i.ts_hex $r.sender_ts_hex $r.sender_ee $r.sender_ttl $r.mbz1 $r.mbz2 $r.ttl \
		$r.ee $r.rx_ts_ns $r.ts_ns $r.t_recv_ns)
	assert_eq "$l: reply length 44" 44 "${v[0]}"
	assert_eq "$l: from the reflector's address" "$from" "${v[1]}"
	assert_eq "$l: from port 862" 862 "${v[2]}"
	assert_eq "$l: Sequence Number $rseq" "$rseq" "${v[3]}"
	assert_eq "$l: SSID echoed" $((0xbeef)) "${v[4]}"
	assert_eq "$l: Session-Sender Sequence Number echoed" "$sseq" "${v[5]}"
	assert_eq "$l: Session-Sender Timestamp echoed exactly" "${v[6]}" "${v[7]}"
	assert_eq "$l: Session-Sender Error Estimate echoed" 1 "${v[8]}"
	assert_eq "$l: Session-Sender TTL 63 (64 - one router hop)" 63 "${v[9]}"
	assert_eq "$l: MBZ (38..39) zero" 0 "${v[10]}"
	assert_eq "$l: MBZ (41..43) zero" 000000 "${v[11]}"
	assert_eq "$l: reply TTL 254 (255 - one hop)" 254 "${v[12]}"
	assert_ne "$l: Error Estimate multiplier not zero" 0 "$((${v[13]:-0} & 0xff))"
	assert_le "$l: T2 <= T3" "${v[14]}" "${v[15]}"
	# reference: the host clock when the reply was read
	assert_within "$l: T2 within 1 s of the host clock" "${v[16]}" "${v[14]}" 0 1000000000
	assert_within "$l: T3 within 1 s of the host clock" "${v[16]}" "${v[15]}" 0 1000000000
}

# --- stateless, IPv4, three probes with unrelated sequence numbers
f=$DP_TMP/v4.json
ok "v4: send 3 crafted probes (seq 1000, 7, 123456)" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40000 --seqs 1000,7,123456 --ssid 0xbeef --interval 0.05 --capture eth0
diag "v4: $(head -c 1500 "$f")"
assert_eq "v4: 3 replies" 3 "$(dp_get "$f" replies.#)"
i=0
for s in 1000 7 123456; do
	check_reply "$f" $i $s $s "$REFL_IP4" "v4 #$i"
	i=$((i + 1))
done
assert_eq "v4: the probes went out unmodified (stamp-tx off)" \
	"$(dp_get "$f" sent.0.hex | cut -c1-88)" "$(dp_get "$f" wire.probes.0 | cut -c1-88)"
assert_eq "v4: 3 replies on the wire" 3 "$(dp_get "$f" wire.replies.#)"
for i in 0 1 2; do
	assert_eq "v4 #$i: UDP checksum valid (scapy recomputed $(dp_get "$f" wire.replies.$i.csum_scapy), got $(dp_get "$f" wire.replies.$i.csum))" \
		1 "$(dp_get "$f" wire.replies.$i.csum_ok)"
	assert_eq "v4 #$i: IP TTL 254 on the wire" 254 "$(dp_get "$f" wire.replies.$i.ttl)"
done

# --- stateless, IPv6
f=$DP_TMP/v6.json
ok "v6: send 2 crafted probes" dp_stamp "$SENDER" "$f" --dst "$REFL_IP6" \
	--sport 40000 --seqs 42,41 --ssid 0xbeef --interval 0.05 --capture eth0
assert_eq "v6: 2 replies" 2 "$(dp_get "$f" replies.#)"
check_reply "$f" 0 42 42 "$REFL_IP6" "v6 #0"
check_reply "$f" 1 41 41 "$REFL_IP6" "v6 #1"
assert_eq "v6: UDP checksum valid (scapy)" "1 1" \
	"$(dp_get "$f" wire.replies.0.csum_ok) $(dp_get "$f" wire.replies.1.csum_ok)"

# --- the sender's module stamps T1 on egress: the echo is what was on the wire
ok "stamp-tx on in the sender namespace" dp_cfg "$SENDER" stamp-tx on
f=$DP_TMP/stamped.json
ok "stamped: send 1 probe" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 40002 --seq 5 \
	--ssid 0xbeef --capture eth0
wire_ts=$(dp_get "$f" wire.probes.0 | cut -c9-24)
assert_eq "stamped: Session-Sender Timestamp echoed == T1 on the wire" "$wire_ts" \
	"$(dp_get "$f" replies.0.sender_ts_hex)"
assert_ne "stamped: T1 on the wire was rewritten by the sender's module" \
	"$(dp_get "$f" sent.0.ts_hex)" "$wire_ts"
assert_eq "stamped: reply UDP checksum valid" 1 "$(dp_get "$f" wire.replies.0.csum_ok)"
ok "stamp-tx off again" dp_cfg "$SENDER" stamp-tx off

# --- stateful: the reply seq counts the session's replies
ok "reflector stateful" dp_cfg "$REFLECTOR" mode stateful
f=$DP_TMP/stateful.json
ok "stateful: send 3 probes (seq 500, 77, 9)" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40001 --seqs 500,77,9 --ssid 0xbeef --interval 0.05
assert_eq "stateful: 3 replies" 3 "$(dp_get "$f" replies.#)"
assert_eq "stateful: reply seq 0 1 2" "0 1 2" \
	"$(dp_get "$f" replies.0.seq) $(dp_get "$f" replies.1.seq) $(dp_get "$f" replies.2.seq)"
assert_eq "stateful: sender seq echoed 500 77 9" "500 77 9" \
	"$(dp_get "$f" replies.0.sender_seq) $(dp_get "$f" replies.1.sender_seq) $(dp_get "$f" replies.2.sender_seq)"
ok "reflector stateless again" dp_cfg "$REFLECTOR" mode stateless

# --- RFC 8972 TLVs
f=$DP_TMP/pad.json
ok "tlv: probe with Extra Padding (type 1, 20 bytes)" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40000 --seq 9 --ssid 0xbeef --tlv 1:20
assert_eq "tlv: reply as long as the probe (68)" 68 "$(dp_get "$f" replies.0.len)"
assert_eq "tlv: Extra Padding TLV echoed (flags type len)" "0 1 20" \
	"$(dp_get "$f" replies.0.tlvs.0.flags) $(dp_get "$f" replies.0.tlvs.0.type) $(dp_get "$f" replies.0.tlvs.0.len)"
assert_eq "tlv: nothing after the TLV" 0 "$(dp_get "$f" replies.0.tlv_trailing)"
f=$DP_TMP/unk.json
ok "tlv: probe with an unknown TLV (type 180, 8 bytes)" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40000 --seq 10 --ssid 0xbeef --tlv 180:8
assert_eq "tlv: reply length 56" 56 "$(dp_get "$f" replies.0.len)"
assert_eq "tlv: unknown TLV type/len kept" "180 8" \
	"$(dp_get "$f" replies.0.tlvs.0.type) $(dp_get "$f" replies.0.tlvs.0.len)"
assert_eq "tlv: unknown TLV flagged U (0x80)" 128 "$(($(dp_get "$f" replies.0.tlvs.0.flags) & 0x80))"
# RFC 8972 section 4: a Session-Sender sets U on every TLV, and sets M and I
# to 0; the reflector clears U, M and I on what it understood and flags
# only what it did not (it used to echo the sender's flags, and add its own)
f=$DP_TMP/flags.json
ok "tlv flags: probe with Extra Padding U, Follow-Up Telemetry U, unknown U|M|I" \
	dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 40000 --seq 11 --ssid 0xbeef \
	--tlv 1:8:128 --tlv 7:16:128 --tlv 180:4:224
assert_eq "tlv flags: three TLVs back (types)" "1 7 180" \
	"$(dp_get "$f" replies.0.tlvs.0.type) $(dp_get "$f" replies.0.tlvs.1.type) $(dp_get "$f" replies.0.tlvs.2.type)"
assert_eq "tlv flags: Extra Padding and Follow-Up cleared (0 0), the unknown one U only (128)" "0 0 128" \
	"$(dp_get "$f" replies.0.tlvs.0.flags) $(dp_get "$f" replies.0.tlvs.1.flags) $(dp_get "$f" replies.0.tlvs.2.flags)"

# --- malformed probes: counted, not answered
m0=$(sf_counter -n "$REFLECTOR" malformed)
r0=$(sf_counter -n "$REFLECTOR" reflected)
mal() { # NAME ARGS...
	local name=$1 f=$DP_TMP/mal-$RANDOM.json
	shift
	if dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 40000 --seq 77 --wait 0.5 "$@"; then
		assert_eq "malformed ($name): no reply within 0.5 s" 0 "$(dp_get "$f" replies.#)"
	else
		not_ok "malformed ($name): send"
	fi
}
mal "43 bytes" --payload-len 43
mal "44 + 3 bytes: truncated TLV header" --extra 000000
mal "TLV length past the end" --extra 0001006400000000000000000000
mal "9300 bytes > 9216" --payload-len 9300
m1=$(sf_counter -n "$REFLECTOR" malformed)
r1=$(sf_counter -n "$REFLECTOR" reflected)
assert_eq "malformed counted (+4)" 4 "$((m1 - m0))"
assert_eq "nothing reflected for them" 0 "$((r1 - r0))"
f=$DP_TMP/after.json
ok "after malformed: a good probe" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 40000 \
	--seq 78 --ssid 0xbeef
assert_eq "after malformed: still answered" 1 "$(dp_get "$f" replies.#)"
assert_eq "after malformed: sender seq 78 echoed" 78 "$(dp_get "$f" replies.0.sender_seq)"
done_testing
