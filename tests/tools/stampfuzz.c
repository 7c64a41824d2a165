// SPDX-License-Identifier: GPL-2.0
/*
 * stampfuzz — seeded, reproducible STAMP packet fuzzer, and a flood of
 * distinct spoofed sources. Whole Ethernet frames are built byte by byte
 * and sent on an AF_PACKET socket, so anything can be said: wrong
 * checksums, lying lengths, fragments, multicast and broadcast addressing,
 * spoofed sources.
 *
 *   stampfuzz -i IF -M DSTMAC -4 SRC4,DST4,BCAST4 -6 SRC6,DST6
 *             [-s SEED] [-n COUNT] [-F NSOURCES] [-q]
 *
 * Fuzz mode (default): COUNT datagrams (default 100000), IPv4 and IPv6,
 * half to the STAMP port 862 (Session-Sender layout: the target's
 * reflector role) and half from it (Session-Reflector layout: its sender
 * role), each a valid STAMP packet (44 bytes, or up to 9216 with TLVs)
 * with one mutation class drawn at random:
 *
 *   valid       unchanged                     bad-csum   UDP checksum wrong
 *   trunc       payload cut to 0..43 bytes    zero-csum  checksum 0 (IPv6: invalid)
 *   tlv-lie     a TLV length past the end     udp-short  UDP length < IP payload
 *   tlv-hmac    an HMAC TLV                   udp-long   UDP length > IP payload
 *   auth        authenticated-mode layout     frag       two IP fragments
 *   looped      a T2 in a probe's MBZ         maxsize    9216-byte payload
 *   bytes       random bytes flipped          mcast-dst  224.0.0.1 / ff02::1
 *   lowport     source port < 1024            bcast-dst  255.255.255.255 / subnet
 *   mcast-src   multicast source address      (martian: dropped by routing)
 *
 * It prints one JSON object: the seed, the count per class, and what the
 * target's counters must show (the test checks them):
 *   "prerouting": datagrams its PRE_ROUTING sees as STAMP-port UDP: all
 *                 but fragments, and but IPv6 multicast sources (which
 *                 ip6_rcv drops before the hook);
 *   "localin":    datagrams that reach its LOCAL_IN: all but martian
 *                 sources and IPv6 fragments; IPv4 fragments reassembled;
 *   "v6frag":     IPv6 fragmented datagrams: reassembled after LOCAL_IN
 *                 (Ip6ReasmOKs), never seen whole by the module.
 *
 * Flood mode (-F N): N valid probes to DST4:862, each from a distinct
 * spoofed source in 10.0.0.0/8 (a new one per probe, distinct for N up to
 * 2^24), for the memory cap and eviction; prints {"sent": N}.
 *
 * Frames of more than the interface's MTU are not sent as such: maxsize
 * needs an MTU of 9300 on both ends (the test sets it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>

#include "stamp_pkt.h"

#define MAXFRAME	(14 + 40 + 8 + 8 + STAMP_MAX_LEN + 64)

enum cls {
	C_VALID, C_BADCSUM, C_TRUNC, C_ZEROCSUM, C_TLVLIE, C_UDPSHORT,
	C_TLVHMAC, C_UDPLONG, C_AUTH, C_FRAG, C_LOOPED, C_MAXSIZE, C_BYTES,
	C_MCASTDST, C_LOWPORT, C_BCASTDST, C_MCASTSRC, C_N
};

static const char *const cls_name[C_N] = {
	"valid", "bad-csum", "trunc", "zero-csum", "tlv-lie", "udp-short",
	"tlv-hmac", "udp-long", "auth", "frag", "looped", "maxsize", "bytes",
	"mcast-dst", "lowport", "bcast-dst", "mcast-src",
};

static uint64_t rng;

/* splitmix64: reproducible from the seed */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

struct target {
	int fd;
	int ifindex;
	uint8_t dmac[6], smac[6];
	struct in_addr src4, dst4, bcast4;
	struct in6_addr src6, dst6;
};

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int send_frame(struct target *t, const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = t->ifindex,
		.sll_halen = 6,
	};

	memcpy(sll.sll_addr, t->dmac, 6);
	if (sendto(t->fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN) {
			usleep(1000);
			return send_frame(t, f, len);
		}
		fprintf(stderr, "stampfuzz: sendto (%zu bytes): %s\n", len, strerror(errno));
		return -1;
	}
	return 0;
}

static size_t eth(uint8_t *f, const struct target *t, const uint8_t *dmac, uint16_t type)
{
	memcpy(f, dmac ? dmac : t->dmac, 6);
	memcpy(f + 6, t->smac, 6);
	f[12] = type >> 8;
	f[13] = type & 0xff;
	return 14;
}

