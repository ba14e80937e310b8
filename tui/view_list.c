/* Connections: one line each, sorted and filtered, with the details of
 * the selected one below. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/internal.h"

typedef enum sort_key {
    SORT_NUMBER, SORT_TIME, SORT_CLIENT, SORT_SERVER, SORT_SNI, SORT_VERSION, SORT_SUITE, SORT_OUTCOME,
    SORT_DECRYPTION, SORT_COUNT
} sort_key;

static const char *const sort_names[SORT_COUNT] = {
    "number", "time", "client", "server", "SNI", "version", "suite", "outcome", "decryption",
};

typedef enum filter_mode { FILTER_ALL, FILTER_PROBLEMS, FILTER_FAILED, FILTER_COUNT } filter_mode;
static const char *const filter_names[FILTER_COUNT] = { "all", "failed or incomplete", "failed" };

typedef enum col { C_NUM, C_TIME, C_PEERS, C_SNI, C_VERSION, C_SUITE, C_OUTCOME, C_DECRYPT, C_COUNT } col;

typedef struct list_state {
    tui_conn **rows;
    size_t n, cap;
    size_t sel, top;
    unsigned sel_id;                 /* the selection follows its connection */
    sort_key sort;
    bool reverse;
    filter_mode filter;
    uint64_t built;                  /* generation the rows were built at */
    bool stale;
    char search[128];
    int natural[C_COUNT];            /* widest text of each column */
    int page;                        /* rows shown */
    int rows_y;                      /* first row on screen */
} list_state;

static void *list_create(tui *t)
{
    (void)t;
    list_state *st = calloc(1, sizeof(*st));
    if (st) st->stale = true;
    return st;
}

static void list_destroy(void *p)
{
    list_state *st = p;
    if (!st) return;
    free(st->rows);
    free(st);
}

/* ---- sorting ---- */

static sort_key cmp_key;
static bool cmp_reverse;

static int outcome_rank(const tui_conn *c)
{
    return c->outcome == HS_FAILED ? 0 : c->outcome == HS_INCOMPLETE ? 1 : 2;
}

static int strcmp0(const char *a, const char *b)
{
    /* Empty last. */
    if (!a || !*a) return (b && *b) ? 1 : 0;
    if (!b || !*b) return -1;
    return strcmp(a, b);
}

static int cmp_conn(const void *pa, const void *pb)
{
    const tui_conn *a = *(tui_conn *const *)pa, *b = *(tui_conn *const *)pb;
    int r = 0;
    char x[96], y[96];
    switch (cmp_key) {
    case SORT_NUMBER: break;
    case SORT_TIME: r = a->first_ts < b->first_ts ? -1 : a->first_ts > b->first_ts; break;
    case SORT_CLIENT: r = strcmp(a->client, b->client); break;
    case SORT_SERVER: r = strcmp(a->server, b->server); break;
    case SORT_SNI: r = strcmp0(a->sni, b->sni); break;
    case SORT_VERSION: r = (int)b->version - (int)a->version; break;
    case SORT_SUITE: r = strcmp0(conn_suite_text(a, x, sizeof x), conn_suite_text(b, y, sizeof y)); break;
    case SORT_OUTCOME: r = outcome_rank(a) - outcome_rank(b); break;
    case SORT_DECRYPTION: r = (int)a->decryption - (int)b->decryption; break;
    case SORT_COUNT: break;
    }
    if (r == 0) r = a->id < b->id ? -1 : a->id > b->id;
    return cmp_reverse ? -r : r;
}

static bool passes(const list_state *st, const tui_conn *c)
{
    switch (st->filter) {
    case FILTER_PROBLEMS: return c->outcome != HS_COMPLETE;
    case FILTER_FAILED: return c->outcome == HS_FAILED;
    default: return true;
    }
}

static void short_suite(const tui_conn *c, char *buf, size_t n)
{
    char full[96];
    conn_suite_text(c, full, sizeof full);
    const char *p = full;
    if (strncmp(p, "TLS_", 4) == 0) p += 4;
    size_t k = 0;
    while (*p && k + 1 < n) {
        if (strncmp(p, "WITH_", 5) == 0) {
            p += 5;
            continue;
        }
        buf[k++] = *p++;
    }
    buf[k] = 0;
}

