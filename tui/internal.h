/* What the files of tui/ share: the connection store, the app state, the
 * drawing helpers and the theme.  Not part of the program's interface. */
#ifndef TLSVIEW_TUI_INTERNAL_H
#define TLSVIEW_TUI_INTERNAL_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <wchar.h>

#include "dissect/conn.h"
#include "dissect/step.h"
#include "tui/tui.h"
#include "tui/view.h"

/* ---- Keys: characters are their code points, function keys FK(KEY_x). ---- */
enum { FK_BASE = 0x200000 };
#define FK(k) (FK_BASE + (k))
#define KEY_CTRL(c) ((c) & 0x1f)
enum { K_ESC = 27, K_TAB = 9, K_ENTER = 10, K_BACKSPACE_ASCII = 127 };
/* Mouse events, given to views as keys with a position in tui.mouse_y/x. */
enum { K_CLICK = FK_BASE + 0x10000, K_DCLICK, K_WHEEL_UP, K_WHEEL_DOWN };

/* ---- The connection store ---- */

struct tui_conn {
    unsigned id;                        /* as the dissector numbered it */
    double first_ts, last_ts;
    char client[CONN_ADDR_MAX], server[CONN_ADDR_MAX];
    char *sni;                          /* malloc'd, NULL if none */
    char *info;                         /* certificate, ALPN, group: one line */
    char *notes;                        /* the connection's notes, joined */
    uint16_t version, suite;
    bool have_suite;
    uint8_t outcome;                    /* handshake_outcome */
    uint8_t decryption;                 /* decryption_state */
    bool alert_seen;
    uint8_t alert_level, alert_desc;
    uint8_t alert_dir;
    bool resumed, malformed, closed;

    /* Steps, in order.  `dropped`: they were let go to bound memory. */
    step **steps;
    uint32_t n_steps, cap_steps;
    uint32_t seen_steps;                /* delivered by the capture, kept or not */
    size_t mem;                         /* estimated bytes the steps hold */
    bool dropped;
    uint32_t epoch;                     /* bumped when steps are let go: views holding nodes start over */
    bool reloaded;                      /* steps came from a second reading: ignore the first's */
    bool reload_failed;
    tui_conn *lru_prev, *lru_next;      /* connections holding steps, least recent first */
};

/* ---- Glyphs: UTF-8 or ASCII ---- */

typedef struct glyphs {
    const char *vline, *hline, *hline_enc, *arrow_r, *arrow_l;
    const char *tee_l, *tee_r;          /* lifeline joints: ├ ┤ */
    const char *closed, *open;          /* tree markers */
    const char *ellipsis, *to, *dot, *derived, *gap, *bad, *up, *down, *play, *check, *arrow_down;
    const char *corner_tl, *corner_tr, *corner_bl, *corner_br;
} glyphs;

/* ---- Theme (theme.c): one table for colour and monochrome ---- */

/*   name         fg             bg           colour attrs         monochrome attrs */
#define TUI_THEME(X) \
    X(NORMAL,     -1,            -1,          A_NORMAL,            A_NORMAL) \
    X(TITLE,      COLOR_WHITE,   COLOR_BLUE,  A_BOLD,              A_REVERSE | A_BOLD) \
    X(STATUS,     COLOR_BLACK,   COLOR_WHITE, A_NORMAL,            A_REVERSE) \
    X(STATUS_KEY, COLOR_BLUE,    COLOR_WHITE, A_BOLD,              A_REVERSE | A_BOLD) \
    X(HEADER,     COLOR_BLUE,    -1,          A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE) \
    X(BORDER,     COLOR_BLUE,    -1,          A_NORMAL,            A_NORMAL) \
    X(PANE_TITLE, COLOR_BLUE,    -1,          A_BOLD,              A_BOLD) \
    X(PANE_FOCUS, COLOR_CYAN,    -1,          A_BOLD,              A_BOLD | A_UNDERLINE) \
    X(CURSOR,     COLOR_BLACK,   COLOR_CYAN,  A_NORMAL,            A_REVERSE | A_BOLD) \
    X(CURSOR_DIM, COLOR_BLACK,   COLOR_WHITE, A_NORMAL,            A_REVERSE) \
    X(CLIENT,     COLOR_CYAN,    -1,          A_BOLD,              A_NORMAL) \
    X(SERVER,     COLOR_MAGENTA, -1,          A_BOLD,              A_BOLD) \
    X(DERIVED,    COLOR_GREEN,   -1,          A_BOLD,              A_BOLD) \
    X(ENCRYPTED,  COLOR_YELLOW,  -1,          A_NORMAL,            A_NORMAL) \
    X(NARRATION,  -1,            -1,          A_BOLD,              A_BOLD) \
    X(DIM,        -1,            -1,          A_DIM,               A_DIM) \
    X(FIELD_NAME, COLOR_BLUE,    -1,          A_BOLD,              A_NORMAL) \
    X(HEX_SEL,    COLOR_BLACK,   COLOR_YELLOW, A_NORMAL,           A_REVERSE | A_UNDERLINE) \
    X(OK,         COLOR_GREEN,   -1,          A_NORMAL,            A_NORMAL) \
    X(FAIL,       COLOR_RED,     -1,          A_BOLD,              A_BOLD | A_UNDERLINE) \
    X(WARN,       COLOR_YELLOW,  -1,          A_NORMAL,            A_NORMAL) \
    X(MATCH,      COLOR_BLACK,   COLOR_GREEN, A_NORMAL,            A_BOLD | A_UNDERLINE) \
    X(KEY,        COLOR_YELLOW,  -1,          A_BOLD,              A_BOLD)

typedef enum theme_el {
#define TUI_THEME_ENUM(name, fg, bg, ca, ma) T_##name,
    TUI_THEME(TUI_THEME_ENUM)
#undef TUI_THEME_ENUM
    T_COUNT
} theme_el;

