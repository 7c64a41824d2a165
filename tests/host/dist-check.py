#!/usr/bin/python3
"""dist-check.py: checks of dist/ that need a parser (tests/host/lint-dist.sh).

  dist-check.py names REPO FILE...   every metric a PromQL expression of FILE
                                     (a Grafana dashboard .json or a
                                     Prometheus rules .yml) names is one
                                     `snapfire agent` exports, every event="..."
                                     one it counts; prints the metric names
  dist-check.py exposed METRICS FILE...
                                     the same against a real /metrics page
                                     (METRICS): every metric named is
                                     exposed, every event="..." a value of it
  dist-check.py dashboard FILE       the dashboard's structure (below)
  dist-check.py promql FILE OUT      writes the dashboard's expressions, the
                                     Grafana variables replaced, as a rules
                                     file for `promtool check rules`
  dist-check.py breakdown FILE DIR   writes DIR/rules.yml (the stacked
                                     breakdown panel's queries) and
                                     DIR/test.yml, a `promtool test rules`
                                     test that they add up to tx_stage + rtt
                                     + turnaround + rx_stage and that the
                                     network part is rtt less far_tx_stage
                                     (all of rtt when far_tx_stage is not
                                     reported)

The exported names (docs/AGENT.md; agent-design for issue #11) are built
here from the sources that define them: the histogram metrics from
cli/names.c's metric_keys, the events from cli/agent.h's enum agent_event,
the counters from enum agent_counter. Exit status 1 with a message per
problem.
"""
import json
import re
import sys

import yaml

PROMQL_WORDS = {
    # aggregations, their modifiers and binary operators
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "and", "or", "unless", "offset", "atan2",
}


def sources(repo):
    with open(f"{repo}/cli/names.c") as f:
        names_c = f.read()
    m = re.search(r"metric_keys\[METRIC_COUNT\]\s*=\s*\{(.*?)\};", names_c, re.S)
    if not m:
        sys.exit("dist-check: metric_keys not found in cli/names.c")
    metrics = re.findall(r'"([a-z_]+)"', m.group(1))
    with open(f"{repo}/cli/agent.h") as f:
        agent_h = f.read()

    def enum(name, prefix):
        e = re.search(r"enum " + name + r"\s*\{(.*?)\};", agent_h, re.S)
        if not e:
            sys.exit(f"dist-check: enum {name} not found in cli/agent.h")
        return [v[len(prefix):].lower() for v in re.findall(r"\b(" + prefix + r"[A-Z_]+)", e.group(1))
                if v != prefix + "COUNT"]

    counters = enum("agent_counter", "AC_")
    events = enum("agent_event", "AE_")
    if len(metrics) < 4 or len(counters) < 5 or len(events) < 8:
        sys.exit(f"dist-check: unexpected sources: metrics {metrics} counters {counters} events {events}")
    # snapfire_agent_module_loaded: the gauge of the module's state the
    # design asks for beside /healthz ("state so in /healthz and in a gauge")
    allowed = {"snapfire_agent_info", "snapfire_agent_targets", "snapfire_agent_events_total",
               "snapfire_agent_module_loaded", "snapfire_target_up"}
    allowed |= {f"snapfire_target_{c}_total" for c in counters}
    for m in metrics:
        allowed |= {f"snapfire_target_{m}_seconds_{s}" for s in ("bucket", "sum", "count")}
    return allowed, set(events)


