#!/bin/bash
# dist/, checked: what `make install` puts on a host for `snapfire agent`
# and what a fleet imports.
#   - the Prometheus rules pass `promtool check rules`, and their unit tests
#     (dist/prometheus/snapfire-rules.test.yml: which alerts fire, when,
#     with which text) pass `promtool test rules`;
#   - the Grafana dashboard is JSON of the expected shape (dist-check.py
#     dashboard), every query parses (promtool) and names only metrics the
#     agent exports (cli/names.c, cli/agent.h), and its breakdown adds up
#     (dist-check.py breakdown: a promtool test);
#   - the systemd units, as installed, pass `systemd-analyze verify`; the
#     agent's scores at most 2.0 in `systemd-analyze security --offline`,
#     the reflector's holds only CAP_NET_ADMIN and CAP_SYS_MODULE; the
#     sysusers.d file creates the user; make install honours DESTDIR and
#     PREFIX and never overwrites agent.conf;
#   - the example configuration is YAML with the documented keys (and
#     passes `snapfire agent --check` once the CLI has the agent).
# Each check is shown able to fail on a planted fault.
# timeout: 240
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

have promtool || bail "promtool installed" "not found (Debian's prometheus package: make deps)"
have systemd-analyze || bail "systemd-analyze installed" "not found (Debian's systemd package: make deps)"
have systemd-sysusers || bail "systemd-sysusers installed" "not found (Debian's systemd package: make deps)"
python3 -c 'import yaml' 2>/dev/null || bail "python3-yaml installed" "import yaml failed (make deps)"

dist=$SF_REPO/dist
check=$SF_REPO/tests/host/dist-check.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-lint-dist.XXXXXX")
on_exit "rm -rf '$tmp'"

# ------------------------------------------------------------ Prometheus rules
rules=$dist/prometheus/snapfire-rules.yml
out=$(promtool check rules "$rules" 2>&1)
if (($? == 0)); then ok "promtool check rules: $(grep -o '[0-9]* rules found' <<<"$out")" true
else not_ok "promtool check rules dist/prometheus/snapfire-rules.yml" "$out"; fi

out=$(cd "$dist/prometheus" && promtool test rules snapfire-rules.test.yml 2>&1)
if (($? == 0)); then ok "promtool test rules: the alerts fire when and as the tests say" true
else not_ok "promtool test rules dist/prometheus/snapfire-rules.test.yml" "$out"; fi

# the tests can fail: the same tests against rules with a fault planted
plant() { # NAME SED-EXPR : the rule tests must fail on the mutated rules
	mkdir -p "$tmp/r"
	cp "$dist/prometheus/snapfire-rules.test.yml" "$tmp/r/"
	sed "$2" "$rules" >"$tmp/r/snapfire-rules.yml"
	if cmp -s "$rules" "$tmp/r/snapfire-rules.yml"; then
		not_ok "rule tests catch $1" "the sed expression '$2' changed nothing"
		return
	fi
	must_fail "rule tests catch $1" bash -c "cd '$tmp/r' && promtool test rules snapfire-rules.test.yml"
}
plant "a loss threshold of 10% instead of 1%" 's/snapfire:target_loss:ratio_5m > 0.01/snapfire:target_loss:ratio_5m > 0.1/'
plant "a loss alert for a target that is down" '/unless on (job, instance, target) snapfire_target_up == 0/d'
plant "the agent-down alert on every scrape job" 's/up{job="snapfire"} == 0/up == 0/'
plant "a share that leaves the far host's turnaround out" \
	's/ + snapfire:target_turnaround_seconds:mean_5m)/)/'
plant "a p99 computed as the p90" 's/histogram_quantile(0.99, rate(snapfire_target_rtt/histogram_quantile(0.9, rate(snapfire_target_rtt/'

