/* Colours and their monochrome stand-ins, from the one table in
 * internal.h: each element has a colour pair (number = element + 1) and
 * attributes for either mode. */
#include <string.h>
#include <strings.h>

#include "tui/internal.h"

typedef struct theme_entry {
    const char *name;
    short fg, bg;
    attr_t color_attr, mono_attr;
} theme_entry;

static const theme_entry table[T_COUNT] = {
#define TUI_THEME_ROW(name, fg, bg, ca, ma) { #name, fg, bg, ca, ma },
    TUI_THEME(TUI_THEME_ROW)
#undef TUI_THEME_ROW
};

static attr_t current[T_COUNT];

void theme_init(bool color)
{
    if (color) {
        /* Keep the terminal's own background and text colour where the
         * table says -1. */
        bool defaults = use_default_colors() == OK;
        for (int i = 0; i < T_COUNT; i++) {
            short fg = table[i].fg, bg = table[i].bg;
            if (!defaults) {
                if (fg < 0) fg = COLOR_WHITE;
                if (bg < 0) bg = COLOR_BLACK;
            }
            init_pair((short)(i + 1), fg, bg);
            current[i] = table[i].color_attr | (attr_t)COLOR_PAIR(i + 1);
        }
    } else {
        for (int i = 0; i < T_COUNT; i++) current[i] = table[i].mono_attr;
    }
}

attr_t theme_attr(theme_el e)
{
    return e < T_COUNT ? current[e] : A_NORMAL;
}

int theme_lookup(const char *name)
{
    for (int i = 0; i < T_COUNT; i++)
        if (strcasecmp(table[i].name, name) == 0) return i;
    return -1;
}
