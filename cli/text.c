#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/render.h"
#include "dissect/names.h"

typedef render_sink text_sink;

static void format_time(double ts, char *buf, size_t n)
{
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%06ld UTC", (long)((ts - (double)t) * 1e6 + 0.5) % 1000000);
}

static const char *arrow(const text_sink *t, direction d)
{
    if (t->o.utf8) return d == DIR_C2S ? "C → S" : "C ← S";
    return d == DIR_C2S ? "C -> S" : "C <- S";
}

/* Prints text wrapped at about 76 columns, each line indented. */
static void wrapped(FILE *out, const char *text, int indent)
{
    const int width = 100 - indent;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        int len = (int)strlen(p);
        int cut = len;
        if (len > width) {
            cut = width;
            while (cut > 0 && p[cut] != ' ') cut--;
            if (cut == 0) cut = width;
        }
        fprintf(out, "%*s%.*s\n", indent, "", cut, p);
        p += cut;
    }
}

static void field_line(FILE *out, const field *f, int depth, bool in_list)
{
    fprintf(out, "%*s", 6 + 2 * depth, "");
    if (!in_list || f->shape != FIELD_LEAF) fprintf(out, "%s", f->name);
    if (f->shape == FIELD_LEAF) {
        if (!in_list) fputs(": ", out);
        if (f->json == FJ_CODE) fprintf(out, "%s (0x%0*" PRIx32 ")", f->value, f->code_digits ? f->code_digits : 4, f->code);
        else fputs(f->value ? f->value : "", out);
    } else if (f->value) {
        fprintf(out, ": %s", f->value);
    }
    fputc('\n', out);
}

static void field_tree(FILE *out, const field *f, int depth, bool in_list)
{
    for (const field *c = f->first; c; c = c->next) {
        field_line(out, c, depth, in_list);
        if (c->shape != FIELD_LEAF) field_tree(out, c, depth + 1, c->shape == FIELD_LIST);
    }
}

static void hex_dump(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        fprintf(out, "      %04zx  ", off);
        for (size_t i = 0; i < 16; i++) {
            if (off + i < n) fprintf(out, "%02x ", p[off + i]);
            else fputs("   ", out);
            if (i == 7) fputc(' ', out);
        }
        fputc(' ', out);
        for (size_t i = 0; i < 16 && off + i < n; i++) fputc(isprint(p[off + i]) ? p[off + i] : '.', out);
        fputc('\n', out);
    }
}

static void text_conn_open(sink *k, const conn_state *c)
{
    text_sink *t = (text_sink *)k;
    char when[48];
    format_time(c->first_ts, when, sizeof when);
    fprintf(t->out, "Connection %u: %s %s %s  (%s)\n", c->id, c->client, t->o.utf8 ? "→" : "->", c->server, when);
}

static void text_step(sink *k, const conn_state *c, step *s)
{
    text_sink *t = (text_sink *)k;
    FILE *out = t->out;
    const char *name = s->name;
    fprintf(out, "#%u %9.6f  %s  %s", s->conn, s->ts - c->first_ts, arrow(t, s->dir), name);
    if (s->kind == STEP_HANDSHAKE && s->encrypted) fputs(" (decrypted)", out);
    if (s->summary) fprintf(out, "  %s", s->summary);
    if (s->malformed) fputs("  [malformed]", out);
    fputc('\n', out);
    if (s->narration) wrapped(out, s->narration, 6);
    if (s->kind == STEP_KEYS && !t->o.verbose) {
        /* With --secrets the values are there: show them. */
        const field *list = field_child(s->root, "secrets");
        for (const field *x = list ? list->first : NULL; x; x = x->next) {
            const field *name = field_child(x, "name"), *value = field_child(x, "value");
            if (name && value) fprintf(out, "      %s = %s\n", name->value, value->value);
        }
    }
    if (s->kind == STEP_APP_DATA && !t->o.verbose) {
        const field *text = field_child(s->root, "text");
        if (text) wrapped(out, text->value, 6);
    }
    if (t->o.verbose) field_tree(out, s->root, 0, false);
    else {
        for (const field *f = s->root->first; f; f = f->next)
            if (f->malformed) field_line(out, f, 0, false);
    }
    if (t->o.hex && s->nbytes) hex_dump(out, s->bytes, s->nbytes);
    step_free(s);
}

static void text_conn_close(sink *k, const conn_state *c)
{
    text_sink *t = (text_sink *)k;
    FILE *out = t->out;
    fprintf(out, "Connection %u ends after %.3f s: ", c->id, c->last_ts - c->first_ts);
    const char *v = conn_version_name(c);
    if (v) fprintf(out, "%s, ", v);
    if (c->have_cipher_suite) {
        const char *n = tls_cipher_suite_name(c->cipher_suite);
        if (n) fprintf(out, "%s, ", n);
        else fprintf(out, "cipher suite 0x%04x, ", c->cipher_suite);
    }
    if (c->sni[0]) fprintf(out, "SNI %s, ", c->sni);
    if (c->resumed) fputs("resumed, ", out);
    fprintf(out, "handshake %s, decryption: %s\n", handshake_outcome_name(c->outcome),
            decryption_state_name(c->decryption));
    for (unsigned i = 0; i < c->n_notes; i++) fprintf(out, "      note: %s\n", c->notes[i]);
}

sink *text_sink_new(FILE *out, const render_options *o)
{
    static const sink handlers = { text_conn_open, text_step, text_conn_close };
    return render_sink_new(out, o, &handlers);
}

void text_sink_summary(sink *k, const capture_stats *cs, const dissector_stats *ds)
{
    text_sink *t = (text_sink *)k;
    FILE *out = t->out;
    fprintf(out, "%" PRIu64 " packets, %" PRIu64 " TCP connections, %" PRIu64 " TLS", cs->packets, cs->flows,
            ds->tls_connections);
    if (ds->non_tls) fprintf(out, ", %" PRIu64 " not TLS", ds->non_tls);
    fputc('\n', out);
    if (cs->truncated) fprintf(out, "%" PRIu64 " packets truncated by the snapshot length\n", cs->truncated);
    if (cs->fragments) fprintf(out, "%" PRIu64 " IP fragments not reassembled\n", cs->fragments);
    if (cs->gaps) fprintf(out, "%" PRIu64 " gaps in TCP streams (%" PRIu64 " bytes lost)\n", cs->gaps, cs->gap_bytes);
    if (cs->conflicting) fprintf(out, "%" PRIu64 " retransmissions with conflicting bytes\n", cs->conflicting);
    if (cs->evicted) fprintf(out, "%" PRIu64 " connections evicted (--max-flows)\n", cs->evicted);
    if (ds->malformed_records) fprintf(out, "%" PRIu64 " malformed records\n", ds->malformed_records);
    if (ds->oversized_messages) fprintf(out, "%" PRIu64 " handshake messages over --max-message\n", ds->oversized_messages);
    if (cs->live)
        fprintf(out, "%" PRIu64 " packets dropped by the kernel, %" PRIu64 " by the interface\n", cs->kernel_dropped,
                cs->interface_dropped);
}

sink *render_sink_new(FILE *out, const render_options *o, const sink *handlers)
{
    render_sink *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->base = *handlers;
    r->out = out;
    r->o = *o;
    return &r->base;
}

void render_sink_free(sink *k)
{
    free(k);
}
