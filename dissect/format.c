#include "dissect/format.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* What has been written so far; the text is cut at cap - 1 bytes but its
 * full length is counted, as snprintf does. */
typedef struct {
    char *buf;
    size_t room;   /* bytes that may hold text (cap - 1) */
    size_t len;
} text_out;

static inline void put(text_out *o, const char *s, size_t n)
{
    if (o->len < o->room) {
        size_t k = o->room - o->len < n ? o->room - o->len : n;
        if (k == 1) o->buf[o->len] = *s;   /* digits, separators: no call */
        else memcpy(o->buf + o->len, s, k);
    }
    o->len += n;
}

/* Ends the text with its NUL, where it was cut when it was (nothing at
 * all when cap is 0); returns its full length. */
static size_t finish(const text_out *o, size_t cap)
{
    if (cap) o->buf[o->len < o->room ? o->len : o->room] = '\0';
    return o->len;
}

static inline void put_repeated(text_out *o, char c, size_t n)
{
    if (!n) return;   /* the usual case: no width, no precision */
    if (o->len < o->room) {
        size_t k = o->room - o->len < n ? o->room - o->len : n;
        memset(o->buf + o->len, c, k);
    }
    o->len += n;
}

typedef struct {
    bool left, zero;
    size_t width;
    int precision;   /* -1: none given */
} conversion;

/* A number's digits, its sign and the zeros the precision asks for,
 * padded to the width. */
static void put_number(text_out *o, const conversion *cv, uintmax_t magnitude, bool negative, unsigned base,
                       bool upper)
{
    char digits[3 * sizeof(uintmax_t)];
    size_t n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (!(magnitude == 0 && cv->precision == 0)) {
        /* Constant bases: a division by a variable is many times slower
         * than the multiplication the compiler makes of one by 10. */
        if (base == 10) {
            do {
                digits[sizeof digits - ++n] = (char)('0' + magnitude % 10);
                magnitude /= 10;
            } while (magnitude);
        } else {   /* 16: %x, %X */
            do {
                digits[sizeof digits - ++n] = set[magnitude & 15];
                magnitude >>= 4;
            } while (magnitude);
        }
    }
    size_t zeros = cv->precision > 0 && (size_t)cv->precision > n ? (size_t)cv->precision - n : 0;
    size_t body = (negative ? 1 : 0) + zeros + n;
    size_t fill = cv->width > body ? cv->width - body : 0;
    if (!cv->left && !(cv->zero && cv->precision < 0)) put_repeated(o, ' ', fill);
    if (negative) put(o, "-", 1);
    if (!cv->left && cv->zero && cv->precision < 0) put_repeated(o, '0', fill);
    put_repeated(o, '0', zeros);
    put(o, digits + sizeof digits - n, n);
    if (cv->left) put_repeated(o, ' ', fill);
}

static void put_padded(text_out *o, const conversion *cv, const char *s, size_t n)
{
    size_t fill = cv->width > n ? cv->width - n : 0;
    if (!cv->left) put_repeated(o, ' ', fill);
    put(o, s, n);
    if (cv->left) put_repeated(o, ' ', fill);
}

enum arg_size { ARG_INT, ARG_CHAR, ARG_SHORT, ARG_LONG, ARG_LLONG, ARG_SIZE, ARG_INTMAX, ARG_PTRDIFF };

static intmax_t signed_arg(enum arg_size m, va_list *ap)
{
    switch (m) {
    case ARG_CHAR: return (signed char)va_arg(*ap, int);
    case ARG_SHORT: return (short)va_arg(*ap, int);
    case ARG_LONG: return va_arg(*ap, long);
    case ARG_LLONG: return va_arg(*ap, long long);
    case ARG_SIZE: return va_arg(*ap, ssize_t);
    case ARG_INTMAX: return va_arg(*ap, intmax_t);
    case ARG_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
    }
}

static uintmax_t unsigned_arg(enum arg_size m, va_list *ap)
{
    switch (m) {
    case ARG_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case ARG_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case ARG_LONG: return va_arg(*ap, unsigned long);
    case ARG_LLONG: return va_arg(*ap, unsigned long long);
    case ARG_SIZE: return va_arg(*ap, size_t);
    case ARG_INTMAX: return va_arg(*ap, uintmax_t);
    case ARG_PTRDIFF: return (size_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned);
    }
}

static size_t read_count(const char **p)
{
    size_t n = 0;
    while (**p >= '0' && **p <= '9') {
        if (n < 100000) n = n * 10 + (size_t)(**p - '0');
        (*p)++;
    }
    return n;
}

