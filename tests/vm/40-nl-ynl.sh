#!/bin/bash
# The kernel's own YNL client (tools/net/ynl of linux-source-6.12,
# scripts/ynl-path) drives every operation of the snapfire family through
# include/snapfire.yaml, and the replies are compared with the spec: every
# attribute the spec lists for a reply is there and nothing else, values
# set with config-set read back, filters filter, histograms add up, events
# arrive.  This proves the spec and the module agree.
#
# cli.py itself validates the spec against the genetlink-legacy schema and
# is used for a get, a dump and a refused set; the bulk of the requests go
# through tests/tools/ynl_batch.py, the same YNL library in one long-lived
# process (a python start costs seconds under TCG).  Runs in a namespace of
# its own; init_net must see none of it.
# timeout: 1800
# debug-kernel: skip: every operation through the kernel's YNL client (python, minutes a request here); the same requests run here from the CLI and 60's fuzzer
# cpus: 1 (YNL requests one at a time)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

PY=/usr/bin/python3
SPEC=$SF_REPO/include/snapfire.yaml
NS=sf-ynl

have jq || bail "jq is installed"
Y=$("$SF_REPO/scripts/ynl-path" 2>&1) || bail "YNL tree found (scripts/ynl-path)" "$Y"
YNL=$Y/tools/net/ynl
SCHEMA=$Y/Documentation/netlink/genetlink-legacy.yaml
[[ -f $YNL/cli.py && -f $SCHEMA ]] || bail "YNL cli.py and schema present" "$Y"
"$PY" -c 'import yaml, jsonschema' 2>/dev/null || bail "$PY has yaml and jsonschema"

# cli [--init] ARGS...: YNL's cli.py with JSON output, in $NS (--init: init_net)
cli() {
	local pre=(ip netns exec "$NS")
	if [[ ${1:-} == --init ]]; then
		pre=()
		shift
	fi
	"${pre[@]}" "$PY" "$YNL/cli.py" --spec "$SPEC" --output-json "$@"
}

