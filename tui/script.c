/* Drives the real UI from a script of keys, for the tests: curses draws
 * on a virtual screen (its output goes nowhere), and the script asks for
 * the screen's text, or the cells of one theme element, at marks.
 *
 * One command a line; '#' starts a comment:
 *   size COLS ROWS        resize the screen (also: resize)
 *   key NAME...           keys: a character, or Enter Esc Tab BTab Space
 *                         Up Down Left Right Home End PgUp PgDn Backspace
 *                         F1 C-x (control)
 *   type TEXT             the characters of TEXT, one key each
 *   click ROW COL         mouse button 1 (dclick: twice; wheelup, wheeldown)
 *   wait SECONDS          let time pass (autoplay)
 *   dump NAME             write the screen's text under "=== NAME"
 *   marks NAME ELEMENT    write, per row, the runs of cells drawn as the
 *                         theme ELEMENT (e.g. hex_sel, cursor)
 *   noquit                from here on q, Esc and Q do not end the program
 *                         (random key tests); the script's end does
 * The dumps go to TLSVIEW_TUI_DUMP (a file) or standard output. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tui/internal.h"

typedef struct script_key {
    const char *name;
    int key;
} script_key;

static const script_key names[] = {
    { "Enter", K_ENTER }, { "Esc", K_ESC }, { "Tab", K_TAB }, { "BTab", FK(KEY_BTAB) }, { "Space", ' ' },
    { "Up", FK(KEY_UP) }, { "Down", FK(KEY_DOWN) }, { "Left", FK(KEY_LEFT) }, { "Right", FK(KEY_RIGHT) },
    { "Home", FK(KEY_HOME) }, { "End", FK(KEY_END) }, { "PgUp", FK(KEY_PPAGE) }, { "PgDn", FK(KEY_NPAGE) },
    { "Backspace", FK(KEY_BACKSPACE) }, { "F1", FK(KEY_F(1)) },
};

static int parse_key(const char *s)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) return names[i].key;
    if (s[0] == 'C' && s[1] == '-' && s[2] && !s[3]) return KEY_CTRL(s[2]);
    wchar_t wc;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = mbrtowc(&wc, s, strlen(s), &st);
    if (n == strlen(s) && n > 0) return (int)wc;
    return -1;
}

static void dump_screen(FILE *out, const char *name)
{
    fprintf(out, "=== %s (%dx%d)\n", name, COLS, LINES);
    char row[4096];
    for (int y = 0; y < LINES; y++) {
        screen_row(y, row, sizeof row);
        fprintf(out, "%s\n", row);
    }
}

/* Each run of cells whose attributes are exactly those of the element. */
static void dump_marks(FILE *out, const char *name, const char *element, attr_t want)
{
    fprintf(out, "=== %s: %s\n", name, element);
    for (int y = 0; y < LINES; y++) {
        bool any = false, in = false;
        char line[8192];
        size_t k = 0;
        for (int x = 0; x < COLS; x++) {
            cchar_t cc;
            wchar_t wch[CCHARW_MAX + 1];
            attr_t attrs;
            short pair;
            if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wch, &attrs, &pair, NULL) == ERR) continue;
            bool match = ((attrs & ~A_COLOR) | (attr_t)COLOR_PAIR(pair)) == want;
            if (match && !in) {
                k += (size_t)snprintf(line + k, sizeof line - k, "%s[%d:", any ? " " : "", x);
                any = in = true;
            } else if (!match && in) {
                k += (size_t)snprintf(line + k, sizeof line - k, "]");
                in = false;
            }
            if (match && k + 8 < sizeof line) {
                char mb[MB_LEN_MAX];
                mbstate_t st;
                memset(&st, 0, sizeof st);
                size_t m = wcrtomb(mb, wch[0] ? wch[0] : L' ', &st);
                if (m == (size_t)-1) mb[0] = '?', m = 1;
                memcpy(line + k, mb, m);
                k += m;
            }
        }
        if (in && k + 2 < sizeof line) line[k++] = ']';
        line[k] = 0;
        if (any) fprintf(out, "%2d %s\n", y, line);
    }
}

