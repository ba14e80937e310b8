/* The TLS record layer's framing: recognising record headers (and the
 * SSLv2-compatible ClientHello), sizing records, finding the next record
 * after a gap.  Pure functions over bytes; the session keeps the state. */
#ifndef TLSVIEW_RECORD_H
#define TLSVIEW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TLS_RECORD_HEADER = 5,
    /* RFC 5246 6.2.3: ciphertext may exceed 2^14 by 2048 bytes. */
    TLS_MAX_CIPHERTEXT = (1 << 14) + 2048,
    TLS_MAX_PLAINTEXT = 1 << 14,
};

enum {
    CT_CHANGE_CIPHER_SPEC = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPLICATION_DATA = 23,
    CT_HEARTBEAT = 24,
};

typedef enum record_verdict {
    RECORD_NEED_MORE,      /* not enough bytes to decide */
    RECORD_OK,             /* a TLS record header */
    RECORD_SSLV2_HELLO,    /* an SSLv2-compatible ClientHello */
    RECORD_BAD,            /* not a record header we accept */
} record_verdict;

typedef struct record_header {
    uint8_t type;          /* content type (1 for the SSLv2 ClientHello) */
    uint16_t version;
    size_t header_len;     /* 5, or 2 for SSLv2 */
    size_t body_len;
    const char *problem;   /* RECORD_BAD: why, in words */
} record_header;

/* Examines the bytes at the start of buf.  `allow_sslv2` only for the very
 * first bytes a client sends. */
record_verdict record_header_parse(const uint8_t *buf, size_t len, bool allow_sslv2, record_header *h);

/* After lost bytes: the offset of the first position in buf[0..len) where a
 * believable record header starts (its version equal to `version` when
 * that is non-zero; when the buffer holds the next header too, it must be
 * believable as well), or len when none.  Positions too close to the end
 * to judge are not skipped: the result is then at most len - 4. */
size_t record_resync(const uint8_t *buf, size_t len, uint16_t version);

#endif