# Q VERB OP [JSON] (Do/ydump OP [JSON]): one request to the YNL coprocess (ynl_batch.py); the
# reply's JSON in $R ("" for none), the whole answer in $A; fails on an error.
# No jq here: a jq start costs seconds under TCG, and this runs 40 times.
Q() {
	local line="$1 ${2:-}"
	[[ -n ${3:-} ]] && line+=" ${3//$'\n'/ }"
	R="" A='{"error":"the YNL coprocess is gone"}'
	printf '%s\n' "$line" >&"${YNLP[1]}" || return 1
	IFS= read -r -t 300 A <&"${YNLP[0]}" || { A='{"error":"no answer"}'; return 1; }
	# ynl_batch.py prints json.dumps({"reply": X}) or {"error": ...}
	[[ $A == '{"reply": '*'}' ]] || return 1
	R=${A#'{"reply": '}
	R=${R%'}'}
	[[ $R == null ]] && R=""
	return 0
}
ydo() { Q "do" "$@"; }
ydump() { Q dump "$@"; }

# spec_attrs OP do|dump request|reply: the attribute names the spec lists,
# sorted, one per line; spec_set SET: the attributes of a set (no pad).
# Read from the spec once, by one python (a start costs seconds under TCG).
declare -A SPEC_LISTS
while IFS=$'\t' read -r k v; do SPEC_LISTS[$k]=$v; done < <("$PY" - "$SPEC" <<'PY'
import sys, yaml
spec = yaml.load(open(sys.argv[1]), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
for o in spec["operations"]["list"]:
    for kind in ("do", "dump"):
        for d in ("request", "reply"):
            a = (o.get(kind) or {}).get(d, {}).get("attributes")
            if a is not None:
                print(f"{o['name']} {kind} {d}\t" + " ".join(sorted(a)))
for s in spec["attribute-sets"]:
    print(f"set {s['name']}\t" + " ".join(sorted(a["name"] for a in s["attributes"] if a.get("type") != "pad")))
PY
)
((${#SPEC_LISTS[@]} > 5)) || bail "read the operations and attribute sets of $SPEC"
spec_attrs() { tr ' ' '\n' <<<"${SPEC_LISTS["$1 $2 $3"]}"; }
spec_set() { tr ' ' '\n' <<<"${SPEC_LISTS["set $1"]}"; }
# keys JSON [JQ-PATH]: sorted keys of an object; without NAME LIST
keys() { jq -r "${2:-.} | keys[]" <<<"$1" | sort; }
without() { grep -vx "$1" <<<"$2"; }

# probes NS SRC-ADDR SRC-PORT DST SSID...: one 44-byte STAMP Session-Sender
# packet per SSID from SRC-ADDR:SRC-PORT to DST:862
probes() {
	ip netns exec "$1" "$PY" - "${@:2}" <<'PY'
import socket, struct, sys, time
src, sport, dst, ssids = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((src, sport))
for ssid in ssids:
    t = time.time() + 2208988800
    s.sendto(struct.pack("!IIIHH", 0, int(t), int((t % 1) * 2**32), 1, int(ssid)) + bytes(28),
             (dst, 862))
PY
}
flows_are() { ydo status-get && [[ $(jq .flows <<<"$R") == "$1" ]]; }
rx_is() { ydo flow-get "{\"id\":$1}" && [[ $(jq .rx <<<"$R") == "$2" ]]; }

sf_load || bail "insmod snapfire.ko"
topo_host "$NS" || bail "namespace $NS"
spec_reply=$(spec_attrs config-get "do" reply)
counters=$(spec_set counters)

# ------------------------------------------------- cli.py, with the schema
cfg_cli=$(cli --schema "$SCHEMA" --do config-get 2>&1)
ok "cli.py --schema genetlink-legacy.yaml --do config-get (spec valid, family answers)" \
	jq -e . <<<"$cfg_cli"
init_cfg0=$(cli --init --no-schema --do config-get)

coproc YNLP { ip netns exec "$NS" "$PY" "$SF_REPO/tests/tools/ynl_batch.py" \
	--ynl "$YNL" --spec "$SPEC" --no-schema 2>&1; }
on_exit "kill $YNLP_PID 2>/dev/null"

# -------------------------------------------------------------- policies
# The module's request policies, as the kernel dumps them (nlctrl
# getpolicy, through YNL), against what ynl-gen-c.py --mode kernel makes of
# the spec (tests/lib/policy_check.py says where the two differ by
# construction: legacy ops, binary lengths).
PT=$(mktemp -d)
on_exit "rm -rf '$PT'"
"$PY" "$SF_REPO/tests/lib/policy_check.py" --nlctrl "$Y/Documentation/netlink/specs/nlctrl.yaml" "$PT/nlctrl.yaml"
"$PY" "$YNL/cli.py" --no-schema --spec "$PT/nlctrl.yaml" --output-json \
	--dump getpolicy --json '{"family-name":"snapfire"}' >"$PT/policy.json" 2>"$PT/policy.err"
ok "nlctrl getpolicy of the family (YNL)" jq -e 'length > 10' "$PT/policy.json"
"$PY" "$SF_REPO/tests/lib/policy_check.py" --ynl "$Y" --spec "$SPEC" --live "$PT/policy.json" \
	>"$PT/check.out" 2>&1
# its "ok - OP ..." / "not ok - OP ..." lines, each failure followed by "#" lines
nops=0 name="" why=""
pol_flush() {
	[[ -n $name ]] && not_ok "policy: $name" "$why"
	name="" why=""
}
while IFS= read -r line; do
	case $line in
	"ok - "*) pol_flush; ok "policy: ${line#ok - }"; nops=$((nops + 1)) ;;
	"not ok - "*) pol_flush; name=${line#not ok - } nops=$((nops + 1)) ;;
	"#"*) why+="$line"$'\n' ;;
	esac
done <"$PT/check.out"
pol_flush
((nops == 6)) || diag "policy_check.py: $(tail -c 600 "$PT/check.out") $(tail -c 300 "$PT/policy.err")"
assert_eq "policy: every op with a request checked" 6 "$nops"
# ... and the comparison can fail: the prefix's plen max changed in the dump
jq -c 'map(if .policy and .policy["attr-id"] == 3 and .policy.type == "u8" and .policy["max-value-u"] == 128
	then .policy["max-value-u"] = 127 else . end)' "$PT/policy.json" >"$PT/policy-bad.json"
must_fail "policy: a range changed in the dump is caught" \
	"$PY" "$SF_REPO/tests/lib/policy_check.py" --ynl "$Y" --spec "$SPEC" --live "$PT/policy-bad.json"

# ------------------------------------------------------------ config-get
ydo config-get
ok "config-get (YNL library)" test $? = 0
cfg0=$R
assert_eq "config-get: same as cli.py's" "$(jq -cS . <<<"$cfg_cli")" "$(jq -cS . <<<"$cfg0")"
assert_eq "config-get: every attribute of the spec (allow-list empty: no allow)" \
	"$(without allow "$spec_reply")" "$(keys "$cfg0")"
assert_eq "config-get: the defaults" \
	'{"clock-synced":0,"enabled":1,"event-rate":100,"flow-rate":1000,"hist-precision":6,"idle-timeout":300,"loss-threshold":0,"max-flows":65536,"min-source-port":1024,"port":[862],"rate-burst":100,"rate-limit":1000,"rate-prefix4":32,"rate-prefix6":64,"rate-total":0,"reflect":0,"reflect-mode":"stateless","rtt-threshold":0,"stamp-tx":1,"window":10}' \
	"$(jq -cS . <<<"$cfg0")"

# ------------------------------------------------------------ config-set
new='{"enabled":0,"port":[862,4862,9862],"reflect":1,"reflect-mode":"stateful",
 "rate-limit":500,"rate-burst":50,
 "allow":[{"family":2,"addr":"c0000200","plen":24},{"family":10,"addr":"20010db8000000000000000000000000","plen":32}],
 "max-flows":1000,"idle-timeout":60,"hist-precision":7,"clock-synced":1,"stamp-tx":0,
 "rtt-threshold":5000000000,"loss-threshold":10000,"window":5,"event-rate":10,
 "min-source-port":0,"rate-prefix6":56,"rate-prefix4":24,"rate-total":20000,"flow-rate":500}'
ydo config-set "$new"
ok "config-set with every request attribute but allow-clear" test $? = 0
ydo config-get
cfg1=$R
assert_eq "config-get: reads back every value set" "$(jq -cS . <<<"$new")" "$(jq -cS . <<<"$cfg1")"
assert_eq "config-get: every attribute of the spec" "$spec_reply" "$(keys "$cfg1")"
assert_eq "spec: config-set request = config-get reply + allow-clear" \
	"$(spec_attrs config-set "do" request)" "$(sort <<<"$spec_reply"$'\nallow-clear')"

ydo config-set '{"allow-clear":true,"window":7}'
ydo config-get
cfg2=$R
assert_eq "config-set allow-clear: allow-list emptied, other values kept" \
	"$(jq -cS 'del(.allow) | .window = 7' <<<"$new")" "$(jq -cS . <<<"$cfg2")"

out=$(cli --no-schema --do config-set --json '{"window":20,"hist-precision":9}' 2>&1)
assert_ne "cli.py: config-set hist-precision 9 refused" 0 $?
assert_contains "... the extack names the attribute" "'bad-attr': '.hist-precision'" "$out"
assert_contains "... and the policy's range" "'max-value': 8" "$out"
ydo config-get
assert_eq "... and nothing changed (window still 7)" "$(jq -cS . <<<"$cfg2")" "$(jq -cS . <<<"$R")"

ydo config-set '{"allow":[{"family":2,"addr":"0a000001","plen":8}]}'
assert_ne "config-set prefix 10.0.0.1/8 refused" 0 $?
assert_contains "... because of its host bits" "host bits" "$(jq -r .extack.msg <<<"$A")"
assert_eq "... errno EINVAL" 22 "$(jq .error <<<"$A")"
ydo config-set '{"port":[862,862]}'
assert_eq "config-set duplicate port: EINVAL, 'duplicate port'" "22 duplicate port" \
	"$(jq -r '"\(.error) \(.extack.msg)"' <<<"$A")"

# restore: the first config-get reply replayed as a config-set
ydo config-set "$(jq -c '. + {"allow-clear": true}' <<<"$cfg0")"
ok "config-set: replaying the first config-get reply" test $? = 0
ydo config-get
assert_eq "config-get: the defaults are back" "$(jq -cS . <<<"$cfg0")" "$(jq -cS . <<<"$R")"

# ------------------------------------------------------------ status-get
ydo status-get
ok "status-get" test $? = 0
st=$R
# the sums over every namespace are the host's: root asking from $NS gets
# its own namespace's (the init_net request below gets them)
assert_eq "status-get: every attribute of the spec but the global ones (from $NS)" \
	"$(without global-mem "$(without global-counters "$(spec_attrs status-get "do" reply)")")" "$(keys "$st")"
assert_eq "status-get: every counter of the spec" "$counters" "$(keys "$st" .counters)"
assert_eq "status-get: version = the module's" "$(modinfo -F version "$SF_KO")" "$(jq -r .version <<<"$st")"
assert_eq "status-get: no flows yet" 0 "$(jq .flows <<<"$st")"

# --------------------------------------------------------- flows: create
# loopback: each probe makes a sender flow (LOCAL_OUT) and a reflector
# flow (LOCAL_IN) in $NS; a week of idle timeout, so that none expires on
# a slow (debug) kernel before the checks are done with them
ydo config-set '{"idle-timeout":604800}'
ok "config-set idle-timeout 604800" test $? = 0
ok "send probes from 127.0.0.1:40001, ssid 1 2 3" probes "$NS" 127.0.0.1 40001 127.0.0.1 1 2 3
ok "send a probe from [::1]:40002, ssid 9" probes "$NS" ::1 40002 ::1 9
wait_for 10 flows_are 8
ydo status-get
st=$R
assert_eq "status-get: 8 flows" 8 "$(jq .flows <<<"$st")"
assert_eq "status-get: flows-created 8" 8 "$(jq '.counters["flows-created"]' <<<"$st")"
assert_gt "status-get: mem > 0" "$(jq .mem <<<"$st")" 0
ns_rx=$(jq '.counters["probes-rx"]' <<<"$st")

# ---------------------------------------------------------- flows: dump
ydump flow-get
all=$R
assert_eq "flow-get dump: 8 flows" 8 "$(jq length <<<"$all")"
freply=$(spec_attrs flow-get dump reply)
assert_eq "flow-get dump: every flow has every attribute of the spec (no hist-mask: no hist)" \
	"$(without hist "$freply")" "$(jq -r '[.[] | keys] | unique | .[] | .[]' <<<"$all" | sort)"
assert_eq "flow-get dump: ids unique" 8 "$(jq '[.[].id] | unique | length' <<<"$all")"
out=$(cli --no-schema --dump flow-get --json '{"role":"reflector","ssid":1}' 2>&1)
assert_eq "cli.py --dump flow-get (filtered): the same flow" \
	"$(jq -cS '[.[] | select(.role == "reflector" and .ssid == 1) | del(.["last-seen"])]' <<<"$all")" \
	"$(jq -cS '[.[] | del(.["last-seen"])]' <<<"$out" 2>&1)"
r1=$(jq -c '.[] | select(.role == "reflector" and .ssid == 1)' <<<"$all")
assert_eq "reflector flow ssid 1: keys" \
	'{"family":2,"local-addr":"7f000001","local-port":862,"remote-addr":"7f000001","remote-port":40001,"rx":1}' \
	"$(jq -cS '{family, "local-addr", "local-port", "remote-addr", "remote-port", rx}' <<<"$r1")"
s9=$(jq -c '.[] | select(.role == "sender" and .ssid == 9)' <<<"$all")
assert_eq "sender flow ssid 9 (IPv6): keys" \
	'{"family":10,"local-addr":"00000000000000000000000000000001","local-port":40002,"remote-addr":"00000000000000000000000000000001","remote-port":862,"tx":1}' \
	"$(jq -cS '{family, "local-addr", "local-port", "remote-addr", "remote-port", tx}' <<<"$s9")"

count() { ydump flow-get "$1"; jq -c "$2" <<<"$R" | paste -sd' '; }
assert_eq "dump filter role=reflector: 4, all reflectors" "4 true" \
	"$(count '{"role":"reflector"}' 'length, all(.role == "reflector")')"
assert_eq "dump filter ssid=2: 2" 2 "$(count '{"ssid":2}' length)"
assert_eq "dump filter remote-port=40001: 3" 3 "$(count '{"remote-port":40001}' length)"
assert_eq "dump filter local-port=862: 4" 4 "$(count '{"local-port":862}' length)"
assert_eq "dump filter remote-addr=127.0.0.1: 6" 6 "$(count '{"remote-addr":"7f000001"}' length)"
assert_eq "dump filter remote-addr=::1: 2" 2 \
	"$(count '{"remote-addr":"00000000000000000000000000000001"}' length)"
assert_eq "dump filter role=sender, ssid=3: 1" 1 "$(count '{"role":"sender","ssid":3}' length)"
ydump flow-get '{"id":1}'
assert_eq "dump with an id: EINVAL" 22 "$(jq .error <<<"$A")"

ydump flow-get '{"hist-mask":127}'
hall=$R
assert_gt "dump hist-mask=127: histograms sent" "$(jq '[.[].hist // [] | .[]] | length' <<<"$hall")" 0
assert_eq "dump hist-mask=127: every hist has every attribute of the spec" \
	"$(spec_set hist)" "$(jq -r '[.[].hist // [] | .[] | keys] | unique | .[] | .[]' <<<"$hall" | sort)"
assert_eq "dump hist-mask=127: every bucket has low, high, count" "count high low" \
	"$(jq -r '[.[].hist // [] | .[].bucket[] | keys] | unique | .[] | .[]' <<<"$hall" | sort | xargs)"
assert_eq "dump hist-mask=127: bucket counts add up, low <= high, min <= max" true \
	"$(jq '[.[].hist // [] | .[] | (([.bucket[].count] | add) == .count) and
		all(.bucket[]; .low <= .high) and .["min-value"] <= .["max-value"]] | all' <<<"$hall")"
