#include "dissect/keylog.h"

#include "dissect/hex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/platform_util.h>

#include "dissect/cursor.h"
#include "dissect/format.h"

typedef struct kl_entry {
    uint8_t label;
    uint8_t key_len;
    uint8_t secret_len;
    uint8_t key[KEYLOG_KEY_MAX];
    uint8_t secret[KEYLOG_SECRET_MAX];
} kl_entry;

typedef struct kl_file {
    char *path;
    FILE *fp;                  /* kept open: after a privilege drop the path may not open again */
    long long offset;          /* bytes consumed (whole lines) */
    unsigned long line;        /* lines consumed */
    bool open_warned;          /* a failed reopen was reported */
    char unknown_seen[8][64];  /* unknown labels already reported for this file */
    unsigned n_unknown_seen;
} kl_file;

struct keylog {
    kl_entry *entries;
    size_t n, cap, max;
    uint64_t *table;           /* a slot: the key's 32-bit hash above, entry index + 1 below; 0 is empty */
    size_t table_size;         /* power of two */
    size_t dropped;
    bool cap_warned;
    uint64_t generation;
    unsigned label_mask;
    kl_file files[KEYLOG_MAX_FILES];
    size_t n_files;
    char *warnings[KEYLOG_MAX_WARNINGS];
    size_t n_warnings, warnings_dropped;
};

/* Each label once: its name and the length of the name (for matching a
 * line's first word without strlen). */
