/* The ladder: Client and Server lifelines, one arrow per step labelled
 * with the message, encrypted steps drawn with a double line, derived
 * steps (keys, verification, gaps) between the columns. */
#include <string.h>

#include "tui/dialogue.h"

int ladder_capacity(rect r)
{
    /* A title row, and a legend row when there is room. */
    int rows = r.h - 1 - (r.h > 8 ? 1 : 0);
    return rows > 0 ? rows : 1;
}

static bool derived(const step *s)
{
    return s->kind == STEP_KEYS || s->kind == STEP_GAP || s->kind == STEP_NOTE;
}

static int digits(size_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* Repeats glyph g n times into buf. */
static void repeat(char *buf, size_t size, const char *g, int n)
{
    size_t k = 0, gl = strlen(g);
    for (int i = 0; i < n && k + gl < size; i++) {
        memcpy(buf + k, g, gl);
        k += gl;
    }
    buf[k] = 0;
}

static void draw_step(tui *t, const dialogue *d, const step *s, size_t idx, int y, rect r, int cx, int sx,
                      bool selected, bool focused)
{
    attr_t cursor = focused ? theme_attr(T_CURSOR) : theme_attr(T_CURSOR_DIM);
    if (selected) fill(y, r.x, r.w, cursor);
    attr_t border = selected ? cursor : theme_attr(T_BORDER);
    int iw = sx - cx - 1;
    putf(t, y, r.x, cx - r.x - 1, selected ? cursor : theme_attr(T_DIM), "%*zu", cx - r.x - 1, idx + 1);
    put(t, y, cx, 1, border, t->g.vline);
    put(t, y, sx, 1, border, t->g.vline);

    char label[96], text[128];
    step_label(s, label, sizeof label);
    if (derived(s)) {
        const char *mark = s->kind == STEP_GAP ? t->g.gap : t->g.derived;
        /* Keys and verifications stand out; the capture's own remarks
         * (TCP anomalies, plain "note" steps) stay quiet. */
        theme_el el = s->malformed ? T_FAIL
                      : s->kind == STEP_GAP ? T_WARN
                      : s->kind == STEP_NOTE && (!s->name || strcmp(s->name, "note") == 0) ? T_DIM
                                                                                          : T_DERIVED;
        snprintf(text, sizeof text, "%s %s", mark, label);
        int w = text_width(text, strlen(text));
        if (w > iw - 2) w = iw - 2;
        put(t, y, cx + 1 + (iw - w) / 2, w, selected ? cursor : theme_attr(el), text);
        return;
    }
    theme_el el = s->dir == DIR_C2S ? T_CLIENT : T_SERVER;
    if (s->malformed || s->kind == STEP_MALFORMED) el = T_FAIL;
    else if (s->kind == STEP_ALERT) {
        /* Red for what ends a connection badly; close_notify is a goodbye. */
        const field *level = field_child(s->root, "level"), *desc = field_child(s->root, "description");
        bool bye = desc && desc->value && strcmp(desc->value, "close_notify") == 0;
        bool fatal = level && level->value && strcmp(level->value, "fatal") == 0;
        if (fatal || (desc && !bye)) el = T_FAIL;
    }
    attr_t a = selected ? cursor : theme_attr(el);
    const char *line = s->encrypted ? t->g.hline_enc : t->g.hline;
    if (s->kind == STEP_MALFORMED) snprintf(text, sizeof text, " %s %s ", t->g.bad, label);
    else snprintf(text, sizeof text, " %s ", label);
    /* A Finished that tlsview recomputed: the proof both sides agree. */
    int verified = step_verified(s);
    char mark[16] = "";
    if (verified >= 0) snprintf(mark, sizeof mark, "%s ", verified ? t->g.check : t->g.bad);
    attr_t ma = selected ? cursor : theme_attr(verified ? T_DERIVED : T_FAIL);
    int mw = text_width(mark, strlen(mark));
    int lw = text_width(text, strlen(text));
    if (lw + mw > iw - 3) lw = iw - 3 - mw;
    if (lw < 0) lw = 0;
    int rest = iw - 2 - lw - mw;   /* line cells besides the lead-in and the arrow */
    char run[4 * 128];
    int x = cx + 1;
    if (s->dir == DIR_C2S) {
        put(t, y, x, 1, a, line);
        x += 1;
        x += put(t, y, x, lw, a, text);
        x += put(t, y, x, mw, ma, mark);
        repeat(run, sizeof run, line, rest);
        x += put(t, y, x, rest, a, run);
        put(t, y, x, 1, a, t->g.arrow_r);
    } else {
        put(t, y, x, 1, a, t->g.arrow_l);
        x += 1;
        repeat(run, sizeof run, line, rest);
        x += put(t, y, x, rest, a, run);
        x += put(t, y, x, lw, a, text);
        x += put(t, y, x, mw, ma, mark);
        put(t, y, x, 1, a, line);
    }
    (void)d;
}

void ladder_draw(tui *t, dialogue *d, rect r, bool focused)
{
    tui_conn *c = d->c;
    size_t n = c ? c->n_steps : 0;
    int idxw = digits(n ? n : 1);
    if (idxw < 2) idxw = 2;
    int cx = r.x + idxw + 1, sx = r.x + r.w - 2;
    d->r_ladder = r;
    d->ladder_rows_y = r.y + 1;

    /* Column titles over the lifelines. */
    put(t, r.y, cx - 3 > r.x ? cx - 3 : r.x, 8, theme_attr(T_CLIENT) | A_UNDERLINE, "Client");
    put(t, r.y, sx - 4, 6, theme_attr(T_SERVER) | A_UNDERLINE, "Server");

    int cap = ladder_capacity(r);
    if (d->cur < d->ladder_top) d->ladder_top = d->cur;
    if (d->cur >= d->ladder_top + (size_t)cap) d->ladder_top = d->cur - (size_t)cap + 1;
    if (d->ladder_top && d->ladder_top + (size_t)cap > n) d->ladder_top = n > (size_t)cap ? n - (size_t)cap : 0;

    for (int i = 0; i < cap; i++) {
        int y = r.y + 1 + i;
        size_t idx = d->ladder_top + (size_t)i;
        if (idx < n) {
            draw_step(t, d, c->steps[idx], idx, y, r, cx, sx, idx == d->cur, focused);
        } else {
            put(t, y, cx, 1, theme_attr(T_BORDER), t->g.vline);
            put(t, y, sx, 1, theme_attr(T_BORDER), t->g.vline);
        }
    }
    if (d->ladder_top > 0) put(t, r.y + 1, r.x, 1, theme_attr(T_DIM), t->g.up);
    if (d->ladder_top + (size_t)cap < n) put(t, r.y + cap, r.x, 1, theme_attr(T_DIM), t->g.down);

    if (r.h > 8) {
        /* The legend: what the lines mean. */
        char legend[160];
        char plain[16], enc[16];
        repeat(plain, sizeof plain, t->g.hline, 1);
        repeat(enc, sizeof enc, t->g.hline_enc, 1);
        snprintf(legend, sizeof legend, "%s%s clear  %s%s encrypted  %s derived", plain, t->g.arrow_r, enc,
                 t->g.arrow_r, t->g.derived);
        int w = text_width(legend, strlen(legend));
        put(t, r.y + r.h - 1, r.x + (r.w > w ? (r.w - w) / 2 : 0), r.w, theme_attr(T_DIM), legend);
    }
}

long ladder_hit(const dialogue *d, int y, int x)
{
    const rect *r = &d->r_ladder;
    if (!d->c || x < r->x || x >= r->x + r->w || y < d->ladder_rows_y || y >= d->ladder_rows_y + ladder_capacity(*r))
        return -1;
    size_t idx = d->ladder_top + (size_t)(y - d->ladder_rows_y);
    return idx < d->c->n_steps ? (long)idx : -1;
}
