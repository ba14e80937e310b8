#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/render.h"
#include "dissect/names.h"

typedef render_sink json_sink;

/* Bytes that go out as they are: printable ASCII but the quote and the
 * backslash. */
static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void json_write_string(FILE *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        /* Runs of plain bytes in one write: most of the output is those. */
        const unsigned char *run = p;
        while (json_plain(*p)) p++;
        if (p > run) fwrite(run, 1, (size_t)(p - run), out);
        if (!*p) break;
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            } else {
                /* Only well-formed UTF-8 passes; anything else is escaped
                 * byte by byte so that every line stays valid JSON. */
                size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
                size_t ok = n;
                for (size_t i = 1; i < n && ok; i++)
                    if ((p[i] & 0xc0) != 0x80) ok = 0;
                if (ok) {
                    fwrite(p, 1, n, out);
                    p += n;
                    continue;
                }
                fprintf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            }
        }
        p++;
    }
    putc('"', out);
}

/* Seconds with six decimals, as integers: float formatting is slow and
 * capture times are microseconds anyway. */
static void write_ts(FILE *out, double ts)
{
    if (!(ts >= 0 && ts < 1e15)) {
        fputs("0", out);
        return;
    }
    unsigned long long us = (unsigned long long)(ts * 1e6 + 0.5);
    fprintf(out, "%llu.%06llu", us / 1000000, us % 1000000);
}

static void write_code(FILE *out, uint32_t code, unsigned digits, const char *name)
{
    fprintf(out, "{\"code\":\"0x%0*" PRIx32 "\",\"name\":", (int)(digits ? digits : 4), code);
    json_write_string(out, name);
    putc('}', out);
}

static void write_field_value(FILE *out, const field *f);

static void write_children(FILE *out, const field *f, bool keys)
{
    putc(keys ? '{' : '[', out);
    bool first = true;
    for (const field *c = f->first; c; c = c->next) {
        if (!first) putc(',', out);
        first = false;
        if (keys) {
            json_write_string(out, c->name);
            putc(':', out);
        }
        write_field_value(out, c);
    }
    putc(keys ? '}' : ']', out);
}

static void write_field_value(FILE *out, const field *f)
{
    if (f->shape == FIELD_OBJECT) {
        write_children(out, f, true);
        return;
    }
    if (f->shape == FIELD_LIST) {
        write_children(out, f, false);
        return;
    }
    switch (f->json) {
    case FJ_NUMBER:
    case FJ_BOOL:
        fputs(f->value ? f->value : "null", out);
        break;
    case FJ_CODE:
        write_code(out, f->code, f->code_digits, f->value);
        break;
    default:
        json_write_string(out, f->value);
    }
}

static void write_hex(FILE *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', out);
    for (size_t i = 0; i < n; i++) {
        putc(hex[p[i] >> 4], out);
        putc(hex[p[i] & 15], out);
    }
    putc('"', out);
}

static void json_conn_open(sink *k, const conn_state *c)
{
    (void)k;
    (void)c;
}

static void json_step(sink *k, const conn_state *c, step *s)
{
    json_sink *j = (json_sink *)k;
    FILE *out = j->out;
    (void)c;
    fprintf(out, "{\"type\":\"%s\",\"conn\":%u,\"ts\":", step_kind_name(s->kind), s->conn);
    write_ts(out, s->ts);
    fprintf(out, ",\"dir\":\"%s\"", direction_name(s->dir));
    if (s->kind == STEP_HANDSHAKE || s->kind == STEP_ENCRYPTED_HANDSHAKE) {
        fputs(",\"msg\":", out);
        json_write_string(out, s->name);
        if (s->msg_type >= 0) fprintf(out, ",\"msg_type\":%d", s->msg_type);
    }
    if (s->kind == STEP_ALERT) {
        const field *level = field_child(s->root, "level");
        const field *desc = field_child(s->root, "description");
        if (level && desc) {
            fputs(",\"level\":", out);
            json_write_string(out, level->value);
            fputs(",\"description\":", out);
            json_write_string(out, desc->value);
        }
    }
    if (s->kind == STEP_KEYS) {
        /* Each secret by name at the top: "master_secret":"hex" (values
         * are in the fields only with --secrets). */
        const field *list = field_child(s->root, "secrets");
        for (const field *x = list ? list->first : NULL; x; x = x->next) {
            const field *name = field_child(x, "name"), *value = field_child(x, "value");
            if (!name || !value) continue;
            fputc(',', out);
            json_write_string(out, name->value);
            putc(':', out);
            json_write_string(out, value->value);
        }
    }
    if (s->kind == STEP_APP_DATA) {
        const field *preview = field_child(s->root, "preview"), *text = field_child(s->root, "text");
        if (preview) {
            fputs(",\"preview\":", out);
            json_write_string(out, preview->value);
        }
        if (text) {
            fputs(",\"text\":", out);
            json_write_string(out, text->value);
        }
    }
    fprintf(out, ",\"length\":%" PRIu32 ",\"encrypted\":%s", s->length, s->encrypted ? "true" : "false");
    if (s->encrypted) fprintf(out, ",\"decrypted\":%s", s->decrypted ? "true" : "false");
    if (s->malformed) fputs(",\"malformed\":true", out);
    fputs(",\"fields\":", out);
    write_field_value(out, s->root);
    if (s->summary) {
        fputs(",\"summary\":", out);
        json_write_string(out, s->summary);
    }
    if (s->narration) {
        fputs(",\"narration\":", out);
        json_write_string(out, s->narration);
    }
    if (j->o.hex && s->nbytes) {
        fputs(",\"bytes\":", out);
        write_hex(out, s->bytes, s->nbytes);
    }
    fputs("}\n", out);
    step_free(s);
}

