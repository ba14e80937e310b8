/* A scrolling page of wrapped lines, for the key schedule and help. */
#ifndef TLSVIEW_TUI_DOC_H
#define TLSVIEW_TUI_DOC_H

#include "tui/internal.h"

enum { DOC_KEY_COLUMN = 22 };

typedef struct doc_line {
    char *text;
    attr_t attr;
    int indent;
    char key[32];           /* help: the keys, drawn in a column of their own */
    attr_t key_attr;
} doc_line;

typedef struct doc {
    doc_line *lines;
    size_t n, cap;
    int width;              /* wrap width, set before adding */
    size_t top;
    int page;
} doc;

void doc_clear(doc *d);
void doc_free(doc *d);
void doc_text(doc *d, attr_t a, int indent, const char *text);
void doc_blank(doc *d);
void doc_key(doc *d, attr_t key_attr, const char *keys, const char *what);
int doc_draw(tui *t, doc *d, int y, int h);
/* Up, down, pages, Home, End.  true: handled. */
bool doc_scroll_key(doc *d, int key);

#endif