#define KEYLOG_LABELS(X)                                                          \
    X(KEYLOG_CLIENT_RANDOM, "CLIENT_RANDOM")                                      \
    X(KEYLOG_RSA, "RSA")                                                          \
    X(KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET, "CLIENT_EARLY_TRAFFIC_SECRET")          \
    X(KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")  \
    X(KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET, "SERVER_HANDSHAKE_TRAFFIC_SECRET")  \
    X(KEYLOG_CLIENT_TRAFFIC_SECRET_0, "CLIENT_TRAFFIC_SECRET_0")                  \
    X(KEYLOG_SERVER_TRAFFIC_SECRET_0, "SERVER_TRAFFIC_SECRET_0")                  \
    X(KEYLOG_EXPORTER_SECRET, "EXPORTER_SECRET")                                  \
    X(KEYLOG_EARLY_EXPORTER_SECRET, "EARLY_EXPORTER_SECRET")
#define LABEL_NAME(l, text) [l] = text,
#define LABEL_LENGTH(l, text) [l] = sizeof text - 1,
static const char *const label_names[KEYLOG_LABEL_COUNT] = { KEYLOG_LABELS(LABEL_NAME) };
static const size_t label_lengths[KEYLOG_LABEL_COUNT] = { KEYLOG_LABELS(LABEL_LENGTH) };
#undef LABEL_NAME
#undef LABEL_LENGTH


const char *keylog_label_name(keylog_label l)
{
    return (unsigned)l < KEYLOG_LABEL_COUNT ? label_names[l] : "?";
}

keylog *keylog_new(size_t max_entries)
{
    keylog *kl = calloc(1, sizeof *kl);
    if (!kl) return NULL;
    kl->max = max_entries ? max_entries : KEYLOG_DEFAULT_MAX_ENTRIES;
    if (kl->max > UINT32_MAX - 1) kl->max = UINT32_MAX - 1;
    return kl;
}

void keylog_free(keylog *kl)
{
    if (!kl) return;
    if (kl->entries) {
        mbedtls_platform_zeroize(kl->entries, kl->cap * sizeof *kl->entries);
        free(kl->entries);
    }
    free(kl->table);
    for (size_t i = 0; i < kl->n_files; i++) {
        if (kl->files[i].fp) fclose(kl->files[i].fp);
        free(kl->files[i].path);
    }
    keylog_clear_warnings(kl);
    free(kl);
}

/* ---- warnings ---- */

static void warn(keylog *kl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(keylog *kl, const char *fmt, ...)
{
    if (kl->n_warnings == KEYLOG_MAX_WARNINGS) {
        kl->warnings_dropped++;
        return;
    }
    char buf[320];
    va_list ap;
    va_start(ap, fmt);
    text_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *w = strdup(buf);
    if (!w) {
        kl->warnings_dropped++;
        return;
    }
    kl->warnings[kl->n_warnings++] = w;
}

size_t keylog_warning_count(const keylog *kl) { return kl->n_warnings; }
const char *keylog_warning(const keylog *kl, size_t i) { return i < kl->n_warnings ? kl->warnings[i] : NULL; }
size_t keylog_warnings_dropped(const keylog *kl) { return kl->warnings_dropped; }

void keylog_clear_warnings(keylog *kl)
{
    for (size_t i = 0; i < kl->n_warnings; i++) free(kl->warnings[i]);
    kl->n_warnings = 0;
    kl->warnings_dropped = 0;
}

size_t keylog_count(const keylog *kl) { return kl->n; }
size_t keylog_dropped(const keylog *kl) { return kl->dropped; }
uint64_t keylog_generation(const keylog *kl) { return kl->generation; }
bool keylog_has_label(const keylog *kl, keylog_label label)
{
    return kl && (unsigned)label < KEYLOG_LABEL_COUNT && (kl->label_mask >> label & 1u);
}

/* ---- the table ---- */

/* Eight bytes at a time (a client random is 32): a key log of tens of
 * thousands of lines is hashed at start-up, before any thread begins. */
static uint32_t hash_key(uint8_t label, const uint8_t *key, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ ((uint64_t)label << 56) ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    for (; i < n; i++) h = (h ^ key[i]) * 0x100000001b3u;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53u;
    return (uint32_t)(h ^ h >> 32);
}

static size_t slot_entry(uint64_t slot) { return (size_t)(uint32_t)slot; }   /* index + 1 */
static uint32_t slot_hash(uint64_t slot) { return (uint32_t)(slot >> 32); }

/* The slot holding the entry for (label, key), or the empty one where it
 * would go.  Slots carry the key's hash, so a probe past another key
 * rarely reads its entry. */
static size_t find_slot(const keylog *kl, uint8_t label, const uint8_t *key, size_t n, uint32_t hash, bool *found)
{
    size_t mask = kl->table_size - 1;
    size_t i = hash & mask;
    for (;;) {
        uint64_t v = kl->table[i];
        if (v == 0) {
            *found = false;
            return i;
        }
        if (slot_hash(v) == hash) {
            const kl_entry *e = &kl->entries[slot_entry(v) - 1];
            if (e->label == label && e->key_len == n && memcmp(e->key, key, n) == 0) {
                *found = true;
                return i;
            }
        }
        i = (i + 1) & mask;
    }
}

/* A table of at least twice `entries` slots (at least doubled). */
static bool grow_table(keylog *kl, size_t entries)
{
    size_t size = kl->table_size ? kl->table_size * 2 : 1024;
    while (size < 2 * entries) size *= 2;
    uint64_t *t = calloc(size, sizeof *t);
    if (!t) return false;
    /* every key is in once: each goes to the first free slot from its hash */
    for (size_t k = 0; k < kl->table_size; k++) {
        uint64_t v = kl->table[k];
        if (!v) continue;
        size_t i = slot_hash(v) & (size - 1);
        while (t[i]) i = (i + 1) & (size - 1);
        t[i] = v;
    }
    free(kl->table);
    kl->table = t;
    kl->table_size = size;
    return true;
}

static bool grow_entries(keylog *kl, size_t at_least)
{
    size_t cap = kl->cap ? kl->cap * 2 : 256;
    if (cap < at_least) cap = at_least;
    if (cap > kl->max) cap = kl->max;
    kl_entry *e = malloc(cap * sizeof *e);
    if (!e) return false;
    if (kl->n) memcpy(e, kl->entries, kl->n * sizeof *e);
    if (kl->entries) {
        mbedtls_platform_zeroize(kl->entries, kl->cap * sizeof *kl->entries);
        free(kl->entries);
    }
    kl->entries = e;
    kl->cap = cap;
    return true;
}

/* Room for about `more` entries beyond those held (a key log line is
 * about 100 bytes or more), so that a big file does not grow the arrays
 * a dozen times.  Best effort: store() grows them anyway. */
static void reserve(keylog *kl, size_t more)
{
    size_t want = kl->n + more;
    if (want > kl->max) want = kl->max;
    if (want > kl->cap) grow_entries(kl, want);
    if (2 * want > kl->table_size) grow_table(kl, want);
}

/* 1 added, 0 replaced an existing entry, -1 not stored (cap or memory). */
static int store(keylog *kl, keylog_label label, const uint8_t *key, size_t key_len,
                 const uint8_t *secret, size_t secret_len)
{
    if (kl->table_size == 0 || (kl->n + 1) * 2 > kl->table_size) {
        if (!grow_table(kl, kl->n + 1)) return -1;
    }
    bool found;
    uint32_t hash = hash_key((uint8_t)label, key, key_len);
    size_t slot = find_slot(kl, (uint8_t)label, key, key_len, hash, &found);
    if (found) {
        kl_entry *e = &kl->entries[slot_entry(kl->table[slot]) - 1];
        memcpy(e->secret, secret, secret_len);
        e->secret_len = (uint8_t)secret_len;
        kl->generation++;
        return 0;
    }
    if (kl->n == kl->max) {
        kl->dropped++;
        return -1;
    }
    if (kl->n == kl->cap && !grow_entries(kl, 0)) return -1;
    kl_entry *e = &kl->entries[kl->n];
    memset(e, 0, sizeof *e);
    e->label = (uint8_t)label;
    e->key_len = (uint8_t)key_len;
    e->secret_len = (uint8_t)secret_len;
    memcpy(e->key, key, key_len);
    memcpy(e->secret, secret, secret_len);
    kl->table[slot] = (uint64_t)hash << 32 | (uint32_t)(kl->n + 1);
    kl->n++;
    kl->label_mask |= 1u << label;
    kl->generation++;
    return 1;
}

bool keylog_lookup(const keylog *kl, keylog_label label, const uint8_t *key, size_t key_len,
                   uint8_t *out, size_t *out_len)
{
    if (!kl || kl->n == 0 || key_len > KEYLOG_KEY_MAX || (unsigned)label >= KEYLOG_LABEL_COUNT)
        return false;
    bool found;
    size_t slot = find_slot(kl, (uint8_t)label, key, key_len, hash_key((uint8_t)label, key, key_len), &found);
    if (!found) return false;
    const kl_entry *e = &kl->entries[slot_entry(kl->table[slot]) - 1];
    memcpy(out, e->secret, e->secret_len);
    *out_len = e->secret_len;
    return true;
}

/* ---- parsing ---- */

static const bool space_byte[256] = { [' '] = true, ['\t'] = true, ['\r'] = true, ['\v'] = true, ['\f'] = true };

static bool is_space(uint8_t c) { return space_byte[c]; }

static void skip_spaces(cursor *c)
{
    uint8_t b;
    while (cur_peek_u8(c, 0, &b) && is_space(b))
        cur_skip(c, 1);
}

/* The next run of non-space bytes. */
static void token(cursor *c, const uint8_t **tok, size_t *n)
{
    static const uint8_t nothing[1];
    size_t k = cur_run_until(c, space_byte);
    *tok = nothing;
    *n = cur_bytes(c, k, tok) ? k : 0;
}

/* Hex text into bytes; false unless it is all hex digits of even count. */
static bool unhex(const uint8_t *t, size_t n, uint8_t *out, size_t max, size_t *out_len)
{
    if (n % 2 || n / 2 > max || !hex_decode(out, t, n / 2)) return false;
    *out_len = n / 2;
    return true;
}

static bool all_hex(const uint8_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!hex_is_digit(t[i])) return false;
    return true;
}

static void note_unknown_label(keylog *kl, kl_file *f, const char *name, unsigned long line,
                               const uint8_t *tok, size_t n)
{
    char label[64];
    size_t k = n < sizeof label - 1 ? n : sizeof label - 1;
    for (size_t i = 0; i < k; i++)
        label[i] = (tok[i] >= 0x20 && tok[i] < 0x7f) ? (char)tok[i] : '?';
    label[k] = 0;
    if (f) {
        for (unsigned i = 0; i < f->n_unknown_seen; i++)
            if (strcmp(f->unknown_seen[i], label) == 0) return;
        if (f->n_unknown_seen < 8) {
            memcpy(f->unknown_seen[f->n_unknown_seen++], label, sizeof label);
        } else {
            return;
        }
    }
    warn(kl, "%s:%lu: label %s is not one tlsview uses; such lines are skipped", name, line, label);
}

static bool starts_with(const uint8_t *t, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(t, prefix, k) == 0;
}

static bool silently_ignored(const uint8_t *lab, size_t n)
{
    return starts_with(lab, n, "CLIENT_TRAFFIC_SECRET_") || starts_with(lab, n, "SERVER_TRAFFIC_SECRET_") ||
           starts_with(lab, n, "ECH_");
}

/* Parses one line (without its newline).  Returns 1 if an entry was
 * added, 0 otherwise; `quiet` suppresses the warning (for a held-back
 * last line). */
static int parse_line(keylog *kl, kl_file *f, const char *name, unsigned long line,
                      const uint8_t *text, size_t len, bool quiet, bool *bad)
{
    cursor c = cur_make(text, len);
    *bad = false;
    skip_spaces(&c);
    uint8_t first;
    if (!cur_peek_u8(&c, 0, &first) || first == '#') return 0;
    const uint8_t *lab, *keyt, *sect, *extra;
    size_t lab_n, key_n, sec_n, extra_n;
    token(&c, &lab, &lab_n);
    skip_spaces(&c);
    token(&c, &keyt, &key_n);
    skip_spaces(&c);
    token(&c, &sect, &sec_n);
    skip_spaces(&c);
    token(&c, &extra, &extra_n);

    int label = -1;
    for (int i = 0; i < KEYLOG_LABEL_COUNT && label < 0; i++)
        if (label_lengths[i] == lab_n && memcmp(label_names[i], lab, lab_n) == 0)
            label = i;
    if (label < 0) {
        bool upper = lab_n > 0;
        for (size_t i = 0; i < lab_n; i++)
            if (!((lab[i] >= 'A' && lab[i] <= 'Z') || (lab[i] >= '0' && lab[i] <= '9') || lab[i] == '_'))
                upper = false;
        if (upper && key_n && sec_n && !extra_n && all_hex(keyt, key_n) && all_hex(sect, sec_n)) {
            /* well-formed, just a label we have no use for; the later
             * generations of traffic secrets (tlsview derives them from
             * KeyUpdate) and ECH lines are skipped silently */
            if (!quiet && !silently_ignored(lab, lab_n)) note_unknown_label(kl, f, name, line, lab, lab_n);
            return 0;
        }
        *bad = true;
        if (!quiet)
            warn(kl, "%s:%lu: not a key log line (expected LABEL <client random> <secret>); skipped",
                 name, line);
        return 0;
    }
    const char *ln = label_names[label];
    if (!key_n || !sec_n || extra_n) {
        *bad = true;
        if (!quiet)
            warn(kl, "%s:%lu: %s needs exactly two hex fields; line skipped", name, line, ln);
        return 0;
    }
    uint8_t key[KEYLOG_KEY_MAX], secret[KEYLOG_SECRET_MAX];
    size_t kn = 0, sn = 0;
    size_t want_key = label == KEYLOG_RSA ? 8 : 32;
    if (!unhex(keyt, key_n, key, sizeof key, &kn) || kn != want_key) {
        *bad = true;
        if (!quiet)
            warn(kl, "%s:%lu: %s: the %s must be %zu hex digits; line skipped", name, line, ln,
                 label == KEYLOG_RSA ? "encrypted pre-master prefix" : "client random", want_key * 2);
        return 0;
    }
    bool sec_ok = unhex(sect, sec_n, secret, sizeof secret, &sn);
    if (label == KEYLOG_CLIENT_RANDOM || label == KEYLOG_RSA) sec_ok = sec_ok && sn == 48;
    else sec_ok = sec_ok && (sn == 32 || sn == 48);
    if (!sec_ok) {
        *bad = true;
        mbedtls_platform_zeroize(secret, sizeof secret);
        if (!quiet)
            warn(kl, "%s:%lu: %s: the secret must be %s hex digits; line skipped", name, line, ln,
                 label == KEYLOG_CLIENT_RANDOM || label == KEYLOG_RSA ? "96" : "64 or 96");
        return 0;
    }
    int r = store(kl, (keylog_label)label, key, kn, secret, sn);
    mbedtls_platform_zeroize(secret, sizeof secret);
    if (r < 0 && kl->n == kl->max && !kl->cap_warned) {
        kl->cap_warned = true;
        warn(kl, "%s:%lu: the key log holds its maximum of %zu entries; later lines are ignored (raise it with --max-keylog)",
             name, line, kl->max);
    }
    return r == 1 ? 1 : 0;
}

/* Feeds a buffer of text.  Complete lines are parsed; returns the number of
 * bytes consumed (up to and including the last newline, or everything when
 * `final` and the tail parsed).  *added counts entries. */
static size_t parse_text(keylog *kl, kl_file *f, const char *name, unsigned long *line,
                         const uint8_t *text, size_t len, bool take_tail, long *added)
{
    cursor c = cur_make(text, len);
    size_t consumed = 0;
    while (!cur_empty(&c)) {
        size_t k;
        bool complete = cur_find_u8(&c, '\n', &k);
        if (!complete) k = cur_left(&c);
        const uint8_t *ln = NULL;
        cur_bytes(&c, k, &ln);
        if (complete) {
            cur_skip(&c, 1);
            ++*line;
            bool bad;
            if (k > KEYLOG_MAX_LINE)
                warn(kl, "%s:%lu: line longer than %d bytes; skipped", name, *line, KEYLOG_MAX_LINE);
            else
                *added += parse_line(kl, f, name, *line, ln, k, false, &bad);
            consumed = cur_offset(&c);
        } else {
            /* the last line has no newline yet */
            if (!take_tail || k > KEYLOG_MAX_LINE) break;
            bool bad;
            int r = parse_line(kl, f, name, *line + 1, ln, k, true, &bad);
            if (bad) break;          /* hold it back: the writer may not be done */
            ++*line;
            *added += r;
            consumed = cur_offset(&c);
        }
    }
    return consumed;
}

long keylog_add_text(keylog *kl, const char *name, const char *text, size_t len)
{
    unsigned long line = 0;
    long added = 0;
    kl_file tmp;
    memset(&tmp, 0, sizeof tmp);
    parse_text(kl, &tmp, name ? name : "key log", &line, (const uint8_t *)text, len, true, &added);
    return added;
}

enum { READ_CHUNK = 1 << 16 };

/* Reads a file from f->offset on, in chunks; a line never exceeds
 * KEYLOG_MAX_LINE + the chunk, so memory stays bounded. */
static long read_file(keylog *kl, kl_file *f, bool take_tail, char *err, size_t errlen)
{
    /* A file replaced under the same name (rotated) is opened anew when we
     * still may; otherwise the open one is read on. */
    struct stat now_st, open_st;
    if (f->fp && stat(f->path, &now_st) == 0 && fstat(fileno(f->fp), &open_st) == 0 &&
        (now_st.st_ino != open_st.st_ino || now_st.st_dev != open_st.st_dev)) {
        FILE *again = fopen(f->path, "rb");
        if (again) {
            fclose(f->fp);
            f->fp = again;
            f->offset = 0;
            f->line = 0;
        }
    }
    FILE *fp = f->fp ? f->fp : fopen(f->path, "rb");
    if (!fp) {
        if (err) text_format(err, errlen, "%s: cannot open the key log: %s", f->path, strerror(errno));
        else if (!f->open_warned) warn(kl, "%s: cannot open the key log again: %s", f->path, strerror(errno));
        f->open_warned = true;
        return -1;
    }
    f->open_warned = false;
    f->fp = fp;
    clearerr(fp);
    struct stat st;
    bool regular = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
    if (regular && (long long)st.st_size < f->offset) {
        warn(kl, "%s: the key log got shorter; reading it again from the start", f->path);
        f->offset = 0;
        f->line = 0;
    }
    if (fseeko(fp, (off_t)f->offset, SEEK_SET) != 0) {
        return 0;
    }
    if (regular && st.st_size > f->offset) reserve(kl, (size_t)(st.st_size - f->offset) / 100);
    size_t bufcap = READ_CHUNK + KEYLOG_MAX_LINE + 2;
    uint8_t *buf = malloc(bufcap);
    if (!buf) {
        if (err) text_format(err, errlen, "%s: out of memory", f->path);
        return -1;
    }
    size_t have = 0;
    long added = 0;
    bool skipping = false;     /* inside an over-long line */
    for (;;) {
        size_t got = fread(buf + have, 1, bufcap - have, fp);
        bool eof = got < bufcap - have;
        have += got;
        if (ferror(fp)) {
            if (err) text_format(err, errlen, "%s: cannot read the key log: %s", f->path, strerror(errno));
            mbedtls_platform_zeroize(buf, bufcap);
            free(buf);
                return -1;
        }
        size_t start = 0;
        if (skipping) {
            cursor c = cur_make(buf, have);
            size_t k = 0;
            uint8_t b = 0;
            while (cur_peek_u8(&c, k, &b) && b != '\n') k++;
            if (k == have) {
                f->offset += (long long)have;
                have = 0;
                if (eof) break;
                continue;
            }
            start = k + 1;
            f->line++;
            skipping = false;
            f->offset += (long long)start;
        }
        size_t used = parse_text(kl, f, f->path, &f->line, buf + start, have - start,
                                 eof && take_tail, &added);
        f->offset += (long long)used;
        size_t rest = have - start - used;
        if (rest > KEYLOG_MAX_LINE && !eof) {
            warn(kl, "%s:%lu: line longer than %d bytes; skipped", f->path, f->line + 1, KEYLOG_MAX_LINE);
            skipping = true;
            f->offset += (long long)rest;
            rest = 0;
        }
        if (rest) memmove(buf, buf + start + used, rest);
        have = rest;
        if (eof) break;
    }
    mbedtls_platform_zeroize(buf, bufcap);
    free(buf);
    return added;
}

long keylog_add_file(keylog *kl, const char *path, char *err, size_t errlen)
{
    if (kl->n_files == KEYLOG_MAX_FILES) {
        text_format(err, errlen, "%s: too many key log files (at most %d)", path, KEYLOG_MAX_FILES);
        return -1;
    }
    kl_file *f = &kl->files[kl->n_files];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (!f->path) {
        text_format(err, errlen, "%s: out of memory", path);
        return -1;
    }
    long r = read_file(kl, f, true, err, errlen);
    if (r < 0) {
        free(f->path);
        f->path = NULL;
        return -1;
    }
    kl->n_files++;
    return r;
}

long keylog_reload(keylog *kl)
{
    long total = 0;
    for (size_t i = 0; i < kl->n_files; i++) {
        long r = read_file(kl, &kl->files[i], false, NULL, 0);
        if (r > 0) total += r;
    }
    return total;
}
