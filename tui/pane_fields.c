/* The decoded field tree of the current step: containers open and close,
 * the selected field's bytes are what the hex pane highlights. */
#include <stdlib.h>
#include <string.h>

#include "tui/dialogue.h"

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(p, c * elem);
    if (!q) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    *cap = c;
    return q;
}

bool fields_is_open(const dialogue *d, const field *f)
{
    for (size_t i = 0; i < d->nopen; i++)
        if (d->open[i] == f) return true;
    return false;
}

static void set_open(dialogue *d, const field *f, bool open)
{
    for (size_t i = 0; i < d->nopen; i++) {
        if (d->open[i] == f) {
            if (!open) d->open[i] = d->open[--d->nopen];
            return;
        }
    }
    if (!open) return;
    d->open = grow(d->open, &d->cap_open, d->nopen + 1, sizeof(*d->open));
    d->open[d->nopen++] = f;
}

static void add_rows(dialogue *d, const field *parent, int depth)
{
    for (const field *f = parent->first; f; f = f->next) {
        d->rows = grow(d->rows, &d->cap_rows, d->nrows + 1, sizeof(*d->rows));
        d->rows[d->nrows++] = (field_row){ f, depth };
        if (f->first && fields_is_open(d, f)) add_rows(d, f, depth + 1);
    }
}

static size_t count_nodes(const field *parent, size_t limit)
{
    size_t n = 0;
    for (const field *f = parent->first; f && n <= limit; f = f->next) n += 1 + count_nodes(f, limit);
    return n;
}

enum { AUTO_OPEN_NODES = 20 };

/* The first time a step is shown, a small tree opens whole: there is room,
 * and a learner sees everything without asking. */
static void first_sight(dialogue *d, const step *s)
{
    for (size_t i = 0; i < d->nseen; i++)
        if (d->seen[i] == s) return;
    d->seen = grow(d->seen, &d->cap_seen, d->nseen + 1, sizeof(*d->seen));
    d->seen[d->nseen++] = s;
    if (s->root && count_nodes(s->root, AUTO_OPEN_NODES) <= AUTO_OPEN_NODES) fields_set_all(d, true);
}

void fields_rebuild(dialogue *d)
{
    const step *s = dlg_step(d);
    if (s && d->rows_of != s) first_sight(d, s);
    const field *keep = (d->rows_of == s && d->fsel < d->nrows) ? d->rows[d->fsel].f : NULL;
    d->nrows = 0;
    if (s && s->root) add_rows(d, s->root, 0);
    if (d->rows_of != s) {
        d->fsel = d->ftop = 0;
        d->hex_top = 0;
        d->hex_reveal = true;
    } else if (keep) {
        /* Stay on the same node; if it was hidden, on its visible ancestor. */
        size_t sel = 0;
        for (const field *f = keep; f; f = f->parent) {
            bool found = false;
            for (size_t i = 0; i < d->nrows; i++)
                if (d->rows[i].f == f) {
                    sel = i;
                    found = true;
                    break;
                }
            if (found) break;
        }
        d->fsel = sel;
    }
    if (d->fsel >= d->nrows) d->fsel = d->nrows ? d->nrows - 1 : 0;
    d->rows_of = s;
    d->rows_stale = false;
}

static void ensure_rows(dialogue *d)
{
    if (d->rows_stale || d->rows_of != dlg_step(d)) fields_rebuild(d);
}

const field *fields_selected(dialogue *d)
{
    ensure_rows(d);
    return d->fsel < d->nrows ? d->rows[d->fsel].f : NULL;
}

void fields_toggle(dialogue *d, const field *f)
{
    if (!f || !f->first) return;
    set_open(d, f, !fields_is_open(d, f));
    d->rows_stale = true;
}

static void set_tree(dialogue *d, const field *parent, bool open)
{
    for (const field *f = parent->first; f; f = f->next) {
        if (!f->first) continue;
        set_open(d, f, open);
        set_tree(d, f, open);
    }
}

void fields_set_all(dialogue *d, bool open)
{
    const step *s = dlg_step(d);
    if (!s || !s->root) return;
    set_tree(d, s->root, open);
    d->rows_stale = true;
}