static void time_text(double ts, char *buf, size_t n, bool ms)
{
    time_t s = (time_t)ts;
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t k = strftime(buf, n, "%H:%M:%S", &tm);
    if (ms && k < n) snprintf(buf + k, n - k, ".%03d", (int)((ts - (double)s) * 1000) % 1000);
}

static void rebuild(tui *t, list_state *st)
{
    if (!st->stale && st->built == t->generation) return;
    bool at_end = st->n && st->sel + 1 == st->n;
    if (st->n && st->sel < st->n) st->sel_id = st->rows[st->sel]->id;
    if (st->cap < t->n_conns) {
        st->cap = t->n_conns + 256;
        tui_conn **r = realloc(st->rows, st->cap * sizeof(*r));
        if (!r) return;
        st->rows = r;
    }
    st->n = 0;
    int nat[C_COUNT] = { 1, 8, 6, 3, 7, 5, 7, 10 };
    for (size_t i = 0; i < t->n_conns; i++) {
        tui_conn *c = t->conns[i];
        if (!c || !passes(st, c)) continue;
        st->rows[st->n++] = c;
        char buf[160];
        int w = snprintf(buf, sizeof buf, "%u", c->id);
        if (w > nat[C_NUM]) nat[C_NUM] = w;
        w = text_width(c->client, strlen(c->client)) + text_width(c->server, strlen(c->server)) + 2 +
            text_width(t->g.to, strlen(t->g.to));
        if (w > nat[C_PEERS]) nat[C_PEERS] = w;
        if (c->sni && (w = text_width(c->sni, strlen(c->sni))) > nat[C_SNI]) nat[C_SNI] = w;
        short_suite(c, buf, sizeof buf);
        if ((w = (int)strlen(buf)) > nat[C_SUITE]) nat[C_SUITE] = w;
        conn_outcome_text(c, buf, sizeof buf);
        if ((w = (int)strlen(buf)) > nat[C_OUTCOME]) nat[C_OUTCOME] = w;
        if ((w = (int)strlen(conn_decryption_text(c))) > nat[C_DECRYPT]) nat[C_DECRYPT] = w;
    }
    nat[C_TIME] = 12;
    memcpy(st->natural, nat, sizeof nat);
    cmp_key = st->sort;
    cmp_reverse = st->reverse;
    if (st->sort != SORT_NUMBER || st->reverse) qsort(st->rows, st->n, sizeof(*st->rows), cmp_conn);
    /* Keep the selection on its connection; at the end of a growing list
     * (live), stay at the end. */
    size_t sel = 0;
    bool found = false;
    if (at_end && st->sort == SORT_NUMBER && !st->reverse && t->src && t->src->live) {
        sel = st->n ? st->n - 1 : 0;
        found = true;
    }
    for (size_t i = 0; i < st->n && !found && st->sel_id; i++)
        if (st->rows[i]->id == st->sel_id) {
            sel = i;
            found = true;
        }
    if (!found) sel = st->sel < st->n ? st->sel : (st->n ? st->n - 1 : 0);
    st->sel = sel;
    if (st->n) st->sel_id = st->rows[sel]->id;
    st->built = t->generation;
    st->stale = false;
}

/* ---- columns ---- */

typedef struct layout {
    bool show[C_COUNT];
    int w[C_COUNT];
    int x[C_COUNT];
} layout;

static const char *const col_titles[C_COUNT] = {
    "#", "time", "client \u2192 server", "SNI", "version", "cipher suite", "handshake", "decryption",
};

