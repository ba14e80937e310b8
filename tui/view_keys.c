/* The key schedule of a connection: what its STEP_KEYS steps carry, as a
 * chain from the first secret to the traffic keys, each value with where
 * it came from.  Without secrets, what would be needed. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h"
#include "tui/doc.h"

typedef struct keys_state {
    doc d;
    tui_conn *c;
} keys_state;

static void *keys_create(tui *t)
{
    (void)t;
    return calloc(1, sizeof(keys_state));
}

static void keys_destroy(void *p)
{
    keys_state *k = p;
    if (!k) return;
    doc_free(&k->d);
    free(k);
}

void keys_open(tui *t, tui_conn *c)
{
    keys_state *k = t->views[VIEW_KEYS].st;
    if (k->c != c) k->d.top = 0;
    k->c = c;
    tui_conn_hold(t, c);
    tui_push(t, VIEW_KEYS);
}

static void value_text(const field *f, char *buf, size_t n)
{
    if (f->json == FJ_CODE)
        snprintf(buf, n, "%s (0x%0*" PRIx32 ")", f->value ? f->value : "?", f->code_digits ? f->code_digits : 4,
                 f->code);
    else
        snprintf(buf, n, "%s", f->value ? f->value : "");
}

/* A node of the chain: its name, its value on lines of its own (secrets
 * are long), its children (inputs, labels, "from") indented below. */
static void node(doc *d, const field *f, int indent)
{
    char buf[2048];
    if (f->shape == FIELD_LEAF) {
        value_text(f, buf, sizeof buf);
        size_t len = strlen(buf);
        if (len > 40 || indent <= 3) {
            doc_text(d, theme_attr(T_FIELD_NAME), indent, f->name);
            doc_text(d, f->malformed ? theme_attr(T_FAIL) : A_NORMAL, indent + 2, buf);
        } else {
            char line[2200];
            snprintf(line, sizeof line, "%s: %s", f->name, buf);
            doc_text(d, f->malformed ? theme_attr(T_FAIL) : A_NORMAL, indent, line);
        }
        return;
    }
    if (f->value) {
        snprintf(buf, sizeof buf, "%s: %s", f->name, f->value);
        doc_text(d, theme_attr(T_FIELD_NAME), indent, buf);
    } else {
        doc_text(d, theme_attr(T_FIELD_NAME), indent, f->name);
    }
    for (const field *c = f->first; c; c = c->next) node(d, c, indent + 2);
}

static void explain_missing(tui *t, doc *d, const tui_conn *c)
{
    const char *why;
    switch (c->decryption) {
    case DEC_NEEDS_KEY_LOG:
        why = "This connection's key exchange is forward secret ((EC)DHE, or TLS 1.3): the server's private "
              "key cannot recover its secrets. A key log can: run the client with SSLKEYLOGFILE set and give "
              "the file with -l.";
        break;
    case DEC_KEY_MISMATCH:
        why = "The server key given with -k does not belong to this server's certificate, so the pre-master "
              "secret cannot be decrypted. Give the key of the certificate the server sent.";
        break;
    case DEC_FAILED:
        why = "Secrets were given for this connection, but the records did not decrypt with the keys they "
              "give: the key log may belong to another session.";
        break;
    case DEC_DECRYPTED:
        why = "The connection was decrypted, but no key schedule steps were recorded for it.";
        break;
    default:
        why = "tlsview has no secrets for this connection. With RSA key exchange (TLS 1.2 and before), the "
              "server's private key (-k) recovers them; with (EC)DHE or TLS 1.3, a key log (-l) written by the "
              "client through SSLKEYLOGFILE.";
    }
    doc_text(d, theme_attr(T_NARRATION), 1, why);
    (void)t;
}

/* A list whose items are objects with a "name": a chain of secrets, each
 * derived from those before it. */
static bool is_chain(const field *f)
{
    if (f->shape == FIELD_LEAF || !f->first) return false;
    for (const field *c = f->first; c; c = c->next)
        if (c->shape != FIELD_OBJECT || !field_child(c, "name")) return false;
    return true;
}

