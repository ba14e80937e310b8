/* The bytes of the current step in hex and ASCII, with the selected
 * field's bytes (its offset and length in the field tree) highlighted. */
#include <string.h>

#include "tui/dialogue.h"

static int offset_digits(size_t n)
{
    return n > 0xffff ? 6 : 4;
}

/* Cells a line of bpl bytes takes: offset, two spaces, "xx " per byte, an
 * extra space in the middle of 16, a space, the ASCII column. */
static int line_width(int bpl, size_t nbytes)
{
    return offset_digits(nbytes) + 2 + 3 * bpl + (bpl == 16 ? 1 : 0) + 1 + bpl;
}

int hex_bytes_per_line(int width, size_t nbytes)
{
    static const int choices[] = { 16, 8, 4 };
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        if (line_width(choices[i], nbytes) <= width) return choices[i];
    return 4;
}

static int byte_x(const dialogue *d, int i)
{
    return d->hex_x0 + 3 * i + (d->hex_bpl == 16 && i >= 8 ? 1 : 0);
}

static const char *no_bytes_reason(const step *s)
{
    switch (s->kind) {
    case STEP_KEYS:
    case STEP_NOTE: return "No bytes: tlsview derived this step; nothing like it crossed the wire.";
    case STEP_GAP: return "No bytes: they are missing from the capture.";
    case STEP_APP_DATA:
        return s->encrypted && !s->decrypted ? "Encrypted application data: only its length is kept."
                                             : "Application data is not kept (see -d).";
    case STEP_ENCRYPTED_HANDSHAKE: return "Encrypted: with the right secrets tlsview would show what it says.";
    default: return "No bytes.";
    }
}

typedef struct hex_note {
    tui *t;
    rect r;
} hex_note;

static void note_line(void *p, int i, const char *s, size_t len)
{
    hex_note *h = p;
    if (i < h->r.h) put_raw(h->t, h->r.y + i, h->r.x + 1, h->r.w - 2, theme_attr(T_DIM), s, len);
}

void hex_draw(tui *t, dialogue *d, rect r, bool focused)
{
    (void)focused;
    d->r_hex = r;
    const step *s = dlg_step(d);
    if (!s) return;
    if (!s->nbytes || !s->bytes) {
        d->hex_bpl = 0;
        hex_note ctx = { t, r };
        wrap(no_bytes_reason(s), r.w - 2, note_line, &ctx);
        return;
    }
    size_t n = s->nbytes;
    int bpl = hex_bytes_per_line(r.w - 1, n);
    int od = offset_digits(n);
    size_t lines = (n + (size_t)bpl - 1) / (size_t)bpl;
    d->hex_bpl = bpl;
    d->hex_x0 = r.x + 1 + od + 2;
    d->hex_ascii_x = byte_x(d, bpl - 1) + 3;

    const field *f = fields_selected(d);
    size_t hs = 0, he = 0;
    if (f && f->length) {
        hs = f->offset;
        he = (size_t)f->offset + f->length;
        if (he > n) he = n;
    }
    if (d->hex_reveal && he > hs) {
        size_t first = hs / (size_t)bpl, last = (he - 1) / (size_t)bpl;
        if (first < d->hex_top || first >= d->hex_top + (size_t)r.h) d->hex_top = first ? first - (first > 0 && r.h > 4) : 0;
        /* Show the whole run when it fits. */
        if (last >= d->hex_top + (size_t)r.h && last - first < (size_t)r.h) d->hex_top = last - (size_t)r.h + 1;
        d->hex_reveal = false;
    }
    if (d->hex_top + (size_t)r.h > lines) d->hex_top = lines > (size_t)r.h ? lines - (size_t)r.h : 0;

    attr_t hl = theme_attr(T_HEX_SEL), dim = theme_attr(T_DIM);
    for (int row = 0; row < r.h; row++) {
        size_t line = d->hex_top + (size_t)row;
        if (line >= lines) break;
        int y = r.y + row;
        size_t off = line * (size_t)bpl;
        putf(t, y, r.x + 1, od, dim, "%0*zx", od, off);
        for (int i = 0; i < bpl && off + (size_t)i < n; i++) {
            size_t b = off + (size_t)i;
            bool in = b >= hs && b < he;
            char hx[4];
            snprintf(hx, sizeof hx, "%02x", s->bytes[b]);
            put(t, y, byte_x(d, i), 2, in ? hl : A_NORMAL, hx);
            /* Join the highlight across the gap to the next byte. */
            if (in && b + 1 < he && i + 1 < bpl) {
                int gap = byte_x(d, i + 1) - byte_x(d, i) - 2;
                fill(y, byte_x(d, i) + 2, gap, hl);
            }
            char ch[2] = { (char)(s->bytes[b] >= 0x20 && s->bytes[b] < 0x7f ? s->bytes[b] : '.'), 0 };
            put(t, y, d->hex_ascii_x + i, 1, in ? hl : (ch[0] == '.' ? dim : A_NORMAL), ch);
        }
    }
}

long hex_hit(const dialogue *d, int y, int x)
{
    const rect *r = &d->r_hex;
    const step *s = dlg_step(d);
    if (!s || !d->hex_bpl || y < r->y || y >= r->y + r->h) return -1;
    size_t line = d->hex_top + (size_t)(y - r->y);
    int col = -1;
    if (x >= d->hex_ascii_x && x < d->hex_ascii_x + d->hex_bpl) {
        col = x - d->hex_ascii_x;
    } else {
        for (int i = 0; i < d->hex_bpl; i++)
            if (x >= byte_x(d, i) && x < byte_x(d, i) + 3) col = i;
    }
    if (col < 0) return -1;
    size_t off = line * (size_t)d->hex_bpl + (size_t)col;
    return off < s->nbytes ? (long)off : -1;
}