void fields_select(dialogue *d, const field *target)
{
    for (const field *f = target ? target->parent : NULL; f && f->parent; f = f->parent) set_open(d, f, true);
    fields_rebuild(d);
    for (size_t i = 0; i < d->nrows; i++)
        if (d->rows[i].f == target) d->fsel = i;
    d->hex_reveal = true;
}

void fields_move(dialogue *d, long delta)
{
    ensure_rows(d);
    if (!d->nrows) return;
    long s = (long)d->fsel + delta;
    if (s < 0) s = 0;
    if (s >= (long)d->nrows) s = (long)d->nrows - 1;
    if ((size_t)s != d->fsel) d->hex_reveal = true;
    d->fsel = (size_t)s;
}

void fields_forget(dialogue *d)
{
    d->nrows = d->nopen = d->nseen = 0;
    d->fsel = d->ftop = 0;
    d->rows_of = NULL;
}

static const field *deepest(const field *parent, size_t off)
{
    const field *best = NULL;
    for (const field *f = parent->first; f; f = f->next) {
        if (f->length == 0 || off < f->offset || off >= (size_t)f->offset + f->length) continue;
        const field *inner = deepest(f, off);
        const field *cand = inner ? inner : f;
        if (!best || cand->length < best->length) best = cand;
    }
    return best;
}

const field *fields_at_offset(const dialogue *d, size_t offset)
{
    const step *s = dlg_step(d);
    return s && s->root ? deepest(s->root, offset) : NULL;
}

long fields_hit(const dialogue *d, int y)
{
    const rect *r = &d->r_fields;
    if (y < r->y || y >= r->y + r->h) return -1;
    size_t i = d->ftop + (size_t)(y - r->y);
    return i < d->nrows ? (long)i : -1;
}

void fields_draw(tui *t, dialogue *d, rect r, bool focused)
{
    ensure_rows(d);
    d->r_fields = r;
    const step *s = dlg_step(d);
    if (!s) return;
    if (!d->nrows) {
        put(t, r.y, r.x + 1, r.w - 1, theme_attr(T_DIM), "(no decoded fields)");
        return;
    }
    if (d->fsel < d->ftop) d->ftop = d->fsel;
    if (d->fsel >= d->ftop + (size_t)r.h) d->ftop = d->fsel - (size_t)r.h + 1;
    if (d->ftop + (size_t)r.h > d->nrows) d->ftop = d->nrows > (size_t)r.h ? d->nrows - (size_t)r.h : 0;
    attr_t cursor = focused ? theme_attr(T_CURSOR) : theme_attr(T_CURSOR_DIM);
    for (int i = 0; i < r.h && d->ftop + (size_t)i < d->nrows; i++) {
        size_t idx = d->ftop + (size_t)i;
        const field *f = d->rows[idx].f;
        int y = r.y + i;
        bool sel = idx == d->fsel;
        if (sel) fill(y, r.x, r.w, cursor);
        int x = r.x + 1 + 2 * d->rows[idx].depth;
        int end = r.x + r.w - 1;   /* the last column: the scroll marks */
        if (x >= end - 4) x = end - 4;
        const char *marker = f->first ? (fields_is_open(d, f) ? t->g.open : t->g.closed) : " ";
        x += put(t, y, x, end - x, sel ? cursor : theme_attr(T_DIM), marker);
        x += 1;
        char text[1024];
        field_line_text(f, text, sizeof text);
        bool in_list = f->parent && f->parent->shape == FIELD_LIST && f->shape == FIELD_LEAF;
        attr_t va = sel ? cursor : f->malformed ? theme_attr(T_FAIL) : A_NORMAL;
        if (in_list || f->malformed) {
            put(t, y, x, end - x, va, text);
        } else {
            size_t nl = strlen(f->name);
            x += put_raw(t, y, x, end - x, sel ? cursor : theme_attr(T_FIELD_NAME), text, nl);
            if (x < end) put(t, y, x, end - x, va, text + nl);
        }
    }
    if (d->ftop > 0) put(t, r.y, r.x + r.w - 1, 1, theme_attr(T_DIM), t->g.up);
    if (d->ftop + (size_t)r.h < d->nrows) put(t, r.y + r.h - 1, r.x + r.w - 1, 1, theme_attr(T_DIM), t->g.down);
}
