/* The dialogue screen's state, shared by its panes: the ladder
 * (pane_ladder.c), the field tree (pane_fields.c) and the bytes
 * (pane_hex.c); view_dialogue.c lays them out with the narration. */
#ifndef TLSVIEW_TUI_DIALOGUE_H
#define TLSVIEW_TUI_DIALOGUE_H

#include "tui/internal.h"

typedef enum pane { PANE_LADDER, PANE_FIELDS, PANE_HEX, PANE_COUNT } pane;

typedef struct rect {
    int y, x, h, w;
} rect;

typedef struct field_row {
    const field *f;
    int depth;
} field_row;

typedef enum autoplay { PLAY_OFF, PLAY_STEADY, PLAY_REAL } autoplay;

typedef struct dialogue {
    tui_conn *c;
    uint32_t epoch;             /* c's epoch when its nodes were looked at */
    size_t cur;                 /* the current step */
    size_t ladder_top;
    pane focus;
    bool wide;                  /* ladder hidden: the step's panes take the width */
    bool follow;                /* live: stay on the newest step */
    bool unavailable;           /* its steps could not be had */

    /* Field tree: the visible rows of the current step, and which
     * containers are open (by node, for every step of the connection). */
    field_row *rows;
    size_t nrows, cap_rows;
    size_t fsel, ftop;
    const step *rows_of;
    bool rows_stale;
    const field **open;
    size_t nopen, cap_open;
    const step **seen;          /* steps shown once: small trees open by themselves the first time */
    size_t nseen, cap_seen;

    /* Bytes. */
    size_t hex_top;             /* first line shown */
    bool hex_reveal;            /* scroll to the selected field's bytes */

    autoplay play;
    double pace;                /* seconds per step when steady */
    double next_at;

    char search[128];

    /* Where things were drawn, for the mouse. */
    rect r_ladder, r_fields, r_hex;
    int ladder_rows_y;          /* first step row */
    int hex_bpl, hex_x0, hex_ascii_x;
} dialogue;

const step *dlg_step(const dialogue *d);

/* pane_ladder.c */
void ladder_draw(tui *t, dialogue *d, rect r, bool focused);
int ladder_capacity(rect r);                     /* step rows it shows */
long ladder_hit(const dialogue *d, int y, int x);    /* step index, or -1 */

/* pane_fields.c */
void fields_rebuild(dialogue *d);
void fields_draw(tui *t, dialogue *d, rect r, bool focused);
const field *fields_selected(dialogue *d);
bool fields_is_open(const dialogue *d, const field *f);
void fields_toggle(dialogue *d, const field *f);
void fields_set_all(dialogue *d, bool open);
/* Opens f's ancestors and selects it. */
void fields_select(dialogue *d, const field *f);
void fields_move(dialogue *d, long delta);
long fields_hit(const dialogue *d, int y);          /* row index, or -1 */
/* The deepest field of the current step whose bytes hold `offset`. */
const field *fields_at_offset(const dialogue *d, size_t offset);
void fields_forget(dialogue *d);                     /* another connection */

/* pane_hex.c */
void hex_draw(tui *t, dialogue *d, rect r, bool focused);
int hex_bytes_per_line(int width, size_t nbytes);
long hex_hit(const dialogue *d, int y, int x);       /* byte offset, or -1 */

#endif