# ------------------------------------------------------------ Grafana dashboard
dash=$dist/grafana/snapfire.json
out=$(python3 -m json.tool "$dash" 2>&1 >/dev/null)
if (($? == 0)); then ok "dashboard: valid JSON" true
else not_ok "dashboard: valid JSON" "$out"; fi
out=$(python3 "$check" dashboard "$dash" 2>&1)
if (($? == 0)); then ok "dashboard: schema >= 36, \${DS_PROMETHEUS}, variables, the panels the issue asks for ($(tail -n1 <<<"$out"))" true
else not_ok "dashboard: structure" "$out"; fi
out=$(python3 "$check" names "$SF_REPO" "$dash" "$rules" 2>&1)
if (($? == 0)); then ok "dashboard and rules name only metrics and events the agent exports" true
else not_ok "dashboard and rules name only metrics and events the agent exports" "$out"; fi
out=$(python3 "$check" promql "$dash" "$tmp/dash-rules.yml" 2>&1 && promtool check rules "$tmp/dash-rules.yml" 2>&1)
if (($? == 0)); then ok "dashboard: every query parses (promtool, $(head -n1 <<<"$out"))" true
else not_ok "dashboard: every query parses" "$out"; fi
mkdir -p "$tmp/bd"
out=$(python3 "$check" breakdown "$dash" "$tmp/bd" 2>&1 && cd "$tmp/bd" && promtool test rules test.yml 2>&1)
if (($? == 0)); then ok "dashboard: the breakdown adds up to tx_stage + rtt + turnaround + rx_stage, network = rtt - far_tx_stage" true
else not_ok "dashboard: the breakdown adds up" "$out"; fi

# the same names against a real /metrics page: cli/tests/agent_http_drv
# (a hand-built agent behind agent_http.c and agent_prom.c), when built
drv=$SF_REPO/cli/tests/agent_http_drv
if [[ -x $drv ]] && have curl; then
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$drv" "$tmp/drv-state" "127.0.0.1:$port" >"$tmp/drv.out" 2>"$tmp/drv.err" &
	drv_pid=$!
	on_exit "kill $drv_pid 2>/dev/null; wait $drv_pid 2>/dev/null"
	wait_for 10 curl -sf -o "$tmp/metrics" "http://127.0.0.1:$port/metrics"
	out=$(python3 "$check" exposed "$tmp/metrics" "$dash" "$rules" 2>&1)
	if (($? == 0)); then ok "every metric and event the dashboard and rules name is on agent_prom.c's /metrics page ($(tail -n1 <<<"$out"))" true
	else not_ok "every metric and event the dashboard and rules name is on agent_prom.c's /metrics page" "$out$(cat "$tmp/drv.err")"; fi
	kill "$drv_pid" 2>/dev/null
	wait "$drv_pid" 2>/dev/null
	grep -v '^snapfire_target_duplicates_total' "$tmp/metrics" | sed 's/^# TYPE snapfire_target_duplicates_total.*//' >"$tmp/metrics-less"
	must_fail "the /metrics check flags a metric missing from the page" \
		python3 "$check" exposed "$tmp/metrics-less" "$dash"
else
	skip "every metric the dashboard and rules name is on agent_prom.c's /metrics page" \
		"cli/tests/agent_http_drv not built (make -C cli test builds it)"
fi

# ... and each check can fail
sed 's/snapfire_target_lost_total/snapfire_target_loss_total/' "$dash" >"$tmp/bad-name.json"
must_fail "names check flags a metric the agent does not export" python3 "$check" names "$SF_REPO" "$tmp/bad-name.json"
sed 's/event="config_reload_failed"/event="reload_failed"/' "$rules" >"$tmp/bad-event.yml"
must_fail "names check flags an event the agent does not count" python3 "$check" names "$SF_REPO" "$tmp/bad-event.yml"
sed 's/"uid": "${DS_PROMETHEUS}"/"uid": "prometheus"/' "$dash" >"$tmp/bad-ds.json"
must_fail "structure check flags a hard-wired datasource" python3 "$check" dashboard "$tmp/bad-ds.json"
sed 's/by (instance, target, le) (rate(snapfire_target_rtt_seconds_bucket/by (instance, target, le) (rate(snapfire_target_rtt_seconds_bucket[/' \
	"$dash" >"$tmp/bad-syntax.json"
must_fail "promtool flags a query that does not parse" bash -c \
	"python3 '$check' promql '$tmp/bad-syntax.json' '$tmp/bad-syntax.yml' && promtool check rules '$tmp/bad-syntax.yml'"
python3 - "$dash" "$tmp/bad-sum.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["panels"]:
    if p.get("repeat") == "target" and p["type"] == "timeseries":
        p["targets"] = [t for t in p["targets"] if "turnaround" not in t["legendFormat"]]