assert_eq "dump hist-mask=127: precision 6" 6 "$(jq '[.[].hist // [] | .[].precision] | unique | .[]' <<<"$hall")"
assert_eq "dump hist-mask=32 (rx-stage): only rx-stage" '["rx-stage"]' \
	"$(count '{"hist-mask":32}' '[.[].hist // [] | .[].metric] | unique')"

# ------------------------------------------------------------ flows: do
id=$(jq .id <<<"$r1")
ydo flow-get "{\"id\":$id}"
one=$R
assert_eq "flow-get do id=$id: that flow" "$id" "$(jq .id <<<"$one")"
want=$(spec_attrs flow-get "do" reply)
if [[ $(jq '.[] | select(.id == '"$id"') | has("hist")' <<<"$hall") != true ]]; then
	want=$(without hist "$want")
fi
assert_eq "flow-get do: every attribute of the spec (histograms by default)" "$want" "$(keys "$one")"
assert_eq "flow-get do: histograms as in the dump with hist-mask=127" \
	"$(jq -c '.[] | select(.id == '"$id"') | .hist' <<<"$hall")" "$(jq -c .hist <<<"$one")"
ydo flow-get "{\"id\":$id,\"hist-mask\":0}"
assert_eq "flow-get do hist-mask=0: no histograms" false "$(jq 'has("hist")' <<<"$R")"
ydo flow-get '{"id":999999}'
assert_eq "flow-get do of a missing id: ENOENT, no such flow" "2 no such flow" \
	"$(jq -r '"\(.error) \(.extack.msg)"' <<<"$A")"
