#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/cursor.h"
#include "dissect/format.h"
#include "dissect/hex.h"
#include "dissect/handshake.h"
#include "dissect/names.h"
#include "dissect/session_internal.h"

/* ---- records ---- */

void content_malformed(dissector *d, tls_flow *f, direction dir, double ts,
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

/* The proof the learner came for: tlsview recomputed the Finished from the
 * transcript and the secrets, and it matches (or does not). */
static void finished_check(tls_flow *f, step *s, crypto_finished result)
{
    const char *who = s->dir == DIR_C2S ? "client" : "server";
    const uint8_t *vd;
    size_t n;
    switch (result) {
    case CRYPTO_FINISHED_NONE:
        return;
    case CRYPTO_FINISHED_VERIFIED:
        field_bool(s, NULL, "verified", 0, s->nbytes, true);
        step_narrate(s, "tlsview recomputed this Finished from the transcript and the secrets: it matches. "
                        "Both sides computed the same keys.");
        break;
    case CRYPTO_FINISHED_MISMATCH:
        field_bool(s, NULL, "verified", 0, s->nbytes, false);
        if (crypto_finished_expected(f->crypto, s->dir, &vd, &n))
            field_hex(s, NULL, "expected_verify_data", 0, 0, vd, n);
        step_narrate(s, "This Finished does NOT match what tlsview computes from the transcript and the secrets: "
                        "either the %s's keys differ or the handshake was tampered with.", who);
        conn_note(f->conn, "The %s's Finished does not verify.", who);
        break;
    case CRYPTO_FINISHED_UNCHECKED:
        field_text(s, NULL, "verification", 0, 0, "not checked: the secrets or part of the transcript are missing");
        break;
    }
}

/* The signature of a ServerKeyExchange or CertificateVerify, checked with
 * the public key of the signer's certificate (no secret needed). */
static void signature_check(tls_flow *f, step *s)
{
    const char *detail = "";
    crypto_signature result = crypto_last_signature(f->crypto, &detail);
    if (result == CRYPTO_SIGNATURE_NONE) return;
    conn_state *c = f->conn;
    const char *who = s->dir == DIR_C2S ? "client" : "server";
    int8_t *summary = s->dir == DIR_C2S ? &c->client_signature : &c->server_signature;
    const field *sig = field_child(s->root, "signature");
    size_t off = sig ? sig->offset : 0, len = sig ? sig->length : 0;
    switch (result) {
    case CRYPTO_SIGNATURE_NONE:
        return;
    case CRYPTO_SIGNATURE_VERIFIED:
        field_bool(s, NULL, "signature_verified", off, len, true);
        step_narrate(s, "tlsview checked this signature with the public key of the certificate: it is valid — "
                        "the %s holds the certificate's private key.", who);
        if (*summary == 0) *summary = 1;
        break;
    case CRYPTO_SIGNATURE_INVALID:
        field_bool(s, NULL, "signature_verified", off, len, false);
        field_text(s, NULL, "signature_problem", off, len, "%s", detail);
        step_narrate(s, "tlsview checked this signature with the public key of the certificate: it is NOT valid "
                        "(%s) — either the %s does not hold the certificate's private key, or the handshake was "
                        "altered.", detail, who);
        conn_note(c, "The %s's %s signature does not verify with the public key of its certificate.", who,
                  s->msg_type == HT_SERVER_KEY_EXCHANGE ? "ServerKeyExchange" : "CertificateVerify");
        *summary = -1;
        break;
    case CRYPTO_SIGNATURE_UNCHECKED:
        field_text(s, NULL, "signature_check", off, len, "%s", detail);
        break;
    }
}

static void handshake_message(dissector *d, tls_flow *f, direction dir, const uint8_t *msg, size_t n,
                              bool encrypted, double ts)
{
    conn_state *c = f->conn;
    cursor cur = cur_make(msg, n);
    uint8_t type = 0;
    uint32_t length = 0;
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
    if (type == HT_SERVER_HELLO_DONE) f->server_hello_done = true;
    if (f->crypto) {
        f->event_ts = ts;
        f->event_dir = dir;
        crypto_finished fin = crypto_handshake(f->crypto, dir, msg, n);
        /* Without secrets a Finished is never checked: say nothing. */
        if (f->decrypting) finished_check(f, s, fin);
        signature_check(f, s);
    }
    update_outcome(c);
    emit(d, f, s);
    content_flush_keys(d, f);
}

/* Messages put together from several records are held whole, up to
 * --max-message each; all connections together hold at most this much
 * (and at least one such message), so that many connections claiming huge
 * messages cannot exhaust memory. */
enum { MESSAGE_BUDGET_MIN = 64u << 20 };

static size_t message_budget(const dissector *d)
{
    return d->cfg->max_message > MESSAGE_BUDGET_MIN ? d->cfg->max_message : MESSAGE_BUDGET_MIN;
}

/* Claims room for a message of `len` bytes about to be buffered; false
 * (the message reported and to be skipped) when the budget is spent. */
static bool message_claim(dissector *d, tls_flow *f, direction dir, uint8_t type, size_t len, double ts)
{
    direction_state *ds = &f->dir[dir];
    if (len <= message_budget(d) - d->messages_held) {
        ds->message_held = len;
        d->messages_held += len;
        buffer_reserve(&ds->message, 4 + len);   /* held at its size, not doubled past it */
        return true;
    }
    step *s = new_step(f, STEP_MALFORMED, ts, dir, "oversized_message");
    const char *name = tls_handshake_type_name(type);
    field_malformed(s, NULL, 0, 0, "%s message of %zu bytes skipped: unfinished handshake messages of other "
                    "connections already hold %zu of the %zu bytes tlsview sets aside for them",
                    name ? name : "handshake", len, d->messages_held, message_budget(d));
    step_narrate(s, "A handshake message claims %zu bytes while other connections' unfinished messages take "
                 "up the room tlsview sets aside; it is skipped.", len);
    emit(d, f, s);
    d->stats.oversized_messages++;
    if (f->crypto) crypto_transcript_gap(f->crypto);
    return false;
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
                    if (f->crypto) crypto_transcript_gap(f->crypto);
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
            if (k >= 4) {
                /* The header is here (and within --max-message, see above). */
                cursor h = cur_make(rest, k);
                uint8_t type = 0;
                uint32_t len = 0;
                cur_u8(&h, &type);
                cur_u24(&h, &len);
                if (!message_claim(d, f, dir, type, len, ts)) {
                    ds->skip_message = len - (k - 4);
                    break;
                }
            }
            buffer_append(&ds->message, rest, k);
            break;
        }
        /* Complete the message in the buffer: first its header, then its body. */
        size_t need = 4;
        if (ds->message.len >= 4) {
            cursor h = cur_make(ds->message.data, ds->message.len);
            uint32_t len = 0;
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
            uint8_t type = 0;
            uint32_t len = 0;
            cur_u8(&h, &type);
            cur_u24(&h, &len);
            if (len > d->cfg->max_message) {
                step *s = new_step(f, STEP_MALFORMED, ts, dir, "oversized_message");
                field_malformed(s, NULL, 0, 0, "handshake message of %u bytes is over the %zu-byte limit (--max-message); skipped",
                                len, d->cfg->max_message);
                emit(d, f, s);
                d->stats.oversized_messages++;
                if (f->crypto) crypto_transcript_gap(f->crypto);
                ds->message.len = 0;
                ds->skip_message = len;
                continue;
            }
            if (!message_claim(d, f, dir, type, len, ts)) {
                ds->message.len = 0;
                ds->skip_message = len;
                continue;
            }
        }
        if (ds->message.len >= 4) {
            cursor h = cur_make(ds->message.data, ds->message.len);
            uint32_t len = 0;
            cur_skip(&h, 1);
            cur_u24(&h, &len);
            if (ds->message.len == 4 + (size_t)len) {
                handshake_message(d, f, dir, ds->message.data, ds->message.len, encrypted, ts);
                message_release(d, ds);
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
    if (f->crypto) {
        f->event_ts = ts;
        f->event_dir = dir;
        crypto_change_cipher_spec(f->crypto, dir);
        content_flush_keys(d, f);
    }
}

/* A protected record tlsview holds keys for but could not open says so. */
static void open_failure(tls_flow *f, step *s)
{
    if (!f->open_failure) return;
    field_text(s, NULL, "decryption", 0, 0, "%s", f->open_failure);
    step_narrate(s, "tlsview could not open this record: %s.", crypto_detail(f->crypto));
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
        open_failure(f, s);
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

/* How much of decrypted application data the preview shows. */
enum { PREVIEW_BYTES = DISSECT_PREVIEW_BYTES };   /* (the decryption stops there too) */

/* Printable text of bytes: non-printable ones as \xNN, so a preview of
 * binary data stays one readable line. */
static char *printable(arena *a, const uint8_t *p, size_t n)
{
    char *out = arena_alloc_raw(a, 4 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
            out[k++] = (char)p[i];
            continue;
        }
        out[k++] = '\\';
        out[k++] = 'x';
        hex_encode(out + k, p + i, 1);
        k += 2;
    }
    out[k] = 0;
    return out;
}

static void app_data(dissector *d, tls_flow *f, direction dir, const uint8_t *body, size_t n,
                     bool encrypted, bool decrypted, double ts)
{
    step *s = new_step(f, STEP_APP_DATA, ts, dir, "app_data");
    s->content_type = CT_APPLICATION_DATA;
    s->length = (uint32_t)n;
    s->encrypted = encrypted;
    s->decrypted = decrypted;
    if (decrypted || !encrypted) {
        /* Plaintext is what a reader wants: a preview always, the whole of
         * it with --data (ciphertext is not kept: its length says enough). */
        if (d->cfg->data) step_set_bytes(s, body, n);
        field_uint(s, NULL, "length", 0, s->nbytes, n);
        field_text(s, NULL, "preview", 0, s->nbytes ? (n < PREVIEW_BYTES ? n : PREVIEW_BYTES) : 0, "%s",
                   printable(&s->mem, body, n < PREVIEW_BYTES ? n : PREVIEW_BYTES));
        if (d->cfg->data) field_text(s, NULL, "text", 0, n, "%s", printable(&s->mem, body, n));
        step_summarize(s, "%zu bytes: %s", n, field_child(s->root, "preview")->value);
    } else {
        field_uint(s, NULL, "length", 0, 0, n);
        step_summarize(s, "%zu bytes", n);
    }
    narrate_app_data(f->conn, s);
    if (encrypted && !decrypted) open_failure(f, s);
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
    open_failure(f, s);
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
        app_data(d, f, dir, body, n, true, false, ts);
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
    app_data(d, f, dir, body, n, true, false, ts);
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

static void record_content(dissector *d, tls_flow *f, direction dir, uint8_t type, const uint8_t *body, size_t n,
                           bool decrypted, double ts);

void content_record(dissector *d, tls_flow *f, direction dir, const record_header *h,
                   const uint8_t *rec, size_t n, double ts)
{
    conn_state *c = f->conn;
    direction_state *ds = &f->dir[dir];
    d->stats.records++;
    if (d->cfg->records) record_step(d, f, dir, h, rec, n, ts);
    cursor cur = cur_make(rec, n);
    const uint8_t *body = NULL;
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
        if (f->crypto) {
            /* The transcript starts at the SSLv2 message type. */
            const uint8_t *msg;
            size_t msg_len;
            cursor m = cur_make(rec, n);
            cur_skip(&m, h->header_len);
            cur_skip_rest(&m, &msg, &msg_len);
            crypto_sslv2_client_hello(f->crypto, msg, msg_len);
        }
        emit(d, f, s);
        return;
    }
    ds->record_version = h->version;

    if (f->crypto && f->decrypting) {
        /* The engine knows when protection starts and holds the keys. */
        size_t plain_len = 0;
        uint8_t inner = h->type;
        f->event_ts = ts;
        f->event_dir = dir;
        crypto_status st = crypto_open(f->crypto, dir, h->type, h->version, body, h->body_len, d->plain,
                                       &plain_len, &inner);
        content_flush_keys(d, f);
        if (st == CRYPTO_DECRYPTED) {
            record_content(d, f, dir, inner, d->plain, plain_len, true, ts);
            return;
        }
        if (st != CRYPTO_PLAINTEXT) {
            /* (the engine notes an authentication failure itself, once) */
            if (st == CRYPTO_MALFORMED) conn_note(c, "%s", crypto_detail(f->crypto));
            if (st == CRYPTO_AUTH_FAILED) f->open_failure = "authentication failed";
            if (st == CRYPTO_MALFORMED) f->open_failure = "malformed";
            opaque_record(d, f, dir, h->type, body, h->body_len, ts);
            f->open_failure = NULL;
            return;
        }
        record_content(d, f, dir, h->type, body, h->body_len, false, ts);
        return;
    }
    /* Without secrets: TLS 1.3 protects every record it sends as
     * application data and nothing else (ChangeCipherSpec, the hellos and
     * plaintext alerts go in the clear); TLS <= 1.2 protects everything
     * after ChangeCipherSpec. */
    bool protected = speaks_tls13(c) ? h->type == CT_APPLICATION_DATA : ds->protected;
    if (protected) {
        opaque_record(d, f, dir, h->type, body, h->body_len, ts);
        return;
    }
    record_content(d, f, dir, h->type, body, h->body_len, false, ts);
}

/* A record's content in the clear, as sent or after decryption. */
static void record_content(dissector *d, tls_flow *f, direction dir, uint8_t type, const uint8_t *body, size_t n,
                           bool decrypted, double ts)
{
    switch (type) {
    case CT_HANDSHAKE: handshake_bytes(d, f, dir, body, n, decrypted, ts); break;
    case CT_CHANGE_CIPHER_SPEC: change_cipher_spec(d, f, dir, body, n, ts); break;
    case CT_ALERT: alert(d, f, dir, body, n, decrypted, true, ts); break;
    case CT_APPLICATION_DATA: app_data(d, f, dir, body, n, decrypted, decrypted, ts); break;
    default: {
        step *s = new_step(f, STEP_HEARTBEAT, ts, dir, "heartbeat");
        s->content_type = type;
        s->length = (uint32_t)n;
        s->encrypted = s->decrypted = decrypted;
        field_uint(s, NULL, "length", 0, 0, n);
        step_narrate(s, "A heartbeat (RFC 6520): a keep-alive probe that Heartbleed made famous.");
        emit(d, f, s);
        break;
    }
    }
}


/* ---- the key schedule, as steps of the dialogue ---- */

/* Secrets that are pieces of a larger one: listed, not narrated. */
static bool is_piece(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, "_key") == 0) || (n > 3 && strcmp(name + n - 3, "_iv") == 0);
}

