/* capture/: packets in, TCP byte streams out.  Knows nothing about TLS.
 *
 * A capture source (file, stdin or live interface) feeds decoded packets
 * to a flow table, which reassembles each direction of each TCP
 * connection and reports what it sees to a stream_handler. */
#ifndef TLSVIEW_CAPTURE_H
#define TLSVIEW_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct endpoint {
    uint8_t family;      /* 4 or 6 */
    uint8_t addr[16];    /* IPv4 in the first 4 bytes */
    uint16_t port;
} endpoint;

enum { ENDPOINT_TEXT_MAX = 56 };
/* "192.0.2.1:443" or "[2001:db8::1]:443" */
void endpoint_format(const endpoint *e, char *buf, size_t n);

/* What the flow table tells its user.  Side 0 is the client when
 * `side0_is_client` (it sent the SYN without ACK, or received the first
 * SYN-ACK seen), otherwise simply the source of the first packet seen; the
 * user may decide the roles from the content.  `side` in the callbacks is
 * 0 for bytes sent by side0, 1 for bytes sent by side1.
 *
 * Any callback may be NULL.  Callbacks must not call back into the flow
 * table or the capture.  `ts` is the time of the packet that caused the
 * call (for idle, evicted and end of capture: the current capture time).
 * For one flow the calls come in stream order: open, then data / gap /
 * anomaly for either side, then exactly one close (never for an ignored
 * flow).  After data returns false the flow gets no more data, gap or
 * anomaly calls, but still its close. */
typedef struct stream_handler {
    void *ctx;
    /* A new TCP connection.  Returns the user's per-flow state, or NULL to
     * ignore the flow (it is still tracked so that it is not re-opened). */
    void *(*open)(void *ctx, const endpoint *side0, const endpoint *side1,
                  bool side0_is_client, double ts);
    /* In-order bytes of one direction.  Returns false when the user wants
     * no more data from this flow (e.g. it is not TLS). */
    bool (*data)(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts);
    /* `missing` bytes of one direction were never captured; data resumes
     * after them. */
    void (*gap)(void *ctx, void *flow, int side, uint64_t missing, double ts);
    /* Something odd but survivable: a conflicting retransmission, a
     * truncated segment, a buffer limit.  `what` is a short sentence. */
    void (*anomaly)(void *ctx, void *flow, int side, const char *what, double ts);
    /* The connection ended: "fin" (both FINs seen and everything before
     * them delivered), "rst", "idle", "evicted" (max_flows), "end of
     * capture", or "reused" (a new SYN on the same addresses and ports
     * replaced a connection whose end was not captured).  Holes still open
     * are reported as gaps and held-back data delivered before this. */
    void (*close)(void *ctx, void *flow, const char *why, double ts);
} stream_handler;

/* A zero field takes its default. */
typedef struct flow_limits {
    unsigned max_flows;            /* concurrent flows; the least recently used is evicted */
    double idle_timeout;           /* seconds without a packet before a flow is closed; <0: never */
    size_t max_buffered;           /* out-of-order bytes held per direction */
} flow_limits;

#define FLOW_LIMITS_DEFAULT { 65536, 600.0, 4u << 20 }

typedef struct capture_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t truncated;            /* cut by the snaplen: headers (DECODE_TRUNCATED) or TCP payload */
    uint64_t undecodable;          /* link type or header we cannot read (unsupported, malformed) */
    uint64_t non_tcp;
    uint64_t fragments;            /* IP fragments (not reassembled) */
    uint64_t flows;                /* TCP connections seen */
    uint64_t flows_ignored;        /* flows the handler declined */
    uint64_t evicted;              /* closed because of max_flows */
    uint64_t idle_closed;
    uint64_t out_of_order;         /* segments buffered ahead of a hole */
    uint64_t retransmitted;        /* segments wholly seen before */
    uint64_t conflicting;          /* overlaps whose bytes differ */
    uint64_t gaps;                 /* holes given up on, and payload cut by the snaplen */
    uint64_t gap_bytes;
    uint64_t buffer_limit_hits;
    uint64_t kernel_received;      /* live only */
    uint64_t kernel_dropped;
    uint64_t interface_dropped;
    bool live;
} capture_stats;

