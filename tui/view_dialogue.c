/* The dialogue of one connection, replayed a step at a time: the ladder
 * on the left; on the right the current step's narration, its field tree
 * and its bytes. */
#include <stdlib.h>
#include <string.h>

#include "tui/dialogue.h"

enum { MAX_NARRATION_LINES = 64 };

static void *dlg_create(tui *t)
{
    (void)t;
    dialogue *d = calloc(1, sizeof(*d));
    if (d) d->pace = 1.5;
    return d;
}

static void dlg_destroy(void *p)
{
    dialogue *d = p;
    if (!d) return;
    free(d->rows);
    free(d->open);
    free(d->seen);
    free(d);
}

static dialogue *the_dialogue(tui *t)
{
    return t->views[VIEW_DIALOGUE].st;
}

const step *dlg_step(const dialogue *d)
{
    return d->c && d->cur < d->c->n_steps ? d->c->steps[d->cur] : NULL;
}

tui_conn *dialogue_conn(tui *t)
{
    return the_dialogue(t)->c;
}

void dialogue_open(tui *t, tui_conn *c)
{
    dialogue *d = the_dialogue(t);
    if (d->c == c && d->epoch != c->epoch) fields_forget(d);   /* its steps were let go: old nodes are gone */
    if (d->c != c) {
        fields_forget(d);
        d->cur = d->ladder_top = d->hex_top = 0;
        d->focus = PANE_LADDER;
        d->play = PLAY_OFF;
        d->search[0] = 0;
    }
    d->c = c;
    d->unavailable = !tui_conn_hold(t, c);
    if (d->epoch != c->epoch) fields_forget(d);
    d->epoch = c->epoch;
    d->follow = !c->closed && c->n_steps == 0;
    if (d->cur >= c->n_steps) d->cur = 0;
    tui_push(t, VIEW_DIALOGUE);
}

static void go(dialogue *d, size_t idx)
{
    size_t n = d->c ? d->c->n_steps : 0;
    if (!n) return;
    if (idx >= n) idx = n - 1;
    d->cur = idx;
    d->follow = false;
}

/* ---- autoplay ---- */

static double step_delay(const dialogue *d)
{
    if (d->play == PLAY_STEADY) return d->pace;
    /* The capture's own timing, with pauses long enough to see a step and
     * short enough not to wait on an idle connection. */
    const tui_conn *c = d->c;
    if (!c || d->cur + 1 >= c->n_steps) return 0.5;
    double dt = c->steps[d->cur + 1]->ts - c->steps[d->cur]->ts;
    if (dt < 0.2) dt = 0.2;
    if (dt > 10) dt = 10;
    return dt;
}

static double dlg_tick(tui *t, void *p, double now)
{
    dialogue *d = p;
    if (d->play == PLAY_OFF || !d->c) return -1;
    if (now + 1e-9 < d->next_at) return d->next_at - now;
    if (d->cur + 1 < d->c->n_steps) {
        d->cur++;
        t->dirty = true;
        d->next_at = now + step_delay(d);
        return d->next_at - now;
    }
    if (!d->c->closed && t->src && t->src->live) {
        d->next_at = now + 0.25;
        return 0.25;
    }
    d->play = PLAY_OFF;
    tui_message(t, false, "Autoplay: the dialogue ends here.");
    return -1;
}

static void toggle_play(tui *t, dialogue *d, autoplay mode)
{
    if (d->play == mode) {
        d->play = PLAY_OFF;
        return;
    }
    d->play = mode;
    if (d->c && d->cur + 1 >= d->c->n_steps) d->cur = 0;   /* at the end: from the top */
    d->follow = false;
    d->next_at = tui_now(t) + step_delay(d);
}

/* ---- search ---- */

static const field *field_matching(const field *parent, const char *q)
{
    for (const field *f = parent->first; f; f = f->next) {
        if (contains_ci(f->name, q) || contains_ci(f->value, q)) return f;
        const field *in = field_matching(f, q);
        if (in) return in;
    }
    return NULL;
}

static bool step_matches(const step *s, const char *q, const field **hit)
{
    char label[96];
    step_label(s, label, sizeof label);
    *hit = s->root ? field_matching(s->root, q) : NULL;
    return *hit || contains_ci(label, q) || contains_ci(s->name, q) || contains_ci(s->summary, q) ||
           contains_ci(s->narration, q);
}

