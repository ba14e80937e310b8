#include "dissect/fingerprint.h"

#include "dissect/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

#include "dissect/cursor.h"
#include "dissect/names.h"

static const char hex_digits[] = "0123456789abcdef";

/* Out of memory ends the program, as the arena does. */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* ---- Text in one pass ----
 * The builders append at d and return the new end.  Whoever calls them has
 * made room for the bound of what they build, so no append checks space:
 * every fingerprint is a few hundred characters made many times a second,
 * and a formatted print per number used to be most of its cost. */

/* v in decimal, as "%u". */
static char *put_dec(char *d, unsigned v)
{
    char digits[10];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *d++ = digits[--n];
    return d;
}

/* v as four lowercase hex digits, as "%04x". */
static char *put_hex4(char *d, uint16_t v)
{
    d[0] = hex_digits[v >> 12];
    d[1] = hex_digits[(v >> 8) & 15];
    d[2] = hex_digits[(v >> 4) & 15];
    d[3] = hex_digits[v & 15];
    return d + 4;
}

/* n (at most 99) as two decimal digits, as "%02u". */
static char *put_count2(char *d, size_t n)
{
    if (n > 99) n = 99;
    d[0] = (char)('0' + n / 10);
    d[1] = (char)('0' + n % 10);
    return d + 2;
}

/* Decimal values joined by '-', GREASE left out. */
static char *put_dec_list16(char *d, const uint16_t *v, size_t n)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i])) continue;
        if (!first) *d++ = '-';
        d = put_dec(d, v[i]);
        first = false;
    }
    return d;
}

/* Hex values joined by ',', the way JA4 lists them. */
static char *put_hex_list(char *d, const uint16_t *v, size_t n, bool skip_grease)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (skip_grease && tls_is_grease(v[i])) continue;
        if (!first) *d++ = ',';
        d = put_hex4(d, v[i]);
        first = false;
    }
    return d;
}

/* Room to build text for out[cap] when out may be too small for it: the
 * text is built in scratch space and what fits is copied, which keeps
 * snprintf's contract (cut, terminated, full length returned). */
typedef struct scratch {
    char local[512];
    char *heap;
} scratch;

/* Where to build text of at most `bound` characters meant for out[cap]. */
static char *scratch_start(scratch *sc, char *out, size_t cap, size_t bound)
{
    sc->heap = NULL;
    if (cap > bound) return out;
    if (bound < sizeof sc->local) return sc->local;
    sc->heap = xmalloc(bound + 1);
    return sc->heap;
}

/* Ends the n characters built at text: into out[cap], terminated.
 * Returns n, the full length. */
static size_t scratch_finish(scratch *sc, const char *text, size_t n, char *out, size_t cap)
{
    if (text == out) {
        out[n] = '\0';
    } else if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, text, k);
        out[k] = '\0';
    }
    free(sc->heap);
    return n;
}

/* ---- JA3 and JA3S ---- */

size_t fp_ja3_bound(const fp_client_hello *h)
{
    /* Five digits and a separator for each 16-bit value, three and one
     * for each point format, five digits of version and four commas. */
    return 5 + 4 + 6 * (h->n_ciphers + h->n_extensions + h->n_groups) + 4 * h->n_point_formats;
}

static char *ja3_text(const fp_client_hello *h, char *d)
{
    d = put_dec(d, h->legacy_version);
    *d++ = ',';
    d = put_dec_list16(d, h->ciphers, h->n_ciphers);
    *d++ = ',';
    d = put_dec_list16(d, h->extensions, h->n_extensions);
    *d++ = ',';
    d = put_dec_list16(d, h->groups, h->n_groups);
    *d++ = ',';
    for (size_t i = 0; i < h->n_point_formats; i++) {
        if (i) *d++ = '-';
        d = put_dec(d, h->point_formats[i]);
    }
    return d;
}

size_t fp_ja3_string(const fp_client_hello *h, char *out, size_t cap)
{
    scratch sc;
    char *text = scratch_start(&sc, out, cap, fp_ja3_bound(h));
    size_t n = (size_t)(ja3_text(h, text) - text);
    return scratch_finish(&sc, text, n, out, cap);
}

size_t fp_ja3s_bound(size_t n_extensions)
{
    return 5 + 1 + 5 + 1 + 6 * n_extensions;
}

