#include "dissect/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/cursor.h"
#include "dissect/handshake.h"
#include "dissect/names.h"
#include "dissect/record.h"

/* Ports on which TLS is expected even when a capture starts in the middle
 * of a connection and the first bytes are not a record boundary. */
static const uint16_t default_tls_ports[] = {
    443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 5223, 8443,
};

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
    uint64_t stream_offset;     /* bytes of this direction seen so far */
    bool seen_data;
    bool resync;                /* lost bytes: looking for a record header */
    bool protected;             /* records are under encryption */
    unsigned protected_records; /* protected records seen */
    uint16_t record_version;    /* last good record's version */
    int last_message;           /* last handshake type seen, -1 none */
} direction_state;

struct tls_flow {
    char addr[2][CONN_ADDR_MAX];
    uint16_t port[2];
    bool side0_is_client;
    int client_side;            /* -1 until known */
    bool tls, not_tls;
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
    /* Open flows, so that dissector_free can end them. */
    tls_flow **open;
    size_t n_open, cap_open;
};

/* ---- small helpers ---- */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

static void buffer_append(byte_buffer *b, const uint8_t *p, size_t n)
{
    if (!n) return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buffer_consume(byte_buffer *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    /* Give back a large buffer once it drained: memory stays flat. */
    if (b->len == 0 && b->cap > 65536) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

static void buffer_free(byte_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static bool port_is_tls(const dissector *d, uint16_t port)
{
    for (size_t i = 0; i < sizeof default_tls_ports / sizeof default_tls_ports[0]; i++)
        if (default_tls_ports[i] == port) return true;
    for (size_t i = 0; i < d->cfg->n_tls_ports; i++)
        if (d->cfg->tls_ports[i] == port) return true;
    return false;
}

static void emit(dissector *d, tls_flow *f, step *s)
{
    if (s->malformed) f->conn->malformed = true;
    d->out->step(d->out, f->conn, s);
}

static step *new_step(tls_flow *f, step_kind kind, double ts, direction dir, const char *name)
{
    return step_new(kind, f->conn->id, ts, dir, name);
}

/* Whether the connection speaks TLS 1.3: negotiated, or offered by the
 * client while the server has not answered yet (0-RTT, or a capture whose
 * packets cross). */
static bool speaks_tls13(const conn_state *c)
{
    if (c->version) return c->version == 0x0304;
    for (unsigned i = 0; i < c->n_offered_versions; i++)
        if (c->offered_versions[i] == 0x0304) return true;
    return false;
}

static void update_outcome(conn_state *c)
{
    if (c->outcome == HS_INCOMPLETE && c->client_finished && c->server_finished)
        c->outcome = HS_COMPLETE;
}

/* ---- connection start: is it TLS, and who is the client ---- */

int tls_stream_start_looks_like_tls(const uint8_t *bytes, size_t len)
{
    record_header h;
    switch (record_header_parse(bytes, len, true, &h)) {
    case RECORD_NEED_MORE: return -1;
    case RECORD_SSLV2_HELLO: return 1;
    case RECORD_BAD: return 0;
    case RECORD_OK: break;
    }
    /* A connection starts with a handshake (or, mid-stream, any record);
     * a zero-length handshake record is not how anyone starts. */
    return h.body_len > 0 || h.type == CT_APPLICATION_DATA;
}

/* The handshake type in the first record of a side, or -1. */
static int first_message_type(const uint8_t *bytes, size_t len)
{
    record_header h;
    record_verdict v = record_header_parse(bytes, len, true, &h);
    if (v == RECORD_SSLV2_HELLO) return 1;
    if (v != RECORD_OK || h.type != CT_HANDSHAKE) return -1;
    cursor c = cur_make(bytes, len);
    uint8_t t;
    if (!cur_skip(&c, TLS_RECORD_HEADER) || !cur_u8(&c, &t)) return -1;
    return t;
}

static void start_connection(dissector *d, tls_flow *f, int side, const uint8_t *bytes, size_t len,
                             double ts, bool mid_stream)
{
    if (f->side0_is_client) {
        f->client_side = 0;
    } else {
        int t = mid_stream ? -1 : first_message_type(bytes, len);
        if (t == 1) f->client_side = side;
        else if (t == 2) f->client_side = !side;
        else if (port_is_tls(d, f->port[0]) != port_is_tls(d, f->port[1]))
            f->client_side = port_is_tls(d, f->port[0]) ? 1 : 0;
        else
            f->client_side = f->port[0] > f->port[1] ? 0 : 1;
    }
    conn_state *c = calloc(1, sizeof(*c));
    if (!c) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    c->cfg = d->cfg;
    c->id = ++d->next_id;
    memcpy(c->client, f->addr[f->client_side], CONN_ADDR_MAX);
    memcpy(c->server, f->addr[!f->client_side], CONN_ADDR_MAX);
    c->first_ts = c->last_ts = ts;
    c->decryption = DEC_NO_SECRETS;
    f->conn = c;
    f->tls = true;
    for (int i = 0; i < 2; i++) {
        f->dir[i].last_message = -1;
        f->dir[i].resync = mid_stream;
        /* Joining mid-stream, the handshake is most likely over. */
        f->dir[i].protected = mid_stream;
    }
    if (mid_stream) conn_note(c, "The capture starts in the middle of this connection: its beginning is missing.");
    d->stats.tls_connections++;
    d->out->conn_open(d->out, c);
}

/* ---- records ---- */

static void malformed_step(dissector *d, tls_flow *f, direction dir, double ts,
                           const uint8_t *bytes, size_t n, const char *what)
{
    step *s = new_step(f, STEP_MALFORMED, ts, dir, "malformed");
    step_set_bytes(s, bytes, n);
    field_malformed(s, NULL, 0, n, "%s at byte %llu of the %s stream", what,
                    (unsigned long long)f->dir[dir].stream_offset,
                    dir == DIR_C2S ? "client's" : "server's");
    step_narrate(s, "These %zu bytes are not valid TLS (%s); tlsview skips ahead to the next record it recognises.",
                 n, what);
    emit(d, f, s);
}

static void handshake_message(dissector *d, tls_flow *f, direction dir, const uint8_t *msg, size_t n,
                              bool encrypted, double ts)
{
    conn_state *c = f->conn;
    cursor cur = cur_make(msg, n);
    uint8_t type;
    uint32_t length;
    cur_u8(&cur, &type);
    cur_u24(&cur, &length);
    const char *name = tls_handshake_type_name(type);
    step *s = new_step(f, STEP_HANDSHAKE, ts, dir, name ? name : "unknown_handshake");
    s->msg_type = type;
    s->length = length;
    s->content_type = CT_HANDSHAKE;
    s->encrypted = encrypted;
    s->decrypted = encrypted;
    step_set_bytes(s, msg, n);
    handshake_decode(c, s);
    d->stats.handshake_messages++;
    f->dir[dir].last_message = type;
    if (type == 14) f->server_hello_done = true;
    update_outcome(c);
    emit(d, f, s);
}

/* Feeds plaintext handshake bytes; emits each message once it is whole. */
static void handshake_bytes(dissector *d, tls_flow *f, direction dir, const uint8_t *bytes, size_t n,
                            bool encrypted, double ts)
{
    direction_state *ds = &f->dir[dir];
    cursor c = cur_make(bytes, n);
    while (!cur_empty(&c)) {
        if (ds->skip_message) {
            size_t k = cur_left(&c) < ds->skip_message ? cur_left(&c) : (size_t)ds->skip_message;
            cur_skip(&c, k);
            ds->skip_message -= k;
            continue;
        }
        if (ds->message.len == 0) {
            /* Whole messages straight from the record, no copy. */
            uint8_t type;
            uint16_t hi;
            uint8_t lo;
            if (cur_peek_u8(&c, 0, &type) && cur_peek_u16(&c, 1, &hi) && cur_peek_u8(&c, 3, &lo)) {
                size_t len = ((size_t)hi << 8) | lo;
                if (len > d->cfg->max_message) {
                    step *s = new_step(f, STEP_MALFORMED, ts, dir, "oversized_message");
                    const char *name = tls_handshake_type_name(type);
                    field_malformed(s, NULL, 0, 0, "%s message of %zu bytes is over the %zu-byte limit (--max-message); skipped",
                                    name ? name : "handshake", len, d->cfg->max_message);
                    step_narrate(s, "A handshake message claims %zu bytes, more than tlsview accepts; it is skipped.", len);
                    emit(d, f, s);
                    d->stats.oversized_messages++;
                    cur_skip(&c, 4);
                    ds->skip_message = len;
                    continue;
                }
                const uint8_t *msg;
                if (cur_bytes(&c, 4 + len, &msg)) {
                    handshake_message(d, f, dir, msg, 4 + len, encrypted, ts);
                    continue;
                }
            }
            const uint8_t *rest;
            size_t k;
            cur_skip_rest(&c, &rest, &k);
            buffer_append(&ds->message, rest, k);
            break;
        }
        /* Complete the message in the buffer: first its header, then its body. */
        size_t need = 4;
        if (ds->message.len >= 4) {
            cursor h = cur_make(ds->message.data, ds->message.len);
            uint32_t len;
            cur_skip(&h, 1);
            cur_u24(&h, &len);
            need = 4 + (size_t)len;
        }
        size_t take = need - ds->message.len;
        if (take > cur_left(&c)) take = cur_left(&c);
        const uint8_t *part;
        cur_bytes(&c, take, &part);
        buffer_append(&ds->message, part, take);
        if (ds->message.len == 4) {
            /* Header just completed: check the size before buffering a body. */
            cursor h = cur_make(ds->message.data, 4);
            uint8_t type;
            uint32_t len;
            cur_u8(&h, &type);
            cur_u24(&h, &len);
            if (len > d->cfg->max_message) {
                step *s = new_step(f, STEP_MALFORMED, ts, dir, "oversized_message");
                field_malformed(s, NULL, 0, 0, "handshake message of %u bytes is over the %zu-byte limit (--max-message); skipped",
                                len, d->cfg->max_message);
                emit(d, f, s);
                d->stats.oversized_messages++;
                ds->message.len = 0;
                ds->skip_message = len;
                continue;
            }
        }
        if (ds->message.len >= 4) {
            cursor h = cur_make(ds->message.data, ds->message.len);
            uint32_t len;
            cur_skip(&h, 1);
            cur_u24(&h, &len);
            if (ds->message.len == 4 + (size_t)len) {
                handshake_message(d, f, dir, ds->message.data, ds->message.len, encrypted, ts);
                buffer_consume(&ds->message, ds->message.len);
            }
        }
    }
}

static void change_cipher_spec(dissector *d, tls_flow *f, direction dir, const uint8_t *body, size_t n,
                               double ts)
{
    conn_state *c = f->conn;
    step *s = new_step(f, STEP_CHANGE_CIPHER_SPEC, ts, dir, "change_cipher_spec");
    s->content_type = CT_CHANGE_CIPHER_SPEC;
    s->length = (uint32_t)n;
    step_set_bytes(s, body, n);
    cursor cur = cur_make(s->bytes, n);
    uint8_t v;
    if (cur_u8(&cur, &v)) {
        field_uint(s, NULL, "type", 0, 1, v);
        if (v != 1) field_malformed(s, NULL, 0, 1, "ChangeCipherSpec value %u (expected 1)", v);
    }
    if (n != 1) field_malformed(s, NULL, 0, n, "ChangeCipherSpec of %zu bytes (expected 1)", n);
    bool tls13 = speaks_tls13(c);
    field_bool(s, NULL, "middlebox_compatibility", 0, n, tls13);
    if (dir == DIR_C2S) c->client_ccs = true;
    else c->server_ccs = true;
    if (!tls13) {
        f->dir[dir].protected = true;
        /* A server that answers its hello with ChangeCipherSpec, without a
         * certificate and key exchange, is resuming a session. */
        if (dir == DIR_S2C && !f->server_hello_done && c->server_hello_seen) c->resumed = true;
    }
    narrate_change_cipher_spec(c, s);
    emit(d, f, s);
}

static void alert(dissector *d, tls_flow *f, direction dir, const uint8_t *body, size_t n,
                  bool encrypted, bool readable, double ts)
{
    conn_state *c = f->conn;
    step *s = new_step(f, STEP_ALERT, ts, dir, "alert");
    s->content_type = CT_ALERT;
    s->length = (uint32_t)n;
    s->encrypted = encrypted;
    s->decrypted = encrypted && readable;
    step_set_bytes(s, body, n);
    if (!readable) {
        /* Without keys the alert is opaque; after the handshake it is most
         * likely close_notify, before it an error. */
        field_uint(s, NULL, "encrypted_length", 0, n, n);
        step_summarize(s, "encrypted alert, %zu bytes", n);
        if (c->outcome == HS_INCOMPLETE) {
            c->outcome = HS_FAILED;
            conn_note(c, "An encrypted alert ended the handshake.");
        }
        narrate_alert(c, s, 0, 255);
        emit(d, f, s);
        return;
    }
    cursor cur = cur_make(s->bytes, n);
    uint8_t level, desc;
    if (!cur_u8(&cur, &level) || !cur_u8(&cur, &desc)) {
        field_malformed(s, NULL, 0, n, "alert of %zu bytes (expected 2)", n);
        emit(d, f, s);
        return;
    }
    field_code(s, NULL, "level", 0, 1, level, 2, tls_alert_level_name(level));
    field_code(s, NULL, "description", 1, 1, desc, 2, tls_alert_description_name(desc));
    if (!cur_empty(&cur)) field_malformed(s, NULL, 2, n - 2, "%zu bytes after the alert", n - 2);
    const char *dn = tls_alert_description_name(desc);
    step_summarize(s, "%s %s", tls_alert_level_name(level) ? tls_alert_level_name(level) : "?", dn ? dn : "unknown");
    c->alert_seen = true;
    c->alert_level = level;
    c->alert_description = desc;
    c->alert_dir = dir;
    if (desc != 0 && (level == 2 || c->outcome == HS_INCOMPLETE)) {
        if (c->outcome == HS_INCOMPLETE) c->outcome = HS_FAILED;
        conn_note(c, "The %s sent the alert %s.", dir == DIR_C2S ? "client" : "server", dn ? dn : "unknown");
    }
    narrate_alert(c, s, level, desc);
    emit(d, f, s);
}

static void app_data(dissector *d, tls_flow *f, direction dir, const uint8_t *body, size_t n,
                     bool encrypted, double ts)
{
    step *s = new_step(f, STEP_APP_DATA, ts, dir, "app_data");
    s->content_type = CT_APPLICATION_DATA;
    s->length = (uint32_t)n;
    s->encrypted = encrypted;
    /* Ciphertext is not worth keeping: length is what a reader can use. */
    s->nbytes = 0;
    field_uint(s, NULL, "length", 0, 0, n);
    step_summarize(s, "%zu bytes", n);
    (void)body;
    narrate_app_data(f->conn, s);
    emit(d, f, s);
}

static void encrypted_handshake(dissector *d, tls_flow *f, direction dir, size_t n, double ts)
{
    conn_state *c = f->conn;
    step *s = new_step(f, STEP_ENCRYPTED_HANDSHAKE, ts, dir, "encrypted_handshake");
    s->content_type = CT_HANDSHAKE;
    s->length = (uint32_t)n;
    s->encrypted = true;
    field_uint(s, NULL, "length", 0, 0, n);
    step_summarize(s, "%zu bytes", n);
    narrate_encrypted_handshake(c, s);
    emit(d, f, s);
}

/* A protected record we cannot open.  Without keys tlsview still follows
 * the shape of the handshake: in TLS 1.2 the first protected handshake
 * record of each side is its Finished; in TLS 1.3 the server's flight
 * ends when the client's first protected record (its Finished) arrives. */
static void opaque_record(dissector *d, tls_flow *f, direction dir, uint8_t type, const uint8_t *body, size_t n,
                          double ts)
{
    conn_state *c = f->conn;
    direction_state *ds = &f->dir[dir];
    bool tls13 = speaks_tls13(c);
    if (tls13 && !c->server_hello_seen) {
        /* Before the ServerHello only 0-RTT early data can be protected. */
        app_data(d, f, dir, body, n, true, ts);
        return;
    }
    ds->protected_records++;
    if (type == CT_HANDSHAKE) {
        encrypted_handshake(d, f, dir, n, ts);
        if (!tls13 && ds->protected_records == 1) {
            if (dir == DIR_C2S) c->client_finished = true;
            else c->server_finished = true;
            update_outcome(c);
        }
        return;
    }
    if (type == CT_APPLICATION_DATA && tls13 && !c->client_finished) {
        if (dir == DIR_S2C) {
            encrypted_handshake(d, f, dir, n, ts);
            return;
        }
        if (ds->protected_records == 1) {
            encrypted_handshake(d, f, dir, n, ts);
            c->client_finished = true;
            if (f->dir[DIR_S2C].protected_records > 0) c->server_finished = true;
            update_outcome(c);
            return;
        }
    }
    if (type == CT_ALERT) {
        alert(d, f, dir, body, n, true, false, ts);
        return;
    }
    app_data(d, f, dir, NULL, n, true, ts);
}

static void record_step(dissector *d, tls_flow *f, direction dir, const record_header *h,
                        const uint8_t *rec, size_t n, double ts)
{
    step *s = new_step(f, STEP_RECORD, ts, dir, "record");
    s->content_type = h->type;
    s->record_version = h->version;
    s->length = (uint32_t)h->body_len;
    step_set_bytes(s, rec, h->header_len);
    if (h->header_len == 2) {
        field_text(s, NULL, "content_type", 0, 2, "sslv2_client_hello");
    } else {
        field_code(s, NULL, "content_type", 0, 1, h->type, 2, tls_content_type_name(h->type));
        field_code(s, NULL, "version", 1, 2, h->version, 4, tls_version_name(h->version));
        field_uint(s, NULL, "length", 3, 2, h->body_len);
    }
    const char *tn = h->header_len == 2 ? "sslv2_client_hello" : tls_content_type_name(h->type);
    step_summarize(s, "%s %s %zu bytes", tn ? tn : "unknown",
                   tls_version_name(h->version) ? tls_version_name(h->version) : "?", h->body_len);
    (void)n;
    emit(d, f, s);
}

static void record(dissector *d, tls_flow *f, direction dir, const record_header *h,
                   const uint8_t *rec, size_t n, double ts)
{
    conn_state *c = f->conn;
    direction_state *ds = &f->dir[dir];
    d->stats.records++;
    if (d->cfg->records) record_step(d, f, dir, h, rec, n, ts);
    cursor cur = cur_make(rec, n);
    const uint8_t *body;
    cur_skip(&cur, h->header_len);
    cur_bytes(&cur, h->body_len, &body);

    if (h->header_len == 2) {
        step *s = new_step(f, STEP_HANDSHAKE, ts, dir, "client_hello");
        s->msg_type = 1;
        s->length = (uint32_t)h->body_len;
        step_set_bytes(s, rec, n);
        sslv2_client_hello_decode(c, s);
        d->stats.handshake_messages++;
        ds->last_message = 1;
        emit(d, f, s);
        return;
    }
    ds->record_version = h->version;

    /* TLS 1.3 protects every record it sends as application data and
     * nothing else (ChangeCipherSpec, the hellos and plaintext alerts go in
     * the clear); TLS <= 1.2 protects everything after ChangeCipherSpec. */
    bool protected = speaks_tls13(c) ? h->type == CT_APPLICATION_DATA : ds->protected;
    if (protected) {
        opaque_record(d, f, dir, h->type, body, h->body_len, ts);
        return;
    }
    switch (h->type) {
    case CT_HANDSHAKE: handshake_bytes(d, f, dir, body, h->body_len, false, ts); break;
    case CT_CHANGE_CIPHER_SPEC: change_cipher_spec(d, f, dir, body, h->body_len, ts); break;
    case CT_ALERT: alert(d, f, dir, body, h->body_len, false, true, ts); break;
    case CT_APPLICATION_DATA: app_data(d, f, dir, body, h->body_len, false, ts); break;
    default: {
        step *s = new_step(f, STEP_HEARTBEAT, ts, dir, "heartbeat");
        s->content_type = h->type;
        s->length = (uint32_t)h->body_len;
        field_uint(s, NULL, "length", 0, 0, h->body_len);
        step_narrate(s, "A heartbeat (RFC 6520): a keep-alive probe that Heartbleed made famous.");
        emit(d, f, s);
        break;
    }
    }
}

/* Finds records in the bytes of one direction and handles each. */
static void direction_bytes(dissector *d, tls_flow *f, direction dir, const uint8_t *bytes, size_t len,
                            double ts)
{
    direction_state *ds = &f->dir[dir];
    cursor in = cur_make(bytes, len);
    while (!cur_empty(&in)) {
        if (ds->resync) {
            /* Search in the buffer: a header may straddle segments. */
            const uint8_t *rest;
            size_t k;
            cur_skip_rest(&in, &rest, &k);
            buffer_append(&ds->record, rest, k);
            size_t at = record_resync(ds->record.data, ds->record.len, ds->record_version);
            ds->stream_offset += at;
            buffer_consume(&ds->record, at);
            if (ds->record.len < TLS_RECORD_HEADER) return;
            ds->resync = false;
            /* Re-run the buffered bytes as a fresh input. */
            byte_buffer held = ds->record;
            ds->record = (byte_buffer){0};
            direction_bytes(d, f, dir, held.data, held.len, ts);
            buffer_free(&held);
            return;
        }
        const uint8_t *head = in.p;
        size_t avail = cur_left(&in);
        const uint8_t *rec = head;
        bool allow_v2 = dir == DIR_C2S && ds->stream_offset == 0 && ds->record.len == 0;
        record_header h;
        record_verdict v;
        if (ds->record.len == 0) {
            v = record_header_parse(head, avail, allow_v2, &h);
            if (v != RECORD_NEED_MORE && v != RECORD_BAD && avail >= h.header_len + h.body_len) {
                cur_skip(&in, h.header_len + h.body_len);
                record(d, f, dir, &h, rec, h.header_len + h.body_len, ts);
                ds->stream_offset += h.header_len + h.body_len;
                continue;
            }
        } else {
            v = record_header_parse(ds->record.data, ds->record.len, allow_v2, &h);
        }
        if (v == RECORD_BAD) {
            const uint8_t *bad = ds->record.len ? ds->record.data : head;
            size_t show = ds->record.len ? ds->record.len : (avail < 16 ? avail : 16);
            char what[96];
            snprintf(what, sizeof what, "%s (type %u, version 0x%04x)", h.problem, h.type, h.version);
            d->stats.malformed_records++;
            malformed_step(d, f, dir, ts, bad, show, what);
            ds->resync = true;
            /* Skip the first byte so the search cannot find this same spot. */
            if (ds->record.len) buffer_consume(&ds->record, 1);
            else cur_skip(&in, 1);
            ds->stream_offset += 1;
            continue;
        }
        /* Buffer towards a whole record: the header first, then the body. */
        size_t need = v == RECORD_NEED_MORE ? TLS_RECORD_HEADER : h.header_len + h.body_len;
        if (v == RECORD_NEED_MORE && ds->record.len >= 2 && allow_v2) need = ds->record.len + 1;
        size_t take = need > ds->record.len ? need - ds->record.len : 1;
        if (take > cur_left(&in)) take = cur_left(&in);
        const uint8_t *part;
        cur_bytes(&in, take, &part);
        buffer_append(&ds->record, part, take);
        if (v == RECORD_NEED_MORE) continue;
        if (ds->record.len == h.header_len + h.body_len) {
            record(d, f, dir, &h, ds->record.data, ds->record.len, ts);
            ds->stream_offset += ds->record.len;
            buffer_consume(&ds->record, ds->record.len);
        }
    }
}

/* ---- the public face ---- */

dissector *dissector_new(const dissect_config *cfg, sink *out)
{
    dissector *d = calloc(1, sizeof(*d));
    if (!d) return NULL;
    d->cfg = cfg;
    d->out = out;
    return d;
}

const dissector_stats *dissector_get_stats(const dissector *d) { return &d->stats; }

void dissector_set_connection_limit(dissector *d, unsigned n) { d->limit = n; }

tls_flow *dissector_open(dissector *d, const char *side0, const char *side1,
                         uint16_t port0, uint16_t port1, bool side0_is_client, double ts)
{
    (void)ts;
    tls_flow *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    snprintf(f->addr[0], CONN_ADDR_MAX, "%s", side0);
    snprintf(f->addr[1], CONN_ADDR_MAX, "%s", side1);
    f->port[0] = port0;
    f->port[1] = port1;
    f->side0_is_client = side0_is_client;
    f->client_side = -1;
    if (d->n_open == d->cap_open) {
        d->cap_open = d->cap_open ? 2 * d->cap_open : 64;
        d->open = xrealloc(d->open, d->cap_open * sizeof(*d->open));
    }
    f->open_index = d->n_open;
    d->open[d->n_open++] = f;
    return f;
}

bool dissector_data(dissector *d, tls_flow *f, int side, const uint8_t *bytes, size_t len, double ts)
{
    if (f->not_tls) return false;
    if (!f->tls) {
        /* Decide on the first bytes of whichever side speaks first. */
        byte_buffer *pending = &f->dir[side].record;
        const uint8_t *look = bytes;
        size_t look_len = len;
        if (pending->len) {
            buffer_append(pending, bytes, len);
            look = pending->data;
            look_len = pending->len;
        }
        int verdict = tls_stream_start_looks_like_tls(look, look_len);
        bool port_hint = port_is_tls(d, f->port[0]) || port_is_tls(d, f->port[1]);
        if (verdict < 0) {
            if (!pending->len) buffer_append(pending, bytes, len);
            return true;
        }
        if (d->limit && d->next_id >= d->limit) verdict = 0, port_hint = false;
        if (verdict == 0 && !port_hint) {
            f->not_tls = true;
            buffer_free(pending);
            d->stats.non_tls++;
            return false;
        }
        byte_buffer held = *pending;
        byte_buffer other = f->dir[!side].record;   /* the other side's first bytes, if any */
        *pending = (byte_buffer){0};
        f->dir[!side].record = (byte_buffer){0};
        start_connection(d, f, side, look, look_len, ts, verdict == 0);
        direction dir = side == f->client_side ? DIR_C2S : DIR_S2C;
        f->dir[dir].seen_data = true;
        f->conn->last_ts = ts;
        if (other.len) direction_bytes(d, f, !dir, other.data, other.len, ts);
        direction_bytes(d, f, dir, look, look_len, ts);
        buffer_free(&held);
        buffer_free(&other);
        return !f->not_tls;
    }
    direction dir = side == f->client_side ? DIR_C2S : DIR_S2C;
    f->dir[dir].seen_data = true;
    f->conn->last_ts = ts;
    direction_bytes(d, f, dir, bytes, len, ts);
    return !f->not_tls;
}

void dissector_gap(dissector *d, tls_flow *f, int side, uint64_t missing, double ts)
{
    if (!f->tls) {
        /* Lost bytes before we could recognise anything: follow the port. */
        if (f->not_tls || !(port_is_tls(d, f->port[0]) || port_is_tls(d, f->port[1]))) return;
        start_connection(d, f, side, NULL, 0, ts, true);
    }
    direction dir = side == f->client_side ? DIR_C2S : DIR_S2C;
    direction_state *ds = &f->dir[dir];
    d->stats.gaps++;
    step *s = new_step(f, STEP_GAP, ts, dir, "gap");
    field_uint(s, NULL, "missing_bytes", 0, 0, missing);
    if (ds->record.len) field_uint(s, NULL, "discarded_bytes", 0, 0, ds->record.len);
    step_summarize(s, "%llu bytes missing", (unsigned long long)missing);
    step_narrate(s, "The capture lost %llu bytes of the %s's stream here; tlsview resumes at the next record it can recognise.",
                 (unsigned long long)missing, dir == DIR_C2S ? "client" : "server");
    conn_note(f->conn, "Bytes are missing from the capture; some steps may be lost.");
    emit(d, f, s);
    ds->stream_offset += ds->record.len + missing;
    ds->record.len = 0;
    ds->message.len = 0;
    ds->skip_message = 0;
    ds->resync = true;
}

void dissector_anomaly(dissector *d, tls_flow *f, int side, const char *what, double ts)
{
    if (!f->tls) return;
    direction dir = side == f->client_side ? DIR_C2S : DIR_S2C;
    step *s = new_step(f, STEP_NOTE, ts, dir, "note");
    field_text(s, NULL, "text", 0, 0, "%s", what);
    step_summarize(s, "%s", what);
    step_narrate(s, "The capture shows something odd in the TCP stream: %s.", what);
    emit(d, f, s);
}

static void end_flow(dissector *d, tls_flow *f, const char *why, double ts)
{
    (void)ts;
    if (f->tls) {
        conn_state *c = f->conn;
        for (int i = 0; i < 2; i++) {
            if (f->dir[i].record.len && !f->dir[i].resync)
                conn_note(c, "The %s's last record is incomplete (%zu bytes).", i == DIR_C2S ? "client" : "server",
                          f->dir[i].record.len);
        }
        if (c->outcome == HS_INCOMPLETE && why && strcmp(why, "rst") == 0)
            conn_note(c, "The connection was reset before the handshake finished.");
        d->stats.ended++;
        d->out->conn_close(d->out, c);
        free(c);
    }
    for (int i = 0; i < 2; i++) {
        buffer_free(&f->dir[i].record);
        buffer_free(&f->dir[i].message);
    }
    free(f);
}

void dissector_close(dissector *d, tls_flow *f, const char *why, double ts)
{
    size_t i = f->open_index;
    if (i < d->n_open && d->open[i] == f) {
        d->open[i] = d->open[--d->n_open];
        d->open[i]->open_index = i;
    }
    end_flow(d, f, why, ts);
}

void dissector_free(dissector *d)
{
    if (!d) return;
    /* End what is still open in the order the connections were numbered. */
    while (d->n_open) {
        size_t first = 0;
        for (size_t i = 1; i < d->n_open; i++) {
            unsigned a = d->open[i]->conn ? d->open[i]->conn->id : ~0u;
            unsigned b = d->open[first]->conn ? d->open[first]->conn->id : ~0u;
            if (a < b) first = i;
        }
        tls_flow *f = d->open[first];
        d->open[first] = d->open[--d->n_open];
        end_flow(d, f, "end of capture", 0);
    }
    free(d->open);
    free(d);
}
