/* A scrolling page of wrapped lines: the key schedule and help screens
 * are built as one and drawn through it. */
#include <stdlib.h>
#include <string.h>

#include "tui/doc.h"

void doc_clear(doc *d)
{
    for (size_t i = 0; i < d->n; i++) free(d->lines[i].text);
    d->n = 0;
}

void doc_free(doc *d)
{
    doc_clear(d);
    free(d->lines);
    d->lines = NULL;
    d->cap = 0;
}

static void add(doc *d, attr_t a, int indent, const char *text, size_t len, const char *key, attr_t key_attr)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 128;
        doc_line *l = realloc(d->lines, cap * sizeof(*l));
        if (!l) return;
        d->lines = l;
        d->cap = cap;
    }
    doc_line *l = &d->lines[d->n++];
    memset(l, 0, sizeof *l);
    l->text = malloc(len + 1);
    if (l->text) {
        memcpy(l->text, text, len);
        l->text[len] = 0;
    }
    l->attr = a;
    l->indent = indent;
    if (key) snprintf(l->key, sizeof l->key, "%s", key);
    l->key_attr = key_attr;
}

typedef struct wrap_ctx {
    doc *d;
    attr_t a;
    int indent;
    const char *key;
    attr_t key_attr;
} wrap_ctx;

static void wrapped(void *p, int i, const char *s, size_t len)
{
    wrap_ctx *w = p;
    add(w->d, w->a, w->indent, s, len, i == 0 ? w->key : NULL, w->key_attr);
}

void doc_text(doc *d, attr_t a, int indent, const char *text)
{
    wrap_ctx w = { d, a, indent, NULL, 0 };
    int width = d->width - indent - 1;
    if (!text || !*text || wrap(text, width < 8 ? 8 : width, wrapped, &w) == 0) add(d, a, indent, "", 0, NULL, 0);
}

void doc_blank(doc *d)
{
    add(d, A_NORMAL, 0, "", 0, NULL, 0);
}

void doc_key(doc *d, attr_t key_attr, const char *keys, const char *what)
{
    wrap_ctx w = { d, A_NORMAL, DOC_KEY_COLUMN, keys, key_attr };
    int width = d->width - DOC_KEY_COLUMN - 1;
    wrap(what, width < 8 ? 8 : width, wrapped, &w);
}

int doc_draw(tui *t, doc *d, int y, int h)
{
    if (d->top + (size_t)h > d->n) d->top = d->n > (size_t)h ? d->n - (size_t)h : 0;
    for (int i = 0; i < h && d->top + (size_t)i < d->n; i++) {
        const doc_line *l = &d->lines[d->top + (size_t)i];
        if (l->key[0]) put(t, y + i, 2, DOC_KEY_COLUMN - 3, l->key_attr, l->key);
        put(t, y + i, 1 + l->indent, COLS - 2 - l->indent, l->attr, l->text);
    }
    if (d->top > 0) put(t, y, COLS - 2, 1, theme_attr(T_DIM), t->g.up);
    if (d->top + (size_t)h < d->n) put(t, y + h - 1, COLS - 2, 1, theme_attr(T_DIM), t->g.down);
    d->page = h;
    return h;
}

bool doc_scroll_key(doc *d, int key)
{
    long delta;
    switch (key) {
    case FK(KEY_DOWN):
    case 'j':
    case K_WHEEL_DOWN:
        delta = key == K_WHEEL_DOWN ? 3 : 1;
        break;
    case FK(KEY_UP):
    case 'k':
    case K_WHEEL_UP:
        delta = key == K_WHEEL_UP ? -3 : -1;
        break;
    case FK(KEY_NPAGE):
    case ' ':
    case KEY_CTRL('f'):
        delta = d->page > 1 ? d->page - 1 : 1;
        break;
    case FK(KEY_PPAGE):
    case KEY_CTRL('b'):
        delta = -(d->page > 1 ? d->page - 1 : 1);
        break;
    case FK(KEY_HOME):
    case 'g':
        d->top = 0;
        return true;
    case FK(KEY_END):
    case 'G':
        d->top = d->n;
        return true;
    default:
        return false;
    }
    long top = (long)d->top + delta;
    d->top = top < 0 ? 0 : (size_t)top;
    return true;
}