static void compute_layout(const list_state *st, int width, layout *L)
{
    /* Flexible columns get a comfortable width first; when even that does
     * not fit, the least needed columns go (their values stay in the
     * details below), and only then are the rest squeezed. */
    static const int mins[C_COUNT] = { 1, 12, 16, 6, 7, 10, 10, 10 };
    static const int comfy[C_COUNT] = { 0, 0, 24, 13, 0, 19, 25, 0 };
    static const bool flex[C_COUNT] = { false, false, true, true, false, true, true, false };
    static const col drop_order[] = { C_TIME, C_DECRYPT, C_VERSION };
    int nat[C_COUNT], want[C_COUNT];
    for (int i = 0; i < C_COUNT; i++) {
        nat[i] = st->natural[i] > mins[i] ? st->natural[i] : mins[i];
        want[i] = flex[i] && nat[i] > comfy[i] ? comfy[i] : nat[i];
        L->show[i] = true;
    }
    nat[C_NUM] = want[C_NUM] = st->natural[C_NUM];
    int avail = width - 1;
    size_t d = 0;
    int total, gaps;
    for (;;) {
        int shown = 0;
        total = 0;
        for (int i = 0; i < C_COUNT; i++)
            if (L->show[i]) {
                shown++;
                total += want[i];
            }
        gaps = 2 * (shown - 1);
        if (total + gaps <= avail || d >= sizeof drop_order / sizeof drop_order[0]) break;
        L->show[drop_order[d++]] = false;
    }
    int spare = avail - gaps - total;
    if (spare >= 0) {
        /* Room to spare: towards the natural widths, in proportion. */
        int need = 0;
        for (int i = 0; i < C_COUNT; i++)
            if (L->show[i]) need += nat[i] - want[i];
        for (int i = 0; i < C_COUNT; i++) {
            L->w[i] = want[i];
            if (L->show[i] && need > 0) {
                int extra = (int)((long)(spare < need ? spare : need) * (nat[i] - want[i]) / need);
                L->w[i] += extra;
            }
        }
    } else {
        /* Squeeze the flexible columns towards their minimums. */
        int over = -spare, room = 0;
        for (int i = 0; i < C_COUNT; i++)
            if (L->show[i] && flex[i]) room += want[i] - mins[i];
        for (int i = 0; i < C_COUNT; i++) {
            L->w[i] = want[i];
            if (L->show[i] && flex[i] && room > 0) {
                int cut = (int)(((long)over * (want[i] - mins[i]) + room - 1) / room);
                if (cut > want[i] - mins[i]) cut = want[i] - mins[i];
                L->w[i] -= cut;
            }
        }
    }
    int x = 1;
    for (int i = 0; i < C_COUNT; i++) {
        if (!L->show[i]) continue;
        L->x[i] = x;
        x += L->w[i] + 2;
    }
}

/* "192.0.2.1:443" -> host "192.0.2.1", port ":443"; "[::1]:443" -> "[::1]", ":443". */
static void split_host(const char *addr, char *host, size_t n, const char **port)
{
    snprintf(host, n, "%s", addr);
    char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
    if (colon && host[0] == '[') colon++;
    *port = colon ? addr + (colon - host) : "";
    if (colon) *colon = 0;
}

/* client -> server in w cells: whole; when both hosts are the same (a
 * loopback capture) the client's port alone; the client's host alone; the
 * server alone. */
static void draw_peers(tui *t, int y, int x, int w, attr_t base, const tui_conn *c)
{
    char buf[200], ch[CONN_ADDR_MAX], sh[CONN_ADDR_MAX];
    const char *cport, *sport;
    split_host(c->client, ch, sizeof ch, &cport);
    split_host(c->server, sh, sizeof sh, &sport);
    snprintf(buf, sizeof buf, "%s %s %s", c->client, t->g.to, c->server);
    if (text_width(buf, strlen(buf)) > w && strcmp(ch, sh) == 0)
        snprintf(buf, sizeof buf, "%s %s %s", cport, t->g.to, c->server);
    if (text_width(buf, strlen(buf)) > w) snprintf(buf, sizeof buf, "%s %s %s", ch, t->g.to, c->server);
    if (text_width(buf, strlen(buf)) > w) snprintf(buf, sizeof buf, "%s %s", t->g.to, c->server);
    put(t, y, x, w, base, buf);
}

static void draw_row(tui *t, list_state *st, const layout *L, int y, const tui_conn *c, bool selected)
{
    attr_t base = selected ? theme_attr(T_CURSOR) : A_NORMAL;
    if (selected) fill(y, 0, COLS, base);
    char buf[160];
    for (int i = 0; i < C_COUNT; i++) {
        if (!L->show[i]) continue;
        int x = L->x[i], w = L->w[i];
        switch ((col)i) {
        case C_NUM:
            snprintf(buf, sizeof buf, "%*u", w, c->id);
            put(t, y, x, w, base, buf);
            break;
        case C_TIME:
            time_text(c->first_ts, buf, sizeof buf, true);
            put(t, y, x, w, selected ? base : theme_attr(T_DIM), buf);
            break;
        case C_PEERS: draw_peers(t, y, x, w, base, c); break;
        case C_SNI: put(t, y, x, w, base, c->sni ? c->sni : ""); break;
        case C_VERSION: put(t, y, x, w, base, conn_version_text(c)); break;
        case C_SUITE:
            short_suite(c, buf, sizeof buf);
            put(t, y, x, w, base, buf);
            break;
        case C_OUTCOME:
            conn_outcome_text(c, buf, sizeof buf);
            put(t, y, x, w, selected ? base : theme_attr(conn_outcome_theme(c)), buf);
            break;
        case C_DECRYPT:
            put(t, y, x, w,
                selected ? base : c->decryption == DEC_DECRYPTED ? theme_attr(T_OK)
                                : c->decryption == DEC_KEY_MISMATCH || c->decryption == DEC_FAILED ? theme_attr(T_FAIL)
                                                                                                      : theme_attr(T_DIM),
                conn_decryption_text(c));
            break;
        case C_COUNT: break;
        }
    }
    (void)st;
}

