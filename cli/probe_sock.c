// SPDX-License-Identifier: GPL-2.0
/*
 * A STAMP Session-Sender's socket (probe_session.c sends and receives on
 * it): resolved, bound, connected, its options, and how the replies'
 * receive times are had.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/net_tstamp.h>

#include "common.h"
#include "probe.h"

#ifndef SO_TIMESTAMPING
#define SO_TIMESTAMPING 37
#endif

/*
 * How the replies' receive times are had. With the module loaded, it
 * stamps them itself (UDP of the STAMP ports only, kmod/rx.c), and the
 * socket only asks to be told of a stamp (SOF_TIMESTAMPING_SOFTWARE),
 * which costs nothing. Asking the stack to stamp (..._RX_SOFTWARE) turns
 * its receive timestamping on for every packet on the host, as long as
 * the socket lives: that is left to when the module is not there. A reply
 * that has no stamp is timed at its recvmsg().
 */
int probe_tsflags(void)
{
	if (access("/sys/module/snapfire", F_OK) == 0)
		return SOF_TIMESTAMPING_SOFTWARE;
	return SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
}

void probe_set_tsflags(struct probe *p, int tsflags)
{
	if (p->fd < 0 || p->tsflags == tsflags)
		return;
	if (!setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPING, &tsflags, sizeof(tsflags)))
		p->tsflags = tsflags;
}

int probe_open(struct probe *p, int family, uint64_t sport, int dscp)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP }, *res, *ai;
	char port[8];
	int one = 1, err, fd = -1, tsflags = probe_tsflags();

	snprintf(port, sizeof(port), "%u", p->port);
	err = getaddrinfo(p->dest, port, &hints, &res);
	if (err) {
		errmsg("probe: cannot resolve '%s': %s", p->dest, gai_strerror(err));
		return EXIT_FAIL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
		if (fd < 0)
			continue;
		if (sport) {
			struct sockaddr_storage ss = { 0 };
			socklen_t sl;

			if (ai->ai_family == AF_INET6) {
				struct sockaddr_in6 *s6 = (void *)&ss;

				s6->sin6_family = AF_INET6;
				s6->sin6_port = htons((uint16_t)sport);
				sl = sizeof(*s6);
			} else {
				struct sockaddr_in *s4 = (void *)&ss;

				s4->sin_family = AF_INET;
				s4->sin_port = htons((uint16_t)sport);
				sl = sizeof(*s4);
			}
			if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
				errmsg("probe: cannot bind local port %" PRIu64 ": %s",
				       sport, strerror(errno));
				close(fd);
				freeaddrinfo(res);
				return EXIT_FAIL;
			}
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		errmsg("probe: cannot reach %s port %u: %s", p->dest, p->port,
		       strerror(errno));
		freeaddrinfo(res);
		return EXIT_FAIL;
	}
	if (ai->ai_family == AF_INET6) {
		int mtu = 0;
		socklen_t ml = sizeof(mtu);

		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			  p->addr, sizeof(p->addr));
		/*
		 * Never in fragments: IPv6 reassembles after the netfilter
		 * hook where snapfire sees a datagram arrive, so a reflector's
		 * module would never see the probe (nor a sender's the reply).
		 * Too long for the path: refused here, or by send() once a
		 * Packet Too Big lowers the path's MTU.
		 */
		setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof(one));
		if (!getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &ml) &&
		    mtu > PROBE_IP6_OVERHEAD &&
		    p->size > (size_t)(mtu - PROBE_IP6_OVERHEAD)) {
			if (!p->quiet)	/* the agent says it its own way */
				errmsg("probe: a %zu-byte probe does not fit the path's MTU to %s (%d bytes, %d of them UDP payload): IPv6 probes are not sent in fragments (the kernel reassembles IPv6 past the point where snapfire times and answers probes); use -s %d or less",
				       p->size, p->addr, mtu, mtu - PROBE_IP6_OVERHEAD,
				       mtu - PROBE_IP6_OVERHEAD);
			close(fd);
			freeaddrinfo(res);
			errno = EMSGSIZE;	/* the agent's reason */
			return EXIT_FAIL;
		}
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		if (dscp >= 0) {
			int tc = dscp << 2;

			setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc));
		}
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
			  p->addr, sizeof(p->addr));
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		if (dscp >= 0) {
			int tos = dscp << 2;

			setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		}
	}
	p->tsflags = setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &tsflags,
				sizeof(tsflags)) ? -1 : tsflags;
	freeaddrinfo(res);
	p->fd = fd;
	return 0;
}
