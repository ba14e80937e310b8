#include "dissect/session.h"

#include "dissect/format.h"
#include "dissect/session_internal.h"
#include "dissect/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/certificate.h"
#include "dissect/cursor.h"
#include "dissect/handshake.h"
#include "dissect/names.h"
#include "dissect/record.h"
#include "dissect/sha256_block.h"

/* Ports on which TLS is expected even when a capture starts in the middle
 * of a connection and the first bytes are not a record boundary. */
static const uint16_t default_tls_ports[] = {
    443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 5223, 8443,
};

/* ---- small helpers ---- */

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

void buffer_append(byte_buffer *b, const uint8_t *p, size_t n)
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

void buffer_reserve(byte_buffer *b, size_t n)
{
    if (b->cap >= n) return;
    b->data = xrealloc(b->data, n);
    b->cap = n;
}

void message_release(dissector *d, direction_state *ds)
{
    d->messages_held -= ds->message_held;
    ds->message_held = 0;
    /* A 16 MB message must not keep 32 MB for the rest of the connection. */
    if (ds->message.cap > 64 * 1024) buffer_free(&ds->message);
    else ds->message.len = 0;
}

void buffer_consume(byte_buffer *b, size_t n)
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

void buffer_free(byte_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool port_is_tls(const dissector *d, uint16_t port)
{
    for (size_t i = 0; i < sizeof default_tls_ports / sizeof default_tls_ports[0]; i++)
        if (default_tls_ports[i] == port) return true;
    for (size_t i = 0; i < d->cfg->n_tls_ports; i++)
        if (d->cfg->tls_ports[i] == port) return true;
    return false;
}

void emit(dissector *d, tls_flow *f, step *s)
{
    if (s->malformed) f->conn->malformed = true;
    d->out->step(d->out, f->conn, s);
}

step *new_step(tls_flow *f, step_kind kind, double ts, direction dir, const char *name)
{
    return step_new(kind, f->conn->id, ts, dir, name);
}

/* Whether the connection speaks TLS 1.3: negotiated, or offered by the
 * client while the server has not answered yet (0-RTT, or a capture whose
 * packets cross). */
bool speaks_tls13(const conn_state *c)
{
    if (c->version) return c->version == 0x0304;
    for (unsigned i = 0; i < c->n_offered_versions; i++)
        if (c->offered_versions[i] == 0x0304) return true;
    return false;
}

void update_outcome(conn_state *c)
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
    /* Type, version and a bounded length: that is TLS speaking. */
    return 1;
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
    /* The engine checks signatures without secrets too; it decrypts only
     * with them. */
    f->decrypting = d->cfg->keys || d->cfg->keylog;
    f->crypto = crypto_new(d->cfg, c, d->cache);
    if (f->crypto) crypto_set_event_sink(f->crypto, content_key_event, f);
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
            /* Any version: hellos often say 3.1 and later records 3.3. */
            size_t at = record_resync(ds->record.data, ds->record.len, 0);
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
                content_record(d, f, dir, &h, rec, h.header_len + h.body_len, ts);
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
            text_format(what, sizeof what, "%s (type %u, version 0x%04x)", h.problem, h.type, h.version);
            d->stats.malformed_records++;
            content_malformed(d, f, dir, ts, bad, show, what);
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
            content_record(d, f, dir, &h, ds->record.data, ds->record.len, ts);
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
    /* Decides SHA-256's block function before any hashing (and links it
     * in, so that mbedTLS's hashing uses it too). */
    sha256_block_hw_available();
    /* The cache holds sessions (for decryption) and certificate keys (for
     * signatures, checked with or without secrets). */
    d->cache = crypto_cache_new(0);
    if (cfg->keys || cfg->keylog) d->plain = malloc(TLS_MAX_CIPHERTEXT + 256);
    if (!d->cache || ((cfg->keys || cfg->keylog) && !d->plain)) {
        crypto_cache_free(d->cache);
        free(d->plain);
        free(d);
        return NULL;
    }
    return d;
}

const dissector_stats *dissector_get_stats(const dissector *d) { return &d->stats; }

void dissector_set_connection_limit(dissector *d, unsigned n) { d->limit = n; }

void dissector_set_shard(dissector *d, unsigned index, unsigned count, struct session_store *sessions,
                         const struct shard_sync *sync)
{
    d->shard = index;
    d->shards = count > 1 && sync && sync->claim ? count : 0;
    d->sync = sync;
    if (d->shards && sessions) crypto_cache_share_sessions(d->cache, sessions, sync);
}

bool dissector_next_flow_is_mine(dissector *d)
{
    if (!d->shards) return true;
    if (!d->next_claimed) {
        d->next_mine = d->sync->claim(d->sync->ctx, d->flows_opened);
        d->next_claimed = true;
    }
    return d->next_mine;
}

tls_flow *dissector_open(dissector *d, const char *side0, const char *side1,
                         uint16_t port0, uint16_t port1, bool side0_is_client, double ts)
{
    (void)ts;
    tls_flow *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    text_format(f->addr[0], CONN_ADDR_MAX, "%s", side0);
    text_format(f->addr[1], CONN_ADDR_MAX, "%s", side1);
    f->port[0] = port0;
    f->port[1] = port1;
    f->d = d;
    f->side0_is_client = side0_is_client;
    f->client_side = -1;
    /* Flows are known by the order in which they open, which every
     * shard's flow table gives alike; whichever shard gets to one first
     * takes it (see shard_sync.claim). */
    f->foreign = !dissector_next_flow_is_mine(d);
    d->flows_opened++;
    d->next_claimed = false;
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
    if (f->foreign && f->tls) return true;
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
            if (!f->foreign) d->stats.non_tls++;
            return false;
        }
        if (f->foreign) {
            /* Numbered as the shard that has it numbers it. */
            d->next_id++;
            f->tls = true;
            buffer_free(pending);
            buffer_free(&f->dir[!side].record);
            return true;
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
        if (f->foreign) {
            d->next_id++;
            f->tls = true;
            buffer_free(&f->dir[0].record);
            buffer_free(&f->dir[1].record);
            return;
        }
        start_connection(d, f, side, NULL, 0, ts, true);
    }
    if (f->foreign) return;
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
    if (f->crypto) crypto_transcript_gap(f->crypto);
    ds->stream_offset += ds->record.len + missing;
    ds->record.len = 0;
    message_release(d, ds);
    ds->skip_message = 0;
    ds->resync = true;
}

void dissector_anomaly(dissector *d, tls_flow *f, int side, const char *what, double ts)
{
    if (!f->tls || f->foreign) return;
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
    if (f->tls && !f->foreign) {
        conn_state *c = f->conn;
        for (int i = 0; i < 2; i++) {
            if (f->dir[i].record.len && !f->dir[i].resync)
                conn_note(c, "The %s's last record is incomplete (%zu bytes).", i == DIR_C2S ? "client" : "server",
                          f->dir[i].record.len);
        }
        if (c->outcome == HS_INCOMPLETE && why && strcmp(why, "rst") == 0)
            conn_note(c, "The connection was reset before the handshake finished.");
        content_flush_keys(d, f);
        d->stats.ended++;
        d->out->conn_close(d->out, c);
        crypto_free(f->crypto);
        free(c);
    }
    for (int i = 0; i < 2; i++) {
        message_release(d, &f->dir[i]);
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
    crypto_cache_free(d->cache);
    certificate_cache_clear();
    free(d->plain);
    free(d);
}