typedef struct notes_ctx {
    tui *t;
    int y, end;
} notes_ctx;

static void notes_line(void *p, int i, const char *s, size_t len)
{
    notes_ctx *cx = p;
    if (cx->y + i < cx->end) put_raw(cx->t, cx->y + i, 1, COLS - 2, theme_attr(T_WARN), s, len);
}

static void draw_details(tui *t, const tui_conn *c, int y, int h)
{
    attr_t border = theme_attr(T_BORDER);
    hrule(t, y, 0, COLS, border);
    if (!c) return;
    char when[64], buf[512];
    time_t s = (time_t)c->first_ts;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    int x = 2;
    x += putf(t, y, x, COLS - x, theme_attr(T_PANE_TITLE), " #%u ", c->id);
    x += putf(t, y, x, COLS - x, theme_attr(T_PANE_TITLE), "%s.%03d UTC, %.3f s ", when,
              (int)((c->first_ts - (double)s) * 1000) % 1000, c->last_ts - c->first_ts);
    int row = y + 1, end = y + h;
    if (row < end) {
        char suite[96];
        conn_suite_text(c, suite, sizeof suite);
        x = 1;
        x += put(t, row, x, COLS - x, theme_attr(T_CLIENT), c->client);
        x += putf(t, row, x, COLS - x, A_NORMAL, " %s ", t->g.to);
        x += put(t, row, x, COLS - x, theme_attr(T_SERVER), c->server);
        if (c->sni) x += putf(t, row, x, COLS - x, A_NORMAL, "  %s", c->sni);
        if (c->version) x += putf(t, row, x, COLS - x, A_NORMAL, "  %s", conn_version_text(c));
        if (suite[0]) x += putf(t, row, x, COLS - x, A_NORMAL, "  %s", suite);
        row++;
    }
    if (row < end) {
        x = 1;
        conn_outcome_text(c, buf, sizeof buf);
        x += putf(t, row, x, COLS - x, theme_attr(conn_outcome_theme(c)), "handshake %s", buf);
        if (c->alert_seen && c->outcome == HS_FAILED)
            x += putf(t, row, x, COLS - x, theme_attr(conn_outcome_theme(c)), " (sent by the %s)",
                      c->alert_dir == DIR_C2S ? "client" : "server");
        x += putf(t, row, x, COLS - x, A_NORMAL, " %s %s", t->g.dot, conn_decryption_text(c));
        x += putf(t, row, x, COLS - x, theme_attr(T_DIM), " %s %u step%s", t->g.dot, c->seen_steps,
                  c->seen_steps == 1 ? "" : "s");
        if (c->info) x += putf(t, row, x, COLS - x, A_NORMAL, " %s %s", t->g.dot, c->info);
        row++;
    }
    if (row < end && c->notes) {
        notes_ctx cx = { t, row, end };
        wrap(c->notes, COLS - 2, notes_line, &cx);
    }
}

static const char *list_hint(tui *t, void *p)
{
    (void)t;
    (void)p;
    return "Enter open  / search  s sort  f filter  ? help";
}