ydo flow-get '{}'
assert_eq "flow-get do without id: EINVAL, flow id required" "22 flow id required" \
	"$(jq -r '"\(.error) \(.extack.msg)"' <<<"$A")"

# ----------------------------------------------------- flow-reset, flow-del
probes "$NS" 127.0.0.1 40001 127.0.0.1 1
wait_for 10 rx_is "$id" 2
ydo flow-get "{\"id\":$id}"
assert_eq "second probe: rx 2" 2 "$(jq .rx <<<"$R")"
ydo flow-reset "{\"id\":$id}"
ok "flow-reset id=$id" test $? = 0
ydo flow-get "{\"id\":$id}"
assert_eq "... its rx is 0, no histogram left, still there" "0 false $id" \
	"$(jq -c '.rx, has("hist"), .id' <<<"$R" | xargs)"
ydo flow-reset
ok "flow-reset (all)" test $? = 0
ydump flow-get
assert_eq "... every tx and rx is 0, 8 flows kept" "0 8" \
	"$(jq -c '([.[].tx, .[].rx] | add), length' <<<"$R" | xargs)"
ydo flow-del "{\"id\":$id}"
ok "flow-del id=$id" test $? = 0
ydo flow-get "{\"id\":$id}"
assert_eq "... it is gone (ENOENT)" 2 "$(jq .error <<<"$A")"
ydump flow-get
assert_eq "... 7 flows left" 7 "$(jq length <<<"$R")"
ydo flow-del "{\"id\":$id}"
assert_eq "flow-del of a deleted id: ENOENT, no such flow" "2 no such flow" \
	"$(jq -r '"\(.error) \(.extack.msg)"' <<<"$A")"
