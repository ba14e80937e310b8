/* The app: the terminal, the view stack, key dispatch, the title and
 * status lines, and the loop that reads the capture between key presses. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/internal.h"

static const glyphs utf8_glyphs = {
    .vline = "\u2502", .hline = "\u2500", .hline_enc = "\u2550", .arrow_r = "\u25b6", .arrow_l = "\u25c0",
    .tee_l = "\u251c", .tee_r = "\u2524", .closed = "\u25b8", .open = "\u25be", .ellipsis = "\u2026",
    .to = "\u2192", .dot = "\u00b7", .derived = "\u25c6", .gap = "\u2248", .bad = "\u2717", .up = "\u25b2",
    .down = "\u25bc", .play = "\u25b6", .check = "\u2713", .arrow_down = "\u2193", .corner_tl = "\u250c", .corner_tr = "\u2510", .corner_bl = "\u2514",
    .corner_br = "\u2518",
};

static const glyphs ascii_glyphs = {
    .vline = "|", .hline = "-", .hline_enc = "=", .arrow_r = ">", .arrow_l = "<", .tee_l = "|", .tee_r = "|",
    .closed = "+", .open = "-", .ellipsis = "~", .to = "->", .dot = "-", .derived = "*", .gap = "~", .bad = "x",
    .up = "^", .down = "v", .play = ">", .check = "ok", .arrow_down = "|", .corner_tl = "+", .corner_tr = "+", .corner_bl = "+", .corner_br = "+",
};

static const view_ops *const all_views[VIEW_COUNT] = {
    [VIEW_LIST] = &view_list_ops,
    [VIEW_DIALOGUE] = &view_dialogue_ops,
    [VIEW_KEYS] = &view_keys_ops,
    [VIEW_HELP] = &view_help_ops,
};

tui *tui_new(const tui_options *o)
{
    tui *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->opt = *o;
    t->utf8 = o->utf8;
    t->g = o->utf8 ? utf8_glyphs : ascii_glyphs;
    store_init(t);
    for (int i = 0; i < VIEW_COUNT; i++) {
        t->views[i].ops = all_views[i];
        t->views[i].st = all_views[i]->create(t);
    }
    t->stack[0] = VIEW_LIST;
    t->depth = 1;
    return t;
}

sink *tui_sink(tui *t)
{
    return &t->base;
}

void tui_free(tui *t)
{
    if (!t) return;
    for (int i = 0; i < VIEW_COUNT; i++)
        if (t->views[i].ops->destroy) t->views[i].ops->destroy(t->views[i].st);
    store_free(t);
    free(t);
}

double tui_now(tui *t)
{
    if (t->scripted) return t->vclock;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the view stack ---- */

view_id tui_top(const tui *t)
{
    return (view_id)t->stack[t->depth - 1];
}

static bool on_stack(const tui *t, view_id id)
{
    for (int i = 0; i < t->depth; i++)
        if (t->stack[i] == (int)id) return true;
    return false;
}

void tui_push(tui *t, view_id id)
{
    t->dirty = true;
    if (tui_top(t) == id) return;
    /* A screen already open further down comes back to the top, with what
     * was above it let go: the stack stays a path, not a history. */
    for (int i = 0; i < t->depth; i++) {
        if (t->stack[i] == (int)id) {
            t->depth = i + 1;
            return;
        }
    }
    if (t->depth < TUI_STACK_MAX) t->stack[t->depth++] = id;
}

void tui_pop(tui *t)
{
    t->dirty = true;
    if (t->depth <= 1) {
        if (!t->no_quit) t->quit = true;
        return;
    }
    t->depth--;
    if (!on_stack(t, VIEW_DIALOGUE) && !on_stack(t, VIEW_KEYS)) tui_conn_unpin(t);
}

void tui_message(tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    va_end(ap);
    t->message_error = error;
    t->dirty = true;
}

void tui_prompt(tui *t, const char *label, const char *initial, void (*done)(tui *t, const char *text))
{
    prompt *p = &t->prompt;
    p->active = true;
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->text, sizeof p->text, "%s", initial ? initial : "");
    p->len = strlen(p->text);
    p->done = done;
    t->dirty = true;
}