/* A STAMP payload of @len bytes in @p: layout by @reflector; 0 on success. */
static size_t stamp_payload(uint8_t *p, size_t len, bool reflector, uint32_t seq)
{
	struct stamp_ts t1 = stamp_ntp_now();
	size_t pos;

	stamp_pkt_fill(p, seq, t1, (uint16_t)rnd());
	if (reflector) {
		struct stamp_reflector_pkt *r = (void *)p;

		r->rx_ts = t1;
		r->sender_seq = htonl(seq);
		r->sender_ts = t1;
		r->sender_ee = htons(1);
		r->sender_ttl = 64;
	}
	/* pad with an Extra Padding TLV up to @len */
	pos = STAMP_BASE_LEN;
	if (len >= pos + 4) {
		p[pos] = 0;
		p[pos + 1] = STAMP_TLV_EXTRA_PADDING;
		p[pos + 2] = (uint8_t)((len - pos - 4) >> 8);
		p[pos + 3] = (uint8_t)(len - pos - 4);
		memset(p + pos + 4, 0, len - pos - 4);
	} else {
		len = STAMP_BASE_LEN;
	}
	return len;
}

struct dgram {
	bool v6;
	bool martian;
	bool frag;
	uint16_t sport, dport;
	size_t plen;
	int udp_len_delta;	/* UDP length field - real */
	int csum;		/* 0 right, 1 wrong, 2 zero */
	const uint8_t *dmac;	/* NULL: the target's */
	struct in_addr s4, d4;
	struct in6_addr s6, d6;
	uint8_t payload[STAMP_MAX_LEN + 64];	/* last: the rest is reset per datagram */
};