static void search_go(tui *t, dialogue *d, int dir, bool include_current)
{
    tui_conn *c = d->c;
    if (!c || !c->n_steps || !d->search[0]) return;
    size_t n = c->n_steps;
    for (size_t i = include_current ? 0 : 1; i <= n; i++) {
        size_t idx = dir > 0 ? (d->cur + i) % n : (d->cur + n * 2 - i) % n;
        const field *hit;
        if (step_matches(c->steps[idx], d->search, &hit)) {
            go(d, idx);
            if (hit) {
                fields_select(d, hit);
                d->focus = PANE_FIELDS;
            }
            return;
        }
    }
    tui_message(t, true, "No step of this connection mentions \"%s\"", d->search);
}

static void search_done(tui *t, const char *text)
{
    dialogue *d = the_dialogue(t);
    snprintf(d->search, sizeof d->search, "%s", text);
    search_go(t, d, 1, true);
}

/* ---- drawing ---- */

typedef struct lines {
    const char *p[MAX_NARRATION_LINES];
    size_t len[MAX_NARRATION_LINES];
    int n;
} lines;

static void keep_line(void *ctx, int i, const char *p, size_t len)
{
    lines *l = ctx;
    if (i < MAX_NARRATION_LINES) {
        l->p[i] = p;
        l->len[i] = len;
        l->n = i + 1;
    }
}

static void pane_title(tui *t, int y, int x, int w, const char *name, bool focused, const char *info)
{
    hrule(t, y, x, w, theme_attr(T_BORDER));
    int used = putf(t, y, x + 1, w - 2, theme_attr(focused ? T_PANE_FOCUS : T_PANE_TITLE), " %s ", name);
    if (info && *info) {
        char buf[256];
        snprintf(buf, sizeof buf, " %s ", info);
        int iw = text_width(buf, strlen(buf));
        int room = w - used - 4;
        if (iw > room) iw = room;
        if (iw > 3) put(t, y, x + w - iw - 1, iw, theme_attr(T_DIM), buf);
    }
}