json.dump(d, open(sys.argv[2], "w"))
EOF
mkdir -p "$tmp/bd2"
must_fail "breakdown test flags a breakdown without the turnaround" bash -c \
	"python3 '$check' breakdown '$tmp/bad-sum.json' '$tmp/bd2' && cd '$tmp/bd2' && promtool test rules test.yml"

# ------------------------------------------------------------ make install
root=$tmp/root
out=$(make -s -C "$dist" install DESTDIR="$root" 2>&1)
if (($? == 0)); then ok "make -C dist install DESTDIR=..." true
else not_ok "make -C dist install DESTDIR=..." "$out"; fi
tree=$(cd "$root" && find . -type f | sort)
assert_eq "installed: the units, sysusers.d file, example config, dashboard, rules" \
	"./etc/snapfire/agent.conf.example
./usr/local/lib/systemd/system/snapfire-agent.service
./usr/local/lib/systemd/system/snapfire-reflector.service
./usr/local/lib/sysusers.d/snapfire.conf
./usr/local/share/snapfire/grafana/snapfire.json
./usr/local/share/snapfire/prometheus/snapfire-rules.yml" "$tree"
assert_eq "PREFIX=/usr/local: ExecStart runs /usr/local/sbin/snapfire" \
	"ExecStart=/usr/local/sbin/snapfire agent -c /etc/snapfire/agent.conf" \
	"$(grep '^ExecStart=' "$root/usr/local/lib/systemd/system/snapfire-agent.service")"
echo "port: 1 # mine" >"$root/etc/snapfire/agent.conf"
make -s -C "$dist" install DESTDIR="$root" >/dev/null 2>&1
assert_eq "a second install leaves an existing agent.conf alone" "port: 1 # mine" "$(cat "$root/etc/snapfire/agent.conf")"
make -s -C "$dist" install DESTDIR="$tmp/usr" PREFIX=/usr >/dev/null 2>&1
assert_eq "PREFIX=/usr: unit in /usr/lib/systemd/system, ExecStart /usr/sbin/snapfire" \
	"ExecStart=/usr/sbin/snapfire agent -c /etc/snapfire/agent.conf" \
	"$(grep '^ExecStart=' "$tmp/usr/usr/lib/systemd/system/snapfire-agent.service" 2>&1)"

# ------------------------------------------------------------ systemd
# verify checks that ExecStart exists: install with BINDIR at a directory
# that has a snapfire (the built one, or a stand-in)
mkdir -p "$tmp/bin"
if [[ -x $SF_CLI ]]; then cp "$SF_CLI" "$tmp/bin/snapfire"; else cp /bin/true "$tmp/bin/snapfire"; fi
make -s -C "$dist" install DESTDIR="$tmp/v" BINDIR="$tmp/bin" >/dev/null 2>&1
unit=$tmp/v/usr/local/lib/systemd/system/snapfire-agent.service
# verify: what it says about our units (it also loads the units they
# order against, and warns about the host's own: irtt.service's User=nobody)
verify() {
	local out rc
	out=$(systemd-analyze verify --man=no "$1" 2>&1)
	rc=$?
	out=$(grep snapfire <<<"$out")
	((rc == 0)) && [[ -z $out ]] || { echo "$out"; return 1; }
}
for u in snapfire-agent snapfire-reflector; do
	out=$(verify "$tmp/v/usr/local/lib/systemd/system/$u.service")
	if (($? == 0)); then ok "systemd-analyze verify: the installed $u.service" true
	else not_ok "systemd-analyze verify: the installed $u.service" "$out"; fi
done
sed 's/^User=snapfire/Usr=snapfire/' "$unit" >"$tmp/v/snapfire-agent.service"
must_fail "systemd-analyze verify flags a misspelt directive" verify "$tmp/v/snapfire-agent.service"
runit=$tmp/v/usr/local/lib/systemd/system/snapfire-reflector.service
sed 's/^RemainAfterExit=yes/RemainAfterExit=maybe/' "$runit" >"$tmp/v/snapfire-reflector.service"
must_fail "systemd-analyze verify flags a bad value in the reflector's unit" verify "$tmp/v/snapfire-reflector.service"
assert_eq "the reflector's unit: CAP_NET_ADMIN (config-set) and CAP_SYS_MODULE (modprobe), nothing else" \
	"CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_MODULE" "$(grep -E '^CapabilityBoundingSet=' "$runit")"
