#include "dissect/fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

#include "dissect/cursor.h"
#include "dissect/names.h"

/* A growing string; out of memory ends the program, as the arena does. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + more + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    b->p = p;
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_char(sbuf *b, char ch) { sb_put(b, &ch, 1); }

static void sb_dec(sbuf *b, unsigned v)
{
    char tmp[12];
    int n = snprintf(tmp, sizeof tmp, "%u", v);
    sb_put(b, tmp, (size_t)n);
}

static void sb_hex4(sbuf *b, uint16_t v)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, "%04x", v);
    sb_put(b, tmp, 4);
}

/* Copies the text out like snprintf and frees the buffer. */
static size_t sb_finish(sbuf *b, char *out, size_t cap)
{
    size_t len = b->len;
    if (cap) {
        size_t n = len < cap - 1 ? len : cap - 1;
        if (n) memcpy(out, b->p, n);
        out[n] = '\0';
    }
    free(b->p);
    return len;
}

/* Decimal values joined by '-', GREASE left out. */
static void sb_dec_list16(sbuf *b, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i])) continue;
        if (!first) sb_char(b, '-');
        sb_dec(b, v[i]);
        first = false;
    }
}

size_t fp_ja3_string(const fp_client_hello *h, char *out, size_t cap)
{
    sbuf b = { 0 };
    sb_reserve(&b, 0);
    b.p[0] = '\0';
    sb_dec(&b, h->legacy_version);
    sb_char(&b, ',');
    sb_dec_list16(&b, h->ciphers, h->n_ciphers);
    sb_char(&b, ',');
    sb_dec_list16(&b, h->extensions, h->n_extensions);
    sb_char(&b, ',');
    sb_dec_list16(&b, h->groups, h->n_groups);
    sb_char(&b, ',');
    for (size_t i = 0; i < h->n_point_formats; i++) {
        if (i) sb_char(&b, '-');
        sb_dec(&b, h->point_formats[i]);
    }
    return sb_finish(&b, out, cap);
}

size_t fp_ja3s_string(uint16_t version, uint16_t cipher, const uint16_t *extensions,
                      size_t n_extensions, char *out, size_t cap)
{
    sbuf b = { 0 };
    sb_reserve(&b, 0);
    b.p[0] = '\0';
    sb_dec(&b, version);
    sb_char(&b, ',');
    sb_dec(&b, cipher);
    sb_char(&b, ',');
    sb_dec_list16(&b, extensions, n_extensions);
    return sb_finish(&b, out, cap);
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void fp_md5_hex(const char *text, size_t n, char out[FP_MD5_HEX])
{
    unsigned char d[16];
    if (mbedtls_md5_ret((const unsigned char *)text, n, d) != 0) {
        out[0] = '\0';
        return;
    }
    to_hex(d, sizeof d, out);
}

/* First 12 hex digits of SHA-256. */
static void sha256_12(const char *text, size_t n, char out[13])
{
    unsigned char d[32];
    char full[65];
    if (mbedtls_sha256_ret((const unsigned char *)text, n, d, 0) != 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    to_hex(d, sizeof d, full);
    memcpy(out, full, 12);
    out[12] = '\0';
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* The non-GREASE values of v, sorted, in a malloc'd array. */
static uint16_t *sorted_copy(const uint16_t *v, size_t n, size_t *out_n, bool drop_sni_alpn)
{
    uint16_t *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i])) continue;
        if (drop_sni_alpn && (v[i] == 0x0000 || v[i] == 0x0010)) continue;
        c[k++] = v[i];
    }
    qsort(c, k, sizeof *c, cmp_u16);
    *out_n = k;
    return c;
}

static size_t count_non_grease(const uint16_t *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!tls_is_grease(v[i])) k++;
    return k;
}

static void sb_hex_list(sbuf *b, const uint16_t *v, size_t n, bool skip_grease)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (skip_grease && tls_is_grease(v[i])) continue;
        if (!first) sb_char(b, ',');
        sb_hex4(b, v[i]);
        first = false;
    }
}

static const char *ja4_version(const fp_client_hello *h)
{
    uint16_t v = 0;
    bool have = false;
    for (size_t i = 0; i < h->n_versions; i++) {
        if (tls_is_grease(h->versions[i])) continue;
        if (!have || h->versions[i] > v) v = h->versions[i];
        have = true;
    }
    if (!have) v = h->legacy_version;
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    }
    return "00";
}