static void redraw(tui *t)
{
    tui_draw(t);
    wnoutrefresh(stdscr);
}

static void advance(tui *t, double seconds)
{
    double end = t->vclock + seconds;
    while (t->vclock < end) {
        double step = 0.05;
        if (t->vclock + step > end) step = end - t->vclock;
        t->vclock += step;
        tui_tick(t);
    }
}

static int fail(const char *path, int line, const char *what)
{
    fprintf(stderr, "tlsview: %s:%d: %s\n", path, line, what);
    return 1;
}

int script_run(tui *t, const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    const char *dump_path = getenv("TLSVIEW_TUI_DUMP");
    FILE *out = dump_path && *dump_path ? fopen(dump_path, "w") : stdout;
    if (!out) {
        perror(dump_path);
        fclose(in);
        return 1;
    }
    resize_term(TUI_MIN_LINES, TUI_MIN_COLS);
    t->vclock = 1000.0;
    redraw(t);
    char buf[1024];
    int lineno = 0, rc = 0;
    while (!rc && !t->quit && fgets(buf, sizeof buf, in)) {
        lineno++;
        buf[strcspn(buf, "\r\n")] = 0;
        char *p = buf;
        while (isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') continue;
        char *cmd = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (*p) *p++ = 0;
        while (isspace((unsigned char)*p)) p++;
        char *args = p;
        if (strcmp(cmd, "size") == 0 || strcmp(cmd, "resize") == 0) {
            int cols, rows;
            if (sscanf(args, "%d %d", &cols, &rows) != 2 || cols < 10 || rows < 5) {
                rc = fail(path, lineno, "size COLS ROWS");
                break;
            }
            resize_term(rows, cols);
            tui_handle_key(t, FK(KEY_RESIZE));
        } else if (strcmp(cmd, "key") == 0) {
            for (char *tok = strtok(args, " \t"); tok && !t->quit; tok = strtok(NULL, " \t")) {
                int k = parse_key(tok);
                if (k < 0) {
                    rc = fail(path, lineno, "unknown key");
                    break;
                }
                tui_handle_key(t, k);
                redraw(t);
            }
        } else if (strcmp(cmd, "type") == 0) {
            mbstate_t st;
            memset(&st, 0, sizeof st);
            size_t len = strlen(args);
            for (size_t i = 0; i < len && !t->quit;) {
                wchar_t wc;
                size_t n = mbrtowc(&wc, args + i, len - i, &st);
                if (n == 0 || n > len - i) break;
                tui_handle_key(t, (int)wc);
                i += n;
            }
            redraw(t);
        } else if (strcmp(cmd, "click") == 0 || strcmp(cmd, "dclick") == 0 || strcmp(cmd, "wheelup") == 0 ||
                   strcmp(cmd, "wheeldown") == 0) {
            if (sscanf(args, "%d %d", &t->mouse_y, &t->mouse_x) != 2) {
                rc = fail(path, lineno, "click ROW COL");
                break;
            }
            int k = cmd[0] == 'c' ? K_CLICK : cmd[0] == 'd' ? K_DCLICK : cmd[5] == 'u' ? K_WHEEL_UP : K_WHEEL_DOWN;
            tui_handle_key(t, k);
            redraw(t);
        } else if (strcmp(cmd, "noquit") == 0) {
            t->no_quit = true;
        } else if (strcmp(cmd, "wait") == 0) {
            advance(t, atof(args));
            redraw(t);
        } else if (strcmp(cmd, "dump") == 0) {
            redraw(t);
            dump_screen(out, args);
        } else if (strcmp(cmd, "marks") == 0) {
            char name[256], element[64];
            int e;
            if (sscanf(args, "%255s %63s", name, element) != 2 || (e = theme_lookup(element)) < 0) {
                rc = fail(path, lineno, "marks NAME ELEMENT (a theme element, e.g. hex_sel)");
                break;
            }
            redraw(t);
            dump_marks(out, name, element, theme_attr((theme_el)e));
        } else {
            rc = fail(path, lineno, "unknown command");
        }
    }
    fclose(in);
    if (out != stdout) fclose(out);
    else fflush(out);
    return rc;
}
