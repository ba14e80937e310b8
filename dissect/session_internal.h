/* What session.c (flows, framing) and content.c (what each record
 * becomes) share.  Not for use outside the dissector. */
#ifndef TLSVIEW_SESSION_INTERNAL_H
#define TLSVIEW_SESSION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/crypto.h"
#include "dissect/record.h"
#include "dissect/session.h"

/* Bytes held for one direction: an incomplete record, or a stretch being
 * searched for the next record header after a gap. */
typedef struct byte_buffer {
    uint8_t *data;
    size_t len, cap;
} byte_buffer;

typedef struct direction_state {
    byte_buffer record;         /* partial record */
    byte_buffer message;        /* partial handshake message (plaintext) */
    uint64_t skip_message;      /* bytes of an oversized message still to drop */
    size_t message_held;        /* the size the message being put together claims (see message_budget) */
    uint64_t stream_offset;     /* bytes of this direction seen so far */
    bool seen_data;
    bool resync;                /* lost bytes: looking for a record header */
    bool protected;             /* records are under encryption */
    unsigned protected_records; /* protected records seen */
    uint16_t record_version;    /* last good record's version */
    int last_message;           /* last handshake type seen, -1 none */
} direction_state;

struct tls_flow {
    dissector *d;
    tls_crypto *crypto;         /* transcript, signatures, and with secrets decryption */
    bool decrypting;            /* keys or a key log were given: records go through crypto */
    const char *open_failure;   /* the record being shown could not be opened: why, else NULL */
    step *keys;                 /* key schedule events of the current crypto call */
    double event_ts;            /* when and which way the current record went */
    direction event_dir;
    char addr[2][CONN_ADDR_MAX];
    uint16_t port[2];
    bool side0_is_client;
    int client_side;            /* -1 until known */
    bool tls, not_tls;
    bool foreign;               /* another shard's connection: numbered, not dissected */
    bool server_hello_done;     /* TLS <= 1.2: the full handshake's server flight ended */
    conn_state *conn;
    size_t open_index;          /* where it sits in dissector.open */
    direction_state dir[2];     /* by direction: DIR_C2S, DIR_S2C */
};

struct dissector {
    const dissect_config *cfg;
    sink *out;
    dissector_stats stats;
    unsigned next_id;
    unsigned limit;
    crypto_cache *cache;        /* TLS <= 1.2 sessions, for resumption */
    unsigned shard, shards;     /* see dissector_set_shard; shards 0: not sharded */
    uint64_t flows_opened;      /* dissector_open calls: the flow's place, the same in every shard */
    const struct shard_sync *sync;   /* sharded: where flows are claimed */
    bool next_claimed;          /* the claim for flow flows_opened is made: */
    bool next_mine;             /* ... and its outcome */
    size_t messages_held;       /* sum of every direction's message_held */
    uint8_t *plain;             /* decrypted record (one at a time) */
    /* Open flows, so that dissector_free can end them. */
    tls_flow **open;
    size_t n_open, cap_open;
};

void *xrealloc(void *p, size_t n);
/* The direction's partial handshake message is done with (whole, skipped
 * or lost): its claim on the budget is given back, and a big buffer too. */
void message_release(dissector *d, direction_state *ds);
void buffer_append(byte_buffer *b, const uint8_t *p, size_t n);
void buffer_consume(byte_buffer *b, size_t n);
/* Room for n bytes in all, exactly (no doubling past it). */
void buffer_reserve(byte_buffer *b, size_t n);
void buffer_free(byte_buffer *b);
bool port_is_tls(const dissector *d, uint16_t port);
void emit(dissector *d, tls_flow *f, step *s);
step *new_step(tls_flow *f, step_kind kind, double ts, direction dir, const char *name);
bool speaks_tls13(const conn_state *c);
void update_outcome(conn_state *c);

/* content.c */
/* One whole record of direction dir (header included). */
void content_record(dissector *d, tls_flow *f, direction dir, const record_header *h,
                    const uint8_t *rec, size_t n, double ts);
/* Bytes that are not TLS, located in the direction's stream. */
void content_malformed(dissector *d, tls_flow *f, direction dir, double ts,
                       const uint8_t *bytes, size_t n, const char *what);
/* Key schedule events collected during a crypto call become one step. */
void content_key_event(void *flow, const char *name, const uint8_t *value, size_t n, const char *explanation);
void content_flush_keys(dissector *d, tls_flow *f);

#endif