assert_eq "the reflector's unit runs the installed snapfire (BINDIR)" \
	"ExecStartPre=$tmp/bin/snapfire config \$SNAPFIRE_CONFIG ExecStart=$tmp/bin/snapfire reflect on \$SNAPFIRE_REFLECT ExecStop=$tmp/bin/snapfire reflect off" \
	"$(grep -E '^Exec(Start|Stop)(Pre)?=.*snapfire ' "$runit" | paste -sd' ')"
# what it runs, run: the ExecStart lines' commands against the CLI's parser
# (--help-free: a bad argument is a usage error, exit 2, before any netlink)
if [[ -x $SF_CLI ]]; then
	SNAPFIRE_REFLECT="stateful rate 500 allow 192.0.2.0/24 2001:db8::/32"
	out=$("$SF_CLI" reflect on $SNAPFIRE_REFLECT 2>&1)
	rc=$?
	ok "the documented SNAPFIRE_REFLECT example parses (exit $rc: not a usage error)" test "$rc" != 2
	diag "snapfire reflect on $SNAPFIRE_REFLECT: $out"
fi

score=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security --offline: exposure $score (0 = most, 10 = least restricted)"
ok "systemd-analyze security --offline: exposure $score <= 2.0" \
	systemd-analyze security --offline=yes --threshold=20 --no-pager "$unit"
sed -e '/^Protect/d' -e '/^Private/d' -e '/^Restrict/d' -e '/^SystemCall/d' -e '/^CapabilityBoundingSet/d' \
	-e '/^NoNewPrivileges/d' -e '/^MemoryDeny/d' -e '/^LockPersonality/d' "$unit" >"$tmp/v/loose.service"
must_fail "systemd-analyze security flags the unit without its hardening" \
	systemd-analyze security --offline=yes --threshold=20 --no-pager "$tmp/v/loose.service"
assert_eq "the unit grants no capability" "CapabilityBoundingSet= AmbientCapabilities=" \
	"$(grep -E '^(CapabilityBoundingSet|AmbientCapabilities)=' "$unit" | paste -sd' ')"

mkdir -p "$tmp/sys/etc"
out=$(systemd-sysusers --root="$tmp/sys" "$root/usr/local/lib/sysusers.d/snapfire.conf" 2>&1)
pw=$(grep '^snapfire:' "$tmp/sys/etc/passwd" 2>&1) || pw="$pw ($out)"
assert_match "systemd-sysusers creates the snapfire user (no login, home /var/lib/snapfire)" \
	'^snapfire:x:[0-9]+:[0-9]+:[^:]*:/var/lib/snapfire:/usr/sbin/nologin$' "$pw"

# ------------------------------------------------------------ example config
out=$(python3 - "$dist/agent.conf.example" 2>&1 <<'EOF'
import re, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
top = {"listen", "state-dir", "retention-days", "jsonl", "defaults", "targets"}
tkeys = {"name", "address", "port", "interval", "size", "dscp", "ssid", "labels"}
bad = [f"unknown key {k}" for k in set(c) - top]
bad += [f"defaults: unknown key {k}" for k in set(c.get("defaults", {})) - tkeys]
ts = c.get("targets") or []
if len(ts) != 3:
    bad.append(f"{len(ts)} targets, not 3")
for t in ts:
    bad += [f"{t.get('name')}: unknown key {k}" for k in set(t) - tkeys]
    if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", str(t.get("name", ""))):
        bad.append(f"bad name {t.get('name')!r}")
    for k, v in (t.get("labels") or {}).items():
        if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]{0,63}", k) or k.startswith("__") or \
                k in ("target", "le", "metric", "stage", "event") or len(str(v)) > 128:
            bad.append(f"{t.get('name')}: bad label {k}={v}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
)
if (($? == 0)); then ok "agent.conf.example: YAML, 3 targets with labels, only documented keys" true
else not_ok "agent.conf.example: YAML, 3 targets with labels, only documented keys" "$out"; fi
ok "snapfire agent --check accepts agent.conf.example" "$SF_CLI" agent --check -c "$dist/agent.conf.example"

done_testing