static void draw_step_panes(tui *t, dialogue *d, int x, int w)
{
    const step *s = dlg_step(d);
    tui_conn *c = d->c;
    int y = 1, bottom = LINES - 1;   /* rows [y, bottom) */
    int cw = w - 2;                  /* text width */
    int tx = x + 1;

    /* Which step, who to whom, when. */
    char label[96];
    step_label(s, label, sizeof label);
    bool derived = s->kind == STEP_KEYS || s->kind == STEP_GAP || s->kind == STEP_NOTE;
    int px = tx;
    px += putf(t, y, px, cw, theme_attr(T_NARRATION), "Step %zu of %u  ", d->cur + 1, c->n_steps);
    px += put(t, y, px, tx + cw - px, theme_attr(derived ? T_DERIVED : s->dir == DIR_C2S ? T_CLIENT : T_SERVER), label);
    int verified = step_verified(s);
    if (verified >= 0)
        px += putf(t, y, px, tx + cw - px, theme_attr(verified ? T_DERIVED : T_FAIL), "  %s %s",
                   verified ? t->g.check : t->g.bad, verified ? "verified" : "does not verify");
    if (!derived)
        putf(t, y, px, tx + cw - px, theme_attr(T_DIM), "  %s %s %s", s->dir == DIR_C2S ? "client" : "server", t->g.to,
             s->dir == DIR_C2S ? "server" : "client");
    else
        putf(t, y, px, tx + cw - px, theme_attr(T_DIM), "  derived by tlsview");
    y++;
    char meta[512];
    size_t k = (size_t)snprintf(meta, sizeof meta, "+%.6f s", s->ts - c->first_ts);
    if (s->nbytes && k < sizeof meta) k += (size_t)snprintf(meta + k, sizeof meta - k, " %s %zu bytes", t->g.dot, s->nbytes);
    else if (s->length && k < sizeof meta)
        k += (size_t)snprintf(meta + k, sizeof meta - k, " %s %u bytes", t->g.dot, s->length);
    if (s->encrypted && k < sizeof meta)
        k += (size_t)snprintf(meta + k, sizeof meta - k, " %s %s", t->g.dot, s->decrypted ? "encrypted, decrypted" : "encrypted");
    if (s->malformed && k < sizeof meta) k += (size_t)snprintf(meta + k, sizeof meta - k, " %s malformed", t->g.dot);

    if (s->summary && k < sizeof meta) snprintf(meta + k, sizeof meta - k, " %s %s", t->g.dot, s->summary);
    put(t, y, tx, cw, theme_attr(T_DIM), meta);
    y += 2;

    /* The narration, as large as it needs up to what leaves the field
     * tree and the bytes three rows each. */
    const step *ns = s;
    const char *narr = ns->narration ? ns->narration : ns->summary ? ns->summary : "(tlsview has nothing to say about this step)";
    lines L = { .n = 0 };
    wrap(narr, cw, keep_line, &L);
    int maxn = bottom - y - 1 - 8;
    if (maxn < 2) maxn = 2;
    int nl = L.n < maxn ? L.n : maxn;
    for (int i = 0; i < nl; i++) {
        if (i == nl - 1 && nl < L.n) {
            /* Cut: end on an ellipsis. */
            char buf[1024];
            snprintf(buf, sizeof buf, "%.*s%s", (int)L.len[i], L.p[i], t->g.ellipsis);
            put(t, y + i, tx, cw, theme_attr(T_NARRATION) | A_BOLD, buf);
        } else {
            put_raw(t, y + i, tx, cw, theme_attr(T_NARRATION), L.p[i], L.len[i]);
        }
    }
    y += nl + 1;

    /* Fields and bytes share the rest. */
    int avail = bottom - y - 2;
    if (avail < 2) avail = 2;
    int bpl = hex_bytes_per_line(cw, s->nbytes);
    int hex_need = s->nbytes ? (int)((s->nbytes + (size_t)bpl - 1) / (size_t)bpl) : 2;
    const field *sel = fields_selected(d);
    int field_need = d->nrows ? (int)d->nrows : 1;
    int hh = avail / 2;
    if (hh < 3) hh = avail > 3 ? 3 : 1;
    if (hh > hex_need) hh = hex_need;
    int fh = avail - hh;
    if (fh > field_need && hh < hex_need) {
        int extra = fh - (field_need > 3 ? field_need : 3);
        if (extra > 0) {
            int give = hex_need - hh < extra ? hex_need - hh : extra;
            hh += give;
            fh -= give;
        }
    }

    char info[256] = "";
    if (sel && sel->length == 1)
        snprintf(info, sizeof info, "%s: byte %u", sel->name, sel->offset);
    else if (sel && sel->length)
        snprintf(info, sizeof info, "%s: bytes %u%s%u (%u)", sel->name, sel->offset, t->utf8 ? "\u2013" : "-",
                 sel->offset + sel->length - 1, sel->length);
    else if (sel)
        snprintf(info, sizeof info, "%s", sel->name);
    /* Both fit with room to spare: the bytes follow the fields closely. */
    int gap = 0;
    if (hh >= hex_need && fh > field_need + 1) {
        int keep = field_need > 3 ? field_need : 3;
        gap = 1;
        fh = keep;
    }
    pane_title(t, y, x, w, "Fields", d->focus == PANE_FIELDS, info);
    fields_draw(t, d, (rect){ y + 1, x, fh, w }, d->focus == PANE_FIELDS);
    y += 1 + fh + gap;
    char binfo[64] = "";
    if (s->nbytes) snprintf(binfo, sizeof binfo, "%zu bytes", s->nbytes);
    pane_title(t, y, x, w, "Bytes", d->focus == PANE_HEX, binfo);
    hex_draw(t, d, (rect){ y + 1, x, gap ? hh : bottom - y - 1, w }, d->focus == PANE_HEX);
}

static const char *dlg_hint(tui *t, void *p)
{
    (void)t;
    (void)p;
    return "n next  p back  a play  Tab pane";
}

