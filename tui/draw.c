/* Text on the screen: UTF-8 decoded with the locale, measured in cells,
 * cut to fit, anything unprintable shown as '?'.  Every view draws
 * through these, so no string from the network reaches the terminal raw. */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "tui/internal.h"

/* One character of s[0..len): its wide value, bytes and cells.  Bytes the
 * locale cannot decode, and control characters, become '?'. */
static size_t next_char(const char *s, size_t len, wchar_t *wc, int *cells)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t k = mbrtowc(wc, s, len, &st);
    if (k == 0) k = 1;
    if (k == (size_t)-1 || k == (size_t)-2) {
        *wc = L'?';
        k = 1;
    }
    int w = wcwidth(*wc);
    if (*wc == L'\t') {
        *wc = L' ';
        w = 1;
    } else if (*wc < 0x20 || *wc == 0x7f || w < 0) {
        *wc = L'?';
        w = 1;
    }
    *cells = w;
    return k;
}

int text_width(const char *s, size_t len)
{
    int w = 0;
    size_t i = 0;
    while (i < len && s[i]) {
        wchar_t wc;
        int cw;
        i += next_char(s + i, len - i, &wc, &cw);
        w += cw;
    }
    return w;
}

int put_raw(tui *t, int y, int x, int w, attr_t a, const char *s, size_t len)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS) return 0;
    if (w > COLS - x) w = COLS - x;
    if (w <= 0 || !s) return 0;
    enum { MAX = 1024 };
    wchar_t buf[MAX];
    int widths[MAX];
    size_t nb = 0, i = 0;
    int used = 0;
    bool cut = false;
    while (i < len && s[i]) {
        wchar_t wc;
        int cw;
        size_t k = next_char(s + i, len - i, &wc, &cw);
        if (used + cw > w || nb + 2 >= MAX) {
            cut = true;
            break;
        }
        buf[nb] = wc;
        widths[nb++] = cw;
        used += cw;
        i += k;
    }
    if (cut) {
        while (nb && used + 1 > w) used -= widths[--nb];
        buf[nb++] = t && t->utf8 ? L'\u2026' : L'~';
        used += 1;
    }
    buf[nb] = 0;
    attrset(a);
    mvaddnwstr(y, x, buf, (int)nb);
    attrset(A_NORMAL);
    return used;
}

int put(tui *t, int y, int x, int w, attr_t a, const char *s)
{
    return s ? put_raw(t, y, x, w, a, s, strlen(s)) : 0;
}

int putf(tui *t, int y, int x, int w, attr_t a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return put(t, y, x, w, a, buf);
}

void fill(int y, int x, int w, attr_t a)
{
    if (y < 0 || y >= LINES || x >= COLS) return;
    if (x < 0) {
        w += x;
        x = 0;
    }
    if (w > COLS - x) w = COLS - x;
    if (w <= 0) return;
    attrset(a);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void hrule(tui *t, int y, int x, int w, attr_t a)
{
    if (w <= 0) return;
    char buf[4 * 512 + 1];
    size_t n = 0, gl = strlen(t->g.hline);
    for (int i = 0; i < w && i < 512; i++) {
        memcpy(buf + n, t->g.hline, gl);
        n += gl;
    }
    buf[n] = 0;
    put(t, y, x, w, a, buf);
}

void vrule(tui *t, int y, int x, int h, attr_t a)
{
    for (int i = 0; i < h; i++) put(t, y + i, x, 1, a, t->g.vline);
}

int wrap(const char *s, int w, void (*line)(void *ctx, int i, const char *p, size_t len), void *ctx)
{
    if (!s) return 0;
    if (w < 1) w = 1;
    int n = 0;
    const char *p = s;
    size_t total = strlen(s);
    const char *end_all = s + total;
    while (p < end_all) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = p, *space = NULL;
        int width = 0;
        size_t first_len = 0;
        while (*q && *q != '\n') {
            wchar_t wc;
            int cw;
            size_t k = next_char(q, (size_t)(end_all - q), &wc, &cw);
            if (!first_len) first_len = k;
            if (width + cw > w) break;
            if (*q == ' ') space = q;
            width += cw;
            q += k;
        }
        const char *end;
        if (!*q || *q == '\n') end = q;
        else if (space && space > p) end = space;
        else if (q > p) end = q;
        else end = p + first_len;
        const char *e = end;
        while (e > p && e[-1] == ' ') e--;
        if (line) line(ctx, n, p, (size_t)(e - p));
        n++;
        p = end;
        if (*p == '\n') p++;
    }
    return n;
}