static void prompt_key(tui *t, int key)
{
    prompt *p = &t->prompt;
    if (key == K_ESC || key == KEY_CTRL('g') || key == KEY_CTRL('c')) {
        p->active = false;
    } else if (key == K_ENTER || key == '\r' || key == FK(KEY_ENTER)) {
        p->active = false;
        if (p->done) p->done(t, p->text);
    } else if (key == FK(KEY_BACKSPACE) || key == K_BACKSPACE_ASCII || key == KEY_CTRL('h')) {
        /* Back over one UTF-8 character. */
        while (p->len && (p->text[p->len - 1] & 0xc0) == 0x80) p->len--;
        if (p->len) p->len--;
        p->text[p->len] = 0;
    } else if (key == KEY_CTRL('u')) {
        p->len = 0;
        p->text[0] = 0;
    } else if (key >= 0x20 && key < FK_BASE && key != 0x7f) {
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t m = wcrtomb(mb, (wchar_t)key, &st);
        if (m != (size_t)-1 && p->len + m < sizeof p->text) {
            memcpy(p->text + p->len, mb, m);
            p->len += m;
            p->text[p->len] = 0;
        }
    }
    t->dirty = true;
}

void tui_handle_key(tui *t, int key)
{
    t->dirty = true;
    if (key == FK(KEY_RESIZE)) return;
    if (t->prompt.active) {
        prompt_key(t, key);
        return;
    }
    t->message[0] = 0;
    view *v = &t->views[tui_top(t)];
    if (v->ops->key && v->ops->key(t, v->st, key)) return;
    switch (key) {
    case '?':
    case FK(KEY_F(1)):
        tui_push(t, VIEW_HELP);
        break;
    case 'q':
    case K_ESC:
        tui_pop(t);
        break;
    case 'Q':
        if (!t->no_quit) t->quit = true;
        break;
    case KEY_CTRL('l'):
        clearok(curscr, TRUE);
        break;
    default:
        break;
    }
}

/* ---- title and status ---- */

void tui_draw_title(tui *t, const char *left, const char *right)
{
    attr_t a = theme_attr(T_TITLE);
    fill(0, 0, COLS, a);
    int rw = right ? text_width(right, strlen(right)) : 0;
    int lw = left ? text_width(left, strlen(left)) : 0;
    if (lw + rw + 4 > COLS) rw = 0;   /* the left part matters more; the status line has the keys */
    put(t, 0, 1, COLS - rw - 3, a, left);
    if (rw) put(t, 0, COLS - rw - 1, rw, a, right);
}

void tui_source_summary(tui *t, char *buf, size_t n)
{
    const tui_source *s = t->src;
    const tui_stats *st = &t->stats;
    char conns[64];
    snprintf(conns, sizeof conns, "%zu connection%s", t->count, t->count == 1 ? "" : "s");
    if (s && s->live) {
        snprintf(buf, n, "live on %s %s %llu packets %s %s %s %llu dropped", s->name ? s->name : "?", t->g.dot,
                 (unsigned long long)st->packets, t->g.dot, conns, t->g.dot,
                 (unsigned long long)(st->kernel_dropped + st->interface_dropped));
    } else if (!t->input_ended) {
        snprintf(buf, n, "%s %s %llu packets %s reading%s", conns, t->g.dot, (unsigned long long)st->packets,
                 t->g.dot, t->utf8 ? "\u2026" : "...");
    } else {
        snprintf(buf, n, "%s %s %llu packets", conns, t->g.dot, (unsigned long long)st->packets);
    }
}

void tui_draw_status(tui *t, const char *left, const char *right)
{
    int y = LINES - 1;
    attr_t a = theme_attr(T_STATUS);
    fill(y, 0, COLS, a);
    if (t->prompt.active) {
        int x = put(t, y, 0, COLS, a, t->prompt.label);
        x += put(t, y, x, COLS - x - 1, a, t->prompt.text);
        put(t, y, x, 1, theme_attr(T_CURSOR), " ");
        return;
    }
    char summary[256];
    if (!right) {
        tui_source_summary(t, summary, sizeof summary);
        right = summary;
    }
    int rw = text_width(right, strlen(right));
    if (rw > COLS / 2) rw = COLS / 2;
    const char *l = t->message[0] ? t->message : left;
    attr_t la = t->message[0] ? (t->message_error ? theme_attr(T_STATUS_KEY) | A_BOLD : theme_attr(T_STATUS_KEY)) : a;
    if (t->input_error[0] && !t->message[0]) {
        l = t->input_error;
        la = theme_attr(T_STATUS_KEY);
    }
    put(t, y, 1, COLS - rw - 4, la, l);
    put(t, y, COLS - rw - 1, rw, a, right);
}

/* ---- drawing ---- */