static void key_string(FILE *out, const char *key, const char *value)
{
    if (!value || !*value) return;
    fprintf(out, ",\"%s\":", key);
    json_write_string(out, value);
}

static void json_conn_close(sink *k, const conn_state *c)
{
    json_sink *j = (json_sink *)k;
    FILE *out = j->out;
    fprintf(out, "{\"type\":\"connection\",\"conn\":%u,\"ts\":", c->id);
    write_ts(out, c->first_ts);
    fputs(",\"ts_end\":", out);
    write_ts(out, c->last_ts);
    key_string(out, "client", c->client);
    key_string(out, "server", c->server);
    key_string(out, "version", conn_version_name(c));
    if (c->have_cipher_suite) {
        fputs(",\"cipher_suite\":", out);
        write_code(out, c->cipher_suite, 4, tls_cipher_suite_name(c->cipher_suite));
    }
    if (c->group) {
        fputs(",\"group\":", out);
        write_code(out, c->group, 4, tls_group_name(c->group));
    }
    key_string(out, "sni", c->sni);
    key_string(out, "alpn", c->alpn);
    fprintf(out, ",\"resumed\":%s", c->resumed ? "true" : "false");
    fprintf(out, ",\"hello_retry\":%s", c->hello_retry_request ? "true" : "false");
    fprintf(out, ",\"handshake\":\"%s\"", handshake_outcome_name(c->outcome));
    fprintf(out, ",\"decryption\":\"%s\"", decryption_state_name(c->decryption));
    if (c->alert_seen) {
        fputs(",\"alert\":{\"from\":", out);
        json_write_string(out, c->alert_dir == DIR_C2S ? "client" : "server");
        fputs(",\"level\":", out);
        json_write_string(out, tls_alert_level_name(c->alert_level));
        fputs(",\"description\":", out);
        json_write_string(out, tls_alert_description_name(c->alert_description));
        putc('}', out);
    }
    if (c->server_cert.present) {
        fputs(",\"server_certificate\":{\"subject\":", out);
        json_write_string(out, c->server_cert.subject);
        fputs(",\"issuer\":", out);
        json_write_string(out, c->server_cert.issuer);
        fputs(",\"not_after\":", out);
        json_write_string(out, c->server_cert.not_after);
        fputs(",\"key\":", out);
        json_write_string(out, c->server_cert.key_desc);
        if (c->server_cert.validation[0]) {
            fputs(",\"validation\":", out);
            json_write_string(out, c->server_cert.validation);
        }
        putc('}', out);
    }
    fprintf(out, ",\"client_certificate\":%s", c->client_certificate_sent ? "true" : "false");
    /* Whether the signatures of each side verified with its certificate's key. */
    if (c->server_signature) fprintf(out, ",\"server_signature_verified\":%s", c->server_signature > 0 ? "true" : "false");
    if (c->client_signature) fprintf(out, ",\"client_signature_verified\":%s", c->client_signature > 0 ? "true" : "false");
    key_string(out, "ja3", c->ja3_hash);
    key_string(out, "ja3s", c->ja3s_hash);
    key_string(out, "ja4", c->ja4);
    if (c->malformed) fputs(",\"malformed\":true", out);
    fputs(",\"notes\":[", out);
    for (unsigned i = 0; i < c->n_notes; i++) {
        if (i) putc(',', out);
        json_write_string(out, c->notes[i]);
    }
    fputs("]}\n", out);
}

sink *json_sink_new(FILE *out, const render_options *o)
{
    static const sink handlers = { json_conn_open, json_step, json_conn_close };
    return render_sink_new(out, o, &handlers);
}

void json_sink_summary(sink *k, const capture_stats *cs, const dissector_stats *ds)
{
    json_sink *j = (json_sink *)k;
    fprintf(j->out,
            "{\"type\":\"summary\",\"conn\":0,\"ts\":0,\"packets\":%" PRIu64 ",\"tcp_connections\":%" PRIu64
            ",\"tls_connections\":%" PRIu64 ",\"non_tls_connections\":%" PRIu64 ",\"truncated_packets\":%" PRIu64
            ",\"ip_fragments\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"gap_bytes\":%" PRIu64
            ",\"conflicting_retransmissions\":%" PRIu64 ",\"evicted_connections\":%" PRIu64
            ",\"malformed_records\":%" PRIu64 ",\"oversized_messages\":%" PRIu64,
            cs->packets, cs->flows, ds->tls_connections, ds->non_tls, cs->truncated, cs->fragments, cs->gaps,
            cs->gap_bytes, cs->conflicting, cs->evicted, ds->malformed_records, ds->oversized_messages);
    if (cs->live)
        fprintf(j->out, ",\"kernel_dropped\":%" PRIu64 ",\"interface_dropped\":%" PRIu64, cs->kernel_dropped,
                cs->interface_dropped);
    fputs("}\n", j->out);
}
