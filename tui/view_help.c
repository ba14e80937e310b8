/* Help: every key, and what the ladder's marks mean. */
#include <stdlib.h>
#include <string.h>

#include "tui/doc.h"

typedef struct help_state {
    doc d;
    int built_width;
    bool built_utf8;
} help_state;

static void *help_create(tui *t)
{
    (void)t;
    return calloc(1, sizeof(help_state));
}

static void help_destroy(void *p)
{
    help_state *h = p;
    if (!h) return;
    doc_free(&h->d);
    free(h);
}

typedef struct help_key {
    const char *utf8, *ascii;   /* ascii NULL: same */
    const char *what;
} help_key;

typedef struct help_section {
    const char *title;
    const help_key *keys;
} help_section;

static const help_key everywhere[] = {
    { "?  F1", NULL, "this help" },
    { "q  Esc", NULL, "back; on the connection list, quit" },
    { "Q", NULL, "quit at once" },
    { "Ctrl-L", NULL, "redraw the screen" },
    { "mouse", NULL, "a click selects, a double click opens, the wheel scrolls" },
    { NULL, NULL, NULL },
};

static const help_key list_keys[] = {
    { "\u2191 \u2193  j k", "Up Down  j k", "move" },
    { "PgUp PgDn Home End", NULL, "move by pages, to the first or last" },
    { "Enter  \u2192  l", "Enter  Right  l", "open the dialogue of the connection" },
    { "K", NULL, "its key schedule" },
    { "/", NULL, "search by address, SNI, cipher suite, version or outcome" },
    { "n  N", NULL, "next, previous match" },
    { "s  S", NULL, "sort by the next column; reverse the order" },
    { "f", NULL, "show all connections, the failed or incomplete ones, the failed ones" },
    { NULL, NULL, NULL },
};

static const help_key dialogue_keys[] = {
    { "n  \u2192  l  Space", "n  Right  l  Space", "next step" },
    { "p  \u2190  h", "p  Left  h", "previous step" },
    { "Home g  End G", NULL, "first step, last step" },
    { "\u2191 \u2193  j k", "Up Down  j k", "in the ladder: previous, next step; in the fields: move; in the bytes: scroll" },
    { "PgUp PgDn", NULL, "the same by pages" },
    { "Tab  Shift-Tab", NULL, "next, previous pane: ladder, fields, bytes" },
    { "Enter  o", NULL, "in the ladder: go to the fields; in the fields: open or close the selected one" },
    { "*  -", NULL, "open every field; close them all" },
    { "a", NULL, "autoplay at a steady pace (< slower, > faster); a again stops" },
    { "t", NULL, "autoplay following the capture's own timing" },
    { "z", NULL, "hide the ladder: the step's panes take the width" },
    { "/", NULL, "search the steps: names, fields, values, narration" },
    { "n  N  Esc", NULL, "after a search: next, previous match; Esc ends the search" },
    { "K", NULL, "the key schedule of the connection" },
    { NULL, NULL, NULL },
};

static const help_key keys_keys[] = {
    { "\u2191 \u2193  PgUp PgDn", "Up Down  PgUp PgDn", "scroll" },
    { "Home End", NULL, "top, bottom" },
    { NULL, NULL, NULL },
};

static const help_section sections[] = {
    { "Everywhere", everywhere },
    { "Connections", list_keys },
    { "Dialogue", dialogue_keys },
    { "Key schedule", keys_keys },
};

static void build(tui *t, help_state *h)
{
    doc *d = &h->d;
    doc_clear(d);
    d->width = COLS - 2;
    doc_blank(d);
    doc_text(d, theme_attr(T_NARRATION), 1,
             "tlsview replays TLS handshakes one step at a time. Pick a connection, then step through its "
             "dialogue: the ladder shows who sends what, the narration says what it means, the fields and "
             "bytes show how it is written.");
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        doc_blank(d);
        doc_text(d, theme_attr(T_HEADER), 1, sections[i].title);
        for (const help_key *k = sections[i].keys; k->utf8; k++)
            doc_key(d, theme_attr(T_KEY), t->utf8 || !k->ascii ? k->utf8 : k->ascii, k->what);
    }
    doc_blank(d);
    doc_text(d, theme_attr(T_HEADER), 1, "The ladder");
    char mark[64];
    snprintf(mark, sizeof mark, "%s%s%s", t->g.hline, t->g.hline, t->g.arrow_r);
    doc_key(d, theme_attr(T_CLIENT), mark, "a message from the client, in the clear (the server's point the other way)");
    snprintf(mark, sizeof mark, "%s%s%s", t->g.hline_enc, t->g.hline_enc, t->g.arrow_r);
    doc_key(d, theme_attr(T_CLIENT), mark,
            "a message under encryption: its name when tlsview has the secrets, else \"Encrypted handshake\"");
    doc_key(d, theme_attr(T_DERIVED), t->g.derived, "derived by tlsview, not sent: keys computed, Finished verified");
    doc_key(d, theme_attr(T_WARN), t->g.gap, "bytes missing from the capture");
    doc_key(d, theme_attr(T_FAIL), "red", "an alert, or something that did not decode");
    doc_blank(d);
    doc_text(d, theme_attr(T_DIM), 1,
             "Colours follow the terminal; NO_COLOR or --no-color turn them off. The screen needs at least "
             "80x24. Text output: -o text; JSON Lines: -o json.");
    h->built_width = COLS;
    h->built_utf8 = t->utf8;
}

static void help_draw(tui *t, void *p)
{
    help_state *h = p;
    if (h->built_width != COLS || h->built_utf8 != t->utf8 || h->d.n == 0) build(t, h);
    tui_draw_title(t, "tlsview \u00b7 Help", "q back");
    if (!t->utf8) tui_draw_title(t, "tlsview - Help", "q back");
    doc_draw(t, &h->d, 1, LINES - 2);
    char left[128];
    snprintf(left, sizeof left, "Help %s line %zu of %zu %s q back", t->g.dot, h->d.top + 1, h->d.n, t->g.dot);
    tui_draw_status(t, left, "");
}

static bool help_key_fn(tui *t, void *p, int key)
{
    (void)t;
    help_state *h = p;
    if (key == '?') {
        tui_pop(t);
        return true;
    }
    return doc_scroll_key(&h->d, key);
}

const view_ops view_help_ops = {
    .name = "Help",
    .create = help_create,
    .destroy = help_destroy,
    .draw = help_draw,
    .key = help_key_fn,
};
