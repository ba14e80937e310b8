#include "dissect/prescan.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>

#include "dissect/cursor.h"
#include "dissect/names.h"
#include "dissect/record.h"

enum {
    MESSAGE_HEADER = 4,
    HELLO_KEEP = 2 + 32 + 1 + 32 + 2,         /* a ServerHello up to its cipher suite, at most */
    EXCHANGE_KEEP = 2 + MBEDTLS_MPI_MAX_SIZE, /* a ClientKeyExchange with an RSA block */
};

typedef struct scan_dir {
    bool done;                     /* nothing more of interest can come */
    bool first_seen;               /* the first record header was read */
    uint8_t header[TLS_RECORD_HEADER];
    size_t header_have;
    bool in_record;
    uint8_t record_type;
    size_t record_left;
    uint8_t msg_header[MESSAGE_HEADER];
    size_t msg_header_have;
    bool in_message;
    uint8_t msg_type;
    size_t msg_left;
    uint8_t *kept;                 /* the start of a message of interest */
    size_t kept_have, kept_cap;
} scan_dir;

struct prescan_flow {
    scan_dir dir[2];
    bool rsa_exchange;             /* the ServerHello chose RSA key exchange */
};

prescan_flow *prescan_open(void)
{
    return calloc(1, sizeof(prescan_flow));
}

void prescan_close(prescan_flow *f)
{
    if (!f) return;
    for (int i = 0; i < 2; i++) free(f->dir[i].kept);
    free(f);
}

/* Reads a record header (record.c judges it); an SSL 2.0 hello, allowed
 * only first, is skipped whole: its own header is two bytes long. */
static void start_record(scan_dir *d)
{
    record_header h;
    record_verdict v = record_header_parse(d->header, TLS_RECORD_HEADER, !d->first_seen, &h);
    d->first_seen = true;
    if (v != RECORD_OK && v != RECORD_SSLV2_HELLO) {
        d->done = true;   /* not TLS, or out of step: the dissector will say */
        return;
    }
    d->in_record = true;
    d->record_type = v == RECORD_OK ? h.type : 0;
    d->record_left = h.header_len + h.body_len - TLS_RECORD_HEADER;
}

/* Adds bytes of c to a header being collected; true once it is whole. */
static bool collect(cursor *c, uint8_t *header, size_t *have, size_t want)
{
    size_t n = want - *have;
    if (n > cur_left(c)) n = cur_left(c);
    cur_copy(c, header + *have, n);
    *have += n;
    return *have == want;
}

static void submit_exchange(const scan_dir *d, keyring *kr, uint64_t tag)
{
    cursor c = cur_make(d->kept, d->kept_have), block;
    uint16_t n;
    /* TLS puts a length before the RSA block; SSL 3.0 does not. */
    if (cur_peek_u16(&c, 0, &n) && (size_t)n + 2 == d->kept_have && cur_block(&c, 2, &block)) c = block;
    const uint8_t *enc;
    size_t len = cur_left(&c);
    if (cur_bytes(&c, len, &enc)) keyring_prefetch_pms(kr, enc, len, tag);
}

static void read_suite(prescan_flow *f, const scan_dir *d)
{
    cursor c = cur_make(d->kept, d->kept_have), session_id;
    uint16_t suite;
    tls_suite_info info;
    if (cur_skip(&c, 2 + 32) && cur_block(&c, 1, &session_id) && cur_u16(&c, &suite))
        f->rsa_exchange = tls_suite_info_get(suite, &info) && info.kx == KX_RSA;
}

static void end_message(prescan_flow *f, scan_dir *d, keyring *kr, uint64_t tag)
{
    if (d->kept && d->kept_have == d->kept_cap) {
        if (d->msg_type == HT_SERVER_HELLO) {
            read_suite(f, d);
            /* Any other key exchange needs no private key operation. */
            if (!f->rsa_exchange) f->dir[0].done = f->dir[1].done = true;
        }
        else if (f->rsa_exchange) submit_exchange(d, kr, tag);
    }
    free(d->kept);
    d->kept = NULL;
    d->kept_have = d->kept_cap = 0;
    d->in_message = false;
}

static void start_message(scan_dir *d)
{
    cursor h = cur_make(d->msg_header, MESSAGE_HEADER);
    uint8_t type = 0;
    uint32_t len = 0;
    cur_u8(&h, &type);
    cur_u24(&h, &len);
    d->in_message = true;
    d->msg_type = type;
    d->msg_left = len;
    size_t keep = 0;
    if (type == HT_SERVER_HELLO) keep = len < HELLO_KEEP ? len : HELLO_KEEP;
    else if (type == HT_CLIENT_KEY_EXCHANGE && len <= EXCHANGE_KEEP) keep = len;
    if (keep) {
        d->kept = malloc(keep);
        d->kept_cap = d->kept ? keep : 0;
    }
}

static void handshake_bytes(prescan_flow *f, scan_dir *d, keyring *kr, cursor *part, uint64_t tag)
{
    while (!cur_empty(part)) {
        if (!d->in_message) {
            if (!collect(part, d->msg_header, &d->msg_header_have, MESSAGE_HEADER)) return;
            d->msg_header_have = 0;
            start_message(d);
            if (d->msg_left == 0) end_message(f, d, kr, tag);
            continue;
        }
        size_t n = d->msg_left < cur_left(part) ? d->msg_left : cur_left(part);
        const uint8_t *p;
        cur_bytes(part, n, &p);
        size_t room = d->kept_cap - d->kept_have;
        if (d->kept && room) {
            size_t take = n < room ? n : room;
            memcpy(d->kept + d->kept_have, p, take);
            d->kept_have += take;
        }
        d->msg_left -= n;
        if (d->msg_left == 0) end_message(f, d, kr, tag);
    }
}

static void scan(prescan_flow *f, scan_dir *d, keyring *kr, cursor *c, uint64_t tag)
{
    while (!d->done && !cur_empty(c)) {
        if (!d->in_record) {
            if (!collect(c, d->header, &d->header_have, TLS_RECORD_HEADER)) return;
            d->header_have = 0;
            start_record(d);
            continue;
        }
        size_t n = d->record_left < cur_left(c) ? d->record_left : cur_left(c);
        cursor part;
        cur_sub(c, n, &part);
        d->record_left -= n;
        if (d->record_type == CT_HANDSHAKE) handshake_bytes(f, d, kr, &part, tag);
        /* After a ChangeCipherSpec, or once protected records flow, the
         * handshake of this direction is hidden. */
        if (d->record_type == CT_APPLICATION_DATA) d->done = true;
        if (d->record_left == 0) {
            d->in_record = false;
            if (d->record_type == CT_CHANGE_CIPHER_SPEC) d->done = true;
        }
    }
}

bool prescan_data(prescan_flow *f, keyring *kr, int side, const uint8_t *bytes, size_t len, uint64_t tag)
{
    if (!f || side < 0 || side > 1) return false;
    cursor c = cur_make(bytes, len);
    scan(f, &f->dir[side], kr, &c, tag);
    if (f->dir[side].done) {
        free(f->dir[side].kept);
        f->dir[side].kept = NULL;
        f->dir[side].kept_have = f->dir[side].kept_cap = 0;
    }
    return !(f->dir[0].done && f->dir[1].done);
}