static enum arg_size read_size(const char **p)
{
    switch (**p) {
    case 'h':
        (*p)++;
        if (**p == 'h') { (*p)++; return ARG_CHAR; }
        return ARG_SHORT;
    case 'l':
        (*p)++;
        if (**p == 'l') { (*p)++; return ARG_LLONG; }
        return ARG_LONG;
    case 'z': (*p)++; return ARG_SIZE;
    case 'j': (*p)++; return ARG_INTMAX;
    case 't': (*p)++; return ARG_PTRDIFF;
    default: return ARG_INT;
    }
}

/* One conversion after its '%'; false for what vsnprintf must do. */
static bool convert(text_out *o, const char **p, va_list *ap)
{
    conversion cv = { .precision = -1 };
    for (;; (*p)++) {
        if (**p == '-') cv.left = true;
        else if (**p == '0') cv.zero = true;
        else break;
    }
    if (**p == '*') {
        int w = va_arg(*ap, int);
        if (w < 0) {
            cv.left = true;
            w = w == INT_MIN ? 0 : -w;
        }
        cv.width = (size_t)w;
        (*p)++;
    } else {
        cv.width = read_count(p);
    }
    if (**p == '.') {
        (*p)++;
        if (**p == '*') {
            int prec = va_arg(*ap, int);
            cv.precision = prec < 0 ? -1 : prec;
            (*p)++;
        } else {
            size_t prec = read_count(p);
            cv.precision = (int)prec;
        }
    }
    enum arg_size size = read_size(p);
    char c = *(*p)++;
    switch (c) {
    case 'd':
    case 'i': {
        intmax_t v = signed_arg(size, ap);
        uintmax_t magnitude = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        put_number(o, &cv, magnitude, v < 0, 10, false);
        return true;
    }
    case 'u': put_number(o, &cv, unsigned_arg(size, ap), false, 10, false); return true;
    case 'x': put_number(o, &cv, unsigned_arg(size, ap), false, 16, false); return true;
    case 'X': put_number(o, &cv, unsigned_arg(size, ap), false, 16, true); return true;
    case 'c': {
        if (cv.zero || size != ARG_INT) return false;
        char ch = (char)va_arg(*ap, int);
        put_padded(o, &cv, &ch, 1);
        return true;
    }
    case 's': {
        if (cv.zero || size != ARG_INT) return false;
        const char *s = va_arg(*ap, const char *);
        if (!s) return false;
        size_t n = cv.precision >= 0 ? strnlen(s, (size_t)cv.precision) : strlen(s);
        put_padded(o, &cv, s, n);
        return true;
    }
    case '%':
        if (cv.left || cv.zero || cv.width || cv.precision >= 0 || size != ARG_INT) return false;
        put(o, "%", 1);
        return true;
    default:
        return false;
    }
}

int text_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
        /* The commonest format of all: a copy. */
        va_list one;
        va_copy(one, ap);
        const char *str = va_arg(one, const char *);
        va_end(one);
        if (!str) str = "(null)";
        text_out o = { buf, cap ? cap - 1 : 0, 0 };
        put(&o, str, strlen(str));
        size_t n = finish(&o, cap);
        return n > INT_MAX ? -1 : (int)n;
    }
    va_list from_start;
    va_copy(from_start, ap);
    text_out o = { buf, cap ? cap - 1 : 0, 0 };
    va_list args;
    va_copy(args, ap);
    const char *p = fmt;
    bool handled = true;
    while (*p) {
        const char *percent = strchr(p, '%');
        if (!percent) {
            put(&o, p, strlen(p));
            break;
        }
        put(&o, p, (size_t)(percent - p));
        p = percent + 1;
        /* The plain conversions that are most of all: no flags, width,
         * precision or size to read. */
        if (p[0] == 's') {
            const char *str = va_arg(args, const char *);
            if (str) {
                put(&o, str, strlen(str));
                p++;
                continue;
            }
            handled = false;   /* vsnprintf decides what NULL prints */
            break;
        }
        if (p[0] == 'u' || (p[0] == 'z' && p[1] == 'u')) {
            uintmax_t v = p[0] == 'u' ? va_arg(args, unsigned) : va_arg(args, size_t);
            static const conversion plain = { .precision = -1 };
            put_number(&o, &plain, v, false, 10, false);
            p += p[0] == 'u' ? 1 : 2;
            continue;
        }
        if (!convert(&o, &p, &args)) {
            handled = false;
            break;
        }
    }
    va_end(args);
    int n;
    if (!handled || o.len > INT_MAX) {
        n = vsnprintf(buf, cap, fmt, from_start);
    } else {
        n = (int)finish(&o, cap);
    }
    va_end(from_start);
    return n;
}

int text_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = text_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

size_t text_join3(char *buf, size_t cap, const char *a, const char *b, const char *c)
{
    text_out o = { buf, cap ? cap - 1 : 0, 0 };
    put(&o, a, strlen(a));
    put(&o, b, strlen(b));
    put(&o, c, strlen(c));
    return finish(&o, cap);
}
