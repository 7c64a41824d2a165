// SPDX-License-Identifier: GPL-2.0
/* The command table and help texts. */
#include <string.h>

#include "agent.h"
#include "cmds.h"
#include "common.h"

/* In `snapfire` these commands exec snapfire-ext (ext.c), which is built
 * from the same sources with SF_EXT and runs them itself. */
#ifdef SF_EXT
#define EXT(fn) fn
#else
#define EXT(fn) cmd_ext
#endif

static const struct cmd cmds[] = {
	{ "status", cmd_status, "status",
	  "Show the module version, this namespace's configuration, counters\n"
	  "(namespace and global), flow count and memory in use.", NULL },
	{ "config", cmd_config, "config [KEY VALUE]...",
	  "Without arguments, show the configuration. With KEY VALUE pairs, change it.",
	  config_keys_help },
	{ "reflect", cmd_reflect, "reflect on|off [stateless|stateful] [rate N] [allow PREFIX...]",
	  "Turn the in-kernel STAMP reflector on or off, optionally setting its mode,\n"
	  "rate limit and allow-list ('allow none' clears it).", NULL },
	{ "flows", cmd_flows,
	  "flows [--role sender|reflector] [--peer ADDR] [--port N] [--ssid N] [--sort COLUMN] [-r]",
	  "List the flows of this namespace, one line each: id, role, endpoints, ssid,\n"
	  "received count, loss, RTT min/p50/p90/p99/p99.9/max and jitter.\n"
	  "Reflector flows have no RTT (shown '-'); their loss is forward loss.\n"
	  "--port matches the local or the remote port. --sort COLUMN: id, peer, role,\n"
	  "ssid, count, loss, min, p50, p90, p99, p999, max, jitter; -r reverses.", NULL },
	{ "show", cmd_show, "show FLOW",
	  "Show one flow (FLOW is the id printed by 'flows'): counters, percentiles\n"
	  "and a histogram of every metric, and the latency breakdown telling this\n"
	  "host, the network and the far host apart.", NULL },
	{ "reset", cmd_reset, "reset [FLOW]",
	  "Zero the statistics and histograms of one flow, or of all flows.", NULL },
	{ "delete", cmd_delete, "delete [FLOW]",
	  "Delete one flow, or all flows of the namespace.", NULL },
	{ "probe", cmd_probe,
	  "probe DEST [-p PORT] [-i INTERVAL] [-c COUNT] [-w SECONDS] [-s SIZE] [--ssid N]\n"
	  "             [--dscp N] [-4|-6] [--sport N] [--no-follow-up] [-q]",
	  "Send STAMP probes to DEST (a Session-Sender in userspace) and report the\n"
	  "round trip, one-way delays (when both clocks are synchronised), loss,\n"
	  "reordering, duplicates and jitter. Probes ask for RFC 8972 Follow-Up\n"
	  "Telemetry: a reflector that answers it (snapfire's does) reports when its\n"
	  "replies really left it, after its own queue (far host egress).\n"
	  "  -p PORT      reflector port (default 862)\n"
	  "  -i SECONDS   interval between probes (default 1, may be fractional)\n"
	  "  -c COUNT     stop after COUNT probes\n"
	  "  -w SECONDS   stop sending after SECONDS\n"
	  "  -s SIZE      UDP payload size: 64 (default), >= 68 (a padding TLV added),\n"
	  "               or 44 (the bare base packet, no Follow-Up Telemetry)\n"
	  "  --no-follow-up  no Follow-Up Telemetry TLV (then -s 44, or >= 48)\n"
	  "  --ssid N     Session-Sender Identifier (default: pid & 0xffff)\n"
	  "  --dscp N     DSCP of the probes (0..63)\n"
	  "  -4, -6       use IPv4 / IPv6 only\n"
	  "  --sport N    local UDP port\n"
	  "  -q           only print the summary", NULL },
	{ "watch", cmd_watch, "watch [-i SECONDS] [--count N]",
	  "Live view of the flows table, sorted by p99, refreshed every SECONDS\n"
	  "(default 1). --count N stops after N refreshes; with -j, one JSON flows\n"
	  "document per line per refresh.", NULL },
	{ "tcp", cmd_tcp, "tcp [--port N] [--peer PREFIX]",
	  "The host's TCP connections as the kernel measures them (sock_diag, read-only):\n"
	  "state, endpoints, srtt, rttvar, min_rtt, rcv_rtt, retransmits (now/total),\n"
	  "delivery rate (app-limited or not), this host's delayed-ACK timeout (ato)\n"
	  "and cwnd; a histogram of srtt across them; and for each peer that the\n"
	  "module has a STAMP sender flow to, TCP's RTT beside STAMP's network part of\n"
	  "the round trip. --port matches the local or the remote port; --peer the\n"
	  "remote address.", NULL },
	{ "diagnose", EXT(cmd_diagnose),
	  "diagnose TARGET [-w SECONDS] [-i SECONDS] [--tcp PORT] [--http URL] [-p PORT]\n"
	  "             [-k] [-4|-6] [--no-stamp] [--no-icmp]",
	  "Measure TARGET over several protocols at once, for the same time, and say\n"
	  "which layer adds the latency: STAMP probes (with the module's breakdown of\n"
	  "their round trip), ICMP echo over a ping socket (kernel send and receive\n"
	  "times), TCP connects to PORT (the handshake RTT from TCP_INFO) and HTTP\n"
	  "GETs to URL (libcurl: connect, TLS, first byte). Prints per protocol the\n"
	  "samples, loss, p50, p95, p99 and max; the STAMP breakdown; and a verdict\n"
	  "(this host, the network forward or reverse, the far host's kernel, its TCP\n"
	  "listen queue, its application), how sure it is and what to run next. The\n"
	  "decision table is docs/DIAGNOSE.md. A protocol that cannot run is reported\n"
	  "as such and the verdict uses the rest.\n"
	  "  -w SECONDS   how long (default 10)\n"
	  "  -i SECONDS   interval between probes of each protocol (default 0.2)\n"
	  "  --tcp PORT   TCP connects to PORT\n"
	  "  --http URL   HTTP(S) GETs to URL, each on a new connection\n"
	  "  -k           do not verify the server's TLS certificate (as curl -k)\n"
	  "  -p PORT      STAMP reflector port (default 862)\n"
	  "  -4, -6       use IPv4 / IPv6 only\n"
	  "  --no-stamp, --no-icmp  leave that protocol out\n"
	  "Exit status 1 when no protocol got an answer.", NULL },
	{ "history", cmd_history,
	  "history TARGET [-m METRIC] [--since T] [--until T] [--by hour|day] [--tz ZONE]\n"
	  "             [-d STATE_DIR | -c FILE]",
	  "What 'snapfire agent' stored of TARGET (a name of its configuration): per\n"
	  "hour of day (--by hour, the default: all days of the window together) or\n"
	  "per day, in time zone ZONE, the samples, min, p50, p90, p99, max and the\n"
	  "success rate (answered probes of those sent); the window's percentiles;\n"
	  "and a heatmap of latency (down) by hour of day (across).\n"
	  "  -m METRIC     rtt (default), fwd, rev, turnaround, tx_stage, rx_stage, ...\n"
	  "  --since T     start of the window (default 7d: seven days ago)\n"
	  "  --until T     its end (default now)\n"
	  "                T: 2026-12-01, 2026-12-01T19:00[:SS] with an optional Z or\n"
	  "                +09:00 (else in ZONE), now, or 90m, 24h, 7d, 2w ago\n"
	  "  --by hour|day slots: hour of day 00..23, or calendar days\n"
	  "  --tz ZONE     time zone of the slots and times (Asia/Tokyo, UTC, JST-9;\n"
	  "                default: TZ, else the system's)\n"
	  "  -d DIR        the agent's state-dir (default /var/lib/snapfire)\n"
	  "  -c FILE       read the state-dir from the agent's configuration FILE\n"
	  "Problems of the store (corrupt records) are reported on stderr and skipped.\n"
	  "Exit status 1 when there is no data for TARGET in the window.", NULL },
	{ "monitor", cmd_monitor, "monitor [--count N]",
	  "Print the module's events (flow-new, flow-evicted, flow-expired, rtt-high,\n"
	  "loss-high) as they arrive; --count N exits after N events. 'listening' is\n"
	  "printed to stderr once subscribed.", NULL },
	{ "export", cmd_export, "export --prometheus [--info-labels]",
	  "Print counters, per-flow histograms and gauges in the Prometheus text\n"
	  "exposition format 0.0.4 (for node_exporter's textfile collector). Every\n"
	  "per-flow series has the flow's labels flow_id, role, local, remote and ssid;\n"
	  "--info-labels: flow_id alone, the others on one snapfire_flow_info series\n"
	  "per flow (about half the bytes, for many flows). With -n NETNS every\n"
	  "series' first label is netns=\"NETNS\".", NULL },
	{ "agent", EXT(cmd_agent), "agent [-c FILE] [--check] [-n NETNS]",
	  "Probe the targets of FILE (default /etc/snapfire/agent.conf, YAML) with one\n"
	  "STAMP session each, indefinitely, in the foreground (logs to stderr). Every\n"
	  "minute each target's histograms (the module's, or round trips from userspace\n"
	  "timestamps without it) and counters go to the history store (state-dir; read\n"
	  "it with 'snapfire history'); HTTP serves /metrics, /api/v1/summary and\n"
	  "/healthz. SIGHUP reloads FILE (unchanged targets keep their session; a bad\n"
	  "file is refused and the running configuration kept); SIGTERM stores the\n"
	  "current minute and stops. The format is in snapfire(8), AGENT.\n"
	  "  -c FILE      the configuration\n"
	  "  --check      only check FILE: 'FILE: ok, N targets', or FILE:LINE: reason\n"
	  "               and exit status 2\n"
	  "  -n NETNS     probe from network namespace NETNS", NULL },
};

const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

void cmd_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: snapfire [-j] [-n NETNS] %s\n\n%s\n", c->usage, c->help);
	if (c->more_help)
		c->more_help(f);
}

void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: snapfire [-j|--json] [-n|--netns NAME] COMMAND [ARGS]\n"
		"       snapfire help [COMMAND] | --help | --version\n\n"
		"In-kernel latency attribution for STAMP (RFC 8762/8972) probes.\n\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f,
		"\nOptions:\n"
		"  -j, --json         machine-readable JSON output\n"
		"  -n, --netns NAME   run in network namespace NAME (/var/run/netns/NAME)\n"
		"  -h, --help         this help; 'snapfire help COMMAND' for a command\n"
		"  -V, --version      print the version\n\n"
		"Exit status: 0 ok, 1 failure, 2 usage error, 3 module not loaded,\n"
		"4 permission denied, 5 no such flow. See snapfire(8).\n");
}

int want_help(const char *cmd, const char *arg)
{
	if (strcmp(arg, "-h") && strcmp(arg, "--help") && strcmp(arg, "help"))
		return 0;
	cmd_help(stdout, cmd_find(cmd));
	return 1;
}
