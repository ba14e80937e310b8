#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cli/render.h"
#include "dissect/hex.h"
#include "dissect/names.h"

/* ---- Output buffer ----
 * Every value is formatted by hand into a buffer of our own: a stdio call
 * per value (fprintf, putc) used to cost more than building the steps.
 * Each finished line is handed to stdio in one fwrite, so when the lines
 * reach a terminal or a pipe is still up to stdio's buffering, as before;
 * with hold_lines they go in 64 KB blocks (one write(2) instead of 16). */

typedef struct json_out {
    FILE *file;
    char *buf;
    size_t len, cap;    /* cap is at least JSON_OUT_MIN */
    json_target *target; /* when set, buf is its memory and flushing commits it */
} json_out;

enum {
    JSON_OUT_MIN = 32,          /* room asked for at once: an escape, a number */
    JSON_BUFFER = 64 * 1024,    /* a line longer than this goes out in pieces */
};

static const char hex_digits[] = "0123456789abcdef";

static void out_flush(json_out *w)
{
    if (w->target) {
        w->buf = w->target->commit(w->target, w->len, &w->cap);
        w->len = 0;
        return;
    }
    if (w->len) fwrite(w->buf, 1, w->len, w->file);
    w->len = 0;
}

/* Space for n more bytes (n <= JSON_OUT_MIN) at the end of the buffer. */
static inline char *out_room(json_out *w, size_t n)
{
    if (w->cap - w->len < n) out_flush(w);
    return w->buf + w->len;
}