static int send_dgram(struct target *t, const struct dgram *d)
{
	static uint8_t f[MAXFRAME + 64];
	static uint16_t ipid;
	uint8_t udp[8];
	uint32_t sum;
	size_t ulen = 8 + d->plen, l3, off;
	uint16_t ulen_field = (uint16_t)(ulen + d->udp_len_delta);
	uint16_t cs;

	udp[0] = d->sport >> 8;
	udp[1] = d->sport & 0xff;
	udp[2] = d->dport >> 8;
	udp[3] = d->dport & 0xff;
	udp[4] = ulen_field >> 8;
	udp[5] = ulen_field & 0xff;
	udp[6] = udp[7] = 0;
	/* pseudo-header with the real length, so only the csum class is wrong */
	sum = 0;
	if (d->v6) {
		sum = csum_add(sum, &d->s6, 16);
		sum = csum_add(sum, &d->d6, 16);
		sum += (uint32_t)ulen_field + IPPROTO_UDP;
	} else {
		sum = csum_add(sum, &d->s4, 4);
		sum = csum_add(sum, &d->d4, 4);
		sum += IPPROTO_UDP + (uint32_t)ulen_field;
	}
	sum = csum_add(sum, udp, 8);
	sum = csum_add(sum, d->payload, d->plen);
	cs = csum_fold(sum);
	if (!cs)
		cs = 0xffff;
	if (d->csum == 1)
		cs ^= 0x5a5a;
	else if (d->csum == 2)
		cs = 0;
	udp[6] = cs >> 8;
	udp[7] = cs & 0xff;

	off = eth(f, t, d->dmac, d->v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (!d->v6) {
		uint8_t *ip = f + off;
		size_t frag1 = d->frag ? ((ulen / 2) & ~7u) : ulen;
		int part;

		ipid++;
		for (part = 0; part < (d->frag ? 2 : 1); part++) {
			size_t start = part ? frag1 : 0, n = part ? ulen - frag1 : frag1;
			uint16_t fo = (uint16_t)(start / 8);

			if (d->frag && !part)
				fo |= 0x2000;	/* MF */
			memset(ip, 0, 20);
			ip[0] = 0x45;
			l3 = 20 + n;
			ip[2] = (uint8_t)(l3 >> 8);
			ip[3] = (uint8_t)l3;
			ip[4] = ipid >> 8;
			ip[5] = ipid & 0xff;
			ip[6] = fo >> 8;
			ip[7] = fo & 0xff;
			ip[8] = 64;
			ip[9] = IPPROTO_UDP;
			memcpy(ip + 12, &d->s4, 4);
			memcpy(ip + 16, &d->d4, 4);
			cs = csum_fold(csum_add(0, ip, 20));
			ip[10] = cs >> 8;
			ip[11] = cs & 0xff;
			/* UDP header + payload bytes [start, start + n) */
			{
				size_t i;

				for (i = 0; i < n; i++) {
					size_t k = start + i;

					ip[20 + i] = k < 8 ? udp[k] : d->payload[k - 8];
				}
			}
			if (send_frame(t, f, off + l3))
				return -1;
		}
		return 0;
	}
	{
		uint8_t *ip = f + off;
		size_t hdr = d->frag ? 48 : 40;
		size_t frag1 = d->frag ? ((ulen / 2) & ~7u) : ulen;
		int part;

		ipid++;
		for (part = 0; part < (d->frag ? 2 : 1); part++) {
			size_t start = part ? frag1 : 0, n = part ? ulen - frag1 : frag1, i;

			memset(ip, 0, hdr);
			ip[0] = 0x60;
			ip[4] = (uint8_t)((hdr - 40 + n) >> 8);
			ip[5] = (uint8_t)(hdr - 40 + n);
			ip[6] = d->frag ? 44 : IPPROTO_UDP;
			ip[7] = 64;
			memcpy(ip + 8, &d->s6, 16);
			memcpy(ip + 24, &d->d6, 16);
			if (d->frag) {
				uint16_t fo = (uint16_t)(start & ~7u) | (part ? 0 : 1);

				ip[40] = IPPROTO_UDP;
				ip[42] = fo >> 8;
				ip[43] = fo & 0xff;
				ip[46] = ipid >> 8;
				ip[47] = ipid & 0xff;
			}
			for (i = 0; i < n; i++) {
				size_t k = start + i;

				ip[hdr + i] = k < 8 ? udp[k] : d->payload[k - 8];
			}
			if (send_frame(t, f, off + hdr + n))
				return -1;
		}
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_mcast4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t mac_mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

/* One fuzzed datagram of class @c into @d. */
static void fuzz_one(struct target *t, struct dgram *d, enum cls c, uint32_t seq)
{
	bool to_port = rnd() & 1;
	size_t len = STAMP_BASE_LEN;

	memset(d, 0, sizeof(*d) - sizeof(d->payload));
	d->v6 = rnd() & 1;
	d->s4 = t->src4;
	d->d4 = t->dst4;
	d->s6 = t->src6;
	d->d6 = t->dst6;
	d->sport = to_port ? (uint16_t)(20000 + rnd_below(40000)) : STAMP_PORT;
	d->dport = to_port ? STAMP_PORT : (uint16_t)(20000 + rnd_below(40000));
	if (rnd_below(4) == 0)
		len = STAMP_BASE_LEN + 4 + rnd_below(200);
	if (c == C_MAXSIZE)
		len = STAMP_MAX_LEN;
	if (c == C_AUTH && len < STAMP_AUTH_LEN)
		len = STAMP_AUTH_LEN + rnd_below(16);
	if (c == C_TLVHMAC || c == C_TLVLIE)
		len = STAMP_BASE_LEN;
	d->plen = stamp_payload(d->payload, len, !to_port, seq);

	switch (c) {
	case C_VALID:
	case C_MAXSIZE:
		break;
	case C_BADCSUM:
		d->csum = 1;
		break;
	case C_ZEROCSUM:
		d->csum = 2;
		break;
	case C_TRUNC:
		d->plen = rnd_below(STAMP_BASE_LEN);
		break;
	case C_TLVLIE: {
		uint8_t *p = d->payload + STAMP_BASE_LEN;
		uint16_t vlen = (uint16_t)(8 + rnd_below(64));

		p[0] = 0;
		p[1] = (uint8_t)(1 + rnd_below(8));
		p[2] = vlen >> 8;
		p[3] = vlen & 0xff;
		/* fewer value bytes than it says */
		d->plen = STAMP_BASE_LEN + 4 + rnd_below(vlen);
		memset(p + 4, 0xab, d->plen - STAMP_BASE_LEN - 4);
		break;
	}
	case C_TLVHMAC: {
		uint8_t *p = d->payload + STAMP_BASE_LEN;

		p[0] = 0;
		p[1] = STAMP_TLV_HMAC;
		p[2] = 0;
		p[3] = 16;
		memset(p + 4, 0x5a, 16);
		d->plen = STAMP_BASE_LEN + 20;
		break;
	}
	case C_AUTH:
		memset(d->payload + 4, 0, 12);
		memset(d->payload + d->plen - 16, 0x77, 16);	/* HMAC */
		break;
	case C_LOOPED:
		if (to_port)
			memset(d->payload + 16, 0x42, 8);
		break;
	case C_BYTES: {
		unsigned int i, n = 1 + rnd_below(8);

		for (i = 0; i < n; i++)
			d->payload[rnd_below((uint32_t)d->plen)] ^= (uint8_t)(1 + rnd_below(255));
		break;
	}
	case C_UDPSHORT:
		d->udp_len_delta = -(int)(1 + rnd_below(8));
		break;
	case C_UDPLONG:
		d->udp_len_delta = (int)(1 + rnd_below(64));
		break;
	case C_FRAG:
		d->frag = true;
		break;
	case C_MCASTDST:
		inet_pton(AF_INET, "224.0.0.1", &d->d4);
		inet_pton(AF_INET6, "ff02::1", &d->d6);
		d->dmac = d->v6 ? mac_mcast6 : mac_mcast4;
		break;
	case C_BCASTDST:
		if (d->v6) {	/* IPv6 has no broadcast: all-nodes instead */
			inet_pton(AF_INET6, "ff02::1", &d->d6);
			d->dmac = mac_mcast6;
		} else {
			d->d4 = rnd() & 1 ? t->bcast4 : (struct in_addr){ htonl(INADDR_BROADCAST) };
			d->dmac = mac_bcast;
		}
		break;
	case C_LOWPORT:
		if (to_port)
			d->sport = (uint16_t)rnd_below(1024);
		break;
	case C_MCASTSRC:
		inet_pton(AF_INET, "224.1.2.3", &d->s4);
		inet_pton(AF_INET6, "ff0e::1:2:3", &d->s6);
		d->martian = true;
		break;
	case C_N:
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 100000, flood = 0, sent[C_N] = { 0 };
	unsigned long prerouting = 0, localin = 0, v6frag = 0, i;
	char *a4 = NULL, *a6 = NULL, *ifname = NULL, *mac = NULL, *tok;
	static struct dgram d;
	struct target t = { 0 };
	uint64_t seed = 1;
	struct ifreq ifr;
	int opt;

	while ((opt = getopt(argc, argv, "i:M:4:6:s:n:F:q")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'M': mac = optarg; break;
		case '4': a4 = optarg; break;
		case '6': a6 = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 'F': flood = strtoul(optarg, NULL, 0); break;
		case 'q': break;
		default:
			fprintf(stderr, "usage: stampfuzz -i IF -M DSTMAC -4 SRC,DST,BCAST -6 SRC,DST [-s SEED] [-n COUNT] [-F NSOURCES]\n");
			return 2;
		}
	}
	if (!ifname || !mac || !a4 || !a6 || parse_mac(mac, t.dmac)) {
		fprintf(stderr, "stampfuzz: -i, -M, -4 and -6 are required\n");
		return 2;
	}
	tok = strtok(a4, ",");
	if (!tok || inet_pton(AF_INET, tok, &t.src4) != 1 ||
	    !(tok = strtok(NULL, ",")) || inet_pton(AF_INET, tok, &t.dst4) != 1 ||
	    !(tok = strtok(NULL, ",")) || inet_pton(AF_INET, tok, &t.bcast4) != 1) {
		fprintf(stderr, "stampfuzz: -4 SRC,DST,BCAST\n");
		return 2;
	}
	tok = strtok(a6, ",");
	if (!tok || inet_pton(AF_INET6, tok, &t.src6) != 1 ||
	    !(tok = strtok(NULL, ",")) || inet_pton(AF_INET6, tok, &t.dst6) != 1) {
		fprintf(stderr, "stampfuzz: -6 SRC,DST\n");
		return 2;
	}
	t.fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (t.fd < 0) {
		perror("stampfuzz: socket(AF_PACKET)");
		return 2;
	}
	t.ifindex = (int)if_nametoindex(ifname);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!t.ifindex || ioctl(t.fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "stampfuzz: interface %s: %s\n", ifname, strerror(errno));
		return 2;
	}
	memcpy(t.smac, ifr.ifr_hwaddr.sa_data, 6);
	rng = seed;

	if (flood) {
		for (i = 0; i < flood; i++) {
			memset(&d, 0, sizeof(d) - sizeof(d.payload));
			d.s4.s_addr = htonl(0x0a000000u | (uint32_t)((i * 2654435761u) & 0xffffff));
			d.d4 = t.dst4;
			d.sport = (uint16_t)(20000 + (i % 40000));
			d.dport = STAMP_PORT;
			d.plen = stamp_payload(d.payload, STAMP_BASE_LEN, false, (uint32_t)i);
			if (send_dgram(&t, &d))
				return 1;
		}
		printf("{\"sent\": %lu}\n", flood);
		return 0;
	}

	for (i = 0; i < count; i++) {
		enum cls c = (enum cls)rnd_below(C_N);

		/* half of them valid-looking at first sight: more reach deep */
		if (rnd_below(4) == 0)
			c = C_VALID;
		fuzz_one(&t, &d, c, (uint32_t)i);
		if (send_dgram(&t, &d))
			return 1;
		sent[c]++;
		if (d.frag && d.v6)
			v6frag++;
		else if (!d.frag && !(d.martian && d.v6))
			prerouting++;
		if (!d.martian && !(d.frag && d.v6))
			localin++;
	}
	printf("{\"seed\": %llu, \"count\": %lu, \"prerouting\": %lu, \"localin\": %lu, \"v6frag\": %lu, \"classes\": {",
	       (unsigned long long)seed, count, prerouting, localin, v6frag);
	for (i = 0; i < C_N; i++)
		printf("%s\"%s\": %lu", i ? ", " : "", cls_name[i], sent[i]);
	printf("}}\n");
	return 0;
}