# id 0 is no flow's: refused by the policy, not taken as "every flow"
# (which only a request without an id means)
for op in flow-del flow-reset flow-get; do
	ydo $op '{"id":0}'
	assert_eq "$op id=0: ERANGE (the policy's minimum 1)" 34 "$(jq .error <<<"$A")"
done
ydump flow-get
assert_eq "... 7 flows left" 7 "$(jq length <<<"$R")"
ydo flow-del
ok "flow-del (all)" test $? = 0
ydump flow-get
assert_eq "... dump empty" 0 "$(jq length <<<"$R")"
ydo status-get
assert_eq "... status-get: 0 flows" 0 "$(jq .flows <<<"$R")"

# ---------------------------------------------------------------- events
ydo config-set '{"max-flows":16}'
Q subscribe events
ok "subscribe to the events group" test $? = 0 || diag "$A"
# ssid 77: a new pair of flows; then 9 more pairs at max-flows 16: evictions
probes "$NS" 127.0.0.1 40003 127.0.0.1 77
# shellcheck disable=SC2046 # one argument per ssid
probes "$NS" 127.0.0.1 40004 127.0.0.1 $(seq 100 108)
Q ntf 20 24	# 20 flow-new + 4 flow-evicted
ev=$R
diag "events: $(jq -r '[.[].msg.type] | group_by(.) | map("\(.[0]) x\(length)") | join(", ")' <<<"$ev")"
assert_eq "flow-new for the ssid 77 sender and reflector" "reflector sender" \
	"$(jq -r '[.[].msg | select(.type == "flow-new" and .flow.ssid == 77) | .flow.role] | sort | .[]' <<<"$ev" | xargs)"