/* ---- Packet decoding (link, IP, TCP), usable on its own. ---- */

typedef struct tcp_segment {
    endpoint src, dst;
    uint32_t seq, ack;
    uint8_t flags;                 /* TCP_FIN ... */
    const uint8_t *payload;
    size_t payload_len;            /* bytes present */
    size_t payload_wire_len;       /* bytes on the wire (> present when truncated) */
} tcp_segment;

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

typedef enum decode_result {
    DECODE_TCP,                    /* *seg is filled */
    DECODE_NOT_TCP,
    DECODE_FRAGMENT,
    DECODE_TRUNCATED,              /* headers cut short by the snaplen */
    DECODE_UNSUPPORTED,            /* link type or header we do not read */
    DECODE_MALFORMED,
} decode_result;

/* Decodes one packet of DLT `linktype` (LINKTYPE_* numbers as pcap files
 * store them: 0, 1, 12, 101, 108, 113, 228, 229, 276). caplen bytes are
 * present, wirelen were on the wire.  Link-layer padding after the IP
 * datagram is dropped.  DECODE_FRAGMENT and DECODE_NOT_TCP fill the
 * addresses (not the ports) when the IP header was read. */
decode_result decode_packet(int linktype, const uint8_t *data, size_t caplen, size_t wirelen,
                            tcp_segment *seg);
/* Whether decode_packet knows this DLT. */
bool linktype_supported(int linktype);

/* ---- The flow table: TCP connections and their reassembly. ---- */

typedef struct flow_table flow_table;
flow_table *flow_table_new(const flow_limits *limits, const stream_handler *h, capture_stats *stats);
void flow_table_segment(flow_table *t, const tcp_segment *seg, double ts);
/* Closes ("idle") flows whose last packet is older than now - idle_timeout,
 * and forgets connections that ended a while ago. Called as time advances. */
void flow_table_expire(flow_table *t, double now);
/* Ends every flow ("end of capture") and frees the table. */
void flow_table_free(flow_table *t, double now);
/* Connections open now (not counting ended ones kept to absorb stragglers). */
size_t flow_table_count(const flow_table *t);

/* ---- Capture sources. ---- */

typedef struct capture_options {
    const char *file;              /* -r: pcap/pcapng, "-" for stdin */
    const char *iface;             /* -i: live */
    const char *filter;            /* BPF expression or NULL */
    int snaplen;                   /* 0: default (262144) */
    int buffer_kib;                /* 0: libpcap's default */
    flow_limits limits;
    bool nonblocking;              /* live: capture_step returns as soon as nothing is ready */
} capture_options;

typedef struct capture capture;

/* Opens the source.  On failure returns NULL and writes one line (no
 * newline) to err naming the problem and the fix. */
capture *capture_open(const capture_options *o, const stream_handler *h, char *err, size_t errlen);
/* Reads and dispatches up to max_packets packets (0: until the end or
 * *stop).  Returns 1 while more may come, 0 at the end of input, -1 on a
 * read error (message in err).  Live captures with max_packets > 0 also
 * return 1 once the packets ready now are read, or after waiting 100 ms
 * for one; with `nonblocking` as soon as no packet is ready (poll
 * capture_fd() and call again).  A signal ends the wait, so a handler that
 * sets *stop makes capture_step return 1 promptly. */
int capture_step(capture *c, int max_packets, volatile sig_atomic_t *stop, char *err, size_t errlen);
/* A descriptor to poll for live captures, -1 for files. */
int capture_fd(const capture *c);
void capture_get_stats(capture *c, capture_stats *out);
/* The LINKTYPE of the source (see decode_packet). */
int capture_linktype(const capture *c);
/* Ends all flows now ("end of capture"), so that capture_get_stats counts
 * the final gaps; capture_close does it when it was not done. */
void capture_finish(capture *c);
/* Ends all flows and closes the source. */
void capture_close(capture *c);
/* -D: prints the interfaces, numbered as tcpdump does. 0 ok, 1 error. */
int capture_list_interfaces(FILE *out, char *err, size_t errlen);

#endif