size_t fp_ja3s_string(uint16_t version, uint16_t cipher, const uint16_t *extensions,
                      size_t n_extensions, char *out, size_t cap)
{
    scratch sc;
    char *text = scratch_start(&sc, out, cap, fp_ja3s_bound(n_extensions));
    char *d = put_dec(text, version);
    *d++ = ',';
    d = put_dec(d, cipher);
    *d++ = ',';
    d = put_dec_list16(d, extensions, n_extensions);
    return scratch_finish(&sc, text, (size_t)(d - text), out, cap);
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    hex_encode(out, d, n);
    out[2 * n] = '\0';
}

/* Clients and servers send the same hello again and again, so the same
 * fingerprint texts come back: the last few digests are kept per thread,
 * with their texts, and a text seen before is not hashed again. */
enum { MEMO_ENTRIES = 4, MEMO_TEXT = 512, MEMO_OUT = FP_MD5_HEX > 13 ? FP_MD5_HEX : 13 };

typedef struct digest_memo {
    size_t len;                /* of text; 0: empty entry */
    char text[MEMO_TEXT];
    char out[MEMO_OUT];
} digest_memo;

typedef struct memo_set {
    digest_memo entry[MEMO_ENTRIES];
    unsigned next;
} memo_set;

static _Thread_local memo_set md5_memo, sha256_memo;

static bool memo_get(const memo_set *m, const char *text, size_t n, char *out, size_t out_size)
{
    for (int i = 0; i < MEMO_ENTRIES; i++) {
        const digest_memo *e = &m->entry[i];
        if (e->len == n && n && memcmp(e->text, text, n) == 0) {
            memcpy(out, e->out, out_size);
            return true;
        }
    }
    return false;
}

static void memo_put(memo_set *m, const char *text, size_t n, const char *out, size_t out_size)
{
    if (n == 0 || n > MEMO_TEXT) return;
    digest_memo *e = &m->entry[m->next];
    m->next = (m->next + 1) % MEMO_ENTRIES;
    e->len = n;
    memcpy(e->text, text, n);
    memcpy(e->out, out, out_size);
}

void fp_md5_hex(const char *text, size_t n, char out[FP_MD5_HEX])
{
    if (memo_get(&md5_memo, text, n, out, FP_MD5_HEX)) return;
    unsigned char d[16];
    if (mbedtls_md5_ret((const unsigned char *)text, n, d) != 0) {
        out[0] = '\0';
        return;
    }
    to_hex(d, sizeof d, out);
    memo_put(&md5_memo, text, n, out, FP_MD5_HEX);
}

/* ---- JA4 ---- */

/* First 12 hex digits of SHA-256. */
static void sha256_12(const char *text, size_t n, char out[13])
{
    if (memo_get(&sha256_memo, text, n, out, 13)) return;
    unsigned char d[32];
    if (mbedtls_sha256_ret((const unsigned char *)text, n, d, 0) != 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    to_hex(d, 6, out);
    memo_put(&sha256_memo, text, n, out, 13);
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Lists of tens of values sort fastest by insertion, with no call per
 * comparison; long (hostile) lists go to qsort to stay O(n log n). */
static void sort_u16(uint16_t *v, size_t n)
{
    if (n > 64) {
        qsort(v, n, sizeof *v, cmp_u16);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) v[j] = v[j - 1];
        v[j] = x;
    }
}

/* The non-GREASE values of v (SNI and ALPN dropped too if asked), sorted,
 * as a hex list; *kept is how many there were. */
static char *put_sorted_hex_list(char *d, const uint16_t *v, size_t n, bool drop_sni_alpn, size_t *kept)
{
    uint16_t local[128] = { 0 };   /* zeroed only for GCC's uninitialized-use analysis */
    uint16_t *c = n <= sizeof local / sizeof local[0] ? local : xmalloc(n * sizeof *c);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (tls_is_grease(v[i])) continue;
        if (drop_sni_alpn && (v[i] == 0x0000 || v[i] == 0x0010)) continue;
        c[k++] = v[i];
    }
    sort_u16(c, k);
    d = put_hex_list(d, c, k, false);
    if (c != local) free(c);
    *kept = k;
    return d;
}