static void dlg_draw(tui *t, void *p)
{
    dialogue *d = p;
    tui_conn *c = d->c;
    if (!c) return;
    if (d->epoch != c->epoch) {
        fields_forget(d);
        d->epoch = c->epoch;
    }
    if (d->follow && c->n_steps) d->cur = c->n_steps - 1;
    if (c->n_steps && d->cur >= c->n_steps) d->cur = c->n_steps - 1;

    char title[512], outcome[96];
    size_t k = (size_t)snprintf(title, sizeof title, "#%u  %s %s %s", c->id, c->client, t->g.to, c->server);
    if (c->sni && k < sizeof title) k += (size_t)snprintf(title + k, sizeof title - k, "  %s", c->sni);
    if (c->version && k < sizeof title) k += (size_t)snprintf(title + k, sizeof title - k, "  %s", conn_version_text(c));
    if (k < sizeof title)
        snprintf(title + k, sizeof title - k, "  %s %s %s", conn_outcome_text(c, outcome, sizeof outcome), t->g.dot,
                 conn_decryption_text(c));
    tui_draw_title(t, title, "? help  q back");

    int body = LINES - 2;
    int lw = 0;
    if (!d->wide) {
        lw = COLS * 2 / 5;
        if (lw < 34) lw = 34;
        if (lw > 52) lw = 52;
        ladder_draw(t, d, (rect){ 1, 0, body, lw }, d->focus == PANE_LADDER);
    }
    int rx = lw ? lw + 1 : 0, rw = COLS - rx;
    if (dlg_step(d)) {
        draw_step_panes(t, d, rx, rw);
    } else {
        const char *msg;
        if (d->unavailable)
            msg = c->reload_failed && t->src && t->src->reload
                      ? "The steps of this connection were let go to keep memory bounded, and reading the capture again did not find them."
                      : "The steps of this connection were let go to keep memory bounded; a live capture or standard input cannot be read again.";
        else if (!c->closed)
            msg = "Waiting for the first step of this connection.";
        else
            msg = "This connection has no steps.";
        lines L = { .n = 0 };
        wrap(msg, rw - 4, keep_line, &L);
        for (int i = 0; i < L.n; i++) put_raw(t, 3 + i, rx + 2, rw - 4, theme_attr(T_NARRATION), L.p[i], L.len[i]);
    }

    char left[256];
    k = (size_t)snprintf(left, sizeof left, "step %zu of %u", c->n_steps ? d->cur + 1 : 0, c->n_steps);
    if (c->seen_steps > c->n_steps && !c->dropped && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, " (%u more not kept)", c->seen_steps - c->n_steps);
    if (d->play == PLAY_STEADY && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, "  %s autoplay %.2g s", t->g.play, d->pace);
    else if (d->play == PLAY_REAL && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, "  %s real timing", t->g.play);
    if (d->search[0] && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, "  /%s (n N, Esc)", d->search);
    else if (k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, "  %s", dlg_hint(t, d));
    char right[256];
    tui_source_summary(t, right, sizeof right);
    tui_draw_status(t, left, t->src && (t->src->live || !t->input_ended) ? right : "");
}

/* ---- keys ---- */

static void scroll_hex(dialogue *d, long delta)
{
    long top = (long)d->hex_top + delta;
    d->hex_top = top < 0 ? 0 : (size_t)top;
}

static void focus_step(dialogue *d, long delta)
{
    long idx = (long)d->cur + delta;
    if (idx < 0) idx = 0;
    go(d, (size_t)idx);
}