void content_key_event(void *flow, const char *name, const uint8_t *value, size_t n, const char *explanation)
{
    tls_flow *f = flow;
    step *s = f->keys;
    if (!s) {
        s = f->keys = new_step(f, STEP_KEYS, f->event_ts, f->event_dir, "keys");
        field_list(s, NULL, "secrets", 0, 0);
    }
    field *secrets = s->root->first;
    field *one = field_object(s, secrets, "secret", 0, 0);
    field_text(s, one, "name", 0, 0, "%s", name);
    field_uint(s, one, "length", 0, 0, n);
    /* Secret values leave tlsview only when asked for. */
    if (f->d->cfg->secrets) field_hex(s, one, "value", 0, 0, value, n);
    field_text(s, one, "explanation", 0, 0, "%s", explanation);
}

void content_flush_keys(dissector *d, tls_flow *f)
{
    step *s = f->keys;
    if (!s) return;
    f->keys = NULL;
    /* The summary names the chain: pre_master_secret -> master_secret -> ... */
    char chain[512] = "";
    size_t used = 0;
    unsigned count = 0;
    for (const field *x = s->root->first->first; x; x = x->next) {
        const char *name = field_child(x, "name")->value;
        count++;
        if (is_piece(name) || used >= sizeof chain) continue;
        used += (size_t)text_format(chain + used, sizeof chain - used, "%s%s", used ? " -> " : "", name);
    }
    /* The dialogue's words; how each secret was derived is in its fields
     * (and the key schedule view). */
    const field *first = s->root->first->first;
    narrate_keys(f->conn, s, first ? field_child(first, "name")->value : NULL);
    step_summarize(s, "%s (%u secret%s)", used ? chain : "record keys", count, count == 1 ? "" : "s");
    emit(d, f, s);
}
