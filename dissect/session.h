/* The dissector: TCP byte streams in, steps out to a sink.  It recognises
 * TLS by content, rebuilds records and handshake messages, keeps each
 * connection's state and decrypts what it has keys for. */
#ifndef TLSVIEW_SESSION_H
#define TLSVIEW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"
#include "dissect/sink.h"

typedef struct dissector dissector;
typedef struct tls_flow tls_flow;

typedef struct dissector_stats {
    uint64_t tls_connections;     /* recognised as TLS */
    uint64_t non_tls;             /* flows whose bytes are not TLS */
    uint64_t records;
    uint64_t malformed_records;
    uint64_t handshake_messages;
    uint64_t oversized_messages;  /* over cfg->max_message: skipped */
    uint64_t gaps;
    uint64_t ended;               /* TLS connections closed */
} dissector_stats;

dissector *dissector_new(const dissect_config *cfg, sink *out);
/* Ends every open connection (as "end of capture") and frees. */
void dissector_free(dissector *d);
const dissector_stats *dissector_get_stats(const dissector *d);

/* Stop taking new connections once `n` have been recognised (0: no limit). */
void dissector_set_connection_limit(dissector *d, unsigned n);

/* Sharded reading (cli/shard.c): `count` dissectors read the same capture,
 * each one dissecting the flows it claims through sync->claim (by their
 * place in the order of openings, the same in every flow table) and only
 * numbering the others, so that every connection gets the number one
 * dissector would give it.  Their flow tables must see the same
 * events: the data of another shard's connection is accepted and dropped.
 * Sessions for resumption go to the shared store, reached through sync
 * (see sessions.h).  Call before the first flow. */
struct session_store;
struct shard_sync;
void dissector_set_shard(dissector *d, unsigned index, unsigned count, struct session_store *sessions,
                         const struct shard_sync *sync);

/* Whether the next flow dissector_open is given is dissected here rather
 * than only numbered for another shard (always, unsharded): the caller
 * may skip naming the ends of the others. */
bool dissector_next_flow_is_mine(dissector *d);

/* The TCP side of a flow.  `side0` / `side1` are "ip:port" texts, the
 * ports are given apart for the port hints. */
tls_flow *dissector_open(dissector *d, const char *side0, const char *side1,
                         uint16_t port0, uint16_t port1, bool side0_is_client, double ts);
/* Returns false once the flow is known not to be TLS (or is ignored). */
bool dissector_data(dissector *d, tls_flow *f, int side, const uint8_t *bytes, size_t len, double ts);
void dissector_gap(dissector *d, tls_flow *f, int side, uint64_t missing, double ts);
void dissector_anomaly(dissector *d, tls_flow *f, int side, const char *what, double ts);
void dissector_close(dissector *d, tls_flow *f, const char *why, double ts);

/* Whether the first bytes of a stream look like the start of TLS: a record
 * header of a known type and version, or an SSLv2-compatible ClientHello.
 * 1 yes, 0 no, -1 not enough bytes to tell. */
int tls_stream_start_looks_like_tls(const uint8_t *bytes, size_t len);

#endif