static bool dlg_key(tui *t, void *p, int key)
{
    dialogue *d = p;
    tui_conn *c = d->c;
    if (!c) return false;
    if (d->search[0] && (key == 'n' || key == 'N')) {
        search_go(t, d, key == 'n' ? 1 : -1, false);
        return true;
    }
    switch (key) {
    case 'n':
    case ' ':
    case 'l':
    case FK(KEY_RIGHT):
        if (c->n_steps && d->cur + 1 >= c->n_steps && c->closed) tui_message(t, false, "This is the last step.");
        focus_step(d, 1);
        return true;
    case 'p':
    case 'h':
    case FK(KEY_LEFT):
        focus_step(d, -1);
        return true;
    case FK(KEY_HOME):
    case 'g':
        go(d, 0);
        return true;
    case FK(KEY_END):
    case 'G':
        go(d, c->n_steps);
        d->follow = !c->closed;
        return true;
    case FK(KEY_DOWN):
    case 'j':
        if (d->focus == PANE_FIELDS) fields_move(d, 1);
        else if (d->focus == PANE_HEX) scroll_hex(d, 1);
        else focus_step(d, 1);
        return true;
    case FK(KEY_UP):
    case 'k':
        if (d->focus == PANE_FIELDS) fields_move(d, -1);
        else if (d->focus == PANE_HEX) scroll_hex(d, -1);
        else focus_step(d, -1);
        return true;
    case FK(KEY_NPAGE):
    case FK(KEY_PPAGE): {
        long dir = key == FK(KEY_NPAGE) ? 1 : -1;
        if (d->focus == PANE_FIELDS) fields_move(d, dir * (d->r_fields.h > 1 ? d->r_fields.h - 1 : 1));
        else if (d->focus == PANE_HEX) scroll_hex(d, dir * (d->r_hex.h > 1 ? d->r_hex.h - 1 : 1));
        else focus_step(d, dir * (ladder_capacity(d->r_ladder) - 1));
        return true;
    }
    case K_ENTER:
    case FK(KEY_ENTER):
    case 'o':
        if (d->focus == PANE_FIELDS) fields_toggle(d, fields_selected(d));
        else d->focus = PANE_FIELDS;
        return true;
    case '*':
        fields_set_all(d, true);
        d->focus = PANE_FIELDS;
        return true;
    case '-':
        fields_set_all(d, false);
        return true;
    case K_TAB:
    case FK(KEY_BTAB):
        do {
            d->focus = (pane)((d->focus + (key == K_TAB ? 1 : PANE_COUNT - 1)) % PANE_COUNT);
        } while (d->wide && d->focus == PANE_LADDER);
        return true;
    case 'z':
        d->wide = !d->wide;
        if (d->wide && d->focus == PANE_LADDER) d->focus = PANE_FIELDS;
        return true;
    case 'a':
        toggle_play(t, d, PLAY_STEADY);
        return true;
    case 't':
        toggle_play(t, d, PLAY_REAL);
        return true;
    case '<':
        d->pace = d->pace * 1.5 > 8 ? 8 : d->pace * 1.5;
        tui_message(t, false, "Autoplay: %.2g s a step", d->pace);
        return true;
    case '>':
        d->pace = d->pace / 1.5 < 0.25 ? 0.25 : d->pace / 1.5;
        tui_message(t, false, "Autoplay: %.2g s a step", d->pace);
        return true;
    case 'K':
        keys_open(t, c);
        return true;
    case '/':
        tui_prompt(t, "/", NULL, search_done);
        return true;
    case K_ESC:
        if (d->play != PLAY_OFF) d->play = PLAY_OFF;
        else if (d->search[0]) d->search[0] = 0;
        else return false;
        return true;
    case K_CLICK:
    case K_DCLICK: {
        long i;
        if ((i = ladder_hit(d, t->mouse_y, t->mouse_x)) >= 0 && !d->wide) {
            go(d, (size_t)i);
            d->focus = key == K_DCLICK ? PANE_FIELDS : PANE_LADDER;
        } else if ((i = fields_hit(d, t->mouse_y)) >= 0 && t->mouse_x >= d->r_fields.x) {
            if (d->fsel != (size_t)i) d->hex_reveal = true;
            d->fsel = (size_t)i;
            d->focus = PANE_FIELDS;
            if (key == K_DCLICK) fields_toggle(d, d->rows[i].f);
        } else if ((i = hex_hit(d, t->mouse_y, t->mouse_x)) >= 0) {
            const field *f = fields_at_offset(d, (size_t)i);
            if (f) fields_select(d, f);
            d->focus = PANE_HEX;
        }
        return true;
    }
    case K_WHEEL_UP:
    case K_WHEEL_DOWN: {
        long dir = key == K_WHEEL_DOWN ? 1 : -1;
        int y = t->mouse_y, x = t->mouse_x;
        if (!d->wide && x < d->r_ladder.x + d->r_ladder.w) focus_step(d, dir);
        else if (y >= d->r_hex.y && y < d->r_hex.y + d->r_hex.h) scroll_hex(d, 3 * dir);
        else fields_move(d, 3 * dir);
        return true;
    }
    default:
        return false;
    }
}

const view_ops view_dialogue_ops = {
    .name = "Dialogue",
    .create = dlg_create,
    .destroy = dlg_destroy,
    .draw = dlg_draw,
    .key = dlg_key,
    .tick = dlg_tick,
    .hint = dlg_hint,
};