bool contains_ci(const char *hay, const char *needle)
{
    if (!hay || !needle) return false;
    size_t n = strlen(needle);
    if (!n) return true;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return true;
    }
    return false;
}

static void camel(const char *name, char *buf, size_t n)
{
    size_t k = 0;
    bool up = true;
    for (const char *p = name; *p && k + 1 < n; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        buf[k++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    buf[k] = 0;
}

void step_label(const step *s, char *buf, size_t n)
{
    switch (s->kind) {
    case STEP_APP_DATA:
        snprintf(buf, n, "Application data");
        return;
    case STEP_ALERT: {
        const field *d = field_child(s->root, "description");
        if (d && d->value) snprintf(buf, n, "Alert %s", d->value);
        else snprintf(buf, n, "Alert%s", s->encrypted && !s->decrypted ? " (encrypted)" : "");
        return;
    }
    case STEP_ENCRYPTED_HANDSHAKE:
        snprintf(buf, n, "Encrypted handshake");
        return;
    case STEP_KEYS:
    case STEP_GAP:
    case STEP_NOTE:
        if (s->summary && strlen(s->summary) <= 40) snprintf(buf, n, "%s", s->summary);
        else if (s->kind == STEP_KEYS) snprintf(buf, n, "Keys computed");
        else if (s->kind == STEP_GAP) snprintf(buf, n, "Bytes missing");
        else camel(s->name, buf, n);
        return;
    case STEP_MALFORMED:
        snprintf(buf, n, "Malformed");
        return;
    case STEP_RECORD:
        snprintf(buf, n, "Record %s", s->summary ? s->summary : "");
        return;
    case STEP_HEARTBEAT:
        snprintf(buf, n, "Heartbeat");
        return;
    default: {
        const field *hrr = s->root ? field_child(s->root, "hello_retry_request") : NULL;
        if (hrr && hrr->value && strcmp(hrr->value, "true") == 0) snprintf(buf, n, "HelloRetryRequest");
        else camel(s->name ? s->name : "step", buf, n);
    }
    }
}

int step_verified(const step *s)
{
    const field *v = s->root ? field_child(s->root, "verified") : NULL;
    if (!v || !v->value) return -1;
    return strcmp(v->value, "true") == 0;
}

void field_line_text(const field *f, char *buf, size_t n)
{
    bool in_list = f->parent && f->parent->shape == FIELD_LIST;
    if (f->shape == FIELD_LEAF) {
        char value[768];
        if (f->json == FJ_CODE)
            snprintf(value, sizeof value, "%s (0x%0*" PRIx32 ")", f->value ? f->value : "?",
                     f->code_digits ? f->code_digits : 4, f->code);
        else
            snprintf(value, sizeof value, "%s", f->value ? f->value : "");
        if (in_list) snprintf(buf, n, "%s", value);
        else snprintf(buf, n, "%s: %s", f->name, value);
        return;
    }
    unsigned kids = 0;
    for (const field *c = f->first; c; c = c->next) kids++;
    if (f->value) snprintf(buf, n, "%s: %s", f->name, f->value);
    else if (f->shape == FIELD_LIST) snprintf(buf, n, "%s (%u)", f->name, kids);
    else snprintf(buf, n, "%s", f->name);
}

void screen_row(int y, char *buf, size_t n)
{
    size_t k = 0, keep = 0;
    for (int x = 0; x < COLS; x++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t attrs;
        short pair;
        if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wch, &attrs, &pair, NULL) == ERR) wch[0] = L' ';
        wchar_t c = wch[0] ? wch[0] : L' ';
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t m = wcrtomb(mb, c, &st);
        if (m == (size_t)-1) {
            mb[0] = '?';
            m = 1;
        }
        if (k + m + 1 > n) break;
        memcpy(buf + k, mb, m);
        k += m;
        if (c != L' ') keep = k;
        int cw = wcwidth(c);
        if (cw > 1) x += cw - 1;
    }
    buf[keep] = 0;
}