static void list_draw(tui *t, void *p)
{
    list_state *st = p;
    rebuild(t, st);
    char title[256];
    snprintf(title, sizeof title, "tlsview %s %s %s Connections", t->g.dot, t->src && t->src->name ? t->src->name : "",
             t->g.dot);
    tui_draw_title(t, title, "? help  q quit");

    layout L;
    compute_layout(st, COLS, &L);
    int y = 1;
    attr_t h = theme_attr(T_HEADER);
    fill(y, 0, COLS, A_NORMAL);
    for (int i = 0; i < C_COUNT; i++) {
        if (!L.show[i]) continue;
        char buf[64];
        const char *tt = i == C_PEERS && !t->utf8 ? "client -> server" : col_titles[i];
        bool sorted = (i == C_NUM && st->sort == SORT_NUMBER) || (i == C_TIME && st->sort == SORT_TIME) ||
                      (i == C_PEERS && (st->sort == SORT_CLIENT || st->sort == SORT_SERVER)) ||
                      (i == C_SNI && st->sort == SORT_SNI) || (i == C_VERSION && st->sort == SORT_VERSION) ||
                      (i == C_SUITE && st->sort == SORT_SUITE) || (i == C_OUTCOME && st->sort == SORT_OUTCOME) ||
                      (i == C_DECRYPT && st->sort == SORT_DECRYPTION);
        if (sorted) snprintf(buf, sizeof buf, "%s%s", tt, st->reverse ? t->g.down : t->g.up);
        else snprintf(buf, sizeof buf, "%s", tt);
        if (i == C_NUM) {
            int w = text_width(buf, strlen(buf));
            put(t, y, L.x[i] + (L.w[i] > w ? L.w[i] - w : 0), L.w[i] > w ? w : L.w[i] + 1, h, buf);
        } else {
            put(t, y, L.x[i], L.w[i], h, buf);
        }
    }

    int details_h = LINES >= 24 ? 4 : 0;
    int top = 2, bottom = LINES - 1 - details_h;   /* rows [top, bottom) */
    st->page = bottom - top;
    st->rows_y = top;
    if (st->page < 1) st->page = 1;
    if (st->sel < st->top) st->top = st->sel;
    if (st->sel >= st->top + (size_t)st->page) st->top = st->sel - (size_t)st->page + 1;
    if (st->top + (size_t)st->page > st->n) st->top = st->n > (size_t)st->page ? st->n - (size_t)st->page : 0;

    if (st->n == 0) {
        const char *msg;
        char buf[256];
        if (t->count && st->filter != FILTER_ALL) {
            snprintf(buf, sizeof buf, "No connection is %s. Press f to show them all.", filter_names[st->filter]);
            msg = buf;
        } else if (t->src && t->src->live) {
            snprintf(buf, sizeof buf, "Listening on %s: no TLS connection yet. Connect a client and it appears here.",
                     t->src->name ? t->src->name : "the interface");
            msg = buf;
        } else if (!t->input_ended) {
            msg = "Reading the capture: no TLS connection yet.";
        } else {
            msg = "No TLS connection in this capture. If TLS runs on an unusual port mid-connection, name the port with -p.";
        }
        put(t, top + 1, 2, COLS - 4, theme_attr(T_NARRATION), msg);
    }
    for (int i = 0; i < st->page && st->top + (size_t)i < st->n; i++) {
        size_t r = st->top + (size_t)i;
        draw_row(t, st, &L, top + i, st->rows[r], r == st->sel);
    }
    if (details_h) draw_details(t, st->n ? st->rows[st->sel] : NULL, bottom, details_h);

    char left[256];
    size_t k = (size_t)snprintf(left, sizeof left, "%zu of %zu", st->n ? st->sel + 1 : 0, st->n);
    if (st->filter != FILTER_ALL && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, " %s %s only", t->g.dot, filter_names[st->filter]);
    if (k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, " %s sort: %s%s", t->g.dot, sort_names[st->sort],
                              st->reverse ? " (reversed)" : "");
    if (st->search[0] && k < sizeof left)
        k += (size_t)snprintf(left + k, sizeof left - k, " %s /%s", t->g.dot, st->search);
    if (k < sizeof left) snprintf(left + k, sizeof left - k, "   %s", list_hint(t, st));
    tui_draw_status(t, left, NULL);
}

/* ---- search ---- */

static bool conn_matches(const tui_conn *c, const char *q)
{
    char buf[96];
    return contains_ci(c->client, q) || contains_ci(c->server, q) || contains_ci(c->sni, q) ||
           contains_ci(conn_suite_text(c, buf, sizeof buf), q) || contains_ci(conn_version_text(c), q) ||
           contains_ci(conn_outcome_text(c, buf, sizeof buf), q);
}

static list_state *the_list(tui *t)
{
    return t->views[VIEW_LIST].st;
}

