/* SPDX-License-Identifier: GPL-2.0 */
/* `snapfire probe`: a session's state (cmd_probe.c runs it, probe_report.c
 * reports it). */
#ifndef SNAPFIRE_PROBE_H
#define SNAPFIRE_PROBE_H

#include <netinet/in.h>
#include <signal.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/snapfire_stamp.h>

#include "samples.h"

/* A reply received, slot reflector seq % FU_SLOTS, for Follow-Up Telemetry. */
/* A recvmsg() control buffer, aligned for the struct cmsghdr it holds. */
union cmsg_buf {
	char buf[512];
	struct cmsghdr align;
};

#define FU_SLOTS 64
/*
 * A reply's echoed T1 is its probe's: the time we read just before
 * sending it, or the kernel's later one (the module's stamp-tx), and
 * before the reply's arrival. This much either way for the NTP format's
 * rounding and a clock slewed meanwhile.
 */
#define PROBE_T1_SLACK		1000000LL
/* probes a session remembers at least, and at most (probe_window()) */
#define PROBE_WINDOW_MIN	64u
#define PROBE_WINDOW_MAX	(1u << 20)
/* the longest wait for stragglers after the last probe, ns */
#define PROBE_LINGER_MAX	10000000000ULL
struct replied {
	uint32_t seq;
	int valid;
	int64_t t3;
};

/* A probe sent, slot seq % nslots: what its reply is checked against. */
struct probe_slot {
	int64_t t1;			/* CLOCK_REALTIME just before send() */
	uint32_t seq;
	bool used;			/* sent: seq and t1 are set */
	bool seen;			/* answered */
};

struct probe {
	const char *dest;
	char addr[INET6_ADDRSTRLEN];
	uint16_t port, ssid;
	int fd;
	int tsflags;			/* its SO_TIMESTAMPING flags; -1: unknown */
	size_t size;
	uint32_t sent;
	uint64_t received, dups, reordered;
	uint32_t max_seq;		/* highest received + 1 */
	uint64_t unreachable;		/* ICMP port unreachable replies seen */
	uint64_t icmp_errors;		/* other ICMP errors for the probes (icmp_errno_probe()) */
	int icmp_errno;			/* the last of those, an errno */
	uint64_t implausible;		/* replies refused (an echoed T1 we never sent), or received with no rtt (T2, T3 impossible) */
	uint64_t late;			/* replies to probes no longer remembered */
	/*
	 * The probes sent lately, for their replies: made by probe_run()
	 * (the agent's, at its first send), nslots a power of two at least @window (the caller's: the
	 * probes sent while one waits for its reply, probe_window(); 0:
	 * PROBE_WINDOW_MIN). A reply older than that is late, not received.
	 */
	uint32_t window;
	uint32_t nslots;
	struct probe_slot *slots;
	struct samples rtt, fwd, rev;
	int64_t last_rtt;
	int have_last;
	bool last_measured;		/* the last reply received made a round trip (last_rtt) */
	double jit_sum, jit3550;
	uint64_t jit_n;
	int64_t max_rtt;
	bool quiet, synced_clock;
	bool followup;			/* probes carry a Follow-Up Telemetry TLV */
	struct samples far;		/* the reflector's egress stage, from it */
	struct replied replied[FU_SLOTS];
};

/* @ns as milliseconds with 3 significant-ish digits ("0.123", "12.34") */
char *probe_ms(char *buf, size_t n, int64_t ns);
/* The final report: text, or JSON with -j. */
void probe_summary(struct probe *p);

/* an IPv6 probe's bytes on the wire besides its UDP payload: IPv6, UDP */
#define PROBE_IP6_OVERHEAD 48

/* Probe size with the Follow-Up Telemetry TLV and nothing else */
#define FU_SIZE (STAMP_BASE_LEN + STAMP_TLV_HDR_LEN + STAMP_FOLLOWUP_LEN)

/* The session (probe_session.c). Set probe_stop to end probe_run early. */
extern volatile sig_atomic_t probe_stop;
/* Resolves p->dest, connects a UDP socket to it (@family AF_UNSPEC, AF_INET
 * or AF_INET6; @sport 0: any; @dscp -1: default) with receive timestamps;
 * sets p->fd and p->addr. 0 or an exit code (the error printed). */
int probe_open(struct probe *p, int family, uint64_t sport, int dscp);
/* The SO_TIMESTAMPING flags a probe socket wants now (probe_session.c). */
int probe_tsflags(void);
/* Give @p's socket @tsflags, if it has others (the module came or went). */
void probe_set_tsflags(struct probe *p, int tsflags);
/* The Error Estimate field, S set when the kernel's clock is synchronised */
uint16_t probe_error_estimate(void);
/* Writes the TLVs (Follow-Up Telemetry, padding) into a p->size buffer */
void probe_build_tlvs(const struct probe *p, uint8_t *buf);
/* The probes sent every @interval s while one waits @wait s for its reply:
 * a struct probe's window, from PROBE_WINDOW_MIN to PROBE_WINDOW_MAX. */
uint32_t probe_window(double interval, double wait);
/* Frees what the session allocated (not the socket, not the samples). */
void probe_free_slots(struct probe *p);
/* Is probe @seq answered? Only while it is remembered (p->window). */
bool probe_answered(const struct probe *p, uint32_t seq);
/* Sends probe p->sent (and counts it): 0, or send()'s errno. A send() that
 * only reports an earlier probe's ICMP port unreachable (ECONNREFUSED, which
 * it clears) is counted in p->unreachable and made again. */
int probe_send(struct probe *p, uint8_t *buf, uint16_t ee);
/* Reads one datagram, if one is waiting, and takes it in: true if one was
 * read (a reply or not); false if none, or only an error (an ICMP port
 * unreachable counted in p->unreachable) */
bool probe_receive(struct probe *p);
/* Receives until the CLOCK_MONOTONIC @deadline (ns), or until every probe
 * sent is answered if @stop_when_all. */
void probe_wait_until(struct probe *p, uint64_t deadline, const sigset_t *mask,
		      uint64_t stop_when_all);
void probe_run(struct probe *p, uint8_t *buf, uint16_t ee, double interval,
	       uint64_t count, double duration, const sigset_t *mask);

#endif /* SNAPFIRE_PROBE_H */