static void draw_too_small(tui *t)
{
    erase();
    char line[160];
    snprintf(line, sizeof line, "tlsview needs a terminal of at least %dx%d; this one is %dx%d.", TUI_MIN_COLS,
             TUI_MIN_LINES, COLS, LINES);
    int y = LINES / 2 - 1;
    if (y < 0) y = 0;
    int w = text_width(line, strlen(line));
    put(t, y, w < COLS ? (COLS - w) / 2 : 0, COLS, theme_attr(T_NARRATION), line);
    const char *hint = "Enlarge the window, or press q to quit.";
    w = text_width(hint, strlen(hint));
    put(t, y + 1, w < COLS ? (COLS - w) / 2 : 0, COLS, A_NORMAL, hint);
}

void tui_draw(tui *t)
{
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
        draw_too_small(t);
    } else {
        erase();
        view *v = &t->views[tui_top(t)];
        v->ops->draw(t, v->st);
    }
    t->dirty = false;
}

void tui_tick(tui *t)
{
    view *v = &t->views[tui_top(t)];
    if (v->ops->tick) v->ops->tick(t, v->st, tui_now(t));
}

static double next_tick_in(tui *t)
{
    view *v = &t->views[tui_top(t)];
    if (!v->ops->tick) return -1;
    return v->ops->tick(t, v->st, tui_now(t));
}

/* ---- input from the source ---- */

static void refresh_stats(tui *t)
{
    if (t->src && t->src->stats) t->src->stats(t->src->ctx, &t->stats);
}

/* Reads for up to `budget` seconds (files) or one batch (live). */
static void pump(tui *t, double budget)
{
    const tui_source *s = t->src;
    if (t->input_ended || !s || !s->pump) {
        t->input_ended = true;
        return;
    }
    double until = tui_now(t) + budget;
    do {
        int r = s->pump(s->ctx, 256, t->input_error, sizeof t->input_error);
        if (r <= 0) {
            t->input_ended = true;
            if (r == 0) t->input_error[0] = 0;
            break;
        }
        if (s->live) break;
    } while (tui_now(t) < until && !t->scripted);
    refresh_stats(t);
}

void tui_load_all(tui *t)
{
    while (!t->input_ended && !(t->src->stop && *t->src->stop)) pump(t, 1.0);
    refresh_stats(t);
}

/* A capture of one connection opens straight into its dialogue. */
static void maybe_auto_open(tui *t, bool user_acted)
{
    if (t->auto_opened || !t->input_ended) return;
    t->auto_opened = true;
    if (user_acted || t->count != 1 || tui_top(t) != VIEW_LIST) return;
    for (size_t i = 0; i < t->n_conns; i++)
        if (t->conns[i]) {
            dialogue_open(t, t->conns[i]);
            break;
        }
}

/* ---- the terminal ---- */

static int screen_open(tui *t)
{
    if (t->scripted) {
        t->term_out = fopen("/dev/null", "w");
        t->term_in = fopen("/dev/null", "r");
        if (!t->term_out || !t->term_in) return -1;
        const char *terms[] = { getenv("TLSVIEW_TUI_TERM"), "xterm-256color", "xterm", "vt100" };
        for (size_t i = 0; i < sizeof terms / sizeof terms[0] && !t->screen; i++)
            if (terms[i] && *terms[i]) t->screen = newterm(terms[i], t->term_out, t->term_in);
    } else {
        if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
            t->screen = newterm(NULL, stdout, stdin);
        } else {
            /* The capture may come on standard input, or the output be
             * redirected: talk to the terminal itself. */
            t->term_in = fopen("/dev/tty", "r");
            t->term_out = fopen("/dev/tty", "w");
            if (t->term_in && t->term_out) t->screen = newterm(NULL, t->term_out, t->term_in);
        }
    }
    if (!t->screen) return -1;
    set_term(t->screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    curs_set(0);
    set_escdelay(25);
    const char *nc = getenv("NO_COLOR");
    t->color = has_colors() && !t->opt.no_color && !(nc && *nc);
    if (t->color) start_color();
    theme_init(t->color);
    if (!t->scripted) {
        mmask_t want = BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED;
        t->mouse = mousemask(want, NULL) != 0;
        mouseinterval(0);
    }
    return 0;
}

static void screen_close(tui *t)
{
    if (t->screen) {
        endwin();
        delscreen(t->screen);
        t->screen = NULL;
    }
    if (t->term_in) fclose(t->term_in);
    if (t->term_out) fclose(t->term_out);
    t->term_in = t->term_out = NULL;
}

