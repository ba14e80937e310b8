/* One screen of the TUI is one ops table: the app keeps a stack of them
 * and draws the top one; keys go to it first. */
#ifndef TLSVIEW_TUI_VIEW_H
#define TLSVIEW_TUI_VIEW_H

#include <stdbool.h>

typedef struct tui tui;

typedef enum view_id {
    VIEW_LIST,          /* connections */
    VIEW_DIALOGUE,      /* one connection, step by step */
    VIEW_KEYS,          /* its key schedule */
    VIEW_HELP,
    VIEW_COUNT
} view_id;

typedef struct view view;

typedef struct view_ops {
    const char *name;
    void *(*create)(tui *t);
    void (*destroy)(void *st);
    /* The whole screen, every time (the layout follows LINES and COLS). */
    void (*draw)(tui *t, void *st);
    /* true: handled.  Unhandled keys fall to the app (q, ?, Q...). */
    bool (*key)(tui *t, void *st, int key);
    /* Time passed (autoplay).  Returns the seconds until it wants the next
     * tick, or a negative number for never.  Optional. */
    double (*tick)(tui *t, void *st, double now);
    /* Words for the help screen's context line and the status bar. */
    const char *(*hint)(tui *t, void *st);
} view_ops;

struct view {
    const view_ops *ops;
    void *st;
};

extern const view_ops view_list_ops;
extern const view_ops view_dialogue_ops;
extern const view_ops view_keys_ops;
extern const view_ops view_help_ops;

#endif