/* More than the buffer has room for: fill it, pass it on, again. */
static void out_bytes_in_pieces(json_out *w, const char *s, size_t n)
{
    while (w->cap - w->len < n) {
        size_t part = w->cap - w->len;
        memcpy(w->buf + w->len, s, part);
        w->len += part;
        s += part;
        n -= part;
        out_flush(w);
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* Most appends are a few bytes (keys, digits, punctuation), for which a
 * call to memcpy costs more than the copy: up to 16 bytes move as two
 * overlapping fixed-size copies, which never read past the source. */
static inline void copy_short(char *d, const char *s, size_t n)
{
    if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* The appends are inline: with a literal the copy is a few moves. */
static inline void out_bytes(json_out *w, const void *p, size_t n)
{
    if (w->cap - w->len < n) {
        out_bytes_in_pieces(w, p, n);
        return;
    }
    if (n <= 16) copy_short(w->buf + w->len, p, n);
    else memcpy(w->buf + w->len, p, n);
    w->len += n;
}

/* Text that needs no escaping: keys, literals, names of our own. */
static inline __attribute__((always_inline)) void out_raw(json_out *w, const char *s)
{
    out_bytes(w, s, strlen(s));
}

static inline void out_char(json_out *w, char c)
{
    if (w->len == w->cap) out_flush(w);
    w->buf[w->len++] = c;
}

/* "00" to "99": two digits per division. */
static const char digit_pairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* v in decimal with at least min_digits digits (zeros in front), as "%0*llu". */
static void out_uint_padded(json_out *w, uint64_t v, unsigned min_digits)
{
    char digits[20];
    char *d = digits + sizeof digits;
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100);
        v /= 100;
        d -= 2;
        memcpy(d, digit_pairs + 2 * pair, 2);
    }
    if (v >= 10) {
        d -= 2;
        memcpy(d, digit_pairs + 2 * v, 2);
    } else {
        *--d = (char)('0' + v);
    }
    size_t n = (size_t)(digits + sizeof digits - d);
    for (; min_digits > n; min_digits--) out_char(w, '0');
    out_bytes(w, d, n);
}

static void out_uint(json_out *w, uint64_t v)
{
    out_uint_padded(w, v, 1);
}

static void out_int(json_out *w, int v)
{
    if (v < 0) out_char(w, '-');
    out_uint(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* v in lowercase hex with at least min_digits digits, as "%0*x". */
static void out_hex_padded(json_out *w, uint32_t v, unsigned min_digits)
{
    char digits[8];
    char *d = digits + sizeof digits;
    do {
        *--d = hex_digits[v & 15];
        v >>= 4;
    } while (v);
    for (size_t n = (size_t)(digits + sizeof digits - d); min_digits > n; min_digits--) out_char(w, '0');
    out_bytes(w, d, (size_t)(digits + sizeof digits - d));
}

static void out_bool(json_out *w, bool v)
{
    out_raw(w, v ? "true" : "false");
}

/* ---- Strings ---- */

/* What each byte needs inside a JSON string: 0 goes out as it is; 'u' goes
 * out as \u00XX; '8' may start a UTF-8 sequence; any other letter goes out
 * after a backslash.  Control bytes, DEL, the quote and the backslash are
 * all that printable ASCII has to escape. */
#define JSON_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const char json_escape[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 't', 'n', 'u', 'u', 'r', 'u', 'u', /* 0x00 */
    JSON_ROW('u'),                                                                  /* 0x10 */
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   /* 0x20 */
    JSON_ROW(0),                                                                    /* 0x30 */
    JSON_ROW(0),                                                                    /* 0x40 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,  0,   0,   /* 0x50 */
    JSON_ROW(0),                                                                    /* 0x60 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   'u', /* 0x70 */
    JSON_ROW('8'), JSON_ROW('8'), JSON_ROW('8'), JSON_ROW('8'),                     /* 0x80 */
    JSON_ROW('8'), JSON_ROW('8'), JSON_ROW('8'), JSON_ROW('8'),                     /* 0xc0 */
};
#undef JSON_ROW

/* Length of the well-formed UTF-8 sequence at p, or 0.  Only the shape
 * is checked (a lead byte and its continuation bytes), which is what
 * keeps every line valid JSON; a NUL ends the check as a bad byte. */
static size_t utf8_sequence(const unsigned char *p)
{
    size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* The byte at p that is not plain, or with the bytes after it a whole
 * UTF-8 sequence; returns what follows. */
static const unsigned char *out_special(json_out *w, const unsigned char *p)
{
    char kind = json_escape[*p];
    if (kind == '8') {
        size_t n = utf8_sequence(p);
        if (n) {
            out_bytes(w, p, n);
            return p + n;
        }
        kind = 'u';   /* anything else is escaped byte by byte */
    }
    char *d = out_room(w, 6);
    if (kind == 'u') {
        memcpy(d, "\\u00", 4);
        d[4] = hex_digits[*p >> 4];
        d[5] = hex_digits[*p & 15];
        w->len += 6;
    } else {
        d[0] = '\\';
        d[1] = kind;
        w->len += 2;
    }
    return p + 1;
}

#if defined(__SSE2__)
/* Bits set for the bytes of v that are not plain: control bytes (the NUL
 * that ends the string among them), the quote, the backslash, DEL and
 * every byte of 0x80 and up (signed, they are not above 0x1f). */
static inline unsigned not_plain_mask(__m128i v)
{
    const __m128i below_space = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
    __m128i plain = _mm_cmpgt_epi8(v, below_space);
    __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                   _mm_cmpeq_epi8(v, del));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(special, plain)) ^ 0xffffu;
}

/* The first byte at or after p that is not plain, the terminating NUL
 * included: the string's length and its escape scan in one pass.  Strings
 * are mostly plain and short, and this scan is most of the writer's work.
 * It reads whole aligned sixteen-byte blocks, as strlen does: such a block
 * never crosses into another page, but it may take in bytes before and
 * after the string, which the sanitizers would take for stray reads. */
__attribute__((no_sanitize_address, no_sanitize_thread))
static const unsigned char *plain_run_end(const unsigned char *p)
{
    size_t skip = (uintptr_t)p & 15;
    const __m128i *block = (const __m128i *)(const void *)(p - skip);
    unsigned mask = not_plain_mask(_mm_load_si128(block)) >> skip << skip;
    while (!mask) mask = not_plain_mask(_mm_load_si128(++block));
    return (const unsigned char *)block + __builtin_ctz(mask);
}
#else
static const unsigned char *plain_run_end(const unsigned char *p)
{
    while (*p && !json_escape[*p]) p++;
    return p;
}
#endif

/* s quoted and escaped; NULL is "". */
static void out_string(json_out *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    out_char(w, '"');
    for (;;) {
        /* Runs of plain bytes in one copy: most of the output is those. */
        const unsigned char *run = p;
        p = plain_run_end(p);
        if (p > run) out_bytes(w, run, (size_t)(p - run));
        if (!*p) break;
        p = out_special(w, p);
    }
    out_char(w, '"');
}

void json_write_string(FILE *out, const char *s)
{
    char buf[256];
    json_out w = { out, buf, 0, sizeof buf, NULL };
    out_string(&w, s);
    out_flush(&w);
}

/* Bytes as a string of lowercase hex. */
static void out_hex_string(json_out *w, const uint8_t *p, size_t n)
{
    out_char(w, '"');
    while (n) {
        /* Sixteen bytes make the 32 digits out_room can promise. */
        size_t piece = n < JSON_OUT_MIN / 2 ? n : JSON_OUT_MIN / 2;
        hex_encode(out_room(w, 2 * piece), p, piece);
        w->len += 2 * piece;
        p += piece;
        n -= piece;
    }
    out_char(w, '"');
}

/* ,"key":"value" (escaped), nothing when the value is empty. */
static inline __attribute__((always_inline)) void out_key_string(json_out *w, const char *key, const char *value)
{
    if (!value || !*value) return;
    out_raw(w, ",\"");
    out_raw(w, key);
    out_raw(w, "\":");
    out_string(w, value);
}

/* ,"key":true or false */
static inline __attribute__((always_inline)) void out_key_bool(json_out *w, const char *key, bool v)
{
    out_raw(w, ",\"");
    out_raw(w, key);
    out_raw(w, "\":");
    out_bool(w, v);
}

/* ,"key":number */
static inline __attribute__((always_inline)) void out_key_uint(json_out *w, const char *key, uint64_t v)
{
    out_raw(w, ",\"");
    out_raw(w, key);
    out_raw(w, "\":");
    out_uint(w, v);
}

/* Seconds with six decimals, as integers: float formatting is slow and
 * capture times are microseconds anyway. */
static void out_ts(json_out *w, double ts)
{
    if (!(ts >= 0 && ts < 1e15)) {
        out_char(w, '0');
        return;
    }
    unsigned long long us = (unsigned long long)(ts * 1e6 + 0.5);
    out_uint(w, us / 1000000);
    out_char(w, '.');
    out_uint_padded(w, us % 1000000, 6);
}

static void out_code(json_out *w, uint32_t code, unsigned digits, const char *name)
{
    out_raw(w, "{\"code\":\"0x");
    out_hex_padded(w, code, digits ? digits : 4);
    out_raw(w, "\",\"name\":");
    out_string(w, name);
    out_char(w, '}');
}

/* ---- The sink ---- */

typedef struct json_sink {
    render_sink r;          /* first: render_sink_free() frees the whole block */
    json_out w;
    char buf[JSON_BUFFER];
} json_sink;

/* A line is complete: stdio takes it from here, unless lines may wait
 * (then they go when the buffer is full, and after the summary). */
static void end_line(json_sink *j)
{
    out_char(&j->w, '\n');
    if (!j->r.o.hold_lines || j->w.target) out_flush(&j->w);
}

static void out_field_value(json_out *w, const field *f);

static void out_children(json_out *w, const field *f, bool keys)
{
    out_char(w, keys ? '{' : '[');
    for (const field *c = f->first; c; c = c->next) {
        if (c != f->first) out_char(w, ',');
        if (keys) {
            out_string(w, c->name);
            out_char(w, ':');
        }
        out_field_value(w, c);
    }
    out_char(w, keys ? '}' : ']');
}

static void out_field_value(json_out *w, const field *f)
{
    if (f->shape == FIELD_OBJECT) {
        out_children(w, f, true);
        return;
    }
    if (f->shape == FIELD_LIST) {
        out_children(w, f, false);
        return;
    }
    switch (f->json) {
    case FJ_NUMBER:
    case FJ_BOOL:
        out_raw(w, f->value ? f->value : "null");
        break;
    case FJ_CODE:
        out_code(w, f->code, f->code_digits, f->value);
        break;
    case FJ_HEX:
        out_char(w, '"');
        out_raw(w, f->value);
        out_char(w, '"');
        break;
    default:
        out_string(w, f->value);
    }
}

static void json_conn_open(sink *k, const conn_state *c)
{
    (void)k;
    (void)c;
}

/* What some kinds of step also say at the top of their line. */
static void out_step_extras(json_out *w, const step *s)
{
    if (s->kind == STEP_HANDSHAKE || s->kind == STEP_ENCRYPTED_HANDSHAKE) {
        out_raw(w, ",\"msg\":");
        out_string(w, s->name);
        if (s->msg_type >= 0) {
            out_raw(w, ",\"msg_type\":");
            out_int(w, s->msg_type);
        }
    }
    if (s->kind == STEP_ALERT) {
        const field *level = field_child(s->root, "level");
        const field *desc = field_child(s->root, "description");
        if (level && desc) {
            out_raw(w, ",\"level\":");
            out_string(w, level->value);
            out_raw(w, ",\"description\":");
            out_string(w, desc->value);
        }
    }
    if (s->kind == STEP_KEYS) {
        /* Each secret by name at the top: "master_secret":"hex" (values
         * are in the fields only with --secrets). */
        const field *list = field_child(s->root, "secrets");
        for (const field *x = list ? list->first : NULL; x; x = x->next) {
            const field *name = field_child(x, "name"), *value = field_child(x, "value");
            if (!name || !value) continue;
            out_char(w, ',');
            out_string(w, name->value);
            out_char(w, ':');
            out_string(w, value->value);
        }
    }
    if (s->kind == STEP_APP_DATA) {
        const field *preview = field_child(s->root, "preview"), *text = field_child(s->root, "text");
        if (preview) {
            out_raw(w, ",\"preview\":");
            out_string(w, preview->value);
        }
        if (text) {
            out_raw(w, ",\"text\":");
            out_string(w, text->value);
        }
    }
}

static void json_step(sink *k, const conn_state *c, step *s)
{
    json_sink *j = (json_sink *)k;
    json_out *w = &j->w;
    (void)c;
    out_raw(w, "{\"type\":\"");
    out_raw(w, step_kind_name(s->kind));
    out_raw(w, "\",\"conn\":");
    out_uint(w, s->conn);
    out_raw(w, ",\"ts\":");
    out_ts(w, s->ts);
    out_raw(w, ",\"dir\":\"");
    out_raw(w, direction_name(s->dir));
    out_char(w, '"');
    out_step_extras(w, s);
    out_key_uint(w, "length", s->length);
    out_key_bool(w, "encrypted", s->encrypted);
    if (s->encrypted) out_key_bool(w, "decrypted", s->decrypted);
    if (s->malformed) out_raw(w, ",\"malformed\":true");
    out_raw(w, ",\"fields\":");
    out_field_value(w, s->root);
    if (s->summary) {
        out_raw(w, ",\"summary\":");
        out_string(w, s->summary);
    }
    if (s->narration) {
        out_raw(w, ",\"narration\":");
        out_string(w, s->narration);
    }
    if (j->r.o.hex && s->nbytes) {
        out_raw(w, ",\"bytes\":");
        out_hex_string(w, s->bytes, s->nbytes);
    }
    out_char(w, '}');
    end_line(j);
    step_free(s);
}

static void out_alert(json_out *w, const conn_state *c)
{
    out_raw(w, ",\"alert\":{\"from\":");
    out_string(w, c->alert_dir == DIR_C2S ? "client" : "server");
    out_raw(w, ",\"level\":");
    out_string(w, tls_alert_level_name(c->alert_level));
    out_raw(w, ",\"description\":");
    out_string(w, tls_alert_description_name(c->alert_description));
    out_char(w, '}');
}

static void out_server_certificate(json_out *w, const conn_state *c)
{
    out_raw(w, ",\"server_certificate\":{\"subject\":");
    out_string(w, c->server_cert.subject);
    out_raw(w, ",\"issuer\":");
    out_string(w, c->server_cert.issuer);
    out_raw(w, ",\"not_after\":");
    out_string(w, c->server_cert.not_after);
    out_raw(w, ",\"key\":");
    out_string(w, c->server_cert.key_desc);
    if (c->server_cert.validation[0]) {
        out_raw(w, ",\"validation\":");
        out_string(w, c->server_cert.validation);
    }
    out_char(w, '}');
}

static void json_conn_close(sink *k, const conn_state *c)
{
    json_sink *j = (json_sink *)k;
    json_out *w = &j->w;
    out_raw(w, "{\"type\":\"connection\",\"conn\":");
    out_uint(w, c->id);
    out_raw(w, ",\"ts\":");
    out_ts(w, c->first_ts);
    out_raw(w, ",\"ts_end\":");
    out_ts(w, c->last_ts);
    out_key_string(w, "client", c->client);
    out_key_string(w, "server", c->server);
    out_key_string(w, "version", conn_version_name(c));
    if (c->have_cipher_suite) {
        out_raw(w, ",\"cipher_suite\":");
        out_code(w, c->cipher_suite, 4, tls_cipher_suite_name(c->cipher_suite));
    }
    if (c->group) {
        out_raw(w, ",\"group\":");
        out_code(w, c->group, 4, tls_group_name(c->group));
    }
    out_key_string(w, "sni", c->sni);
    out_key_string(w, "alpn", c->alpn);
    out_key_bool(w, "resumed", c->resumed);
    out_key_bool(w, "hello_retry", c->hello_retry_request);
    out_raw(w, ",\"handshake\":\"");
    out_raw(w, handshake_outcome_name(c->outcome));
    out_raw(w, "\",\"decryption\":\"");
    out_raw(w, decryption_state_name(c->decryption));
    out_char(w, '"');
    if (c->alert_seen) out_alert(w, c);
    if (c->server_cert.present) out_server_certificate(w, c);
    out_key_bool(w, "client_certificate", c->client_certificate_sent);
    /* Whether the signatures of each side verified with its certificate's key. */
    if (c->server_signature) out_key_bool(w, "server_signature_verified", c->server_signature > 0);
    if (c->client_signature) out_key_bool(w, "client_signature_verified", c->client_signature > 0);
    out_key_string(w, "ja3", c->ja3_hash);
    out_key_string(w, "ja3s", c->ja3s_hash);
    out_key_string(w, "ja4", c->ja4);
    if (c->malformed) out_raw(w, ",\"malformed\":true");
    out_raw(w, ",\"notes\":[");
    for (unsigned i = 0; i < c->n_notes; i++) {
        if (i) out_char(w, ',');
        out_string(w, c->notes[i]);
    }
    out_raw(w, "]}");
    end_line(j);
}

sink *json_sink_new(FILE *out, const render_options *o)
{
    static const sink handlers = { json_conn_open, json_step, json_conn_close };
    /* Not render_sink_new(): the JSON view carries its buffer along. */
    json_sink *j = calloc(1, sizeof(*j));
    if (!j) return NULL;
    j->r.base = handlers;
    j->r.out = out;
    j->r.o = *o;
    j->w = (json_out){ out, j->buf, 0, sizeof j->buf, NULL };
    return &j->r.base;
}

void json_sink_write_to(sink *k, json_target *t)
{
    json_sink *j = (json_sink *)k;
    out_flush(&j->w);
    j->w.target = t;
    out_flush(&j->w);   /* the target's first memory */
}

void json_sink_summary(sink *k, const capture_stats *cs, const dissector_stats *ds)
{
    json_sink *j = (json_sink *)k;
    json_out *w = &j->w;
    const struct {
        const char *key;
        uint64_t n;
    } counts[] = {
        { "packets", cs->packets },
        { "tcp_connections", cs->flows },
        { "tls_connections", ds->tls_connections },
        { "non_tls_connections", ds->non_tls },
        { "truncated_packets", cs->truncated },
        { "ip_fragments", cs->fragments },
        { "gaps", cs->gaps },
        { "gap_bytes", cs->gap_bytes },
        { "conflicting_retransmissions", cs->conflicting },
        { "evicted_connections", cs->evicted },
        { "malformed_records", ds->malformed_records },
        { "oversized_messages", ds->oversized_messages },
    };
    out_raw(w, "{\"type\":\"summary\",\"conn\":0,\"ts\":0");
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) out_key_uint(w, counts[i].key, counts[i].n);
    if (cs->live) {
        out_key_uint(w, "kernel_dropped", cs->kernel_dropped);
        out_key_uint(w, "interface_dropped", cs->interface_dropped);
    }
    out_char(w, '}');
    end_line(j);
    out_flush(w);   /* the last line: nothing may stay behind */
}
