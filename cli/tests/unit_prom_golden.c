// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the Prometheus export's exact bytes, both label modes,
 * for flows made to reach every line it writes (an IPv6 reflector, a
 * histogram present but empty, buckets of equal upper bounds merged into
 * one le, a bound of 0, counts and sums near 2^64, every field set),
 * against files written by the exporter (prom-golden.prom,
 * prom-golden-info.prom beside the test binary, cli/tests/) and checked by
 * promtool. A change of the exposition shows here; one that is meant
 * changes the files: SNAPFIRE_WRITE_GOLDEN=1 tests/unit writes them anew
 * (then read the diff).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "flow.h"
#include "unit.h"

static void gold_hist(struct flow *f, unsigned int m, const uint64_t (*b)[3], size_t nb,
		      uint64_t sum)
{
	struct hist *h = &f->hist[m];
	size_t i;

	h->present = 1;
	h->metric = m;
	for (i = 0; i < nb; i++)
		hist_add_bucket(h, b[i][0], b[i][1], b[i][2]);
	h->sum = sum;
	h->count = hist_bucket_total(h);
}

static struct flow *gold_flow(struct flowset *s, uint64_t id, uint32_t role, int fam,
			      const char *l, uint16_t lp, const char *r, uint16_t rp,
			      uint16_t ssid)
{
	struct flow *f = flowset_add(s);

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->role = role;
	f->family = (uint8_t)fam;
	inet_pton(fam, l, f->local_addr);
	inet_pton(fam, r, f->remote_addr);
	f->local_port = lp;
	f->remote_port = rp;
	f->ssid = ssid;
	return f;
}

/* The flows the golden files were written from (and status counters). */
void prom_golden_flows(struct flowset *s, struct status_view *st)
{
	static const uint64_t rtt[][3] = {
		{ 0, 0, 1 }, { 100000, 100999, 5 }, { 101000, 101999, 2 },
		/* a precision change: two buckets of one high, one le */
		{ 200000, 203999, 3 }, { 202000, 203999, 4 }, { 1000000000, 1999999999, 1 },
	};
	static const uint64_t turn[][3] = { { 5000, 5119, 7 }, { 5120, 5247, 1 } };
	static const uint64_t stage[][3] = { { 30000, 30999, 8 } };
	static const uint64_t huge[][3] = { { 1, 1, UINT64_MAX / 2 }, { 2, 2, UINT64_MAX / 2 } };
	struct flow *f;
	int c;

	memset(st, 0, sizeof(*st));
	for (c = 0; c < NCOUNTERS; c++)
		st->counters[c] = (uint64_t)c * 1000 + 7;
	st->flows = 4;
	st->mem = 123456;

	f = gold_flow(s, 1, SNAPFIRE_ROLE_SENDER, AF_INET, "192.0.2.1", 40001, "198.51.100.7", 862, 0);
	gold_hist(f, SNAPFIRE_METRIC_RTT, rtt, sizeof(rtt) / sizeof(rtt[0]), 3123456789ULL);
	gold_hist(f, SNAPFIRE_METRIC_FWD, NULL, 0, 0);	/* present, empty */
	gold_hist(f, SNAPFIRE_METRIC_IPDV, stage, 1, 30500);
	f->tx = 100;
	f->rx = 95;
	f->lost = 3;
	f->reordered = 1;
	f->duplicates = 1;
	f->rev_lost = 2;
	f->restarts = 1;
	f->jitter = 1500;
	f->synced = 1;
	f->peer_ttl = 61;
	f->peer_stateful = 1;
	f->mem = 4096;
	f->last_seen = 1796000000123456789ULL;

	f = gold_flow(s, 2, SNAPFIRE_ROLE_REFLECTOR, AF_INET6, "2001:db8::1", 862,
		      "2001:db8:ffff::2", 51000, 65535);
	gold_hist(f, SNAPFIRE_METRIC_TURNAROUND, turn, 2, 40000);
	gold_hist(f, SNAPFIRE_METRIC_TX_STAGE, stage, 1, 240000);
	gold_hist(f, SNAPFIRE_METRIC_FAR_TX_STAGE, stage, 1, 240001);
	f->tx = 8;
	f->rx = 8;
	f->mem = 2048;
	f->last_seen = 1;

	f = gold_flow(s, 18446744073709551615ULL, SNAPFIRE_ROLE_SENDER, AF_INET, "10.0.0.1", 1,
		      "10.0.0.2", 65535, 12);
	gold_hist(f, SNAPFIRE_METRIC_RX_STAGE, huge, 2, UINT64_MAX);
	f->tx = UINT64_MAX;
	f->rx = UINT64_MAX - 1;
	f->jitter = UINT64_MAX;
	f->last_seen = UINT64_MAX;

	/* no histogram at all */
	gold_flow(s, 4, SNAPFIRE_ROLE_SENDER, AF_INET6, "::1", 40000, "::1", 862, 1);
}

/* @path's bytes equal @got's (@n): true, else false with where they part */
static bool same_as_file(const char *path, const char *got, size_t n, char *why, size_t wn)
{
	FILE *f = fopen(path, "r");
	size_t i = 0;
	int c;

	if (!f) {
		snprintf(why, wn, "%s: %s", path, strerror(errno));
		return false;
	}
	while ((c = fgetc(f)) != EOF && i < n && (char)c == got[i])
		i++;
	fclose(f);
	if (c == EOF && i == n)
		return true;
	snprintf(why, wn, "%s and the export part at byte %zu", path, i);
	return false;
}

void test_prometheus_golden(void)
{
	static const char *const files[] = { "prom-golden.prom", "prom-golden-info.prom" };
	char why[4400], dir[4096], path[4200], cmd[4400], *slash;
	struct status_view st;
	struct flowset s = { 0 };
	ssize_t n;
	int mode;

	/* the files beside this binary, wherever it is run from */
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), "tests");
	prom_golden_flows(&s, &st);
	for (mode = 0; mode < 2; mode++) {
		char *b = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&b, &len);
		int rc = mf ? prom_write(mf, &st, &s, mode ? PROM_INFO_LABELS : 0, NULL) : -ENOMEM;

		if (mf)
			fclose(mf);
		why[0] = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, files[mode]);
		if (getenv("SNAPFIRE_WRITE_GOLDEN")) {
			FILE *g = fopen(path, "w");

			CHECK(rc == 0 && b && g && fwrite(b, 1, len, g) == len && !fclose(g),
			      "export%s: the golden file written (%s)", mode ? " --info-labels" : "", path);
			free(b);
			continue;
		}
		CHECK(rc == 0 && b && same_as_file(path, b, len, why, sizeof(why)),
		      "export%s: the golden file's %zu bytes (%s)", mode ? " --info-labels" : "", len,
		      why[0] ? why : files[mode]);
		snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", path);
		if (system("command -v promtool >/dev/null 2>&1") == 0) {
			CHECK(system(cmd) == 0, "promtool check metrics accepts %s", files[mode]);
		} else {
			skipped++;
			printf("ok %d - promtool check metrics %s # SKIP promtool not installed\n",
			       passed + failed + skipped, files[mode]);
		}
		free(b);
	}
	flowset_free(&s);
}