static bool search_step(tui *t, list_state *st, int dir, bool include_current)
{
    if (!st->search[0] || !st->n) return false;
    for (size_t i = include_current ? 0 : 1; i <= st->n; i++) {
        size_t r = dir > 0 ? (st->sel + i) % st->n : (st->sel + st->n * 2 - i) % st->n;
        if (conn_matches(st->rows[r], st->search)) {
            if (r == st->sel && i > 0 && !include_current) {
                tui_message(t, false, "/%s: only this connection matches", st->search);
            }
            st->sel = r;
            st->sel_id = st->rows[r]->id;
            return true;
        }
    }
    tui_message(t, true, "No connection matches \"%s\" (address, SNI, suite, version or outcome)", st->search);
    return false;
}

static void search_done(tui *t, const char *text)
{
    list_state *st = the_list(t);
    snprintf(st->search, sizeof st->search, "%s", text);
    if (!st->search[0]) return;
    rebuild(t, st);
    if (search_step(t, st, 1, true)) {
        size_t n = 0;
        for (size_t i = 0; i < st->n; i++) n += conn_matches(st->rows[i], st->search);
        tui_message(t, false, "/%s: %zu match%s %s n next, N previous", st->search, n, n == 1 ? "" : "es",
                    t->g.dot);
    }
}

static void move_sel(list_state *st, long delta)
{
    if (!st->n) return;
    long s = (long)st->sel + delta;
    if (s < 0) s = 0;
    if (s >= (long)st->n) s = (long)st->n - 1;
    st->sel = (size_t)s;
    st->sel_id = st->rows[st->sel]->id;
}

static bool list_key(tui *t, void *p, int key)
{
    list_state *st = p;
    rebuild(t, st);
    switch (key) {
    case FK(KEY_DOWN):
    case 'j':
        move_sel(st, 1);
        return true;
    case FK(KEY_UP):
    case 'k':
        move_sel(st, -1);
        return true;
    case FK(KEY_NPAGE):
    case KEY_CTRL('f'):
    case ' ':
        move_sel(st, st->page - 1);
        return true;
    case FK(KEY_PPAGE):
    case KEY_CTRL('b'):
        move_sel(st, -(st->page - 1));
        return true;
    case FK(KEY_HOME):
    case 'g':
        move_sel(st, -(long)st->n);
        return true;
    case FK(KEY_END):
    case 'G':
        move_sel(st, (long)st->n);
        return true;
    case K_ENTER:
    case FK(KEY_ENTER):
    case FK(KEY_RIGHT):
    case 'l':
        if (st->n) dialogue_open(t, st->rows[st->sel]);
        return true;
    case 'K':
        if (st->n) keys_open(t, st->rows[st->sel]);
        return true;
    case 's':
        st->sort = (sort_key)((st->sort + 1) % SORT_COUNT);
        st->stale = true;
        tui_message(t, false, "sorted by %s (s: next column, S: reverse)", sort_names[st->sort]);
        return true;
    case 'S':
        st->reverse = !st->reverse;
        st->stale = true;
        return true;
    case 'f':
        st->filter = (filter_mode)((st->filter + 1) % FILTER_COUNT);
        st->stale = true;
        tui_message(t, false, "showing %s connections (f: next filter)", filter_names[st->filter]);
        return true;
    case '/':
        tui_prompt(t, "/", NULL, search_done);
        return true;
    case 'n':
        if (!st->search[0]) tui_message(t, false, "Search first with /");
        else search_step(t, st, 1, false);
        return true;
    case 'N':
        if (!st->search[0]) tui_message(t, false, "Search first with /");
        else search_step(t, st, -1, false);
        return true;
    case K_ESC:
        if (st->search[0]) {
            st->search[0] = 0;
            return true;
        }
        return false;
    case K_CLICK:
    case K_DCLICK: {
        long r = (long)st->top + (t->mouse_y - st->rows_y);
        if (t->mouse_y >= st->rows_y && t->mouse_y < st->rows_y + st->page && r < (long)st->n) {
            st->sel = (size_t)r;
            st->sel_id = st->rows[r]->id;
            if (key == K_DCLICK) dialogue_open(t, st->rows[r]);
        }
        return true;
    }
    case K_WHEEL_UP:
        move_sel(st, -3);
        return true;
    case K_WHEEL_DOWN:
        move_sel(st, 3);
        return true;
    default:
        return false;
    }
}

const view_ops view_list_ops = {
    .name = "Connections",
    .create = list_create,
    .destroy = list_destroy,
    .draw = list_draw,
    .key = list_key,
    .hint = list_hint,
};