static bool alnum(uint8_t ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* First and last character of the first ALPN value (hex digits when
 * either end is not alphanumeric), "00" without one. */
static void ja4_alpn(const fp_client_hello *h, char out[3])
{
    static const char digits[] = "0123456789abcdef";
    out[0] = out[1] = '0';
    out[2] = '\0';
    if (!h->alpn_first || h->alpn_first_len == 0) return;
    /* The bytes come from the wire: read them through a cursor. */
    cursor c = cur_make(h->alpn_first, h->alpn_first_len);
    uint8_t first = 0, last = 0;
    cur_u8(&c, &first);
    last = first;
    cur_skip(&c, cur_left(&c) ? cur_left(&c) - 1 : 0);
    cur_u8(&c, &last);
    if (alnum(first) && alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = digits[first >> 4];
        out[1] = digits[last & 15];
    }
}

static void ja4_prefix(const fp_client_hello *h, sbuf *b)
{
    char alpn[3];
    char tmp[8];
    size_t nc = count_non_grease(h->ciphers, h->n_ciphers);
    size_t ne = count_non_grease(h->extensions, h->n_extensions);
    sb_char(b, h->quic ? 'q' : h->dtls ? 'd' : 't');
    sb_put(b, ja4_version(h), 2);
    sb_char(b, h->has_sni ? 'd' : 'i');
    snprintf(tmp, sizeof tmp, "%02u", (unsigned)(nc > 99 ? 99 : nc));
    sb_put(b, tmp, 2);
    snprintf(tmp, sizeof tmp, "%02u", (unsigned)(ne > 99 ? 99 : ne));
    sb_put(b, tmp, 2);
    ja4_alpn(h, alpn);
    sb_put(b, alpn, 2);
}

/* The b and c parts before hashing. */
static void ja4_parts(const fp_client_hello *h, sbuf *ciphers, sbuf *exts, size_t *n_c, size_t *n_e)
{
    size_t nc, ne;
    uint16_t *c = sorted_copy(h->ciphers, h->n_ciphers, &nc, false);
    uint16_t *e = sorted_copy(h->extensions, h->n_extensions, &ne, true);
    sb_reserve(ciphers, 0);
    ciphers->p[0] = '\0';
    sb_reserve(exts, 0);
    exts->p[0] = '\0';
    sb_hex_list(ciphers, c, nc, false);
    sb_hex_list(exts, e, ne, false);
    if (count_non_grease(h->sig_algs, h->n_sig_algs)) {
        sb_char(exts, '_');
        sb_hex_list(exts, h->sig_algs, h->n_sig_algs, true);
    }
    free(c);
    free(e);
    *n_c = nc;
    *n_e = ne;
}

void fp_ja4(const fp_client_hello *h, char out[FP_JA4_MAX])
{
    sbuf b = { 0 }, cs = { 0 }, es = { 0 };
    size_t nc, ne;
    char hash[13];
    sb_reserve(&b, 0);
    b.p[0] = '\0';
    ja4_prefix(h, &b);
    ja4_parts(h, &cs, &es, &nc, &ne);
    sb_char(&b, '_');
    if (nc) sha256_12(cs.p, cs.len, hash);
    else memcpy(hash, "000000000000", 13);
    sb_put(&b, hash, 12);
    sb_char(&b, '_');
    if (ne) sha256_12(es.p, es.len, hash);
    else memcpy(hash, "000000000000", 13);
    sb_put(&b, hash, 12);
    free(cs.p);
    free(es.p);
    sb_finish(&b, out, FP_JA4_MAX);
}

size_t fp_ja4_raw(const fp_client_hello *h, char *out, size_t cap)
{
    sbuf b = { 0 }, cs = { 0 }, es = { 0 };
    size_t nc, ne;
    sb_reserve(&b, 0);
    b.p[0] = '\0';
    ja4_prefix(h, &b);
    ja4_parts(h, &cs, &es, &nc, &ne);
    sb_char(&b, '_');
    sb_put(&b, cs.p, cs.len);
    sb_char(&b, '_');
    sb_put(&b, es.p, es.len);
    free(cs.p);
    free(es.p);
    return sb_finish(&b, out, cap);
}
