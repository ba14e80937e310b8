#include "dissect/certificate.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "dissect/cursor.h"
#include "dissect/format.h"

/* ------------------------------------------------------------------ */
/* Bounded text building                                               */

typedef struct tbuf {
    char *p;
    size_t cap, len;
    bool full;     /* something did not fit: the text ends there */
} tbuf;

static void tb_init(tbuf *b, char *p, size_t cap)
{
    b->p = p;
    b->cap = p ? cap : 0;
    b->len = 0;
    b->full = b->cap == 0;
    if (b->cap) p[0] = '\0';
}

/* Appends what fits of s[0..n), never cutting a UTF-8 sequence; after the
 * first cut nothing more is added, so a cut text stays coherent. */
static void tb_putn(tbuf *b, const char *s, size_t n)
{
    if (b->full) return;
    if (n >= b->cap - b->len) {
        n = b->cap - b->len - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
        b->full = true;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void tb_puts(tbuf *b, const char *s) { tb_putn(b, s, strlen(s)); }

static void tb_printf(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(tbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = text_vformat(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    tb_putn(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Copies src into dst[cap], cutting at a character boundary. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    if (!cap) return;
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void put_hex_colons(tbuf *b, const uint8_t *bytes, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        char x[3] = { ':', digits[bytes[i] >> 4], digits[bytes[i] & 15] };
        tb_putn(b, i ? x : x + 1, i ? 3 : 2);
    }
}

/* ------------------------------------------------------------------ */
/* Reading DER ourselves (only what mbedTLS 2.28 does not expose)      */

/* One DER tag-length-value: *val is the contents.  Leaves c unchanged and
 * failed on a short or oversized encoding. */
static bool der_tlv(cursor *c, uint8_t *tag, cursor *val)
{
    cursor save = *c;
    uint8_t t, l;
    if (!cur_u8(c, &t) || !cur_u8(c, &l) || (t & 0x1f) == 0x1f) goto fail;
    size_t n = l;
    if (l & 0x80) {
        unsigned k = l & 0x7f;
        if (k == 0 || k > 4) goto fail;
        n = 0;
        for (unsigned i = 0; i < k; i++) {
            uint8_t v;
            if (!cur_u8(c, &v)) goto fail;
            n = n << 8 | v;
        }
    }
    if (!cur_sub(c, n, val)) goto fail;
    *tag = t;
    return true;
fail:
    *c = save;
    c->failed = true;
    return false;
}

static bool cur_is(cursor *c, const char *oid, size_t oid_len)
{
    const uint8_t *p;
    if (cur_left(c) != oid_len || !cur_bytes(c, oid_len, &p)) return false;
    return memcmp(p, oid, oid_len) == 0;
}

#define OID_IS(cur, m) cur_is((cur), m, sizeof(m) - 1)

/* A cursor over an mbedTLS buffer that lies inside crt->raw, measuring
 * offsets from the start of the certificate. */
static cursor crt_cursor(const mbedtls_x509_crt *crt, const unsigned char *p, size_t len)
{
    return cur_make_at(p, len, crt->raw.p);
}

/* The extnValue contents of the extension `oid`, if the certificate has it. */
static bool find_extension(const mbedtls_x509_crt *crt, const char *oid, size_t oid_len, cursor *value)
{
    if (!crt->v3_ext.p || !crt->v3_ext.len) return false;
    cursor all = crt_cursor(crt, crt->v3_ext.p, crt->v3_ext.len), exts, ext;
    uint8_t tag;
    if (!der_tlv(&all, &tag, &exts) || tag != 0x30) return false;
    while (!cur_empty(&exts)) {
        cursor id, v;
        if (!der_tlv(&exts, &tag, &ext) || tag != 0x30) return false;
        if (!der_tlv(&ext, &tag, &id) || tag != 0x06) return false;
        if (!der_tlv(&ext, &tag, &v)) return false;
        if (tag == 0x01 && !der_tlv(&ext, &tag, &v)) return false;   /* critical */
        if (tag != 0x04) return false;
        if (cur_is(&id, oid, oid_len)) {
            *value = v;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Text of names and strings, safe to print on a terminal              */

static void put_codepoint(tbuf *b, uint32_t cp, bool rfc4514, bool first, bool last)
{
    char u[4];
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
        if (cp < 0x80) {
            tb_printf(b, "\\%02X", (unsigned)cp);
        } else {
            tb_printf(b, "\\%02X\\%02X", 0xc0 | (unsigned)(cp >> 6), 0x80 | (unsigned)(cp & 0x3f));
        }
        return;
    }
    bool special = cp < 0x80 && strchr(",+\"\\<>;", (int)cp) != NULL;
    if (rfc4514 && (special || (first && (cp == '#' || cp == ' ')) || (last && cp == ' '))) {
        u[0] = '\\';
        u[1] = (char)cp;
        tb_putn(b, u, 2);
        return;
    }
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
    if (cp > 0x10ffff) cp = 0xfffd;
    if (cp < 0x80) {
        u[0] = (char)cp;
        tb_putn(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        tb_putn(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        tb_putn(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        tb_putn(b, u, 4);
    }
}

/* Next UTF-8 character; false (one byte consumed into *bad) if the bytes
 * are not well-formed UTF-8. */
static bool next_utf8(cursor *c, uint32_t *cp, uint8_t *bad)
{
    uint8_t b0;
    if (!cur_u8(c, &b0)) return false;
    *bad = b0;
    unsigned extra;
    uint32_t v, min;
    if (b0 < 0x80) { *cp = b0; return true; }
    if ((b0 & 0xe0) == 0xc0) { extra = 1; v = b0 & 0x1f; min = 0x80; }
    else if ((b0 & 0xf0) == 0xe0) { extra = 2; v = b0 & 0x0f; min = 0x800; }
    else if ((b0 & 0xf8) == 0xf0) { extra = 3; v = b0 & 0x07; min = 0x10000; }
    else return false;
    for (unsigned i = 0; i < extra; i++) {
        uint8_t nb;
        if (!cur_peek_u8(c, i, &nb) || (nb & 0xc0) != 0x80) return false;
        v = v << 6 | (nb & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
    cur_skip(c, extra);
    *cp = v;
    return true;
}

enum {
    ASN1_UTF8 = 0x0c, ASN1_NUMERIC = 0x12, ASN1_PRINTABLE = 0x13, ASN1_T61 = 0x14,
    ASN1_IA5 = 0x16, ASN1_VISIBLE = 0x1a, ASN1_UNIVERSAL = 0x1c, ASN1_BMP = 0x1e,
};

/* A string value of type `tag`, decoded and escaped for display. */
static void put_string(tbuf *b, cursor v, uint8_t tag, bool rfc4514)
{
    bool first = true;
    switch (tag) {
    case ASN1_BMP:
    case ASN1_UNIVERSAL: {
        unsigned w = tag == ASN1_BMP ? 2 : 4;
        while (cur_left(&v) >= w) {
            uint32_t cp = 0;
            if (w == 2) {
                uint16_t u;
                cur_u16(&v, &u);
                cp = u;
                uint16_t lo;
                if (u >= 0xd800 && u < 0xdc00 && cur_peek_u16(&v, 0, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    cur_skip(&v, 2);
                    cp = 0x10000 + ((uint32_t)(u - 0xd800) << 10) + (lo - 0xdc00);
                }
            } else {
                cur_u32(&v, &cp);
            }
            put_codepoint(b, cp, rfc4514, first, cur_left(&v) < w);
            first = false;
        }
        uint8_t rest;
        while (cur_u8(&v, &rest)) tb_printf(b, "\\%02X", rest);
        return;
    }
    case ASN1_T61: {   /* in practice Latin-1, or UTF-8 by mistake */
        uint8_t c8;
        while (cur_u8(&v, &c8)) {
            put_codepoint(b, c8, rfc4514, first, cur_empty(&v));
            first = false;
        }
        return;
    }
    case ASN1_UTF8: case ASN1_NUMERIC: case ASN1_PRINTABLE: case ASN1_IA5: case ASN1_VISIBLE:
        /* UTF-8; the ASCII types hold UTF-8 often enough by mistake. */
        while (!cur_empty(&v)) {
            uint32_t cp = 0;
            uint8_t bad = 0;
            if (next_utf8(&v, &cp, &bad)) put_codepoint(b, cp, rfc4514, first, cur_empty(&v));
            else tb_printf(b, "\\%02X", bad);
            first = false;
        }
        return;
    default: {   /* not a string type: the bytes in hex, RFC 4514 style */
        const uint8_t *rest;
        size_t n;
        cur_skip_rest(&v, &rest, &n);
        tb_puts(b, "#");
        for (size_t i = 0; i < n; i++) tb_printf(b, "%02x", rest[i]);
        return;
    }
    }
}

static void put_oid(tbuf *b, const mbedtls_x509_buf *oid)
{
    char num[128];
    if (mbedtls_oid_get_numeric_string(num, sizeof(num), oid) > 0) tb_puts(b, num);
    else tb_puts(b, "?");
}

static void put_attr_value(tbuf *b, const mbedtls_x509_crt *crt, const mbedtls_x509_name *n, bool rfc4514)
{
    put_string(b, crt_cursor(crt, n->val.p, n->val.len), (uint8_t)n->val.tag, rfc4514);
}

/* A distinguished name in RFC 4514 order (most specific first). */
static void put_dn(tbuf *b, const mbedtls_x509_crt *crt, const mbedtls_x509_name *dn)
{
    enum { MAX_RDNS = 64 };
    const mbedtls_x509_name *rdn[MAX_RDNS];
    unsigned n = 0;
    bool starts = true;
    for (const mbedtls_x509_name *a = dn; a; a = a->next) {
        if (!a->oid.p || !a->oid.len) continue;
        if (starts && n < MAX_RDNS) rdn[n++] = a;
        starts = !a->next_merged;
    }
    for (unsigned i = n; i-- > 0;) {
        if (i + 1 < n) tb_puts(b, ", ");
        for (const mbedtls_x509_name *a = rdn[i]; a; a = a->next) {
            const char *sn;
            if (a != rdn[i]) tb_puts(b, "+");
            if (mbedtls_oid_get_attr_short_name(&a->oid, &sn) == 0) tb_puts(b, sn);
            else put_oid(b, &a->oid);
            tb_puts(b, "=");
            put_attr_value(b, crt, a, true);
            if (!a->next_merged) break;
        }
    }
}

/* The most specific (last) common name, unescaped. */
static bool get_cn(const mbedtls_x509_crt *crt, const mbedtls_x509_name *dn, char *out, size_t cap)
{
    const mbedtls_x509_name *cn = NULL;
    for (const mbedtls_x509_name *a = dn; a; a = a->next)
        if (a->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid) == 0) cn = a;
    tbuf b;
    tb_init(&b, out, cap);
    if (!cn) return false;
    put_attr_value(&b, crt, cn, false);
    return true;
}

static void put_time(tbuf *b, const mbedtls_x509_time *t)
{
    tb_printf(b, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static void put_epoch(tbuf *b, double at)
{
    time_t t = (time_t)at;
    struct tm tm;
    if (gmtime_r(&t, &tm)) {
        tb_printf(b, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    } else {
        tb_printf(b, "%.0f", at);
    }
}

/* Seconds since the epoch of a certificate time (proleptic Gregorian, UTC). */
static int64_t x509_time_epoch(const mbedtls_x509_time *t)
{
    static const int before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    int64_t y = t->year;
    int mon = t->mon >= 1 && t->mon <= 12 ? t->mon : 1;
    /* Leap days in the years before y, counted from year 1. */
    int64_t ly = y - 1;
    int64_t leaps = ly / 4 - ly / 100 + ly / 400;
    int64_t leaps1970 = 1969 / 4 - 1969 / 100 + 1969 / 400;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int64_t days = (y - 1970) * 365 + (leaps - leaps1970) + before_month[mon - 1] +
                   (leap && mon > 2 ? 1 : 0) + (t->day - 1);
    return days * 86400 + (int64_t)t->hour * 3600 + (int64_t)t->min * 60 + t->sec;
}

/* ------------------------------------------------------------------ */
/* subjectAltName                                                      */

enum {
    GN_OTHER = 0xa0, GN_EMAIL = 0x81, GN_DNS = 0x82, GN_X400 = 0xa3, GN_DIR = 0xa4,
    GN_EDI = 0xa5, GN_URI = 0x86, GN_IP = 0x87, GN_RID = 0x88,
};

typedef void san_fn(void *ctx, uint8_t tag, cursor value);

/* Calls fn for each GeneralName.  Returns 0 without the extension, 1 when
 * walked, -1 when it does not decode; *span is the extension value. */
static int walk_san(const mbedtls_x509_crt *crt, san_fn *fn, void *ctx, cursor *span)
{
    cursor ext, names;
    uint8_t tag;
    if (!find_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME, sizeof(MBEDTLS_OID_SUBJECT_ALT_NAME) - 1, &ext))
        return 0;
    if (span) *span = ext;
    if (!der_tlv(&ext, &tag, &names) || tag != 0x30 || !cur_empty(&ext)) return -1;
    while (!cur_empty(&names)) {
        cursor v;
        if (!der_tlv(&names, &tag, &v)) return -1;
        fn(ctx, tag, v);
    }
    return 1;
}

static void put_ip(tbuf *b, cursor v)
{
    uint8_t a[16];
    char text[INET6_ADDRSTRLEN];
    size_t n = cur_left(&v);
    if ((n == 4 || n == 16) && cur_copy(&v, a, n) &&
        inet_ntop(n == 4 ? AF_INET : AF_INET6, a, text, sizeof(text))) {
        tb_puts(b, text);
        return;
    }
    /* Address and mask (name constraints) or nonsense: hex. */
    const uint8_t *rest;
    cur_skip_rest(&v, &rest, &n);
    for (size_t i = 0; i < n; i++) tb_printf(b, "%02x", rest[i]);
}

/* The text of one GeneralName as tlsview shows it. */
static const char *general_name_text(tbuf *b, uint8_t tag, cursor v)
{
    switch (tag) {
    case GN_DNS: put_string(b, v, ASN1_IA5, false); return "dns_name";
    case GN_IP: put_ip(b, v); return "ip_address";
    case GN_EMAIL: tb_puts(b, "email:"); put_string(b, v, ASN1_IA5, false); return "email";
    case GN_URI: tb_puts(b, "URI:"); put_string(b, v, ASN1_IA5, false); return "uri";
    case GN_OTHER: {
        cursor id;
        uint8_t t;
        tb_puts(b, "other:");
        if (der_tlv(&v, &t, &id) && t == 0x06) {
            const uint8_t *p;
            size_t n;
            cur_skip_rest(&id, &p, &n);
            mbedtls_x509_buf oid = { MBEDTLS_ASN1_OID, n, (unsigned char *)(uintptr_t)p };
            put_oid(b, &oid);
        }
        return "other_name";
    }
    case GN_DIR: tb_puts(b, "dirName"); return "directory_name";
    case GN_X400: tb_puts(b, "x400Address"); return "x400_address";
    case GN_EDI: tb_puts(b, "ediPartyName"); return "edi_party_name";
    case GN_RID: {
        const uint8_t *p;
        size_t n;
        cur_skip_rest(&v, &p, &n);
        mbedtls_x509_buf oid = { MBEDTLS_ASN1_OID, n, (unsigned char *)(uintptr_t)p };
        tb_puts(b, "RID:");
        put_oid(b, &oid);
        return "registered_id";
    }
    default: tb_printf(b, "[%u]", tag & 0x1fu); return "unknown";
    }
}

/* ------------------------------------------------------------------ */
/* Algorithms and usages                                               */

struct oid_name {
    const char *oid;
    size_t len;
    const char *name;
};
#define ON(m, n) { m, sizeof(m) - 1, n }

static const struct oid_name sig_names[] = {
    ON(MBEDTLS_OID_PKCS1_MD5, "md5WithRSAEncryption"),
    ON(MBEDTLS_OID_PKCS1_SHA1, "sha1WithRSAEncryption"),
    ON(MBEDTLS_OID_PKCS1_SHA224, "sha224WithRSAEncryption"),
    ON(MBEDTLS_OID_PKCS1_SHA256, "sha256WithRSAEncryption"),
    ON(MBEDTLS_OID_PKCS1_SHA384, "sha384WithRSAEncryption"),
    ON(MBEDTLS_OID_PKCS1_SHA512, "sha512WithRSAEncryption"),
    ON(MBEDTLS_OID_RSA_SHA_OBS, "sha1WithRSA"),
    ON(MBEDTLS_OID_RSASSA_PSS, "rsassaPss"),
    ON(MBEDTLS_OID_ECDSA_SHA1, "ecdsa-with-SHA1"),
    ON(MBEDTLS_OID_ECDSA_SHA224, "ecdsa-with-SHA224"),
    ON(MBEDTLS_OID_ECDSA_SHA256, "ecdsa-with-SHA256"),
    ON(MBEDTLS_OID_ECDSA_SHA384, "ecdsa-with-SHA384"),
    ON(MBEDTLS_OID_ECDSA_SHA512, "ecdsa-with-SHA512"),
    ON("\x2a\x86\x48\xce\x38\x04\x03", "dsa-with-SHA1"),
    ON("\x60\x86\x48\x01\x65\x03\x04\x03\x02", "dsa-with-SHA256"),
    ON("\x2b\x65\x70", "ED25519"),
    ON("\x2b\x65\x71", "ED448"),
};

static const struct oid_name eku_names[] = {
    ON(MBEDTLS_OID_SERVER_AUTH, "serverAuth"),
    ON(MBEDTLS_OID_CLIENT_AUTH, "clientAuth"),
    ON(MBEDTLS_OID_CODE_SIGNING, "codeSigning"),
    ON(MBEDTLS_OID_EMAIL_PROTECTION, "emailProtection"),
    ON(MBEDTLS_OID_TIME_STAMPING, "timeStamping"),
    ON(MBEDTLS_OID_OCSP_SIGNING, "OCSPSigning"),
    ON(MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE, "anyExtendedKeyUsage"),
    ON("\x60\x86\x48\x01\x86\xf8\x42\x04\x01", "nsSGC"),
    ON("\x2b\x06\x01\x04\x01\x82\x37\x0a\x03\x03", "msSGC"),
};

static void put_oid_name(tbuf *b, const mbedtls_x509_buf *oid, const struct oid_name *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].len == oid->len && memcmp(t[i].oid, oid->p, oid->len) == 0) {
            tb_puts(b, t[i].name);
            return;
        }
    }
    put_oid(b, oid);
}

static void put_sig_alg(tbuf *b, const mbedtls_x509_crt *crt)
{
    put_oid_name(b, &crt->sig_oid, sig_names, sizeof(sig_names) / sizeof(sig_names[0]));
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_RSASSA_PSS, &crt->sig_oid) == 0) {
        const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt->sig_md);
        if (md) tb_printf(b, " (%s)", mbedtls_md_get_name(md));
    }
}

static const struct {
    unsigned bit;
    const char *name;
} ku_names[] = {
    { MBEDTLS_X509_KU_DIGITAL_SIGNATURE, "digitalSignature" },
    { MBEDTLS_X509_KU_NON_REPUDIATION, "nonRepudiation" },
    { MBEDTLS_X509_KU_KEY_ENCIPHERMENT, "keyEncipherment" },
    { MBEDTLS_X509_KU_DATA_ENCIPHERMENT, "dataEncipherment" },
    { MBEDTLS_X509_KU_KEY_AGREEMENT, "keyAgreement" },
    { MBEDTLS_X509_KU_KEY_CERT_SIGN, "keyCertSign" },
    { MBEDTLS_X509_KU_CRL_SIGN, "cRLSign" },
    { MBEDTLS_X509_KU_ENCIPHER_ONLY, "encipherOnly" },
    { MBEDTLS_X509_KU_DECIPHER_ONLY, "decipherOnly" },
};

static const char *pk_type_text(const mbedtls_pk_context *pk)
{
    switch (mbedtls_pk_get_type(pk)) {
    case MBEDTLS_PK_RSA: return "RSA";
    case MBEDTLS_PK_ECKEY: case MBEDTLS_PK_ECKEY_DH: case MBEDTLS_PK_ECDSA: return "EC";
    case MBEDTLS_PK_RSASSA_PSS: return "RSASSA-PSS";
    default: return mbedtls_pk_get_name(pk);
    }
}

static const char *pk_curve(const mbedtls_pk_context *pk)
{
    if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY)) return NULL;
    const mbedtls_ecp_curve_info *ci = mbedtls_ecp_curve_info_from_grp_id(mbedtls_pk_ec(*pk)->grp.id);
    return ci ? ci->name : NULL;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* Extensions mbedTLS does not know are accepted, critical ones too: an
 * inspector shows the certificate rather than refusing it. */
static int accept_extension(void *ctx, const mbedtls_x509_crt *crt, const mbedtls_x509_buf *oid,
                            int critical, const unsigned char *p, const unsigned char *end)
{
    (void)ctx; (void)crt; (void)oid; (void)critical; (void)p; (void)end;
    return 0;
}

static int parse_one(mbedtls_x509_crt *chain, const uint8_t *der, size_t len)
{
    if (!der || !len) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    return mbedtls_x509_crt_parse_der_with_ext_cb(chain, der, len, 1, accept_extension, NULL);
}

static bool same_buf(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Issuer equals subject and the certificate's own key verifies it. */
static bool crt_self_signed(mbedtls_x509_crt *c)
{
    if (!same_buf(&c->issuer_raw, &c->subject_raw)) return false;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(c->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || !mbedtls_pk_can_do(&c->pk, c->sig_pk) ||
        mbedtls_md(md, c->tbs.p, c->tbs.len, hash) != 0)
        return false;
    return mbedtls_pk_verify_ext(c->sig_pk, c->sig_opts, &c->pk, c->sig_md, hash,
                                 mbedtls_md_get_size(md), c->sig.p, c->sig.len) == 0;
}

static void error_text(int ret, char *buf, size_t cap)
{
    mbedtls_strerror(ret, buf, cap);
}

/* ------------------------------------------------------------------ */
/* certificate_describe                                                */

typedef struct describe_ctx {
    step *s;
    field *list;
    const mbedtls_x509_crt *crt;
    size_t off, len;
} describe_ctx;

/* The step span of bytes the cursor window covers, or the whole certificate. */
static void span_of(const describe_ctx *d, const cursor *c, size_t *o, size_t *l)
{
    size_t rel = cur_offset(c), n = cur_left(c);
    if (rel <= d->len && n <= d->len - rel) {
        *o = d->off + rel;
        *l = n;
    } else {
        *o = d->off;
        *l = d->len;
    }
}

static void span_buf(const describe_ctx *d, const mbedtls_x509_buf *b, size_t *o, size_t *l)
{
    if (!b->p) {
        *o = d->off;
        *l = d->len;
        return;
    }
    cursor c = crt_cursor(d->crt, b->p, b->len);
    span_of(d, &c, o, l);
}

static void describe_san_entry(void *ctx, uint8_t tag, cursor v)
{
    describe_ctx *d = ctx;
    char text[1024];
    tbuf b;
    tb_init(&b, text, sizeof(text));
    size_t o, l;
    span_of(d, &v, &o, &l);
    const char *name = general_name_text(&b, tag, v);
    field_text(d->s, d->list, name, o, l, "%s", text);
}

/* "AB:CD:..." of SHA-256 over der, as openssl prints fingerprints; "" if
 * mbedTLS refuses. */
static void fingerprint_text(char *text, size_t cap, const uint8_t *der, size_t n)
{
    unsigned char h[32];
    tbuf b;
    tb_init(&b, text, cap);
    if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), der, n, h) == 0)
        put_hex_colons(&b, h, sizeof(h));
}

static void add_fingerprint(step *s, field *parent, size_t off, size_t len, const uint8_t *der, size_t n)
{
    char text[3 * 32];
    fingerprint_text(text, sizeof(text), der, n);
    if (text[0]) field_text(s, parent, "sha256_fingerprint", off, len, "%s", text);
}

/* Certificates already parsed.  A busy capture sends the same few
 * certificates over and over, and parsing one and checking its own
 * signature cost more than all the rest of a handshake.  The cache is per
 * thread, so dissectors on different threads never share an entry. */
enum { CRT_CACHE_SIZE = 8 };

typedef struct crt_entry {
    mbedtls_x509_crt crt;          /* crt.raw is the entry's own copy of the DER */
    bool in_use;
    bool self_signed;
    char fingerprint[3 * 32];
    unsigned long last_used;
    /* The certificate's fields as certificate_describe gives them, with
     * offsets from its first byte: later sightings copy them. */
    step *described;
    size_t described_len;          /* the length the caller gave (bytes may follow the DER) */
    cert_summary summary;
} crt_entry;

static _Thread_local struct {
    crt_entry entries[CRT_CACHE_SIZE];
    unsigned long tick;
} crt_cache;

static void crt_entry_clear(crt_entry *e)
{
    if (e->in_use) mbedtls_x509_crt_free(&e->crt);
    step_free(e->described);
    memset(e, 0, sizeof(*e));
}

void certificate_cache_clear(void)
{
    for (int i = 0; i < CRT_CACHE_SIZE; i++) crt_entry_clear(&crt_cache.entries[i]);
    crt_cache.tick = 0;
}

/* The parsed certificate for der, from the cache or parsed into its least
 * recently used entry; NULL with *ret set when mbedTLS cannot parse it
 * (such certificates are not kept). */
static crt_entry *crt_lookup(const uint8_t *der, size_t len, int *ret)
{
    crt_entry *victim = &crt_cache.entries[0];
    crt_cache.tick++;
    for (int i = 0; i < CRT_CACHE_SIZE; i++) {
        crt_entry *e = &crt_cache.entries[i];
        if (e->in_use && e->crt.raw.len == len && memcmp(e->crt.raw.p, der, len) == 0) {
            e->last_used = crt_cache.tick;
            return e;
        }
        if (!e->in_use || (victim->in_use && e->last_used < victim->last_used)) victim = e;
    }
    crt_entry_clear(victim);
    mbedtls_x509_crt_init(&victim->crt);
    *ret = parse_one(&victim->crt, der, len);
    if (*ret != 0) {
        mbedtls_x509_crt_free(&victim->crt);
        return NULL;
    }
    victim->in_use = true;
    victim->self_signed = crt_self_signed(&victim->crt);
    fingerprint_text(victim->fingerprint, sizeof(victim->fingerprint), victim->crt.raw.p, victim->crt.raw.len);
    victim->last_used = crt_cache.tick;
    return victim;
}

static void describe_parsed(step *s, field *parent, describe_ctx *d, const crt_entry *entry,
                            cert_summary *out)
{
    const mbedtls_x509_crt *crt = &entry->crt;
    size_t off = d->off, len = d->len, o, l;
    char text[1024];
    tbuf b;

    field_uint(s, parent, "version", off, len, (uint64_t)crt->version);

    /* The INTEGER's contents; a leading zero only keeps it positive. */
    cursor sc = crt_cursor(crt, crt->serial.p, crt->serial.len);
    uint8_t z;
    if (cur_left(&sc) > 1 && cur_peek_u8(&sc, 0, &z) && z == 0) cur_skip(&sc, 1);
    const uint8_t *sp;
    size_t sn;
    span_buf(d, &crt->serial, &o, &l);
    cur_skip_rest(&sc, &sp, &sn);
    tb_init(&b, text, sizeof(text));
    put_hex_colons(&b, sp, sn);
    field_text(s, parent, "serial", o, l, "%s", text);

    tb_init(&b, text, sizeof(text));
    put_sig_alg(&b, crt);
    field_text(s, parent, "signature_algorithm", off, len, "%s", text);

    tb_init(&b, text, sizeof(text));
    put_dn(&b, crt, &crt->issuer);
    span_buf(d, &crt->issuer_raw, &o, &l);
    field_text(s, parent, "issuer", o, l, "%s", text);
    if (out) {
        copy_text(out->issuer, sizeof(out->issuer), text);
        get_cn(crt, &crt->issuer, out->issuer_cn, sizeof(out->issuer_cn));
    }

    tb_init(&b, text, sizeof(text));
    put_dn(&b, crt, &crt->subject);
    span_buf(d, &crt->subject_raw, &o, &l);
    field_text(s, parent, "subject", o, l, "%s", text);
    if (out) {
        copy_text(out->subject, sizeof(out->subject), text);
        get_cn(crt, &crt->subject, out->subject_cn, sizeof(out->subject_cn));
    }

    tb_init(&b, text, sizeof(text));
    put_time(&b, &crt->valid_from);
    field_text(s, parent, "not_before", off, len, "%s", text);
    tb_init(&b, text, sizeof(text));
    put_time(&b, &crt->valid_to);
    field_text(s, parent, "not_after", off, len, "%s", text);
    if (out) copy_text(out->not_after, sizeof(out->not_after), text);

    span_buf(d, &crt->pk_raw, &o, &l);
    field *pk = field_object(s, parent, "public_key", o, l);
    const char *type = pk_type_text(&crt->pk), *curve = pk_curve(&crt->pk);
    size_t bits = mbedtls_pk_get_bitlen(&crt->pk);
    field_text(s, pk, "type", o, l, "%s", type);
    field_uint(s, pk, "bits", o, l, bits);
    if (curve) field_text(s, pk, "curve", o, l, "%s", curve);
    if (out) {
        tb_init(&b, out->key_desc, sizeof(out->key_desc));
        tb_printf(&b, "%zu-bit %s key", bits, type);
        if (curve) tb_printf(&b, " (%s)", curve);
    }

    cursor ext;
    if (find_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME, sizeof(MBEDTLS_OID_SUBJECT_ALT_NAME) - 1, &ext)) {
        span_of(d, &ext, &o, &l);
        d->list = field_list(s, parent, "san", o, l);
        if (walk_san(crt, describe_san_entry, d, NULL) < 0)
            field_malformed(s, d->list, o, l, "subjectAltName: the list of names does not decode");
    }

    if (crt->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) {
        o = off;
        l = len;
        if (find_extension(crt, MBEDTLS_OID_KEY_USAGE, sizeof(MBEDTLS_OID_KEY_USAGE) - 1, &ext))
            span_of(d, &ext, &o, &l);
        field *ku = field_list(s, parent, "key_usage", o, l);
        for (size_t i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++)
            if (crt->key_usage & ku_names[i].bit) field_text(s, ku, "usage", o, l, "%s", ku_names[i].name);
    }

    if (crt->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) {
        o = off;
        l = len;
        if (find_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE, sizeof(MBEDTLS_OID_EXTENDED_KEY_USAGE) - 1, &ext))
            span_of(d, &ext, &o, &l);
        field *eku = field_list(s, parent, "extended_key_usage", o, l);
        for (const mbedtls_x509_sequence *q = &crt->ext_key_usage; q; q = q->next) {
            if (!q->buf.p) continue;
            size_t qo, ql;
            span_buf(d, &q->buf, &qo, &ql);
            tb_init(&b, text, sizeof(text));
            put_oid_name(&b, &q->buf, eku_names, sizeof(eku_names) / sizeof(eku_names[0]));
            field_text(s, eku, "purpose", qo, ql, "%s", text);
        }
    }

    if (crt->ext_types & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) {
        o = off;
        l = len;
        if (find_extension(crt, MBEDTLS_OID_BASIC_CONSTRAINTS, sizeof(MBEDTLS_OID_BASIC_CONSTRAINTS) - 1, &ext))
            span_of(d, &ext, &o, &l);
        field *bc = field_object(s, parent, "basic_constraints", o, l);
        field_bool(s, bc, "ca", o, l, crt->ca_istrue != 0);
        /* mbedTLS stores the limit plus one; 0 means none. */
        if (crt->ca_istrue && crt->max_pathlen > 0)
            field_uint(s, bc, "path_len", o, l, (uint64_t)(crt->max_pathlen - 1));
    }

    if (entry->fingerprint[0]) field_text(s, parent, "sha256_fingerprint", off, len, "%s", entry->fingerprint);
    field_bool(s, parent, "self_signed", off, len, entry->self_signed);
    if (out) out->present = true;
}

void certificate_describe(step *s, field *parent, size_t off, size_t len,
                          const uint8_t *der, size_t der_len, cert_summary *out)
{
    if (out) memset(out, 0, sizeof(*out));
    int ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    crt_entry *e = der && der_len ? crt_lookup(der, der_len, &ret) : NULL;
    if (!e) {
        char why[200];
        error_text(ret, why, sizeof(why));
        field_malformed(s, parent, off, len, "certificate: mbedTLS cannot parse it: %s", why);
        if (der && der_len) add_fingerprint(s, parent, off, len, der, der_len);
        return;
    }
    /* The fields depend on the bytes alone, so they are worked out once
     * per cache entry (offsets from the certificate's start) and copied.
     * The copy keeps the caller's span for the whole certificate. */
    if (e->described && e->described_len != der_len) {
        step_free(e->described);   /* the same certificate with other bytes after it */
        e->described = NULL;
    }
    if (!e->described) {
        e->described = step_new(STEP_HANDSHAKE, 0, 0, DIR_S2C, "certificate");
        e->described_len = der_len;
        describe_ctx d = { e->described, NULL, &e->crt, 0, der_len };
        describe_parsed(e->described, NULL, &d, e, &e->summary);
    }
    if (len == der_len) {
        field_copy_children(s, parent ? parent : s->root, e->described->root, off);
    } else {
        describe_ctx d = { s, NULL, &e->crt, off, len };
        describe_parsed(s, parent, &d, e, NULL);
    }
    if (out) *out = e->summary;
}

/* ------------------------------------------------------------------ */
/* The store of trust anchors                                          */

/* Verdicts already reached: a busy capture shows the same chain for the
 * same name many times a second, and verifying it is the dearest thing
 * tlsview does without secrets.  The key is everything the verdict and its
 * words depend on, byte for byte (the chain, the name and the capture
 * second), so that no crafted chain can pass for a cached one; chains whose
 * key would exceed VERDICT_KEY_MAX are judged every time. */
enum { VERDICT_CACHE = 32, VERDICT_DETAIL = 1024, VERDICT_KEY_MAX = 64 * 1024 };

typedef struct verdict_entry {
    uint8_t *key;                  /* NULL: unused */
    size_t key_len;
    const char *verdict;           /* one of the static verdict words */
    char detail[VERDICT_DETAIL];
} verdict_entry;

struct cert_store {
    mbedtls_x509_crt chain;
    unsigned count;
    char source[512];
    verdict_entry verdicts[VERDICT_CACHE];
    unsigned next_verdict;         /* round robin */
    uint8_t *key;                  /* the key of the chain being judged */
    size_t key_cap;
    pthread_mutex_t lock;          /* dissectors on several threads share the store */
};

enum { MAX_CA_FILE = 64 << 20 };

/* Adds the certificate at the start of der[0..len) unless the store has it. */
static bool store_add_der(cert_store *st, const uint8_t *der, size_t len)
{
    cursor c = cur_make(der, len), body;
    uint8_t tag;
    if (!der_tlv(&c, &tag, &body) || tag != 0x30) return false;
    size_t n = cur_offset(&c);   /* the certificate without what may follow it */
    if (st->count) {
        for (const mbedtls_x509_crt *k = &st->chain; k; k = k->next)
            if (k->raw.len == n && memcmp(k->raw.p, der, n) == 0) return true;
    }
    if (parse_one(&st->chain, der, n) != 0) return false;
    st->count++;
    return true;
}

static const char *const pem_labels[] = { "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE" };

/* One base64 character's value, or -1. */
static int base64_value(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* The base64 body of a PEM block (RFC 7468: line breaks and spaces
 * anywhere, '=' only at the end) into out, which has room for
 * 3/4 of the text.  Returns the bytes written, 0 when the text is not
 * clean base64 (an encrypted block's headers, for one).  mbedTLS's own
 * decoder takes constant time per character, which a whole system CA
 * bundle, loaded at every start, does not need. */
static size_t pem_body_decode(cursor text, uint8_t *out)
{
    uint32_t group = 0;
    unsigned in_group = 0, padding = 0;
    size_t n = 0;
    uint8_t ch;
    while (cur_u8(&text, &ch)) {
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
        if (ch == '=') {
            if (in_group < 2 || ++padding + in_group > 4) return 0;
            continue;
        }
        int v = base64_value(ch);
        if (v < 0 || padding) return 0;
        group = group << 6 | (uint32_t)v;
        if (++in_group == 4) {
            out[n++] = (uint8_t)(group >> 16);
            out[n++] = (uint8_t)(group >> 8);
            out[n++] = (uint8_t)group;
            group = 0;
            in_group = 0;
        }
    }
    if (in_group + padding != 4 && !(in_group == 0 && padding == 0)) return 0;
    if (in_group == 3) {
        out[n++] = (uint8_t)(group >> 10);
        out[n++] = (uint8_t)(group >> 2);
    } else if (in_group == 2) {
        out[n++] = (uint8_t)(group >> 4);
    }
    return n;
}

/* Which of pem_labels the text [p, p + n) is, or -1. */
static int pem_label_index(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++)
        if (strlen(pem_labels[i]) == n && memcmp(pem_labels[i], p, n) == 0) return (int)i;
    return -1;
}

/* Loads every certificate of a PEM text or one DER certificate; returns
 * how many were usable.  Blocks of other kinds (keys, CRLs) are passed. */
static unsigned store_add_buffer(cert_store *st, const uint8_t *buf, size_t len)
{
    static const char begin[] = "-----BEGIN ", dashes[] = "-----";
    if (!memmem(buf, len, begin, strlen(begin))) return store_add_der(st, buf, len) ? 1 : 0;
    uint8_t *der = malloc(len / 4 * 3 + 3);
    if (!der) return 0;
    unsigned added = 0;
    const uint8_t *pos = buf, *end = buf + len;
    const uint8_t *block;
    while ((block = memmem(pos, (size_t)(end - pos), begin, strlen(begin))) != NULL) {
        const uint8_t *label = block + strlen(begin);
        const uint8_t *label_end = memmem(label, (size_t)(end - label), dashes, strlen(dashes));
        if (!label_end) break;
        const uint8_t *body = label_end + strlen(dashes);
        pos = body;
        int which = pem_label_index(label, (size_t)(label_end - label));
        if (which < 0) continue;
        char footer[64];
        size_t footer_len = (size_t)text_format(footer, sizeof footer, "-----END %s-----", pem_labels[which]);
        const uint8_t *body_end = memmem(body, (size_t)(end - body), footer, footer_len);
        if (!body_end) break;
        pos = body_end + footer_len;
        size_t n = pem_body_decode(cur_make(body, (size_t)(body_end - body)), der);
        if (n && store_add_der(st, der, n)) added++;
    }
    free(der);
    return added;
}

/* Reads a whole file, NUL-terminated.  Returns NULL with errno set. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                int e = errno ? errno : EIO;
                free(buf);
                fclose(f);
                errno = e;
                return NULL;
            }
            break;
        }
        if (cap >= MAX_CA_FILE) {
            free(buf);
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        cap *= 2;
        uint8_t *nb = realloc(buf, cap + 1);
        if (!nb) free(buf);
        buf = nb;
    }
    fclose(f);
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Returns how many certificates the file gave, or -1 (errno) if unreadable. */
static int store_add_file(cert_store *st, const char *path)
{
    size_t len = 0;
    uint8_t *buf = read_file(path, &len);
    if (!buf) return -1;
    unsigned added = store_add_buffer(st, buf, len);
    free(buf);
    return (int)added;
}

static int store_add_dir(cert_store *st, const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) return -1;
    int added = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char full[4096];
        struct stat sb;
        if ((size_t)text_format(full, sizeof(full), "%s/%s", path, e->d_name) >= sizeof(full)) continue;
        if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        int n = store_add_file(st, full);
        if (n > 0) added += n;
    }
    closedir(dir);
    return added;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    text_vformat(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *const system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch, Gentoo */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL, CentOS */
    "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
    "/etc/ssl/cert.pem",                                 /* Alpine, macOS, OpenBSD */
    "/usr/local/share/certs/ca-root-nss.crt",            /* FreeBSD */
    "/usr/local/etc/ssl/cert.pem",                       /* FreeBSD */
};

cert_store *cert_store_load(const char *path, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    cert_store *st = calloc(1, sizeof(*st));
    if (!st) {
        set_err(err, errlen, "out of memory loading CA certificates");
        return NULL;
    }
    mbedtls_x509_crt_init(&st->chain);
    pthread_mutex_init(&st->lock, NULL);

    bool from_env = false;
    if (!path) {
        const char *env = getenv("SSL_CERT_FILE");
        if (env && *env) {
            path = env;
            from_env = true;
        } else {
            struct stat sb;
            for (size_t i = 0; i < sizeof(system_bundles) / sizeof(system_bundles[0]); i++) {
                if (stat(system_bundles[i], &sb) == 0) {
                    path = system_bundles[i];
                    break;
                }
            }
            if (!path) return st;   /* no system bundle: an empty store */
        }
    }
    copy_text(st->source, sizeof(st->source), path);

    struct stat sb;
    bool is_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    int n = is_dir ? store_add_dir(st, path) : store_add_file(st, path);
    if (n < 0) {
        set_err(err, errlen, "cannot read CA certificates from %s%s: %s; give a readable PEM or DER file of CA certificates",
                path, from_env ? " (named by SSL_CERT_FILE)" : "", strerror(errno));
    } else if (n == 0) {
        if (is_dir)
            set_err(err, errlen, "no file in %s holds a certificate that can be used; put PEM or DER CA certificates there or give a CA bundle file", path);
        else
            set_err(err, errlen, "%s%s holds no certificate that can be used; give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----) or one DER certificate",
                    path, from_env ? " (named by SSL_CERT_FILE)" : "");
    }
    if (n <= 0) {
        cert_store_free(st);
        return NULL;
    }
    return st;
}

void cert_store_free(cert_store *cas)
{
    if (!cas) return;
    mbedtls_x509_crt_free(&cas->chain);
    for (unsigned i = 0; i < VERDICT_CACHE; i++) free(cas->verdicts[i].key);
    free(cas->key);
    pthread_mutex_destroy(&cas->lock);
    free(cas);
}

unsigned cert_store_count(const cert_store *cas) { return cas ? cas->count : 0; }

const char *cert_store_source(const cert_store *cas) { return cas ? cas->source : ""; }

/* ------------------------------------------------------------------ */
/* certificate_validate                                                */

/* Chains from the time a capture was made: SHA-1 and RSA from 1024 bits
 * were accepted then; MD5 and shorter keys never reasonably were. */
static const mbedtls_x509_crt_profile then_profile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA224) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    0x0fffffff,   /* any public key algorithm */
    0x0fffffff,   /* any curve */
    1024,
};

enum { MAX_CHAIN = 16 };

/* The capture time in whole seconds, kept in a range every conversion
 * handles (a NaN or absurd time becomes the epoch or a far year). */
static int64_t capture_secs(double at)
{
    if (!(at == at)) return 0;
    if (at < -1e12) return (int64_t)-1e12;
    if (at > 1e12) return (int64_t)1e12;
    return (int64_t)at;
}

typedef struct verify_ctx {
    int64_t at;
    const mbedtls_x509_crt *expired, *future, *top;
    int expired_depth, future_depth, top_depth;
    bool weak_sha1, weak_rsa;
} verify_ctx;

/* mbedTLS judges validity periods against today; tlsview judges them
 * against the capture time, so it clears those flags and checks itself. */
static int on_verify(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    verify_ctx *v = p;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (v->at > x509_time_epoch(&crt->valid_to) && (!v->expired || depth < v->expired_depth)) {
        v->expired = crt;
        v->expired_depth = depth;
    }
    if (v->at < x509_time_epoch(&crt->valid_from) && (!v->future || depth < v->future_depth)) {
        v->future = crt;
        v->future_depth = depth;
    }
    if (!v->top || depth > v->top_depth) {
        v->top = crt;
        v->top_depth = depth;
    }
    if (!same_buf(&crt->issuer_raw, &crt->subject_raw) &&
        (crt->sig_md == MBEDTLS_MD_SHA1 || crt->sig_md == MBEDTLS_MD_MD5))
        v->weak_sha1 = true;
    if (mbedtls_pk_get_type(&crt->pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&crt->pk) < 2048)
        v->weak_rsa = true;
    return 0;
}

/* A name for a certificate in a sentence: its CN, else its whole subject. */
static void put_crt_name(tbuf *b, const mbedtls_x509_crt *crt, const mbedtls_x509_name *dn)
{
    char cn[256];
    tb_puts(b, "\"");
    if (get_cn(crt, dn, cn, sizeof(cn)) && cn[0]) tb_puts(b, cn);
    else put_dn(b, crt, dn);
    tb_puts(b, "\"");
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool same_host(const char *a, size_t an, const char *b, size_t bn)
{
    if (an && a[an - 1] == '.') an--;
    if (bn && b[bn - 1] == '.') bn--;
    if (an != bn || an == 0) return false;
    for (size_t i = 0; i < an; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/* RFC 6125: "*.example.com" stands for exactly one whole leftmost label,
 * and needs at least two labels after it. */
static bool host_matches(const char *pat, size_t plen, const char *host)
{
    size_t hlen = strlen(host);
    if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
        const char *suffix = pat + 1;   /* ".example.com" */
        size_t slen = plen - 1;
        if (slen && suffix[slen - 1] == '.') slen--;
        if (!memchr(suffix + 1, '.', slen > 1 ? slen - 1 : 0)) return false;
        const char *dot = memchr(host, '.', hlen);
        if (!dot || dot == host) return false;
        return same_host(suffix, slen, dot, hlen - (size_t)(dot - host));
    }
    return same_host(pat, plen, host, hlen);
}

typedef struct name_ctx {
    const char *host;
    uint8_t ip[16];
    size_t ip_len;          /* 0: host is a DNS name */
    bool any_id;            /* the certificate names hosts in subjectAltName */
    bool matched;
    tbuf *names;            /* the names, for the detail sentence */
    unsigned listed, total;
} name_ctx;

static void list_name(name_ctx *m, uint8_t tag, cursor v)
{
    m->total++;
    if (m->listed >= 4) return;
    if (m->listed) tb_puts(m->names, ", ");
    general_name_text(m->names, tag, v);
    m->listed++;
}

static void match_san_entry(void *ctx, uint8_t tag, cursor v)
{
    name_ctx *m = ctx;
    if (tag == GN_DNS) {
        char pat[256];
        size_t n = cur_left(&v);
        m->any_id = true;
        list_name(m, tag, v);
        if (!m->ip_len && n < sizeof(pat) && cur_copy(&v, pat, n) && !memchr(pat, 0, n) &&
            host_matches(pat, n, m->host))
            m->matched = true;
    } else if (tag == GN_IP) {
        uint8_t a[16];
        size_t n = cur_left(&v);
        m->any_id = true;
        list_name(m, tag, v);
        if (m->ip_len && n == m->ip_len && cur_copy(&v, a, n) && memcmp(a, m->ip, n) == 0)
            m->matched = true;
    }
}

static bool name_matches(const mbedtls_x509_crt *leaf, const char *host, tbuf *names, unsigned *total)
{
    name_ctx m = { .host = host, .names = names };
    if (inet_pton(AF_INET, host, m.ip) == 1) m.ip_len = 4;
    else if (inet_pton(AF_INET6, host, m.ip) == 1) m.ip_len = 16;
    walk_san(leaf, match_san_entry, &m, NULL);
    if (!m.any_id) {
        /* No names in subjectAltName: the old way, the common names. */
        for (const mbedtls_x509_name *a = &leaf->subject; a; a = a->next) {
            if (!a->oid.p || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid) != 0) continue;
            char cn[256];
            tbuf b;
            tb_init(&b, cn, sizeof(cn));
            put_attr_value(&b, leaf, a, false);
            m.total++;
            if (m.listed < 4) {
                if (m.listed++) tb_puts(names, ", ");
                tb_puts(names, cn);
            }
            if (host_matches(cn, strlen(cn), host)) m.matched = true;
        }
    }
    *total = m.total;
    return m.matched;
}

/* Flattens mbedtls_x509_crt_verify_info's lines into one clause. */
static void put_verify_info(tbuf *b, uint32_t flags)
{
    char info[512];
    if (mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) < 0) {
        tb_printf(b, "verification flags 0x%x", (unsigned)flags);
        return;
    }
    bool sep = false;
    for (char *line = info; *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        while (*line == ' ') line++;
        if (*line) {
            if (sep) tb_puts(b, "; ");
            tb_puts(b, line);
            sep = true;
        }
        if (!nl) break;
        line = nl + 1;
    }
}

static void put_expired(tbuf *b, const verify_ctx *v, double at)
{
    tb_puts(b, v->expired_depth == 0 ? "The certificate " : "The CA certificate ");
    put_crt_name(b, v->expired, &v->expired->subject);
    tb_puts(b, " expired on ");
    put_time(b, &v->expired->valid_to);
    tb_puts(b, ", before the capture time (");
    put_epoch(b, at);
    tb_puts(b, ").");
}

static void put_future(tbuf *b, const verify_ctx *v, double at)
{
    tb_puts(b, v->future_depth == 0 ? "The certificate " : "The CA certificate ");
    put_crt_name(b, v->future, &v->future->subject);
    tb_puts(b, " only became valid on ");
    put_time(b, &v->future->valid_from);
    tb_puts(b, ", after the capture time (");
    put_epoch(b, at);
    tb_puts(b, ").");
}

/* A host name from the wire, escaped like any other text. */
static void put_host(tbuf *b, const char *host)
{
    put_string(b, cur_make((const uint8_t *)host, strlen(host)), ASN1_IA5, false);
}

static void put_mismatch(tbuf *b, const char *names, unsigned total, const char *host)
{
    if (!total) {
        tb_puts(b, "The certificate names no host, so it is not for ");
        put_host(b, host);
        tb_puts(b, ".");
        return;
    }
    tb_puts(b, "The certificate is for ");
    tb_puts(b, names);
    if (total > 4) tb_printf(b, " and %u more names", total - 4);
    tb_puts(b, ", not for ");
    put_host(b, host);
    tb_puts(b, ".");
}

static size_t also(tbuf *b)
{
    tb_puts(b, " Also, ");
    return b->len;
}

/* Lower-cases the ASCII letter that starts a sentence appended at `at`. */
static void lower_at(tbuf *b, size_t at)
{
    if (at < b->len && b->p[at] >= 'A' && b->p[at] <= 'Z') b->p[at] = (char)(b->p[at] - 'A' + 'a');
}

static const char *validate_chain(const cert_store *cas, const uint8_t *const *ders,
                                  const size_t *lens, unsigned n, const char *server_name,
                                  double at_time, char *detail, size_t detail_len);

static void key_put(uint8_t *key, size_t *at, const void *p, size_t n)
{
    memcpy(key + *at, p, n);
    *at += n;
}

static void key_put_u64(uint8_t *key, size_t *at, uint64_t v)
{
    uint8_t word[8];
    for (int k = 0; k < 8; k++) word[k] = (uint8_t)(v >> (8 * k));
    key_put(key, at, word, sizeof word);
}

/* Writes the verdict key into cas->key; false (nothing cached) when it
 * would be too long or memory is short. */
static bool verdict_key(cert_store *cas, const uint8_t *const *ders, const size_t *lens, unsigned n,
                        const char *server_name, double at_time, size_t *key_len)
{
    unsigned considered = n < MAX_CHAIN ? n : MAX_CHAIN;
    const char *name = server_name ? server_name : "";
    size_t name_len = strlen(name) + 1, need = name_len + 8;
    for (unsigned i = 0; i < considered; i++) {
        if (!ders[i] || lens[i] > VERDICT_KEY_MAX) return false;
        need += 8 + lens[i];
    }
    if (need > VERDICT_KEY_MAX) return false;
    if (cas->key_cap < need) {
        uint8_t *k = realloc(cas->key, need);
        if (!k) return false;
        cas->key = k;
        cas->key_cap = need;
    }
    size_t at = 0;
    for (unsigned i = 0; i < considered; i++) {
        key_put_u64(cas->key, &at, lens[i]);
        key_put(cas->key, &at, ders[i], lens[i]);
    }
    key_put(cas->key, &at, name, name_len);
    key_put_u64(cas->key, &at, (uint64_t)capture_secs(at_time));
    *key_len = at;
    return true;
}

static const char *validate_cached(cert_store *cas, const uint8_t *const *ders, const size_t *lens, unsigned n,
                                   const char *server_name, double at_time, char *detail, size_t detail_len);

const char *certificate_validate(cert_store *cas, const uint8_t *const *ders,
                                 const size_t *lens, unsigned n, const char *server_name,
                                 double at_time, char *detail, size_t detail_len)
{
    if (!cas) return validate_chain(cas, ders, lens, n, server_name, at_time, detail, detail_len);
    pthread_mutex_lock(&cas->lock);
    const char *verdict = validate_cached(cas, ders, lens, n, server_name, at_time, detail, detail_len);
    pthread_mutex_unlock(&cas->lock);
    return verdict;
}

static const char *validate_cached(cert_store *cas, const uint8_t *const *ders, const size_t *lens, unsigned n,
                                   const char *server_name, double at_time, char *detail, size_t detail_len)
{
    size_t key_len;
    if (n == 0 || !ders || !lens || !verdict_key(cas, ders, lens, n, server_name, at_time, &key_len))
        return validate_chain(cas, ders, lens, n, server_name, at_time, detail, detail_len);
    for (unsigned i = 0; i < VERDICT_CACHE; i++) {
        verdict_entry *e = &cas->verdicts[i];
        if (e->key && e->key_len == key_len && memcmp(e->key, cas->key, key_len) == 0) {
            if (detail && detail_len) text_format(detail, detail_len, "%s", e->detail);
            return e->verdict;
        }
    }
    verdict_entry *e = &cas->verdicts[cas->next_verdict++ % VERDICT_CACHE];
    free(e->key);
    e->key = NULL;
    e->verdict = validate_chain(cas, ders, lens, n, server_name, at_time, e->detail, sizeof e->detail);
    e->key = malloc(key_len);
    if (e->key) {
        memcpy(e->key, cas->key, key_len);
        e->key_len = key_len;
    }
    if (detail && detail_len) text_format(detail, detail_len, "%s", e->detail);
    return e->verdict;
}

static const char *validate_chain(const cert_store *cas, const uint8_t *const *ders,
                                  const size_t *lens, unsigned n, const char *server_name,
                                  double at_time, char *detail, size_t detail_len)
{
    tbuf d;
    char scratch[1];
    if (detail && detail_len) tb_init(&d, detail, detail_len);
    else tb_init(&d, scratch, 0);

    if (n == 0 || !ders || !lens) {
        tb_puts(&d, "No certificate was sent.");
        return "invalid";
    }
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    int ret = parse_one(&chain, ders[0], lens[0]);
    if (ret != 0) {
        char why[200];
        error_text(ret, why, sizeof(why));
        tb_printf(&d, "The certificate does not parse: %s.", why);
        mbedtls_x509_crt_free(&chain);
        return "invalid";
    }
    /* Real chains are short; a hostile one must not cost quadratic time. */
    unsigned skipped = 0, considered = n < MAX_CHAIN ? n : MAX_CHAIN;
    for (unsigned i = 1; i < considered; i++)
        if (parse_one(&chain, ders[i], lens[i]) != 0) skipped++;

    unsigned ncas = cert_store_count(cas);
    mbedtls_x509_crt *trust = ncas ? (mbedtls_x509_crt *)(uintptr_t)&cas->chain : NULL;
    at_time = (double)capture_secs(at_time);
    verify_ctx v = { .at = (int64_t)at_time };
    uint32_t flags = 0;
    ret = mbedtls_x509_crt_verify_with_profile(&chain, trust, NULL, &then_profile, NULL, &flags,
                                               on_verify, &v);

    char names[512];
    tbuf nb;
    tb_init(&nb, names, sizeof(names));
    unsigned total_names = 0;
    bool check_name = server_name && *server_name;
    bool name_ok = !check_name || name_matches(&chain, server_name, &nb, &total_names);

    const char *verdict;
    const uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_CN_MISMATCH;
    bool also_time = true, also_name = true;
    if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        char why[200];
        error_text(ret, why, sizeof(why));
        tb_printf(&d, "The chain could not be verified: %s.", why);
        verdict = "invalid";
    } else if (flags & ~known) {
        tb_puts(&d, "The chain breaks a rule: ");
        put_verify_info(&d, flags & ~known);
        tb_puts(&d, ".");
        verdict = "invalid";
    } else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        const mbedtls_x509_crt *top = v.top ? v.top : &chain;
        if (crt_self_signed(&chain)) {
            verdict = "self-signed";
            tb_puts(&d, "The certificate ");
            put_crt_name(&d, &chain, &chain.subject);
            tb_puts(&d, " signed itself and ");
            tb_puts(&d, ncas ? "is not among the trusted certificates." : "no trusted certificates were loaded.");
        } else {
            verdict = "unknown issuer";
            if (same_buf(&top->issuer_raw, &top->subject_raw)) {
                tb_puts(&d, "The chain ends at ");
                put_crt_name(&d, top, &top->subject);
                tb_puts(&d, ", which is not a trusted CA");
            } else {
                tb_puts(&d, "Nothing trusted vouches for ");
                put_crt_name(&d, top, &top->issuer);
                tb_puts(&d, ", the issuer of ");
                put_crt_name(&d, top, &top->subject);
                tb_puts(&d, ", and the peer did not send its certificate");
            }
            if (ncas) tb_printf(&d, " (%u trusted certificate%s checked).", ncas, ncas == 1 ? "" : "s");
            else tb_puts(&d, " (no trusted certificates were loaded).");
        }
    } else if (v.expired) {
        verdict = "expired";
        put_expired(&d, &v, at_time);
        also_time = false;
    } else if (v.future) {
        verdict = "not yet valid";
        put_future(&d, &v, at_time);
        also_time = false;
    } else if (!name_ok) {
        verdict = "name mismatch";
        put_mismatch(&d, names, total_names, server_name);
        also_name = false;
    } else {
        verdict = "trusted";
        tb_puts(&d, "The chain leads to the trusted ");
        const mbedtls_x509_crt *top = v.top ? v.top : &chain;
        put_crt_name(&d, top, &top->subject);
        tb_puts(&d, " and was valid at the capture time (");
        put_epoch(&d, at_time);
        tb_puts(&d, ").");
        if (check_name) {
            tb_puts(&d, " It is for ");
            put_host(&d, server_name);
            tb_puts(&d, ".");
        }
        if (v.weak_sha1) tb_puts(&d, " It relies on SHA-1 signatures, which clients refuse today.");
        if (v.weak_rsa) tb_puts(&d, " It holds an RSA key shorter than 2048 bits, which clients refuse today.");
    }

    /* The other problems, briefly: " Also, the certificate ..." */
    if (also_time && (v.expired || v.future)) {
        size_t at = also(&d);
        if (v.expired) put_expired(&d, &v, at_time);
        else put_future(&d, &v, at_time);
        lower_at(&d, at);
    }
    if (also_name && !name_ok) {
        size_t at = also(&d);
        put_mismatch(&d, names, total_names, server_name);
        lower_at(&d, at);
    }
    if (considered < n) tb_printf(&d, " Only the first %u of the %u certificates were considered.", considered, n);
    if (skipped) tb_printf(&d, " %u certificate%s of the chain did not parse and %s left out.",
                           skipped, skipped == 1 ? "" : "s", skipped == 1 ? "was" : "were");

    mbedtls_x509_crt_free(&chain);
    return verdict;
}