def strip(expr):
    """@expr without string literals, label matchers, grouping label lists and
    range/offset durations: what is left names metrics and functions."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1 ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    return e


def metric_names(expr):
    out, s = set(), strip(expr)
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        word, rest = m.group(0), s[m.end():]
        if word.lower() in PROMQL_WORDS or re.match(r"\s*\(", rest):
            continue		# a keyword or a function call
        if re.fullmatch(r"[0-9.eE+-]+|Inf|NaN|inf|nan", word):
            continue
        out.add(word)
    return out


def exprs_of(path):
    """(where, expr) of every PromQL expression in a dashboard or rules file"""
    with open(path) as f:
        text = f.read()
    if path.endswith(".json"):
        d = json.loads(text)
        res = []

        def walk(panels):
            for p in panels:
                for t in p.get("targets", []):
                    res.append((f'panel "{p.get("title")}" {t.get("refId")}', t.get("expr", "")))
                walk(p.get("panels", []))
        walk(d.get("panels", []))
        for v in d.get("templating", {}).get("list", []):
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if v.get("type") == "query" and q:
                m = re.fullmatch(r"label_values\((.*),\s*[a-zA-Z_]\w*\)", q.strip())
                res.append((f"variable {v['name']}", m.group(1) if m else q))
        return res, set()
    d = yaml.safe_load(text)
    res, recorded = [], set()
    for g in d["groups"]:
        for r in g["rules"]:
            name = r.get("record") or r.get("alert")
            res.append((f"{g['name']}/{name}", r["expr"]))
            if "record" in r:
                recorded.add(r["record"])
    return res, recorded


def cmd_names(repo, files):
    allowed, events = sources(repo)
    bad, seen = [], set()
    for path in files:
        exprs, recorded = exprs_of(path)
        ok = allowed | recorded | ({"up"} if path.endswith((".yml", ".yaml")) else set())
        for where, e in exprs:
            names = metric_names(e)
            if not names:
                bad.append(f"{path}: {where}: no metric in {e!r}")
            for n in sorted(names - ok):
                bad.append(f"{path}: {where}: {n} is not a metric snapfire agent exports")
            for ev in re.findall(r'event\s*=~?\s*"([^"]*)"', e):
                if ev not in events:
                    bad.append(f"{path}: {where}: event \"{ev}\" is not one the agent counts "
                               f"({', '.join(sorted(events))})")
            seen |= names
    for b in bad:
        print(b)
    print("metrics named: " + " ".join(sorted(seen)))
    return 1 if bad else 0


def cmd_exposed(page, files):
    with open(page) as f:
        text = f.read()
    families = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    names = set()
    for fam, kind in families.items():
        names |= {fam + s for s in ("_bucket", "_sum", "_count")} if kind == "histogram" else {fam}
    events = set(re.findall(r'^snapfire_agent_events_total\{[^}]*event="([^"]*)"', text, re.M))
    bad = []
    for path in files:
        exprs, recorded = exprs_of(path)
        for where, e in exprs:
            for n in sorted(metric_names(e) - names - recorded - {"up"}):
                bad.append(f"{path}: {where}: {n} is not on the /metrics page")
            for ev in re.findall(r'event\s*=~?\s*"([^"]*)"', e):
                if ev not in events:
                    bad.append(f"{path}: {where}: event \"{ev}\" is not on the /metrics page")
    for b in bad:
        print(b)
    print(f"{len(families)} families, {len(events)} events on the page")
    return 1 if bad else 0 if families else 1


def cmd_dashboard(path):
    with open(path) as f:
        d = json.load(f)
    bad = []

    def need(cond, msg):
        if not cond:
            bad.append(msg)

    need(d.get("schemaVersion", 0) >= 36, f"schemaVersion {d.get('schemaVersion')} < 36")
    inputs = {i.get("name"): i for i in d.get("__inputs", [])}
    need(inputs.get("DS_PROMETHEUS", {}).get("pluginId") == "prometheus",
         "__inputs has no DS_PROMETHEUS prometheus datasource")
    need(d.get("id") is None, "the dashboard has an id (export it 'for sharing externally')")
    panels, ids = [], set()

    def walk(ps):
        for p in ps:
            panels.append(p)
            walk(p.get("panels", []))
    walk(d.get("panels", []))
    for p in panels:
        need(p.get("id") not in ids, f"panel id {p.get('id')} twice")
        ids.add(p.get("id"))
        if p.get("type") == "row":
            continue
        need(p.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
             f'panel "{p.get("title")}": datasource is not ${{DS_PROMETHEUS}}')
        need(p.get("targets"), f'panel "{p.get("title")}" has no query')
        for t in p.get("targets", []):
            need(t.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
                 f'panel "{p.get("title")}" {t.get("refId")}: datasource is not ${{DS_PROMETHEUS}}')
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    tv = variables.get("target", {})
    tq = tv.get("query", {})
    tq = tq.get("query", "") if isinstance(tq, dict) else tq
    need(tv.get("type") == "query" and tq.startswith("label_values(") and tq.rstrip().endswith(", target)"),
         "no template variable target from label_values(..., target)")
    need(any(v.get("type") == "adhoc" and v.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}"
             for v in variables.values()),
         "no ad hoc filter variable for the targets' free-form labels")
    for v in variables.values():
        if v.get("type") in ("query", "adhoc"):
            need(v.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
                 f"variable {v['name']}: datasource is not ${{DS_PROMETHEUS}}")
    # every $variable a query uses is defined (or Grafana's own)
    for p in panels:
        for t in p.get("targets", []):
            for var in re.findall(r"\$(\w+)", t.get("expr", "")):
                need(var in variables or var.startswith("__"),
                     f'panel "{p.get("title")}": ${var} is not a variable of the dashboard')

    def panel(kind, pred, what):
        need(any(p.get("type") == kind and any(pred(t) for t in p.get("targets", [])) for p in panels),
             f"no {what}")
    panel("heatmap", lambda t: t.get("format") == "heatmap" and
          "snapfire_target_rtt_seconds_bucket" in t["expr"], "RTT heatmap (format heatmap)")
    for q in ("0.5", "0.99"):
        panel("timeseries", lambda t, q=q: t["expr"].startswith(f"histogram_quantile({q},") and
              "snapfire_target_rtt_seconds_bucket" in t["expr"], f"RTT p{float(q) * 100:g} panel")
    panel("timeseries", lambda t: "snapfire_target_lost_total" in t["expr"] and
          "snapfire_target_sent_total" in t["expr"], "loss panel (lost / sent)")
    panel("state-timeline", lambda t: "snapfire_target_up" in t["expr"], "target_up panel")
    panel("timeseries", lambda t: "snapfire_agent_events_total" in t["expr"], "agent events panel")
    stacked = [p for p in panels if p.get("type") == "timeseries" and
               p["fieldConfig"]["defaults"].get("custom", {}).get("stacking", {}).get("mode") == "normal"]
    need(stacked, "no stacked breakdown panel")
    for p in stacked:
        text = " ".join(t["expr"] for t in p["targets"])
        for m in ("tx_stage", "rx_stage", "turnaround", "rtt", "far_tx_stage"):
            need(f"snapfire_target_{m}_seconds_sum" in text,
                 f'breakdown "{p["title"]}" leaves out {m}')
        need(p.get("repeat") == "target", f'breakdown "{p["title"]}" is not repeated per target')
    for b in bad:
        print(b)
    print(f"{len(panels)} panels, variables {' '.join(variables)}")
    return 1 if bad else 0


def cmd_promql(path, out):
    exprs, _ = exprs_of(path)
    rules = []
    for i, (where, e) in enumerate(exprs):
        rules.append({"record": f"dashboard:expr_{i}", "expr": grafana_vars(e)})
    with open(out, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, sort_keys=False)
    print(f"{len(rules)} expressions")
    return 0


def grafana_vars(e):
    e = e.replace("$__rate_interval", "5m").replace("$__interval", "1m")
    return re.sub(r"\$\{?(\w+)\}?", ".*", e)


def cmd_breakdown(path, outdir):
    with open(path) as f:
        d = json.load(f)
    stacked = [p for p in d["panels"] if p.get("type") == "timeseries" and
               p["fieldConfig"]["defaults"].get("custom", {}).get("stacking", {}).get("mode") == "normal"]
    if len(stacked) != 1:
        print(f"expected one stacked breakdown panel, found {len(stacked)}")
        return 1
    targets = stacked[0]["targets"]
    net = [t["refId"] for t in targets if t.get("legendFormat", "").startswith("network")]
    if len(net) != 1:
        print("no query whose legend starts with 'network' in the breakdown")
        return 1
    rules = [{"record": f"dashboard:breakdown_{t['refId']}", "expr": grafana_vars(t["expr"])}
             for t in targets]
    with open(f"{outdir}/rules.yml", "w") as f:
        yaml.safe_dump({"groups": [{"name": "breakdown", "rules": rules}]}, f, sort_keys=False)
    # means in seconds, 60 samples a minute; "nofu": no Follow-Up reports
    means = {"tx_stage": 0.0005, "rtt": 0.010, "far_tx_stage": 0.002, "turnaround": 0.0002,
             "rx_stage": 0.0003}
    series = []
    for tg in ("fu", "nofu"):
        for m, v in means.items():
            n = 0 if (tg == "nofu" and m == "far_tx_stage") else 60
            lab = f'{{job="snapfire",instance="a:9862",target="{tg}"}}'
            series.append({"series": f"snapfire_target_{m}_seconds_sum{lab}", "values": f"0+{n * v:g}x20"})
            series.append({"series": f"snapfire_target_{m}_seconds_count{lab}", "values": f"0+{n}x20"})
    total = means["tx_stage"] + means["rtt"] + means["turnaround"] + means["rx_stage"]

    def near(expr, value, tg):
        return {"expr": f"abs({expr} - {value!r}) < bool 1e-9", "eval_time": "10m",
                "exp_samples": [{"labels": f'{{target="{tg}"}}', "value": 1}]}
    tests = []
    for tg, network in (("fu", means["rtt"] - means["far_tx_stage"]), ("nofu", means["rtt"])):
        tests.append(near(f'sum by (target) ({{__name__=~"dashboard:breakdown_.*",target="{tg}"}})',
                          total, tg))
        tests.append(near(f'dashboard:breakdown_{net[0]}{{target="{tg}"}}', network, tg))
    test = {"rule_files": ["rules.yml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": tests}]}
    with open(f"{outdir}/test.yml", "w") as f:
        yaml.safe_dump(test, f, sort_keys=False)
    print(f"{len(rules)} queries, total {total:g} s")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "names":
        return cmd_names(argv[1], argv[2:])
    if len(argv) >= 3 and argv[0] == "exposed":
        return cmd_exposed(argv[1], argv[2:])
    if len(argv) == 2 and argv[0] == "dashboard":
        return cmd_dashboard(argv[1])
    if len(argv) == 3 and argv[0] == "breakdown":
        return cmd_breakdown(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "promql":
        return cmd_promql(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