/* One key from curses, as our key code; -1 for none. */
static int read_key(tui *t)
{
    wint_t wc;
    int r = wget_wch(stdscr, &wc);
    if (r == ERR) return -1;
    if (r == KEY_CODE_YES) {
        if (wc == KEY_MOUSE) {
            MEVENT ev;
            if (getmouse(&ev) != OK) return -2;
            t->mouse_y = ev.y;
            t->mouse_x = ev.x;
            if (ev.bstate & BUTTON4_PRESSED) return K_WHEEL_UP;
            if (ev.bstate & BUTTON5_PRESSED) return K_WHEEL_DOWN;
            if (ev.bstate & BUTTON1_PRESSED) {
                static double last;
                static int ly = -1, lx = -1;
                double now = tui_now(t);
                bool dbl = ev.y == ly && ev.x == lx && now - last < 0.4;
                last = dbl ? 0 : now;
                ly = ev.y;
                lx = ev.x;
                return dbl ? K_DCLICK : K_CLICK;
            }
            return -2;
        }
        return FK((int)wc);
    }
    if (wc == '\r') return K_ENTER;
    if (wc == K_ESC) {
        /* curses waited ESCDELAY before handing out a lone Esc; if more
         * follows at once, this is a key sequence the terminal description
         * does not know (a TERM that does not match the terminal), or Alt
         * with a key: swallow it rather than read Esc, which would quit. */
        wint_t c2;
        int r2 = wget_wch(stdscr, &c2);
        if (r2 == ERR) return K_ESC;
        if (r2 == OK && (c2 == '[' || c2 == 'O')) {
            for (int i = 0; i < 32; i++) {
                wint_t c3;
                if (wget_wch(stdscr, &c3) != OK || (c3 >= 0x40 && c3 <= 0x7e)) break;
            }
        }
        return -2;
    }
    return (int)wc;
}

static int run_terminal(tui *t)
{
    const tui_source *s = t->src;
    bool user_acted = false;
    /* Give a small file the chance to be read whole before the first
     * screen, so that a single connection can open straight away. */
    if (!s->live) pump(t, 0.25);
    maybe_auto_open(t, false);
    tui_draw(t);
    refresh();
    double last_draw = tui_now(t);
    uint64_t drawn_gen = t->generation;
    nodelay(stdscr, TRUE);
    while (!t->quit && !(s->stop && *s->stop)) {
        /* Wait for a key, input, or the next tick. */
        int cap_fd = !t->input_ended && s->fd ? s->fd(s->ctx) : -1;
        double tick = next_tick_in(t);
        int timeout;
        if (!t->input_ended && !s->live) timeout = 0;              /* keep reading the file */
        else if (s->live && !t->input_ended && cap_fd < 0) timeout = 20; /* poll the capture often */
        else timeout = 1000;                                        /* stats, clock */
        if (tick >= 0 && tick * 1000 < timeout) timeout = (int)(tick * 1000) + 1;
        struct pollfd pfd[2] = { { fileno(t->term_in ? t->term_in : stdin), POLLIN, 0 }, { cap_fd, POLLIN, 0 } };
        int np = cap_fd >= 0 ? 2 : 1;
        int pr = poll(pfd, (nfds_t)np, timeout);
        if (pr < 0 && errno != EINTR) break;

        int key;
        while ((key = read_key(t)) != -1) {
            if (key == -2) continue;
            user_acted = true;
            tui_handle_key(t, key);
            if (t->quit) break;
        }
        if (t->quit) break;

        if (!t->input_ended) {
            if (!s->live) pump(t, 0.03);
            else if (cap_fd < 0 || (pr > 0 && (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))) pump(t, 0.02);
            maybe_auto_open(t, user_acted);
        } else if (s->live) {
            refresh_stats(t);
        }
        tui_tick(t);

        double now = tui_now(t);
        bool changed = t->generation != drawn_gen;
        /* While a file is read, redraw a few times a second, not per packet. */
        if (t->dirty || (changed && now - last_draw > 0.15) || now - last_draw > 1.0) {
            tui_draw(t);
            refresh();
            last_draw = now;
            drawn_gen = t->generation;
        }
    }
    return 0;
}

int tui_run_source(tui *t, const tui_source *src)
{
    t->src = src;
    const char *script = getenv("TLSVIEW_TUI_SCRIPT");
    t->scripted = script && *script;
    if (screen_open(t) < 0) {
        const char *term = getenv("TERM");
        if (t->term_in || (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)))
            fprintf(stderr, "tlsview: curses does not know the terminal type \"%s\"; set TERM (e.g. "
                            "xterm-256color), or use -o text or -o json\n", term ? term : "");
        else
            fprintf(stderr, "tlsview: the TUI needs a terminal; use -o text or -o json\n");
        screen_close(t);
        return 1;
    }
    int rc;
    if (t->scripted) {
        tui_load_all(t);
        maybe_auto_open(t, false);
        rc = script_run(t, script);
    } else {
        rc = run_terminal(t);
    }
    screen_close(t);
    return rc;
}