assert_eq "flow-new for all 20 flows" 20 "$(jq '[.[].msg | select(.type == "flow-new")] | length' <<<"$ev")"
assert_eq "flow-evicted for the 4 beyond max-flows 16" 4 \
	"$(jq '[.[].msg | select(.type == "flow-evicted")] | length' <<<"$ev")"
assert_eq "event: type and flow, as the spec lists (no value/threshold for flow events)" \
	"flow type" "$(jq -r '[.[].msg | keys] | unique | .[] | .[]' <<<"$ev" | sort -u | xargs)"
assert_eq "event flow nest: the spec's event-flow attributes" \
	"$(spec_set event-flow | xargs)" "$(jq -r '[.[].msg.flow | keys] | unique | .[] | .[]' <<<"$ev" | sort -u | xargs)"
e77=$(jq -c '[.[].msg | select(.type == "flow-new" and .flow.ssid == 77 and .flow.role == "reflector")][0].flow' <<<"$ev")
assert_eq "event flow nest: the flow's keys" \
	'{"family":2,"local-addr":"7f000001","local-port":862,"remote-addr":"7f000001","remote-port":40003}' \
	"$(jq -cS '{family, "local-addr", "local-port", "remote-addr", "remote-port"}' <<<"$e77")"
ydo status-get
assert_eq "16 flows at max-flows 16" 16 "$(jq .flows <<<"$R")"

# -------------------------------------------------------- netns isolation
ydo status-get
ns_mem=$(jq .mem <<<"$R")
init=$(printf '%s\n' "do config-get" "dump flow-get" "do status-get" |
	"$PY" "$SF_REPO/tests/tools/ynl_batch.py" --ynl "$YNL" --spec "$SPEC" --no-schema)
assert_eq "init_net: its configuration untouched" "$(jq -cS . <<<"$init_cfg0")" \
	"$(sed -n 1p <<<"$init" | jq -cS .reply)"
assert_eq "init_net: none of these flows (an answer, empty)" true "$(sed -n 2p <<<"$init" | jq '.reply | type == "array" and length == 0')"
assert_ge "init_net: global counters include the namespace's" \
	"$(sed -n 3p <<<"$init" | jq '.reply["global-counters"]["flows-created"]')" 28
assert_eq "init_net: status-get has every attribute of the spec" "$(spec_attrs status-get "do" reply)" \
	"$(keys "$(sed -n 3p <<<"$init" | jq -c .reply)")"
assert_eq "init_net: every global counter of the spec" "$counters" \
	"$(keys "$(sed -n 3p <<<"$init" | jq -c .reply)" '.["global-counters"]')"
assert_ge "init_net: global-mem >= the namespace's mem" \
	"$(sed -n 3p <<<"$init" | jq '.reply["global-mem"]')" "$ns_mem"
assert_ge "init_net: global probes-rx >= the namespace's then" \
	"$(sed -n 3p <<<"$init" | jq '.reply["global-counters"]["probes-rx"]')" "$ns_rx"
done_testing