/* Long hex in groups of eight digits, so that it wraps and reads. */
static void grouped(const char *v, char *out, size_t n)
{
    size_t len = strlen(v), k = 0;
    bool hex = len > 16;
    for (size_t i = 0; i < len && hex; i++)
        if (!strchr("0123456789abcdefABCDEF", v[i])) hex = false;
    if (!hex) {
        snprintf(out, n, "%s", v);
        return;
    }
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        if (i && i % 8 == 0) out[k++] = ' ';
        out[k++] = v[i];
    }
    out[k] = 0;
}

static bool chain(tui *t, doc *d, const field *list)
{
    bool values = false;
    char buf[4096];
    for (const field *c = list->first; c; c = c->next) {
        const field *name = field_child(c, "name"), *len = field_child(c, "length");
        const field *val = field_child(c, "value"), *exp = field_child(c, "explanation");
        if (len && len->value) snprintf(buf, sizeof buf, "%s %s %s bytes", name->value ? name->value : "?", t->g.dot, len->value);
        else snprintf(buf, sizeof buf, "%s", name->value ? name->value : "?");
        doc_text(d, theme_attr(T_FIELD_NAME), 3, buf);
        if (exp && exp->value) doc_text(d, A_NORMAL, 5, exp->value);
        if (val && val->value) {
            grouped(val->value, buf, sizeof buf);
            doc_text(d, theme_attr(T_KEY), 5, buf);
            values = true;
        }
        for (const field *o = c->first; o; o = o->next) {
            if (o == name || o == len || o == val || o == exp) continue;
            node(d, o, 5);
        }
        if (c->next) doc_text(d, theme_attr(T_DERIVED), 4, t->g.arrow_down);
    }
    return values;
}

static void build(tui *t, keys_state *k)
{
    doc *d = &k->d;
    tui_conn *c = k->c;
    doc_clear(d);
    d->width = COLS - 2;
    if (!c) return;
    char line[512], suite[96];
    conn_suite_text(c, suite, sizeof suite);
    doc_blank(d);
    snprintf(line, sizeof line, "Key schedule of connection #%u%s%s%s%s", c->id, c->version ? ", " : "",
             conn_version_text(c), suite[0] ? ", " : "", suite);
    doc_text(d, theme_attr(T_HEADER), 1, line);
    unsigned found = 0;
    bool chains = false, values = false;
    for (uint32_t i = 0; i < c->n_steps; i++) {
        const step *s = c->steps[i];
        if (s->kind != STEP_KEYS) continue;
        found++;
        char label[96];
        step_label(s, label, sizeof label);
        doc_blank(d);
        snprintf(line, sizeof line, "%s Step %u of %u: %s", t->g.derived, i + 1, c->n_steps, label);
        doc_text(d, theme_attr(T_DERIVED), 1, line);
        if (s->summary && strcmp(s->summary, label) != 0) doc_text(d, theme_attr(T_DIM), 3, s->summary);
        doc_blank(d);
        bool drawn = false;
        for (const field *f = s->root ? s->root->first : NULL; f; f = f->next) {
            if (is_chain(f)) {
                values |= chain(t, d, f);
                drawn = chains = true;
            } else {
                node(d, f, 3);
            }
        }
        /* Without a chain the narration is all there is to say. */
        if (!drawn && s->narration) doc_text(d, theme_attr(T_NARRATION), 3, s->narration);
    }
    if (!found) {
        doc_blank(d);
        explain_missing(t, d, c);
    } else if (chains && !values) {
        doc_blank(d);
        doc_text(d, theme_attr(T_DIM), 1, "The values themselves are not shown: run tlsview with --secrets to see them.");
    }
}

static void keys_draw(tui *t, void *p)
{
    keys_state *k = p;
    build(t, k);
    char title[256];
    snprintf(title, sizeof title, "tlsview %s #%u %s Key schedule", t->g.dot, k->c ? k->c->id : 0, t->g.dot);
    tui_draw_title(t, title, "? help  q back");
    doc_draw(t, &k->d, 1, LINES - 2);
    tui_draw_status(t, "Key schedule  Up Down scroll  q back", "");
}

static bool keys_key(tui *t, void *p, int key)
{
    (void)t;
    keys_state *k = p;
    return doc_scroll_key(&k->d, key);
}

const view_ops view_keys_ops = {
    .name = "Key schedule",
    .create = keys_create,
    .destroy = keys_destroy,
    .draw = keys_draw,
    .key = keys_key,
};