/* Sets up colour pairs when `color`; else the monochrome column is used. */
void theme_init(bool color);
attr_t theme_attr(theme_el e);
/* "hex_sel" -> T_HEX_SEL, or -1. */
int theme_lookup(const char *name);

/* ---- The app ---- */

enum { TUI_MIN_COLS = 80, TUI_MIN_LINES = 24, TUI_STACK_MAX = 8 };

typedef struct prompt {
    bool active;
    char label[24];                     /* "/" */
    char text[128];
    size_t len;
    void (*done)(tui *t, const char *text);   /* Enter; Esc cancels */
} prompt;

struct tui {
    sink base;                          /* the dissector's sink */
    sink reload_sink;                   /* collects one connection read again */
    tui_options opt;

    /* Connections by id - 1 (ids from one dissector are 1, 2, 3, ...). */
    tui_conn **conns;
    size_t n_conns, cap_conns;
    size_t count;                       /* non-NULL entries */
    uint64_t generation;                /* bumped on every change a view may show */

    /* Memory of kept steps. */
    size_t mem_used, mem_budget;
    tui_conn *lru_head, *lru_tail;
    tui_conn *pinned;                   /* being viewed: never dropped */

    /* Reading a connection again. */
    tui_conn *reload_target;
    unsigned reload_id;                 /* its number in the second reading */

    /* Input. */
    const tui_source *src;
    bool input_ended;
    char input_error[256];
    tui_stats stats;

    /* Screen. */
    SCREEN *screen;
    FILE *term_in, *term_out;
    bool color, utf8, mouse;
    glyphs g;
    bool quit;
    bool dirty;
    bool scripted;
    bool auto_opened;                   /* the one-connection rule was applied */
    bool no_quit;                       /* scripts: the quitting keys do nothing */
    double vclock;                      /* virtual time of a script */
    int mouse_y, mouse_x;               /* of the last mouse key */

    /* Views: a stack of screens, the top one drawn. */
    view views[VIEW_COUNT];
    int stack[TUI_STACK_MAX];
    int depth;

    prompt prompt;
    char message[200];                  /* one-shot status text */
    bool message_error;
};

/* tui.c */
double tui_now(tui *t);
void tui_push(tui *t, view_id id);
void tui_pop(tui *t);
view_id tui_top(const tui *t);
void tui_message(tui *t, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_prompt(tui *t, const char *label, const char *initial, void (*done)(tui *t, const char *text));
void tui_handle_key(tui *t, int key);
void tui_draw(tui *t);
void tui_tick(tui *t);
/* Makes sure c's steps are held (reading them again if needed) and pins
 * it.  Returns false when they cannot be had. */
bool tui_conn_hold(tui *t, tui_conn *c);
void tui_conn_unpin(tui *t);
/* The title bar and status line every screen draws. */
void tui_draw_title(tui *t, const char *left, const char *right);
void tui_draw_status(tui *t, const char *left, const char *right);
/* The total width of the status line's fixed parts (live counters...). */
void tui_source_summary(tui *t, char *buf, size_t n);
/* Pumps the source until its end (scripts). */
void tui_load_all(tui *t);

/* store.c: the sink and the connection store */
void store_init(tui *t);
void store_free(tui *t);
tui_conn *store_get(const tui *t, unsigned id);
void store_touch(tui *t, tui_conn *c);
void store_drop_steps(tui *t, tui_conn *c);
void store_enforce_budget(tui *t);
/* Text pieces of a connection shared by the views. */
const char *conn_outcome_text(const tui_conn *c, char *buf, size_t n);
const char *conn_decryption_text(const tui_conn *c);
const char *conn_version_text(const tui_conn *c);   /* "TLS 1.2" or "" */
const char *conn_suite_text(const tui_conn *c, char *buf, size_t n);
theme_el conn_outcome_theme(const tui_conn *c);

/* draw.c: width-aware text on stdscr */
/* Draws UTF-8 `s` at (y, x) in at most w cells, control characters and
 * invalid bytes as '?', cut with an ellipsis when it does not fit (unless
 * `nocut`).  Returns the cells used. */
int put(tui *t, int y, int x, int w, attr_t a, const char *s);
int put_raw(tui *t, int y, int x, int w, attr_t a, const char *s, size_t len);
int putf(tui *t, int y, int x, int w, attr_t a, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void fill(int y, int x, int w, attr_t a);
void hrule(tui *t, int y, int x, int w, attr_t a);
void vrule(tui *t, int y, int x, int h, attr_t a);
/* Display width of UTF-8 text (as put would draw it). */
int text_width(const char *s, size_t len);
/* Word wrap: calls line(ctx, start, len) for each line of at most w cells;
 * returns the number of lines. */
int wrap(const char *s, int w, void (*line)(void *ctx, int i, const char *p, size_t len), void *ctx);
bool contains_ci(const char *hay, const char *needle);
/* "client_hello" -> "ClientHello"; the ladder's label of a step. */
void step_label(const step *s, char *buf, size_t n);
/* 1: a field "verified" says true (a Finished tlsview recomputed and
 * matched), 0: false, -1: no such field. */
int step_verified(const step *s);
/* A field's one-line text: "name: value", for lists their value only. */
void field_line_text(const field *f, char *buf, size_t n);
/* Reads the virtual screen back (scripts): row y as UTF-8. */
void screen_row(int y, char *buf, size_t n);

/* view_dialogue.c: open a connection's dialogue */
void dialogue_open(tui *t, tui_conn *c);
tui_conn *dialogue_conn(tui *t);
void keys_open(tui *t, tui_conn *c);

/* script.c */
int script_run(tui *t, const char *path);

#endif