static size_t count_non_grease(const uint16_t *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!tls_is_grease(v[i])) k++;
    return k;
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
static char *put_ja4_alpn(char *d, const fp_client_hello *h)
{
    d[0] = d[1] = '0';
    if (!h->alpn_first || h->alpn_first_len == 0) return d + 2;
    /* The bytes come from the wire: read them through a cursor. */
    cursor c = cur_make(h->alpn_first, h->alpn_first_len);
    uint8_t first = 0, last = 0;
    cur_u8(&c, &first);
    last = first;
    cur_skip(&c, cur_left(&c) ? cur_left(&c) - 1 : 0);
    cur_u8(&c, &last);
    if (alnum(first) && alnum(last)) {
        d[0] = (char)first;
        d[1] = (char)last;
    } else {
        d[0] = hex_digits[first >> 4];
        d[1] = hex_digits[last & 15];
    }
    return d + 2;
}

enum { JA4_PREFIX = 10 };   /* "t13d1516h2" */

static char *put_ja4_prefix(char *d, const fp_client_hello *h)
{
    *d++ = h->quic ? 'q' : h->dtls ? 'd' : 't';
    memcpy(d, ja4_version(h), 2);
    d += 2;
    *d++ = h->has_sni ? 'd' : 'i';
    d = put_count2(d, count_non_grease(h->ciphers, h->n_ciphers));
    d = put_count2(d, count_non_grease(h->extensions, h->n_extensions));
    return put_ja4_alpn(d, h);
}

/* Where JA4's two hashed parts lie in the JA4_r text, and how many values
 * each holds (an empty part hashes to zeros). */
typedef struct ja4_parts {
    size_t ciphers_at, ciphers_len, n_ciphers;
    size_t exts_at, exts_len, n_exts;
} ja4_parts;

size_t fp_ja4_raw_bound(const fp_client_hello *h)
{
    /* The prefix, three underscores, four digits and a comma per value. */
    return JA4_PREFIX + 3 + 5 * (h->n_ciphers + h->n_extensions + h->n_sig_algs);
}

static char *ja4_raw_text(const fp_client_hello *h, char *text, ja4_parts *parts)
{
    char *d = put_ja4_prefix(text, h);
    *d++ = '_';
    parts->ciphers_at = (size_t)(d - text);
    d = put_sorted_hex_list(d, h->ciphers, h->n_ciphers, false, &parts->n_ciphers);
    parts->ciphers_len = (size_t)(d - text) - parts->ciphers_at;
    *d++ = '_';
    parts->exts_at = (size_t)(d - text);
    d = put_sorted_hex_list(d, h->extensions, h->n_extensions, true, &parts->n_exts);
    /* Signature algorithms, in wire order, belong to the extensions part. */
    if (count_non_grease(h->sig_algs, h->n_sig_algs)) {
        *d++ = '_';
        d = put_hex_list(d, h->sig_algs, h->n_sig_algs, true);
    }
    parts->exts_len = (size_t)(d - text) - parts->exts_at;
    return d;
}

static void hash_part(const char *text, size_t len, size_t n_values, char out[13])
{
    if (n_values) sha256_12(text, len, out);
    else memcpy(out, "000000000000", 13);
}

/* "t13d1516h2_8daaf6152771_e5627efa2ab1" from its JA4_r text. */
static void ja4_from_raw(const char *raw, const ja4_parts *parts, char out[FP_JA4_MAX])
{
    char *d = out;
    memcpy(d, raw, JA4_PREFIX);
    d += JA4_PREFIX;
    *d++ = '_';
    hash_part(raw + parts->ciphers_at, parts->ciphers_len, parts->n_ciphers, d);
    d += 12;
    *d++ = '_';
    hash_part(raw + parts->exts_at, parts->exts_len, parts->n_exts, d);
}

size_t fp_ja4_and_raw(const fp_client_hello *h, char ja4[FP_JA4_MAX], char *raw, size_t cap)
{
    scratch sc;
    ja4_parts parts;
    char *text = scratch_start(&sc, raw, cap, fp_ja4_raw_bound(h));
    size_t n = (size_t)(ja4_raw_text(h, text, &parts) - text);
    ja4_from_raw(text, &parts, ja4);
    return scratch_finish(&sc, text, n, raw, cap);
}

void fp_ja4(const fp_client_hello *h, char out[FP_JA4_MAX])
{
    fp_ja4_and_raw(h, out, NULL, 0);
}

size_t fp_ja4_raw(const fp_client_hello *h, char *out, size_t cap)
{
    scratch sc;
    ja4_parts parts;
    char *text = scratch_start(&sc, out, cap, fp_ja4_raw_bound(h));
    size_t n = (size_t)(ja4_raw_text(h, text, &parts) - text);
    return scratch_finish(&sc, text, n, out, cap);
}
