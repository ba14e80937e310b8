/* Master secrets of this capture's TLS <= 1.2 sessions, by session ID and
 * by ticket, so that a connection resuming one later in the capture can
 * be decrypted.  Bounded: the oldest entry goes first.  Zeroised when
 * freed.
 *
 * When several dissectors share a capture file (cli/shard.c: each one has
 * some of the connections), they share one store, and a lookup must see
 * exactly what a single dissector would have seen: every session stored
 * before this point of the capture, whichever dissector stored it, and
 * none stored after.  Positions are counts of the flow table's events,
 * the same in every dissector; shard_sync gives the caller's position and
 * waits for the others to catch up.  (Past `max` entries the oldest may
 * differ from a single dissector's.) */
#ifndef TLSVIEW_SESSIONS_H
#define TLSVIEW_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct session_store session_store;

typedef enum session_kind { SESSION_BY_ID = 1, SESSION_BY_TICKET = 2 } session_kind;

typedef struct session_entry {
    uint8_t master[48];
    uint16_t version, suite;
    unsigned conn;             /* the connection that made it */
} session_entry;

typedef struct shard_sync {
    void *ctx;
    /* Where the calling dissector is in the capture. */
    uint64_t (*position)(void *ctx);
    /* Returns once every other dissector is past the caller's position. */
    void (*wait_for_others)(void *ctx);
    /* Whether the caller dissects the flow that opens `index`-th (0 on):
     * the first dissector to get there takes it, so that a thread that
     * runs faster takes more.  Asked once per flow by every dissector,
     * in order of index. */
    bool (*claim)(void *ctx, uint64_t index);
} shard_sync;

/* max 0: SESSION_STORE_DEFAULT.  `shared`: used from several threads. */
enum { SESSION_STORE_DEFAULT = 4096 };
session_store *session_store_new(size_t max, bool shared);
void session_store_free(session_store *s);

/* key: a session ID (1 to 32 bytes) or a ticket's SHA-256.  sync may be
 * NULL (a single dissector). */
void session_store_put(session_store *s, const shard_sync *sync, session_kind kind, const uint8_t *key,
                       size_t n, const session_entry *e);
bool session_store_get(session_store *s, const shard_sync *sync, session_kind kind, const uint8_t *key,
                       size_t n, session_entry *out);

#endif
