#include "dissect/crypto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "dissect/cursor.h"
#include "dissect/format.h"
#include "dissect/keylog.h"
#include "dissect/keyring.h"
#include "dissect/names.h"
#include "dissect/prf.h"
#include "dissect/protect.h"
#include "dissect/record.h"
#include "dissect/rsa_verify.h"
#include "dissect/sessions.h"

enum { EXT_SESSION_TICKET = 35, EXT_EARLY_DATA = 42 };
enum { MAX_ENC_PMS = 1024 };

/* RFC 8446 4.1.3: the ServerHello random that marks a HelloRetryRequest. */
static const uint8_t HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ================================================================ cache */

/* Public keys of certificates, parsed once for all the connections that
 * show the same certificate: parsing, and mbedTLS's first RSA operation
 * with a key (it precomputes R^2 mod N), cost more than a verification. */
enum { KEY_CACHE_SIZE = 16 };

typedef struct key_entry {
    uint8_t *spki;             /* NULL: free */
    size_t len;
    mbedtls_pk_context pk;
    uint64_t used;
} key_entry;

struct crypto_cache {
    session_store *sessions;
    bool own_sessions;         /* else shared with other dissectors */
    const shard_sync *sync;    /* with shared sessions */
    key_entry keys[KEY_CACHE_SIZE];
    uint64_t tick;
    size_t raw_bytes;          /* raw transcripts kept by all connections (see raw_add) */
};

crypto_cache *crypto_cache_new(size_t max)
{
    crypto_cache *cc = calloc(1, sizeof *cc);
    if (!cc) return NULL;
    cc->sessions = session_store_new(max, false);
    cc->own_sessions = true;
    if (!cc->sessions) {
        free(cc);
        return NULL;
    }
    return cc;
}

void crypto_cache_share_sessions(crypto_cache *cc, session_store *shared, const shard_sync *sync)
{
    if (cc->own_sessions) session_store_free(cc->sessions);
    cc->sessions = shared;
    cc->own_sessions = false;
    cc->sync = sync;
}

void crypto_cache_free(crypto_cache *cc)
{
    if (!cc) return;
    for (int i = 0; i < KEY_CACHE_SIZE; i++) {
        if (!cc->keys[i].spki) continue;
        mbedtls_pk_free(&cc->keys[i].pk);
        free(cc->keys[i].spki);
    }
    if (cc->own_sessions) session_store_free(cc->sessions);
    free(cc);
}

/* =========================================================== transcript */

enum { TR_MD5, TR_SHA1, TR_SHA256, TR_SHA384, TR_N };
enum { TR_PENDING_MAX = 1 << 16 };

typedef struct transcript {
    mbedtls_md_context_t md[TR_N];
    bool running;              /* the hashes are kept (only secrets need them all the time) */
    bool active[TR_N];         /* hashes still fed: once the ServerHello names the
                                * version and suite, only theirs are kept */
    bool ok;
    bool any;                  /* a message was added */
    /* Until the ServerHello names the hash, messages wait here instead of
     * going through all four (a ClientHello, mostly): then only the one or
     * two hashes the connection uses take them. */
    uint8_t *pending;
    size_t pending_len, pending_cap;
    bool decided;              /* tr_keep_only has chosen */
} transcript;

static const mbedtls_md_type_t tr_types[TR_N] = {
    MBEDTLS_MD_MD5, MBEDTLS_MD_SHA1, MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384,
};

/* Without secrets nothing needs the running hashes (no key schedule, no
 * Finished to check, and a TLS 1.3 CertificateVerify stays encrypted): the
 * transcript is then only counted, and a TLS <= 1.2 client
 * CertificateVerify is checked from the kept messages. */
static void tr_init(transcript *tr, bool running)
{
    tr->running = running;
    tr->ok = running;
    tr->any = false;
    tr->pending = NULL;
    tr->pending_len = tr->pending_cap = 0;
    tr->decided = false;
    for (int i = 0; i < TR_N; i++) {
        tr->active[i] = running;
        mbedtls_md_init(&tr->md[i]);
        if (!running) continue;
        if (mbedtls_md_setup(&tr->md[i], mbedtls_md_info_from_type(tr_types[i]), 0) != 0 ||
            mbedtls_md_starts(&tr->md[i]) != 0)
            tr->ok = false;
    }
}

/* The waiting messages into every hash still fed. */
static void tr_settle(transcript *tr)
{
    if (!tr->pending_len) return;
    for (int i = 0; i < TR_N; i++)
        if (tr->active[i] && mbedtls_md_update(&tr->md[i], tr->pending, tr->pending_len) != 0) tr->ok = false;
    tr->pending_len = 0;
}

static void tr_free(transcript *tr)
{
    for (int i = 0; i < TR_N; i++) mbedtls_md_free(&tr->md[i]);
    free(tr->pending);
    tr->pending = NULL;
}

static void tr_reset(transcript *tr)
{
    tr->any = false;
    tr->pending_len = 0;
    tr->decided = false;
    if (!tr->running) return;
    for (int i = 0; i < TR_N; i++) {
        tr->active[i] = true;
        if (mbedtls_md_starts(&tr->md[i]) != 0) tr->ok = false;
    }
}

/* Stops feeding the hashes a handshake of this version and suite never
 * asks for (a TLS 1.2 CertificateVerify with another hash is checked from
 * the kept messages instead). */
static void tr_keep_only(transcript *tr, prf_hash h)
{
    bool keep[TR_N] = { false };
    switch (h) {
    case PRF_MD5_SHA1: keep[TR_MD5] = keep[TR_SHA1] = true; break;
    case PRF_SHA256: keep[TR_SHA256] = true; break;
    case PRF_SHA384: keep[TR_SHA384] = true; break;
    default: return;
    }
    for (int i = 0; i < TR_N; i++) tr->active[i] = tr->active[i] && keep[i];
    tr->decided = true;
    tr_settle(tr);
}

static void tr_add(transcript *tr, const uint8_t *p, size_t n)
{
    tr->any = true;
    if (!tr->running) return;
    if (!tr->decided) {
        /* Held while small; anything larger (a bounded message, but an
         * unusual one) settles what waits and is hashed at once. */
        if (tr->pending_len + n <= TR_PENDING_MAX) {
            if (tr->pending_len + n > tr->pending_cap) {
                size_t cap = tr->pending_cap ? tr->pending_cap : 1024;
                while (cap < tr->pending_len + n) cap *= 2;
                uint8_t *q = realloc(tr->pending, cap);
                if (q) {
                    tr->pending = q;
                    tr->pending_cap = cap;
                }
            }
            if (tr->pending_len + n <= tr->pending_cap) {
                memcpy(tr->pending + tr->pending_len, p, n);
                tr->pending_len += n;
                return;
            }
        }
        tr_settle(tr);
    }
    for (int i = 0; i < TR_N; i++)
        if (tr->active[i] && mbedtls_md_update(&tr->md[i], p, n) != 0) tr->ok = false;
}

/* The hash of everything so far, without disturbing the running state. */
static bool tr_digest_one(transcript *tr, int i, uint8_t *out)
{
    if (!tr->active[i]) return false;
    tr_settle(tr);
    /* SHA-256's and SHA-384's states are plain structs (mbedTLS 2.28's
     * md_ctx is a public member): finishing a copy on the stack is what
     * mbedtls_md_clone would do, without allocating a context for every
     * digest of every handshake. */
    if (tr_types[i] == MBEDTLS_MD_SHA256) {
        mbedtls_sha256_context copy = *(const mbedtls_sha256_context *)tr->md[i].md_ctx;
        bool ok = mbedtls_sha256_finish_ret(&copy, out) == 0;
        mbedtls_sha256_free(&copy);
        return ok;
    }
    if (tr_types[i] == MBEDTLS_MD_SHA384) {
        mbedtls_sha512_context copy = *(const mbedtls_sha512_context *)tr->md[i].md_ctx;
        bool ok = mbedtls_sha512_finish_ret(&copy, out) == 0;
        mbedtls_sha512_free(&copy);
        return ok;
    }
    mbedtls_md_context_t tmp;
    mbedtls_md_init(&tmp);
    bool ok = mbedtls_md_setup(&tmp, mbedtls_md_info_from_type(tr_types[i]), 0) == 0 &&
              mbedtls_md_clone(&tmp, &tr->md[i]) == 0 && mbedtls_md_finish(&tmp, out) == 0;
    mbedtls_md_free(&tmp);
    return ok;
}

static bool tr_hash(transcript *tr, prf_hash h, uint8_t *out)
{
    if (!tr->ok) return false;
    switch (h) {
    case PRF_MD5_SHA1: return tr_digest_one(tr, TR_MD5, out) && tr_digest_one(tr, TR_SHA1, out + 16);
    case PRF_SHA256: return tr_digest_one(tr, TR_SHA256, out);
    case PRF_SHA384: return tr_digest_one(tr, TR_SHA384, out);
    default: return false;
    }
}

/* RFC 8446 4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
 * message_hash(Hash(ClientHello1)).  Done for both hashes a TLS 1.3 suite
 * can use. */
static void tr_replace_with_message_hash(transcript *tr)
{
    if (!tr->running) return;
    for (int i = TR_SHA256; i <= TR_SHA384; i++) {
        uint8_t d[48];
        size_t hl = i == TR_SHA256 ? 32 : 48;
        if (!tr_digest_one(tr, i, d)) {
            tr->ok = false;
            continue;
        }
        uint8_t hdr[4] = { HT_MESSAGE_HASH, 0, 0, (uint8_t)hl };
        if (mbedtls_md_starts(&tr->md[i]) || mbedtls_md_update(&tr->md[i], hdr, 4) ||
            mbedtls_md_update(&tr->md[i], d, hl))
            tr->ok = false;
    }
    for (int i = TR_MD5; i <= TR_SHA1; i++)
        if (mbedtls_md_starts(&tr->md[i]) != 0) tr->ok = false;
}

/* SSL 3.0 Finished (RFC 6101 5.6.9): MD5 and SHA-1 over the handshake
 * messages, the sender and the master secret with the pads. */
static bool ssl3_finished(transcript *tr, const uint8_t master[48], bool client, uint8_t out[36])
{
    tr_settle(tr);
    static const uint8_t sender_client[4] = { 0x43, 0x4c, 0x4e, 0x54 };
    static const uint8_t sender_server[4] = { 0x53, 0x52, 0x56, 0x52 };
    const uint8_t *sender = client ? sender_client : sender_server;
    bool ok = tr->ok;
    for (int k = 0; k < 2 && ok; k++) {
        int i = k == 0 ? TR_MD5 : TR_SHA1;
        size_t padn = k == 0 ? 48 : 40, hl = k == 0 ? 16 : 20;
        uint8_t pad[48], inner[20];
        mbedtls_md_context_t tmp;
        mbedtls_md_init(&tmp);
        memset(pad, 0x36, padn);
        ok = mbedtls_md_setup(&tmp, mbedtls_md_info_from_type(tr_types[i]), 0) == 0 &&
             mbedtls_md_clone(&tmp, &tr->md[i]) == 0 && mbedtls_md_update(&tmp, sender, 4) == 0 &&
             mbedtls_md_update(&tmp, master, 48) == 0 && mbedtls_md_update(&tmp, pad, padn) == 0 &&
             mbedtls_md_finish(&tmp, inner) == 0;
        memset(pad, 0x5c, padn);
        ok = ok && mbedtls_md_starts(&tmp) == 0 && mbedtls_md_update(&tmp, master, 48) == 0 &&
             mbedtls_md_update(&tmp, pad, padn) == 0 && mbedtls_md_update(&tmp, inner, hl) == 0 &&
             mbedtls_md_finish(&tmp, out + (k == 0 ? 0 : 16)) == 0;
        mbedtls_md_free(&tmp);
    }
    return ok;
}

/* =============================================================== engine */

typedef enum phase13 { P13_NONE, P13_EARLY, P13_HANDSHAKE, P13_APP } phase13;

typedef struct dir_state {
    protect_ctx *active;       /* the read state in use */
    protect_ctx *pending;      /* TLS <= 1.2: waits for ChangeCipherSpec */
    protect_ctx *early;        /* TLS 1.3 client: 0-RTT keys while early data may come */
    bool protected;            /* records are under protection (keys or not) */
    bool opened_any;           /* a record of the current protection was opened */
    uint64_t phase_records;    /* records since the current protection began */
    uint8_t last_block[16];    /* for a chained IV when keys come late */
    bool have_last_block;
    /* TLS 1.3 */
    phase13 phase;
    uint8_t hs_secret[48];
    bool have_hs_secret;
    uint8_t app_secret[48];
    bool have_app_secret;
    unsigned app_generation;
    /* Finished */
    uint8_t expected[48];
    size_t expected_len;
    bool have_expected;
    bool finished;
} dir_state;

struct tls_crypto {
    const dissect_config *cfg;
    bool secrets;              /* keys or a key log were given */
    conn_state *c;
    crypto_cache *cache;
    crypto_event_fn ev;
    void *ev_ctx;
    transcript tr;
    dir_state d[2];

    bool is13;                 /* the ServerHello chose TLS 1.3 */
    prf_hash h13;
    tls_suite_info suite;
    bool have_suite;
    bool hrr_pending;          /* a HelloRetryRequest, the second ClientHello not yet seen */
    bool transcript_frozen;    /* TLS 1.3 after the client Finished: post-handshake messages */

    /* TLS <= 1.2 */
    bool have_master;
    uint8_t master[48];
    bool keys_derived;
    bool cke_seen;
    uint8_t *enc_pms;          /* MAX_ENC_PMS bytes, allocated when secrets may decrypt it */
    size_t enc_pms_len;
    uint8_t session_hash[48];
    size_t session_hash_len;
    bool cert_seen;
    const server_key *key;
    keyring_match_status key_status;
    pms_status pms_result;
    bool pms_tried;
    bool client_ticket;
    uint8_t client_ticket_hash[32];
    bool have_new_ticket;
    uint8_t new_ticket_hash[32];
    bool resumed_from_cache;

    /* TLS 1.3 0-RTT */
    bool early_offered;
    bool early_done;           /* EndOfEarlyData, or the client's handshake keys took over */
    uint64_t early_records;    /* client records that may have been 0-RTT data */
    uint8_t early_secret[48];
    size_t early_secret_len;
    bool have_early_secret;

    bool early_accepted;       /* EncryptedExtensions carried early_data */
    bool eoed_seen;
    bool transcript_gap;       /* a handshake record could not be read: Finished cannot be checked */

    uint64_t keylog_gen_seen;  /* key log generation at the last lookup that found nothing */
    bool failure_noted;
    char detail[240];

    /* Signatures.  The public key of the end-entity certificate each side
     * sent (by the direction it went: DIR_S2C the server's), kept as its
     * SubjectPublicKeyInfo and parsed when a signature needs it. */
    uint8_t *cert_spki[2];
    size_t cert_spki_len[2];
    mbedtls_pk_context *cert_key[2];
    bool cert_unreadable[2];
    bool hello_in_transcript;  /* the transcript starts at a ClientHello */
    /* TLS <= 1.2: the handshake messages themselves, from the ClientHello
     * while a client CertificateVerify may still come, for the hashes the
     * running transcript does not keep (SHA-224, SHA-512). */
    uint8_t *raw;
    size_t raw_len, raw_cap;
    bool raw_on;
    bool raw_overflow;
    bool cert_requested;       /* a CertificateRequest in this handshake */
    crypto_signature sig;
    char sig_detail[160];
};

static void forget_key(tls_crypto *t, direction dir);
static void raw_stop(tls_crypto *t);

const char *crypto_status_name(crypto_status s)
{
    switch (s) {
    case CRYPTO_PLAINTEXT: return "plaintext";
    case CRYPTO_DECRYPTED: return "decrypted";
    case CRYPTO_NO_KEYS: return "no_keys";
    case CRYPTO_AUTH_FAILED: return "authentication_failed";
    case CRYPTO_MALFORMED: return "malformed";
    }
    return "?";
}

static void set_detail(tls_crypto *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(tls_crypto *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vformat(t->detail, sizeof t->detail, fmt, ap);
    va_end(ap);
}

const char *crypto_detail(const tls_crypto *t) { return t->detail; }

static void emit(tls_crypto *t, const char *name, const uint8_t *v, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void emit(tls_crypto *t, const char *name, const uint8_t *v, size_t n, const char *fmt, ...)
{
    if (!t->ev) return;
    char text[320];
    va_list ap;
    va_start(ap, fmt);
    text_vformat(text, sizeof text, fmt, ap);
    va_end(ap);
    t->ev(t->ev_ctx, name, v, n, text);
}

/* "1a2b3c4d5e6f7081..." : the start of some bytes, for notes. */
static const char *hex_start(char *buf, const uint8_t *p, size_t n, size_t show)
{
    static const char digits[] = "0123456789abcdef";
    size_t k = n < show ? n : show, o = 0;
    for (size_t i = 0; i < k; i++) {
        buf[o++] = digits[p[i] >> 4];
        buf[o++] = digits[p[i] & 15];
    }
    if (n > show) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

static const char *dir_word(direction d) { return d == DIR_C2S ? "client" : "server"; }

tls_crypto *crypto_new(const dissect_config *cfg, conn_state *c, crypto_cache *cache)
{
    tls_crypto *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->cfg = cfg;
    t->c = c;
    t->cache = cache;
    t->secrets = cfg && (cfg->keys || cfg->keylog);
    tr_init(&t->tr, t->secrets);
    return t;
}

static void drop(protect_ctx **p)
{
    protect_free(*p);
    *p = NULL;
}

void crypto_free(tls_crypto *t)
{
    if (!t) return;
    for (int i = 0; i < 2; i++) {
        drop(&t->d[i].active);
        drop(&t->d[i].pending);
        drop(&t->d[i].early);
    }
    tr_free(&t->tr);
    for (int i = 0; i < 2; i++) forget_key(t, (direction)i);
    raw_stop(t);
    if (t->enc_pms) mbedtls_platform_zeroize(t->enc_pms, MAX_ENC_PMS);
    free(t->enc_pms);
    mbedtls_platform_zeroize(t, sizeof *t);
    free(t);
}

void crypto_set_event_sink(tls_crypto *t, crypto_event_fn fn, void *ctx)
{
    t->ev = fn;
    t->ev_ctx = ctx;
}

bool crypto_protected(const tls_crypto *t, direction dir) { return t->d[dir].protected; }
bool crypto_has_keys(const tls_crypto *t, direction dir)
{
    return t->d[dir].active != NULL || t->d[dir].early != NULL;
}
const char *crypto_cipher_description(const tls_crypto *t, direction dir)
{
    const protect_ctx *p = t->d[dir].active ? t->d[dir].active : t->d[dir].early;
    return p ? protect_describe(p) : NULL;
}

bool crypto_finished_expected(const tls_crypto *t, direction dir, const uint8_t **vd, size_t *n)
{
    if (!t->d[dir].have_expected) return false;
    *vd = t->d[dir].expected;
    *n = t->d[dir].expected_len;
    return true;
}

static const keylog *the_keylog(const tls_crypto *t) { return t->cfg ? t->cfg->keylog : NULL; }
static keyring *the_keyring(const tls_crypto *t) { return t->cfg ? t->cfg->keys : NULL; }

static bool keylog_get(tls_crypto *t, keylog_label label, const uint8_t *key, size_t key_len,
                       uint8_t *out, size_t *n)
{
    const keylog *kl = the_keylog(t);
    if (kl && keylog_lookup(kl, label, key, key_len, out, n)) return true;
    if (kl) t->keylog_gen_seen = keylog_generation(kl);
    return false;
}

static bool suite_known(tls_crypto *t)
{
    if (t->have_suite && t->suite.code == t->c->cipher_suite) return true;
    if (!t->c->have_cipher_suite) return false;
    t->have_suite = tls_suite_info_get(t->c->cipher_suite, &t->suite);
    return t->have_suite;
}

static void mark_decrypted(tls_crypto *t)
{
    if (t->c->decryption != DEC_FAILED) t->c->decryption = DEC_DECRYPTED;
}

/* Sets the reason for not decrypting, unless something better is known. */
static void set_reason(tls_crypto *t, decryption_state st)
{
    if (t->c->decryption == DEC_DECRYPTED || t->c->decryption == DEC_FAILED) return;
    t->c->decryption = st;
}

/* ---- building read states ---- */

static protect_ctx *make_ctx(tls_crypto *t, uint16_t version, tls_cipher_alg cipher, tls_mac_alg mac,
                             const uint8_t *key, size_t key_len, const uint8_t *iv, size_t iv_len,
                             const uint8_t *mac_key, size_t mac_key_len)
{
    protect_params p = {
        .version = version, .cipher = cipher, .mac = mac,
        .encrypt_then_mac = t->c->encrypt_then_mac,
        .key = key, .key_len = key_len, .iv = iv, .iv_len = iv_len,
        .mac_key = mac_key, .mac_key_len = mac_key_len,
        /* Application data beyond its preview is only authenticated,
         * unless the whole of it is to be shown. */
        .app_data_wanted = t->cfg && !t->cfg->data ? DISSECT_PREVIEW_BYTES : 0,
    };
    const char *why = NULL;
    protect_ctx *pc = protect_new(&p, &why);
    if (!pc && why) set_detail(t, "cannot set up decryption: %s", why);
    return pc;
}

/* Installs a read state for dir: pending until ChangeCipherSpec, or active
 * at once when the direction is already protected (keys that came late:
 * the records seen meanwhile count in the sequence number). */
static void install(tls_crypto *t, direction dir, protect_ctx *pc, bool pending)
{
    dir_state *ds = &t->d[dir];
    if (!pc) return;
    if (pending) {
        drop(&ds->pending);
        ds->pending = pc;
        return;
    }
    protect_set_seq(pc, ds->phase_records);
    drop(&ds->active);
    ds->active = pc;
}

/* ---- TLS <= 1.2 key derivation ---- */

static void emit_key_material(tls_crypto *t, const tls_key_material *km, uint16_t version)
{
    static const char *const side[2] = { "client", "server" };
    char name[48];
    for (int i = 0; i < 2; i++)
        if (km->mac_key_len) {
            text_format(name, sizeof name, "%s_write_mac_key", side[i]);
            emit(t, name, km->mac_key[i], km->mac_key_len,
                 "Cut from the key block: the %s's record MAC key (%zu bytes).", side[i], km->mac_key_len);
        }
    for (int i = 0; i < 2; i++)
        if (km->key_len) {
            text_format(name, sizeof name, "%s_write_key", side[i]);
            emit(t, name, km->key[i], km->key_len,
                 "Cut from the key block: the %s's encryption key (%zu bytes).", side[i], km->key_len);
        }
    for (int i = 0; i < 2; i++)
        if (km->iv_len) {
            text_format(name, sizeof name, "%s_write_iv", side[i]);
            emit(t, name, km->iv[i], km->iv_len, "%s",
                 km->iv_len == 4 ? (i ? "Cut from the key block: the server's implicit nonce salt (4 bytes; each record adds 8 explicit bytes)."
                                      : "Cut from the key block: the client's implicit nonce salt (4 bytes; each record adds 8 explicit bytes).")
                 : km->iv_len == 12 ? (i ? "Cut from the key block: the server's nonce base, XOR-ed with each record's sequence number."
                                         : "Cut from the key block: the client's nonce base, XOR-ed with each record's sequence number.")
                 : version <= TLS_VERSION_TLS10 ? (i ? "Cut from the key block: the server's first CBC IV; after that each record's last cipher block is the next IV."
                                                     : "Cut from the key block: the client's first CBC IV; after that each record's last cipher block is the next IV.")
                 : "Cut from the key block.");
        }
}

static bool derive_keys_from_master(tls_crypto *t)
{
    conn_state *c = t->c;
    uint16_t v = c->version;
    if (!suite_known(t)) return false;
    size_t mk, k, iv;
    if (!prf_suite_sizes(v, &t->suite, &mk, &k, &iv) || !protect_cipher_supported(t->suite.cipher)) {
        set_detail(t, "%s cannot be decrypted: its cipher is not supported",
                   tls_cipher_suite_name(c->cipher_suite) ? tls_cipher_suite_name(c->cipher_suite) : "this cipher suite");
        conn_note(c, "%s", t->detail);
        set_reason(t, DEC_FAILED);
        return false;
    }
    prf_hash h = prf_hash_for(v, &t->suite);
    tls_key_material km;
    uint8_t block[PRF_MAX_KEY_BLOCK];
    size_t need = 2 * (mk + k + iv);
    if (need > sizeof block ||
        prf_key_block(v, h, t->master, c->client_random, c->server_random, block, need) != 0 ||
        prf_split_key_block(v, &t->suite, block, need, &km) != 0) {
        mbedtls_platform_zeroize(block, sizeof block);
        mbedtls_platform_zeroize(&km, sizeof km);
        return false;
    }
    emit(t, "key_block", block, need,
         "%s(master_secret, \"key expansion\", server_random + client_random): %zu bytes, cut into "
         "MAC keys (2 x %zu), encryption keys (2 x %zu) and IVs (2 x %zu).",
         v == TLS_VERSION_SSL30 ? "The SSL 3.0 MD5/SHA-1 construction" :
         h == PRF_MD5_SHA1 ? "PRF (MD5 xor SHA-1)" : h == PRF_SHA384 ? "PRF-SHA384" : "PRF-SHA256",
         need, mk, k, iv);
    mbedtls_platform_zeroize(block, sizeof block);
    emit_key_material(t, &km, v);
    for (int i = 0; i < 2; i++) {
        dir_state *ds = &t->d[i];
        const uint8_t *ivp = km.iv[i];
        /* protected but without keys so far: they take effect at once;
         * otherwise (first handshake, renegotiation) at the next CCS */
        bool now = ds->protected && !ds->active;
        bool late = now && ds->phase_records > 0;
        /* Keys after the fact: with a chained IV (SSL 3.0, TLS 1.0 CBC) the
         * last cipher block seen is the IV; RC4 cannot catch up. */
        if (late && iv && v <= TLS_VERSION_TLS10) {
            if (!ds->have_last_block) continue;
            ivp = ds->last_block + (16 - iv);
        }
        if (late && t->suite.cipher == CIPHER_RC4_128) continue;
        protect_ctx *pc = make_ctx(t, v, t->suite.cipher, t->suite.mac, km.key[i], km.key_len, ivp,
                                   km.iv_len, km.mac_key[i], km.mac_key_len);
        install(t, (direction)i, pc, !now);
    }
    mbedtls_platform_zeroize(&km, sizeof km);
    t->keys_derived = true;
    return true;
}

/* Reads the encrypted pre-master secret from a ClientKeyExchange body. */
static void take_encrypted_pms(tls_crypto *t, cursor body)
{
    const uint8_t *p;
    size_t n = cur_left(&body);
    cursor b2 = body;
    cursor inner;
    /* TLS: opaque EncryptedPreMasterSecret<0..2^16-1>; SSL 3.0: no length. */
    if (t->c->version != TLS_VERSION_SSL30 && cur_block(&b2, 2, &inner) && cur_empty(&b2)) {
        cur_skip_rest(&inner, &p, &n);
    } else {
        cur_skip_rest(&body, &p, &n);
    }
    if (n == 0 || n > MAX_ENC_PMS || !t->secrets) return;
    if (!t->enc_pms) t->enc_pms = malloc(MAX_ENC_PMS);
    if (!t->enc_pms) return;
    memcpy(t->enc_pms, p, n);
    t->enc_pms_len = n;
}

static bool master_from_pms(tls_crypto *t, const uint8_t pms[48], const char *source)
{
    conn_state *c = t->c;
    uint16_t v = c->version;
    prf_hash h = prf_hash_for(v, &t->suite);
    bool ems = c->extended_master_secret && v != TLS_VERSION_SSL30 && t->session_hash_len;
    if (prf_master_secret(v, h, pms, 48, c->client_random, c->server_random,
                          ems ? t->session_hash : NULL, t->session_hash_len, t->master) != 0)
        return false;
    t->have_master = true;
    if (ems)
        emit(t, "master_secret", t->master, 48,
             "PRF(pre_master_secret, \"extended master secret\", session_hash) with %s (RFC 7627): the "
             "session hash covers ClientHello..ClientKeyExchange; the pre-master secret came %s.",
             prf_hash_name(h), source);
    else if (v == TLS_VERSION_SSL30)
        emit(t, "master_secret", t->master, 48,
             "The SSL 3.0 MD5/SHA-1 construction over pre_master_secret, client_random and "
             "server_random; the pre-master secret came %s.", source);
    else
        emit(t, "master_secret", t->master, 48,
             "PRF(pre_master_secret, \"master secret\", client_random + server_random) with %s; "
             "the pre-master secret came %s.", prf_hash_name(h), source);
    return true;
}

/* No certificate seen (the capture started late, or it was lost): try the
 * RSA keys of the right size; PKCS#1 padding and the version bytes make a
 * wrong key fail almost always, and the record MACs catch the rest. */
static const server_key *guess_rsa_key(tls_crypto *t, keyring *kr, uint8_t pms[48], uint16_t *pv)
{
    for (size_t i = 0; i < keyring_count(kr); i++) {
        const server_key *k = keyring_key(kr, i);
        if (!server_key_is_rsa(k) || (server_key_bits(k) + 7) / 8 != t->enc_pms_len) continue;
        if (keyring_decrypt_pms(kr, k, t->enc_pms, t->enc_pms_len, t->c->client_legacy_version, pms, pv) == PMS_OK)
            return k;
    }
    return NULL;
}

static bool try_rsa(tls_crypto *t)
{
    conn_state *c = t->c;
    keyring *kr = the_keyring(t);
    if (!kr || !t->cke_seen || t->suite.kx != KX_RSA || t->pms_tried) return false;
    uint8_t pms[48];
    uint16_t pv = 0;
    if (!t->key && !t->cert_seen) {
        t->pms_tried = true;
        const server_key *k = guess_rsa_key(t, kr, pms, &pv);
        if (!k) return false;
        emit(t, "pre_master_secret", pms, 48,
             "Decrypted from the ClientKeyExchange with the RSA private key %s (PKCS#1 v1.5); the "
             "server certificate was not seen, so the key was chosen because it decrypts this.",
             server_key_name(k));
        bool ok = master_from_pms(t, pms, "from RSA decryption with the server key");
        mbedtls_platform_zeroize(pms, sizeof pms);
        return ok;
    }
    if (!t->key) return false;
    t->pms_tried = true;
    t->pms_result = keyring_decrypt_pms(kr, t->key, t->enc_pms, t->enc_pms_len,
                                        c->client_legacy_version, pms, &pv);
    if (t->pms_result == PMS_BAD_PADDING || t->pms_result == PMS_BAD_LENGTH) {
        set_detail(t, "RSA decryption of the pre-master secret with %s failed (%s)",
                   server_key_name(t->key),
                   t->pms_result == PMS_BAD_LENGTH ? "wrong length" : "bad PKCS#1 padding");
        conn_note(c, "%s", t->detail);
        set_reason(t, DEC_FAILED);
        return false;
    }
    if (t->pms_result != PMS_OK && t->pms_result != PMS_VERSION_MISMATCH) return false;
    emit(t, "pre_master_secret", pms, 48,
         "Decrypted from the ClientKeyExchange with the server's RSA private key (%s, PKCS#1 v1.5).",
         server_key_name(t->key));
    if (t->pms_result == PMS_VERSION_MISMATCH)
        conn_note(c, "the pre-master secret starts with version 0x%04x, but the ClientHello offered "
                  "0x%04x (RFC 5246 7.4.7.1; some old clients do this)", pv, c->client_legacy_version);
    bool ok = master_from_pms(t, pms, "from RSA decryption with the server key");
    mbedtls_platform_zeroize(pms, sizeof pms);
    return ok;
}

static bool try_cache(tls_crypto *t)
{
    conn_state *c = t->c;
    if (t->cke_seen || !t->cache) return false;
    session_entry found, *e = NULL;
    const char *how = NULL;
    if (c->server_session_id_len && c->server_session_id_len == c->client_session_id_len &&
        memcmp(c->server_session_id, c->client_session_id, c->server_session_id_len) == 0 &&
        session_store_get(t->cache->sessions, t->cache->sync, SESSION_BY_ID, c->server_session_id,
                          c->server_session_id_len, &found)) {
        e = &found;
        how = "session ID";
    }
    /* a ticket counts only if the server did not go on with a full
     * handshake (it would have sent its certificate) */
    if (!e && t->client_ticket && !t->cert_seen &&
        session_store_get(t->cache->sessions, t->cache->sync, SESSION_BY_TICKET, t->client_ticket_hash, 32,
                          &found)) {
        e = &found;
        how = "session ticket";
    }
    if (!e || e->version != c->version) {
        if (e) mbedtls_platform_zeroize(&found, sizeof found);
        return false;
    }
    memcpy(t->master, e->master, 48);
    t->have_master = true;
    t->resumed_from_cache = true;
    char hx[40];
    emit(t, "master_secret", t->master, 48,
         "Resumed: the master secret of connection %u, found by its %s (%s); the keys are new "
         "because the randoms are.", e->conn, how,
         strcmp(how, "session ID") == 0 ? hex_start(hx, c->server_session_id, c->server_session_id_len, 8)
                                        : hex_start(hx, t->client_ticket_hash, 32, 8));
    mbedtls_platform_zeroize(&found, sizeof found);
    return true;
}

static bool try_keylog_tls12(tls_crypto *t)
{
    conn_state *c = t->c;
    uint8_t secret[KEYLOG_SECRET_MAX];
    size_t n;
    if (keylog_get(t, KEYLOG_CLIENT_RANDOM, c->client_random, 32, t->master, &n) && n == 48) {
        t->have_master = true;
        emit(t, "master_secret", t->master, 48,
             "From the key log: the CLIENT_RANDOM line for this connection's client random.");
        return true;
    }
    if (t->cke_seen && t->enc_pms_len >= 8 &&
        keylog_get(t, KEYLOG_RSA, t->enc_pms, 8, secret, &n) && n == 48) {
        emit(t, "pre_master_secret", secret, 48,
             "From the key log: the RSA line whose key is the first 8 bytes of the encrypted "
             "pre-master secret.");
        bool ok = master_from_pms(t, secret, "from the key log (RSA line)");
        mbedtls_platform_zeroize(secret, sizeof secret);
        return ok;
    }
    return false;
}

static void cache_store(tls_crypto *t)
{
    conn_state *c = t->c;
    if (!t->have_master || !t->cache) return;
    session_entry e = { .version = c->version, .suite = c->cipher_suite, .conn = c->id };
    memcpy(e.master, t->master, 48);
    if (c->server_session_id_len)
        session_store_put(t->cache->sessions, t->cache->sync, SESSION_BY_ID, c->server_session_id,
                          c->server_session_id_len, &e);
    if (t->have_new_ticket)
        session_store_put(t->cache->sessions, t->cache->sync, SESSION_BY_TICKET, t->new_ticket_hash, 32, &e);
    mbedtls_platform_zeroize(&e, sizeof e);
}

static bool is_tls12_or_below(const conn_state *c)
{
    return c->server_hello_seen && c->version >= TLS_VERSION_SSL30 && c->version <= TLS_VERSION_TLS12;
}

/* Gets the master secret and the key block when it can. */
static bool derive_tls12(tls_crypto *t)
{
    conn_state *c = t->c;
    if (t->keys_derived) return true;
    if (!t->secrets || !is_tls12_or_below(c) || !suite_known(t)) return false;
    if (!t->have_master) {
        if (!try_cache(t) && !try_rsa(t) && !try_keylog_tls12(t)) return false;
        cache_store(t);
    }
    return derive_keys_from_master(t);
}

/* ---- TLS 1.3 ---- */

static const char *traffic_label(keylog_label l)
{
    switch (l) {
    case KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET: return "client_early_traffic_secret";
    case KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET: return "client_handshake_traffic_secret";
    case KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET: return "server_handshake_traffic_secret";
    case KEYLOG_CLIENT_TRAFFIC_SECRET_0: return "client_application_traffic_secret_0";
    case KEYLOG_SERVER_TRAFFIC_SECRET_0: return "server_application_traffic_secret_0";
    case KEYLOG_EXPORTER_SECRET: return "exporter_master_secret";
    case KEYLOG_EARLY_EXPORTER_SECRET: return "early_exporter_master_secret";
    default: return "secret";
    }
}

/* A TLS 1.3 read state from a traffic secret; `what` is e.g. "handshake". */
static protect_ctx *ctx13(tls_crypto *t, prf_hash h, tls_cipher_alg cipher, const uint8_t *secret,
                          const char *secret_name, const char *side, const char *what, bool announce)
{
    size_t mk, kl, ivl;
    tls_suite_info si = { .cipher = cipher, .tls13 = true };
    if (!prf_suite_sizes(TLS_VERSION_TLS13, &si, &mk, &kl, &ivl)) return NULL;
    uint8_t key[32], iv[12];
    if (tls13_traffic_keys(h, secret, key, kl, iv, ivl) != 0) return NULL;
    protect_ctx *pc = make_ctx(t, TLS_VERSION_TLS13, cipher, MAC_NONE, key, kl, iv, ivl, NULL, 0);
    if (pc && announce) {
        char name[64];
        text_format(name, sizeof name, "%s_%s_key", side, what);
        emit(t, name, key, kl, "HKDF-Expand-Label(%s, \"key\", \"\", %zu)", secret_name, kl);
        text_format(name, sizeof name, "%s_%s_iv", side, what);
        emit(t, name, iv, ivl, "HKDF-Expand-Label(%s, \"iv\", \"\", 12); each record's nonce is this "
             "XOR its sequence number", secret_name);
    }
    mbedtls_platform_zeroize(key, sizeof key);
    mbedtls_platform_zeroize(iv, sizeof iv);
    return pc;
}

static bool lookup13(tls_crypto *t, keylog_label l, uint8_t out[48])
{
    size_t n;
    if (!keylog_get(t, l, t->c->client_random, 32, out, &n)) return false;
    if (n != prf_hash_len(t->h13)) {
        set_detail(t, "the key log's %s for this connection is %zu bytes, but the suite's hash "
                   "gives %zu", keylog_label_name(l), n, prf_hash_len(t->h13));
        conn_note(t->c, "%s", t->detail);
        return false;
    }
    return true;
}

/* Handshake traffic keys after the ServerHello (or later, when the key
 * log grew). */
static void install_hs13(tls_crypto *t)
{
    static const keylog_label labels[2] = {
        KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET, KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET,
    };
    for (int i = 0; i < 2; i++) {
        dir_state *ds = &t->d[i];
        if (ds->have_hs_secret || ds->phase != P13_HANDSHAKE) continue;
        if (!lookup13(t, labels[i], ds->hs_secret)) continue;
        ds->have_hs_secret = true;
        const char *name = traffic_label(labels[i]);
        emit(t, name, ds->hs_secret, prf_hash_len(t->h13),
             "From the key log (%s line for this client random); it is Derive-Secret(handshake_secret, "
             "\"%s hs traffic\", ClientHello..ServerHello).", keylog_label_name(labels[i]),
             i == DIR_C2S ? "c" : "s");
        protect_ctx *pc = ctx13(t, t->h13, t->suite.cipher, ds->hs_secret, name, dir_word((direction)i),
                                "handshake", true);
        install(t, (direction)i, pc, false);
    }
}

/* Application traffic secret 0 of a direction (at its Finished). */
static void install_app13(tls_crypto *t, direction dir, bool new_phase)
{
    static const keylog_label labels[2] = {
        KEYLOG_CLIENT_TRAFFIC_SECRET_0, KEYLOG_SERVER_TRAFFIC_SECRET_0,
    };
    dir_state *ds = &t->d[dir];
    if (new_phase) {
        ds->phase = P13_APP;
        ds->phase_records = 0;
        ds->opened_any = false;
        drop(&ds->active);
    }
    if (!ds->have_app_secret && !lookup13(t, labels[dir], ds->app_secret)) return;
    ds->have_app_secret = true;
    ds->app_generation = 0;
    const char *name = traffic_label(labels[dir]);
    emit(t, name, ds->app_secret, prf_hash_len(t->h13),
         "From the key log (%s line); it is Derive-Secret(master_secret, \"%s ap traffic\", "
         "ClientHello..server Finished).", keylog_label_name(labels[dir]), dir == DIR_C2S ? "c" : "s");
    protect_ctx *pc = ctx13(t, t->h13, t->suite.cipher, ds->app_secret, name, dir_word(dir),
                            "application", true);
    install(t, dir, pc, false);
}

static void key_update13(tls_crypto *t, direction dir)
{
    dir_state *ds = &t->d[dir];
    if (!ds->have_app_secret) return;
    uint8_t next[48];
    if (tls13_next_traffic_secret(t->h13, ds->app_secret, next) != 0) return;
    memcpy(ds->app_secret, next, sizeof next);
    mbedtls_platform_zeroize(next, sizeof next);
    ds->app_generation++;
    char name[64], prev[64];
    text_format(name, sizeof name, "%s_application_traffic_secret_%u", dir_word(dir), ds->app_generation);
    text_format(prev, sizeof prev, "%s_application_traffic_secret_%u", dir_word(dir), ds->app_generation - 1);
    emit(t, name, ds->app_secret, prf_hash_len(t->h13),
         "KeyUpdate: HKDF-Expand-Label(%s, \"traffic upd\", \"\", %zu); the %s's next records use "
         "keys from it.", prev, prf_hash_len(t->h13), dir_word(dir));
    protect_ctx *pc = ctx13(t, t->h13, t->suite.cipher, ds->app_secret, name, dir_word(dir),
                            "application", true);
    ds->phase_records = 0;
    install(t, dir, pc, false);
}

static void on_server_hello13(tls_crypto *t)
{
    t->is13 = true;
    if (!suite_known(t) || !t->suite.tls13) return;
    t->h13 = prf_hash_for(TLS_VERSION_TLS13, &t->suite);
    for (int i = 0; i < 2; i++) {
        dir_state *ds = &t->d[i];
        ds->protected = true;
        ds->phase = P13_HANDSHAKE;
        ds->phase_records = 0;
        ds->opened_any = false;
        drop(&ds->active);
    }
    install_hs13(t);
}

/* The 0-RTT secret: the cipher is the resumed session's, not yet known at
 * the ClientHello, so the first early record is tried with every TLS 1.3
 * AEAD whose hash fits the secret's size. */
static protect_status try_early(tls_crypto *t, uint8_t type, uint16_t version, const uint8_t *rec,
                                size_t len, uint8_t *out, size_t *out_len, uint8_t *inner)
{
    dir_state *ds = &t->d[DIR_C2S];
    if (ds->early) {
        uint64_t seq = protect_seq(ds->early);
        protect_status st = protect_open(ds->early, type, version, rec, len, out, out_len, inner);
        if (st != PROTECT_OK) protect_set_seq(ds->early, seq);
        return st;
    }
    static const tls_cipher_alg c32[] = {
        CIPHER_AES_128_GCM, CIPHER_CHACHA20_POLY1305, CIPHER_AES_128_CCM, CIPHER_AES_128_CCM_8,
    };
    static const tls_cipher_alg c48[] = { CIPHER_AES_256_GCM };
    bool big = t->early_secret_len == 48;
    prf_hash h = big ? PRF_SHA384 : PRF_SHA256;
    size_t n = big ? 1 : sizeof c32 / sizeof c32[0];
    for (size_t i = 0; i < n; i++) {
        tls_cipher_alg alg = big ? c48[i] : c32[i];
        protect_ctx *pc = ctx13(t, h, alg, t->early_secret, "client_early_traffic_secret", "client",
                                "early", false);
        if (!pc) continue;
        protect_set_seq(pc, t->early_records);
        protect_status st = protect_open(pc, type, version, rec, len, out, out_len, inner);
        if (st == PROTECT_OK) {
            /* announce the keys now that the cipher is known */
            protect_ctx *again = ctx13(t, h, alg, t->early_secret, "client_early_traffic_secret",
                                       "client", "early", true);
            protect_free(again);
            ds->early = pc;
            return st;
        }
        protect_free(pc);
    }
    return PROTECT_AUTH_FAILED;
}

static void on_client_hello_early(tls_crypto *t)
{
    conn_state *c = t->c;
    if (!c->client_offered_early_data) return;
    bool offers13 = false;
    for (unsigned i = 0; i < c->n_offered_versions && i < 16; i++)
        if (c->offered_versions[i] == TLS_VERSION_TLS13) offers13 = true;
    if (!offers13) return;
    t->early_offered = true;
    dir_state *ds = &t->d[DIR_C2S];
    ds->protected = true;
    ds->phase = P13_EARLY;
    ds->phase_records = 0;
    size_t n;
    if (keylog_get(t, KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET, c->client_random, 32, t->early_secret, &n) &&
        (n == 32 || n == 48)) {
        t->have_early_secret = true;
        t->early_secret_len = n;
        emit(t, "client_early_traffic_secret", t->early_secret, n,
             "From the key log (CLIENT_EARLY_TRAFFIC_SECRET line); it is Derive-Secret(early_secret, "
             "\"c e traffic\", ClientHello), the early secret coming from the resumption PSK.");
    }
    uint8_t ex[48];
    if (keylog_get(t, KEYLOG_EARLY_EXPORTER_SECRET, c->client_random, 32, ex, &n)) {
        emit(t, "early_exporter_master_secret", ex, n, "From the key log (EARLY_EXPORTER_SECRET line).");
        mbedtls_platform_zeroize(ex, sizeof ex);
    }
}

/* ---- why we cannot decrypt ---- */

static void explain_missing(tls_crypto *t, direction dir)
{
    conn_state *c = t->c;
    const keylog *kl = the_keylog(t);
    keyring *kr = the_keyring(t);
    bool have_kl = kl && keylog_count(kl) > 0;
    bool have_keys = kr && keyring_count(kr) > 0;
    char hx[40];
    hex_start(hx, c->client_random, 32, 8);

    if (t->is13 || (dir == DIR_C2S && t->d[DIR_C2S].phase == P13_EARLY)) {
        bool early = t->d[dir].phase == P13_EARLY || (dir == DIR_C2S && t->early_offered && !t->early_done &&
                                                       !t->d[dir].opened_any);
        if (have_kl) {
            set_reason(t, DEC_NO_SECRETS);
            set_detail(t, "no key log entry (%s) for client random %s",
                       early ? "CLIENT_EARLY_TRAFFIC_SECRET"
                       : t->d[dir].phase == P13_APP
                           ? (dir == DIR_C2S ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0")
                           : (dir == DIR_C2S ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
                       hx);
        } else if (have_keys) {
            set_reason(t, DEC_NEEDS_KEY_LOG);
            set_detail(t, "forward secret (TLS 1.3): a server key cannot decrypt this; give a key log with -l");
        } else {
            set_reason(t, DEC_NO_SECRETS);
            set_detail(t, "TLS 1.3 can only be decrypted with a key log (-l); none was given");
        }
        conn_note(c, "%s", t->detail);
        return;
    }
    if (!suite_known(t)) {
        set_reason(t, DEC_NO_SECRETS);
        set_detail(t, "the cipher suite is unknown, so the records cannot be decrypted");
        return;
    }
    size_t a, b, d;
    if (!prf_suite_sizes(c->version, &t->suite, &a, &b, &d) || !protect_cipher_supported(t->suite.cipher)) {
        const char *nm = tls_cipher_suite_name(c->cipher_suite);
        set_reason(t, DEC_FAILED);
        set_detail(t, "%s cannot be decrypted: tlsview does not support its cipher", nm ? nm : "this suite");
        conn_note(c, "%s", t->detail);
        return;
    }
    if (t->keys_derived) {
        set_detail(t, "the keys could not be set up for this cipher");
        return;
    }
    bool resumed = !t->cke_seen && (c->resumed || t->d[DIR_S2C].protected);
    tls_kx kx = t->suite.kx;
    if (resumed && !have_kl) {
        set_reason(t, DEC_NO_SECRETS);
        set_detail(t, "this connection resumes a session whose master secret this capture did not show; "
                      "only a key log (-l) can decrypt it");
    } else if (kx == KX_RSA && have_keys && t->key_status == KEYRING_NO_MATCH) {
        set_reason(t, DEC_KEY_MISMATCH);
        set_detail(t, "the key does not match the certificate: none of the -k keys belongs to this server");
    } else if (kx == KX_RSA && have_keys && t->pms_tried && t->pms_result != PMS_OK &&
               t->pms_result != PMS_VERSION_MISMATCH) {
        set_reason(t, DEC_FAILED);
        set_detail(t, "RSA decryption of the pre-master secret failed");
    } else if (kx == KX_RSA && have_keys && !t->cert_seen && !have_kl) {
        set_reason(t, DEC_NO_SECRETS);
        set_detail(t, t->cke_seen ? "no server certificate was seen, and none of the -k keys decrypts the pre-master secret"
                                  : "the ClientKeyExchange was not seen, so the pre-master secret is unknown");
    } else if (have_kl) {
        set_reason(t, tls_kx_is_forward_secret(kx) && have_keys ? DEC_NEEDS_KEY_LOG : DEC_NO_SECRETS);
        set_detail(t, "no key log entry for client random %s", hx);
    } else if (tls_kx_is_forward_secret(kx) && have_keys) {
        set_reason(t, DEC_NEEDS_KEY_LOG);
        set_detail(t, "forward secret ((EC)DHE): a server key cannot decrypt this; give a key log with -l");
    } else if (kx != KX_RSA && have_keys) {
        set_reason(t, DEC_NEEDS_KEY_LOG);
        set_detail(t, "%s key exchange: a server key cannot decrypt this; give a key log with -l",
                   tls_kx_name(kx) ? tls_kx_name(kx) : "this");
    } else {
        set_reason(t, DEC_NO_SECRETS);
        set_detail(t, "no key log (-l) or server key (-k) given");
    }
    conn_note(c, "%s", t->detail);
}

/* The key log grew since the last look: try again. */
static void retry_keys(tls_crypto *t)
{
    const keylog *kl = the_keylog(t);
    if (!kl || keylog_generation(kl) == t->keylog_gen_seen) return;
    t->keylog_gen_seen = keylog_generation(kl);
    if (t->is13) {
        install_hs13(t);
        for (int i = 0; i < 2; i++)
            if (t->d[i].phase == P13_APP && !t->d[i].active) install_app13(t, (direction)i, false);
    } else {
        derive_tls12(t);
    }
}

/* ---- records ---- */

static void remember_block(dir_state *ds, const uint8_t *rec, size_t len)
{
    if (len < 16) return;
    cursor c = cur_make(rec, len);
    cur_skip(&c, len - 16);
    ds->have_last_block = cur_copy(&c, ds->last_block, 16);
}

/* A record that may have carried handshake messages was not read: the
 * transcript misses them, so Finished messages can no longer be checked. */
static void note_gap(tls_crypto *t, const dir_state *ds, uint8_t content_type)
{
    if (t->is13 ? ds->phase == P13_HANDSHAKE : content_type == 22) t->transcript_gap = true;
}

crypto_status crypto_open(tls_crypto *t, direction dir, uint8_t content_type, uint16_t version,
                          const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len,
                          uint8_t *inner_type)
{
    dir_state *ds = &t->d[dir];
    t->detail[0] = 0;
    *out_len = 0;
    *inner_type = content_type;
    if (!ds->protected) return CRYPTO_PLAINTEXT;
    bool is13 = t->is13 || ds->phase == P13_EARLY;
    /* TLS 1.3 protects only application_data-typed records (CCS never). */
    if (is13 && content_type != CT_APPLICATION_DATA) return CRYPTO_PLAINTEXT;
    bool early_possible = dir == DIR_C2S && is13 && t->early_offered && !t->early_done;

    if (!ds->active && !(early_possible && (ds->early || t->have_early_secret)))
        retry_keys(t);

    protect_status st = PROTECT_AUTH_FAILED;
    const char *why = NULL;
    bool tried = false;
    /* 0-RTT data first while it may still come. */
    if (early_possible && (ds->early || t->have_early_secret)) {
        tried = true;
        st = try_early(t, content_type, version, rec, len, out, out_len, inner_type);
        if (st == PROTECT_OK) {
            t->early_records++;
            ds->opened_any = ds->phase == P13_EARLY ? true : ds->opened_any;
            mark_decrypted(t);
            if (protect_oversize(ds->early)) set_detail(t, "%s", protect_detail(ds->early));
            return CRYPTO_DECRYPTED;
        }
        if (ds->early) why = protect_detail(ds->early);
    }
    if (ds->active) {
        uint64_t seq = protect_seq(ds->active);
        tried = true;
        st = protect_open(ds->active, content_type, version, rec, len, out, out_len, inner_type);
        ds->phase_records++;
        remember_block(ds, rec, len);
        if (st == PROTECT_OK) {
            ds->opened_any = true;
            if (early_possible && ds->phase == P13_HANDSHAKE) {
                /* the client's handshake keys work: early data is over */
                t->early_done = true;
                drop(&ds->early);
            }
            mark_decrypted(t);
            if (protect_oversize(ds->active)) set_detail(t, "%s", protect_detail(ds->active));
            return CRYPTO_DECRYPTED;
        }
        if (early_possible && !ds->opened_any && ds->phase == P13_HANDSHAKE) {
            /* Most likely 0-RTT data we have no (fitting) key for: keep the
             * handshake keys' sequence number where it was. */
            protect_set_seq(ds->active, seq);
            ds->phase_records--;
            t->early_records++;
            set_detail(t, "probably 0-RTT early data: the key log has no fitting "
                          "CLIENT_EARLY_TRAFFIC_SECRET for it");
            set_reason(t, DEC_NO_SECRETS);
            return CRYPTO_NO_KEYS;
        }
        why = protect_detail(ds->active);
    } else if (!tried) {
        ds->phase_records++;
        if (early_possible) t->early_records++;
        remember_block(ds, rec, len);
        if (ds->phase != P13_EARLY) note_gap(t, ds, content_type);
        explain_missing(t, dir);
        return CRYPTO_NO_KEYS;
    } else {
        t->early_records++;
    }
    note_gap(t, ds, content_type);
    if (st == PROTECT_MALFORMED) {
        set_detail(t, "malformed protected record: %s", why && *why ? why : "it cannot be opened");
        return CRYPTO_MALFORMED;
    }
    set_detail(t, "authentication failed (%s)", why && *why ? why : "no key fits");
    t->c->decryption = DEC_FAILED;
    if (!t->failure_noted) {
        t->failure_noted = true;
        /* Records under these same keys opened before: the keys are right,
         * this record is not. */
        if (ds->opened_any)
            conn_note(t->c, "Authentication failed for a record of the %s (%s) although the ones before it "
                      "decrypted: it was altered or damaged on the way.", dir_word(dir),
                      why && *why ? why : "no key fits");
        else
            conn_note(t->c, "Authentication failed for the %s's records (%s): the secrets given do not fit "
                      "this connection.", dir_word(dir), why && *why ? why : "no key fits");
    }
    return CRYPTO_AUTH_FAILED;
}

void crypto_change_cipher_spec(tls_crypto *t, direction dir)
{
    /* a client CertificateVerify comes before the client's ChangeCipherSpec */
    if (dir == DIR_C2S) raw_stop(t);
    /* TLS 1.3 (its compatibility CCS, even one sent with 0-RTT before the
     * ServerHello) changes nothing */
    if (t->is13 || t->c->version == TLS_VERSION_TLS13 || !t->c->server_hello_seen) return;
    derive_tls12(t);
    dir_state *ds = &t->d[dir];
    drop(&ds->active);
    ds->active = ds->pending;
    ds->pending = NULL;
    ds->protected = true;
    ds->phase_records = 0;
    ds->opened_any = false;
    ds->have_last_block = false;
}

/* ---- handshake messages ---- */

static void parse_client_hello_ticket(tls_crypto *t, cursor body)
{
    cursor sid, suites, comp, exts;
    t->client_ticket = false;
    if (!cur_skip(&body, 2 + 32) || !cur_block(&body, 1, &sid) || !cur_block(&body, 2, &suites) ||
        !cur_block(&body, 1, &comp) || !cur_block(&body, 2, &exts))
        return;
    while (!cur_empty(&exts)) {
        uint16_t type;
        cursor data;
        if (!cur_u16(&exts, &type) || !cur_block(&exts, 2, &data)) return;
        /* its hash finds a master secret kept for resumption: none without secrets */
        if (type == EXT_SESSION_TICKET && !cur_empty(&data) && t->secrets) {
            const uint8_t *p;
            size_t n;
            cur_skip_rest(&data, &p, &n);
            if (prf_hash_buf(PRF_SHA256, p, n, t->client_ticket_hash) == 0) t->client_ticket = true;
        }
    }
}

static void match_server_key(tls_crypto *t, const uint8_t *der, size_t len);
static void keep_certificate(tls_crypto *t, direction dir, const uint8_t *der, size_t len);

/* The end-entity certificate of a Certificate message: its key checks
 * signatures; the server's also picks the -k key (once per connection). */
static void take_certificate(tls_crypto *t, direction dir, cursor body)
{
    cursor list, cert;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (t->is13) {
        cursor ctx;
        if (!cur_block(&body, 1, &ctx)) return;
    }
    if (cur_block(&body, 3, &list) && cur_block(&list, 3, &cert)) cur_skip_rest(&cert, &p, &n);
    keep_certificate(t, dir, p, n);
    if (dir == DIR_S2C && !t->cert_seen && p) match_server_key(t, p, n);
}

void crypto_server_certificate(tls_crypto *t, const uint8_t *der, size_t len)
{
    keep_certificate(t, DIR_S2C, der, len);
    match_server_key(t, der, len);
}

static void match_server_key(tls_crypto *t, const uint8_t *der, size_t len)
{
    keyring *kr = the_keyring(t);
    t->cert_seen = true;
    if (!kr || keyring_count(kr) == 0) {
        t->key_status = KEYRING_EMPTY;
        return;
    }
    t->key = keyring_match(kr, der, len, &t->key_status);
    if (t->key_status == KEYRING_NO_MATCH && !t->is13 && suite_known(t) && t->suite.kx == KX_RSA)
        conn_note(t->c, "the key does not match the certificate: none of the -k keys belongs to this server");
}

/* Expected verify_data of a Finished of direction dir, from the
 * transcript as it is now. */
static bool expected_finished(tls_crypto *t, direction dir, uint8_t *out, size_t *n)
{
    conn_state *c = t->c;
    if (t->is13) {
        dir_state *ds = &t->d[dir];
        uint8_t th[48];
        if (!ds->have_hs_secret || !tr_hash(&t->tr, t->h13, th)) return false;
        *n = prf_hash_len(t->h13);
        return tls13_verify_data(t->h13, ds->hs_secret, th, out) == 0;
    }
    if (!t->have_master) derive_tls12(t);
    if (!t->have_master) return false;
    if (c->version == TLS_VERSION_SSL30) {
        *n = 36;
        return ssl3_finished(&t->tr, t->master, dir == DIR_C2S, out);
    }
    prf_hash h = prf_hash_for(c->version, &t->suite);
    uint8_t hh[48];
    if (!tr_hash(&t->tr, h, hh)) return false;
    *n = 12;
    return prf_finished(h, t->master, dir == DIR_C2S, hh, prf_hash_len(h), out) == 0;
}

static crypto_finished check_finished(tls_crypto *t, direction dir, cursor body)
{
    dir_state *ds = &t->d[dir];
    ds->have_expected = false;
    if (t->transcript_gap) return CRYPTO_FINISHED_UNCHECKED;
    /* 0-RTT accepted but its EndOfEarlyData was not read */
    if (t->is13 && dir == DIR_C2S && t->early_accepted && !t->eoed_seen) return CRYPTO_FINISHED_UNCHECKED;
    size_t n = 0;
    if (!expected_finished(t, dir, ds->expected, &n)) return CRYPTO_FINISHED_UNCHECKED;
    ds->expected_len = n;
    ds->have_expected = true;
    const uint8_t *vd;
    size_t got;
    cur_skip_rest(&body, &vd, &got);
    bool ok = got == n && prf_equal(vd, ds->expected, n);
    if (!ok)
        conn_note(t->c, "the %s's Finished does not match the transcript: the peers did not see the "
                  "same handshake, or the secrets are wrong", dir_word(dir));
    return ok ? CRYPTO_FINISHED_VERIFIED : CRYPTO_FINISHED_MISMATCH;
}

/* ---- signatures ---- */

/* Kept per connection: a certificate's public key (its SubjectPublicKeyInfo)
 * and the raw transcript are bounded, the raw transcripts of all the
 * connections of a dissector too; beyond that the check is skipped. */
enum { SPKI_KEEP_MAX = 16 * 1024, RAW_MAX = 64 * 1024, RAW_BUDGET = 16 * 1024 * 1024 };

static const char NOT_SUPPORTED[] = "not checked: unsupported scheme";
static const char NO_CERTIFICATE[] = "not checked: no certificate";
static const char NO_TRANSCRIPT[] = "not checked: transcript incomplete";
static const char TOO_LARGE[] = "not checked: transcript too large";
static const char SSL3[] = "not checked: SSL 3.0";
static const char UNREADABLE[] = "not checked: unreadable parameters";

crypto_signature crypto_last_signature(const tls_crypto *t, const char **detail)
{
    if (detail) *detail = t->sig_detail;
    return t->sig;
}

static crypto_signature sig_result(tls_crypto *t, crypto_signature r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static crypto_signature sig_result(tls_crypto *t, crypto_signature r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vformat(t->sig_detail, sizeof t->sig_detail, fmt, ap);
    va_end(ap);
    t->sig = r;
    return r;
}

static void raw_stop(tls_crypto *t)
{
    if (t->cache) t->cache->raw_bytes -= t->raw_cap;
    free(t->raw);
    t->raw = NULL;
    t->raw_len = t->raw_cap = 0;
    t->raw_on = false;
}

static void raw_start(tls_crypto *t)
{
    raw_stop(t);
    t->raw_on = true;
    t->raw_overflow = false;
}

static void raw_add(tls_crypto *t, const uint8_t *p, size_t n)
{
    if (!t->raw_on) return;
    if (n > RAW_MAX - t->raw_len) {
        raw_stop(t);
        t->raw_overflow = true;
        return;
    }
    if (t->raw_cap - t->raw_len < n) {
        size_t cap = t->raw_cap ? t->raw_cap : 4096;
        while (cap - t->raw_len < n) cap *= 2;
        uint8_t *q = NULL;
        if (!t->cache || t->cache->raw_bytes - t->raw_cap + cap <= RAW_BUDGET) q = realloc(t->raw, cap);
        if (!q) {
            raw_stop(t);
            t->raw_overflow = true;
            return;
        }
        if (t->cache) t->cache->raw_bytes += cap - t->raw_cap;
        t->raw = q;
        t->raw_cap = cap;
    }
    memcpy(t->raw + t->raw_len, p, n);
    t->raw_len += n;
}

/* Every handshake message that enters the transcript goes through here. */
static void hs_add(tls_crypto *t, const uint8_t *msg, size_t len)
{
    tr_add(&t->tr, msg, len);
    raw_add(t, msg, len);
}

/* One DER element with tag `tag`; *inner is its contents.  Long lengths
 * up to 3 bytes (a certificate is below 2^24 bytes). */
static bool der_element(cursor *c, uint8_t tag, cursor *inner)
{
    cursor start = *c;
    uint8_t t, l;
    size_t len;
    if (!cur_u8(c, &t) || t != tag || !cur_u8(c, &l)) goto fail;
    len = l;
    if (l & 0x80) {
        unsigned n = l & 0x7f;
        if (n == 0 || n > 3) goto fail;
        len = 0;
        for (unsigned i = 0; i < n; i++) {
            uint8_t b;
            if (!cur_u8(c, &b)) goto fail;
            len = len << 8 | b;
        }
    }
    if (cur_sub(c, len, inner)) return true;
fail:
    *c = start;
    return false;
}

/* The SubjectPublicKeyInfo of a DER certificate (RFC 5280 4.1): the only
 * part a signature check needs, so a certificate mbedTLS would refuse as a
 * whole (an unknown signature algorithm, say) still gives its key. */
static bool spki_of(const uint8_t *der, size_t len, const uint8_t **spki, size_t *spki_len)
{
    enum { SEQ = 0x30, INT = 0x02, VERSION = 0xa0 };
    cursor c = cur_make(der, len), cert, tbs, skip;
    uint8_t tag;
    if (!der_element(&c, SEQ, &cert) || !der_element(&cert, SEQ, &tbs)) return false;
    if (cur_peek_u8(&tbs, 0, &tag) && tag == VERSION && !der_element(&tbs, VERSION, &skip)) return false;
    if (!der_element(&tbs, INT, &skip)) return false;                /* serial */
    for (int i = 0; i < 4; i++)                                       /* signature, issuer, validity, subject */
        if (!der_element(&tbs, SEQ, &skip)) return false;
    size_t from = cur_offset(&tbs);
    if (!der_element(&tbs, SEQ, &skip)) return false;
    *spki_len = cur_offset(&tbs) - from;
    return cur_span(&tbs, from, cur_offset(&tbs), spki);
}

static void forget_key(tls_crypto *t, direction dir)
{
    if (t->cert_key[dir]) {
        mbedtls_pk_free(t->cert_key[dir]);
        free(t->cert_key[dir]);
        t->cert_key[dir] = NULL;
    }
    free(t->cert_spki[dir]);
    t->cert_spki[dir] = NULL;
    t->cert_spki_len[dir] = 0;
    t->cert_unreadable[dir] = false;
}

/* The end-entity certificate of the side that sent it in direction dir
 * (NULL or empty: it sent none).  Only its public key is kept. */
static void keep_certificate(tls_crypto *t, direction dir, const uint8_t *der, size_t len)
{
    forget_key(t, dir);
    const uint8_t *spki;
    size_t n;
    if (!der || !len || !spki_of(der, len, &spki, &n) || n > SPKI_KEEP_MAX) return;
    t->cert_spki[dir] = malloc(n);
    if (!t->cert_spki[dir]) return;
    memcpy(t->cert_spki[dir], spki, n);
    t->cert_spki_len[dir] = n;
}

/* The key of a SubjectPublicKeyInfo from the cache, parsed into the least
 * recently used entry when it is not there.  Valid until the next call. */
static mbedtls_pk_context *cached_key(crypto_cache *cc, const uint8_t *spki, size_t len, bool *unreadable)
{
    key_entry *slot = &cc->keys[0];
    cc->tick++;
    for (int i = 0; i < KEY_CACHE_SIZE; i++) {
        key_entry *e = &cc->keys[i];
        if (e->spki && e->len == len && memcmp(e->spki, spki, len) == 0) {
            e->used = cc->tick;
            return &e->pk;
        }
        if (!e->spki || (slot->spki && e->used < slot->used)) slot = e;
    }
    if (slot->spki) {
        mbedtls_pk_free(&slot->pk);
        free(slot->spki);
        slot->spki = NULL;
    }
    mbedtls_pk_init(&slot->pk);
    if (mbedtls_pk_parse_public_key(&slot->pk, spki, len) != 0) {
        mbedtls_pk_free(&slot->pk);
        *unreadable = true;
        return NULL;
    }
    slot->spki = malloc(len);
    if (!slot->spki) {
        mbedtls_pk_free(&slot->pk);
        return NULL;
    }
    memcpy(slot->spki, spki, len);
    slot->len = len;
    slot->used = cc->tick;
    return &slot->pk;
}

/* The public key of the certificate sent in direction dir, parsed the
 * first time a signature needs it (or found in the cache: then valid only
 * until the next call); NULL without one mbedTLS can read. */
static mbedtls_pk_context *signer_key(tls_crypto *t, direction dir)
{
    if (t->cert_key[dir]) return t->cert_key[dir];
    if (!t->cert_spki[dir] || t->cert_unreadable[dir]) return NULL;
    if (t->cache) return cached_key(t->cache, t->cert_spki[dir], t->cert_spki_len[dir], &t->cert_unreadable[dir]);
    mbedtls_pk_context *pk = malloc(sizeof *pk);
    if (!pk) return NULL;
    mbedtls_pk_init(pk);
    if (mbedtls_pk_parse_public_key(pk, t->cert_spki[dir], t->cert_spki_len[dir]) != 0) {
        mbedtls_pk_free(pk);
        free(pk);
        t->cert_unreadable[dir] = true;
        return NULL;
    }
    t->cert_key[dir] = pk;
    return pk;
}

typedef enum sig_kind { SK_UNSUPPORTED, SK_RSA_PKCS1, SK_RSA_PSS, SK_ECDSA } sig_kind;

typedef struct sig_scheme {
    sig_kind kind;
    mbedtls_md_type_t md;
    bool md5_sha1;             /* TLS <= 1.1 RSA: MD5 and SHA-1 side by side, no DigestInfo */
} sig_scheme;

static mbedtls_md_type_t tls12_hash(uint8_t h)
{
    switch (h) {
    case 1: return MBEDTLS_MD_MD5;
    case 2: return MBEDTLS_MD_SHA1;
    case 3: return MBEDTLS_MD_SHA224;
    case 4: return MBEDTLS_MD_SHA256;
    case 5: return MBEDTLS_MD_SHA384;
    case 6: return MBEDTLS_MD_SHA512;
    }
    return MBEDTLS_MD_NONE;
}

/* A TLS 1.3 SignatureScheme, which extends TLS 1.2's SignatureAndHashAlgorithm
 * (hash byte, signature byte) with the same code points.  Ed25519, Ed448,
 * DSA, GOST and SM2 are not in mbedTLS 2.28: unsupported. */
static sig_scheme scheme_of(uint16_t code)
{
    sig_scheme s = { SK_UNSUPPORTED, MBEDTLS_MD_NONE, false };
    switch (code) {
    case 0x0804: case 0x0809: s.kind = SK_RSA_PSS; s.md = MBEDTLS_MD_SHA256; break;   /* rsae, pss */
    case 0x0805: case 0x080a: s.kind = SK_RSA_PSS; s.md = MBEDTLS_MD_SHA384; break;
    case 0x0806: case 0x080b: s.kind = SK_RSA_PSS; s.md = MBEDTLS_MD_SHA512; break;
    case 0x081a: s.kind = SK_ECDSA; s.md = MBEDTLS_MD_SHA256; break;                   /* brainpool, TLS 1.3 */
    case 0x081b: s.kind = SK_ECDSA; s.md = MBEDTLS_MD_SHA384; break;
    case 0x081c: s.kind = SK_ECDSA; s.md = MBEDTLS_MD_SHA512; break;
    default:
        s.md = tls12_hash((uint8_t)(code >> 8));
        if (s.md != MBEDTLS_MD_NONE && (code & 0xff) == 1) s.kind = SK_RSA_PKCS1;
        else if (s.md != MBEDTLS_MD_NONE && (code & 0xff) == 3) s.kind = SK_ECDSA;
        break;
    }
    if (s.kind != SK_UNSUPPORTED && !mbedtls_md_info_from_type(s.md)) s.kind = SK_UNSUPPORTED;
    return s;
}

/* TLS 1.0 / 1.1 carry no algorithm: the key decides (RFC 4346 7.4.3,
 * RFC 4492 5.4). */
static sig_scheme legacy_scheme(const mbedtls_pk_context *pk)
{
    sig_scheme s = { SK_UNSUPPORTED, MBEDTLS_MD_NONE, false };
    if (mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA)) {
        s.kind = SK_RSA_PKCS1;
        s.md5_sha1 = true;
    } else if (mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA)) {
        s.kind = SK_ECDSA;
        s.md = MBEDTLS_MD_SHA1;
    }
    return s;
}

static const char *md_label(mbedtls_md_type_t md)
{
    switch (md) {
    case MBEDTLS_MD_MD5: return "MD5";
    case MBEDTLS_MD_SHA1: return "SHA-1";
    case MBEDTLS_MD_SHA224: return "SHA-224";
    case MBEDTLS_MD_SHA256: return "SHA-256";
    case MBEDTLS_MD_SHA384: return "SHA-384";
    case MBEDTLS_MD_SHA512: return "SHA-512";
    default: return "?";
    }
}

/* "RSA-PSS with SHA-256", ... */
static const char *scheme_label(char *buf, size_t n, sig_scheme s)
{
    if (s.md5_sha1) text_format(buf, n, "RSA PKCS#1 v1.5 over MD5 and SHA-1");
    else text_format(buf, n, "%s with %s",
                     s.kind == SK_RSA_PSS ? "RSA-PSS" : s.kind == SK_ECDSA ? "ECDSA" : "RSA PKCS#1 v1.5",
                     md_label(s.md));
    return buf;
}

/* A hash over pieces; false if mbedTLS refuses. */
static bool hash_parts(mbedtls_md_type_t md, const uint8_t *const *p, const size_t *n, int parts, uint8_t *out)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    bool ok = info && mbedtls_md_setup(&ctx, info, 0) == 0 && mbedtls_md_starts(&ctx) == 0;
    for (int i = 0; i < parts && ok; i++) ok = mbedtls_md_update(&ctx, p[i], n[i]) == 0;
    ok = ok && mbedtls_md_finish(&ctx, out) == 0;
    mbedtls_md_free(&ctx);
    return ok;
}

/* The digest the signature covers, for scheme s, of the pieces. */
static bool digest_of(sig_scheme s, const uint8_t *const *p, const size_t *n, int parts, uint8_t *out,
                      size_t *len)
{
    if (s.md5_sha1) {
        *len = 36;
        return hash_parts(MBEDTLS_MD_MD5, p, n, parts, out) && hash_parts(MBEDTLS_MD_SHA1, p, n, parts, out + 16);
    }
    *len = mbedtls_md_get_size(mbedtls_md_info_from_type(s.md));
    return hash_parts(s.md, p, n, parts, out);
}

/* Checks sig over digest with the key of the certificate sent in `signer`'s
 * direction; `what` says what was signed, for the detail. */
static crypto_signature verify_digest(tls_crypto *t, mbedtls_pk_context *pk, sig_scheme s, const uint8_t *digest,
                                      size_t dlen, const uint8_t *sig, size_t slen, const char *what)
{
    char label[64];
    scheme_label(label, sizeof label, s);
    bool rsa_key = mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA);
    bool ec_key = mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA);
    if ((s.kind == SK_ECDSA && !ec_key) || (s.kind != SK_ECDSA && !rsa_key))
        return sig_result(t, CRYPTO_SIGNATURE_INVALID, "the signature is %s, but the certificate holds %s %s key",
                          s.kind == SK_ECDSA ? "ECDSA" : "RSA", rsa_key || ec_key ? "an" : "a",
                          mbedtls_pk_get_name(pk));
    /* RSA keys take the fast path first (the same verdict in about half the
     * time); what it does not take on, mbedTLS checks. */
    rsa_verify_result fast = RSA_VERIFY_UNHANDLED;
    if (s.kind != SK_ECDSA && mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA)
        fast = rsa_verify_fast(mbedtls_pk_rsa(*pk), s.kind == SK_RSA_PSS, s.md5_sha1 ? MBEDTLS_MD_NONE : s.md, digest,
                               dlen, sig, slen);
    int rc;
    if (fast != RSA_VERIFY_UNHANDLED) {
        rc = fast == RSA_VERIFY_VALID ? 0 : -1;
    } else if (s.kind == SK_RSA_PSS) {
        mbedtls_pk_rsassa_pss_options opts = { .mgf1_hash_id = s.md, .expected_salt_len = (int)dlen };
        rc = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, pk, s.md, digest, dlen, sig, slen);
    } else {
        rc = mbedtls_pk_verify(pk, s.md5_sha1 ? MBEDTLS_MD_NONE : s.md, digest, dlen, sig, slen);
    }
    if (rc == 0)
        return sig_result(t, CRYPTO_SIGNATURE_VERIFIED, "%s over %s, %zu-bit %s key", label, what,
                          mbedtls_pk_get_bitlen(pk), mbedtls_pk_get_name(pk));
    return sig_result(t, CRYPTO_SIGNATURE_INVALID, "%s over %s does not match the %zu-bit %s key", label, what,
                      mbedtls_pk_get_bitlen(pk), mbedtls_pk_get_name(pk));
}

/* The algorithm (TLS 1.2 and 1.3) and the signature that end a
 * ServerKeyExchange or make a CertificateVerify; the key, when the
 * algorithm needs none to be chosen, is fetched later.  Returns false
 * (with the result set) when the check cannot go on. */
static bool read_signature(tls_crypto *t, direction signer, cursor *b, sig_scheme *s, mbedtls_pk_context **pk,
                           const uint8_t **sig, size_t *slen)
{
    uint16_t v = t->c->version;
    bool has_alg = v >= TLS_VERSION_TLS12;
    uint16_t alg = 0;
    cursor sc;
    if ((has_alg && !cur_u16(b, &alg)) || !cur_block(b, 2, &sc) || !cur_empty(b)) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", UNREADABLE);
        return false;
    }
    cur_skip_rest(&sc, sig, slen);
    if (v == TLS_VERSION_SSL30) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", SSL3);
        return false;
    }
    if (has_alg) {
        *s = scheme_of(alg);
        if (s->kind == SK_UNSUPPORTED) {
            sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NOT_SUPPORTED);
            return false;
        }
    }
    *pk = signer_key(t, signer);
    if (!*pk) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NO_CERTIFICATE);
        return false;
    }
    if (!has_alg) {
        *s = legacy_scheme(*pk);
        if (s->kind == SK_UNSUPPORTED) {
            sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NOT_SUPPORTED);
            return false;
        }
    }
    return true;
}

/* The parameters a ServerKeyExchange signs, by key exchange; false when
 * they do not parse (or are explicit curves, long deprecated). */
static bool ske_params(tls_kx kx, cursor *b)
{
    cursor x;
    uint8_t type;
    switch (kx) {
    case KX_ECDHE_RSA: case KX_ECDHE_ECDSA:
        return cur_u8(b, &type) && type == 3 && cur_skip(b, 2) && cur_block(b, 1, &x);
    case KX_DHE_RSA: case KX_DHE_DSS:
        return cur_block(b, 2, &x) && cur_block(b, 2, &x) && cur_block(b, 2, &x);
    case KX_RSA:   /* export suites: a temporary RSA key */
        return cur_block(b, 2, &x) && cur_block(b, 2, &x);
    case KX_SRP:
        return cur_block(b, 2, &x) && cur_block(b, 2, &x) && cur_block(b, 1, &x) && cur_block(b, 2, &x);
    default:
        return false;
    }
}

/* RFC 5246 7.4.3 (and RFC 4492 5.4): the server signs client_random +
 * server_random + its parameters with the key of its certificate. */
static void check_server_key_exchange(tls_crypto *t, cursor body)
{
    conn_state *c = t->c;
    if (!c->have_cipher_suite || !suite_known(t) || t->is13) return;
    tls_kx kx = t->suite.kx;
    if (kx != KX_ECDHE_RSA && kx != KX_ECDHE_ECDSA && kx != KX_DHE_RSA && kx != KX_DHE_DSS && kx != KX_RSA &&
        kx != KX_SRP)
        return;   /* anonymous or PSK: nothing signed */
    size_t from = cur_offset(&body);
    if (!ske_params(kx, &body)) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", UNREADABLE);
        return;
    }
    size_t to = cur_offset(&body);
    if (kx == KX_SRP && cur_empty(&body)) return;   /* SRP without a certificate */
    const uint8_t *params;
    if (!cur_span(&body, from, to, &params)) return;
    sig_scheme s;
    mbedtls_pk_context *pk;
    const uint8_t *sig;
    size_t slen;
    if (!read_signature(t, DIR_S2C, &body, &s, &pk, &sig, &slen)) return;
    if (!c->client_hello_seen || !c->server_hello_seen) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NO_TRANSCRIPT);
        return;
    }
    const uint8_t *parts[3] = { c->client_random, c->server_random, params };
    size_t lens[3] = { 32, 32, to - from };
    uint8_t digest[64];
    size_t dlen;
    if (!digest_of(s, parts, lens, 3, digest, &dlen)) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NOT_SUPPORTED);
        return;
    }
    verify_digest(t, pk, s, digest, dlen, sig, slen, "the hello randoms and the key exchange parameters");
}

/* The transcript hash a TLS <= 1.2 CertificateVerify signs: the running
 * hashes where they fit, the kept messages otherwise. */
static bool transcript_digest12(tls_crypto *t, sig_scheme s, uint8_t *out, size_t *len)
{
    if (t->tr.ok) {
        int i = s.md5_sha1 ? -1 : s.md == MBEDTLS_MD_MD5 ? TR_MD5 : s.md == MBEDTLS_MD_SHA1 ? TR_SHA1
              : s.md == MBEDTLS_MD_SHA256 ? TR_SHA256 : s.md == MBEDTLS_MD_SHA384 ? TR_SHA384 : TR_N;
        if (i == -1 && tr_hash(&t->tr, PRF_MD5_SHA1, out)) {
            *len = 36;
            return true;
        }
        if (i < TR_N && t->tr.active[i]) {
            *len = mbedtls_md_get_size(mbedtls_md_info_from_type(s.md));
            return tr_digest_one(&t->tr, i, out);
        }
    }
    if (!t->raw_on) return false;
    const uint8_t *parts[1] = { t->raw };
    size_t lens[1] = { t->raw_len };
    return digest_of(s, parts, lens, 1, out, len);
}

/* RFC 8446 4.4.3 / RFC 5246 7.4.8: a CertificateVerify, checked against the
 * transcript before it with the key of the certificate its sender sent. */
static void check_certificate_verify(tls_crypto *t, direction dir, cursor body)
{
    sig_scheme s;
    mbedtls_pk_context *pk;
    const uint8_t *sig;
    size_t slen;
    if (!read_signature(t, dir, &body, &s, &pk, &sig, &slen)) return;
    bool early_gap = t->is13 && dir == DIR_C2S && t->early_accepted && !t->eoed_seen;
    if (!t->hello_in_transcript || t->transcript_gap || early_gap) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NO_TRANSCRIPT);
        return;
    }
    uint8_t digest[64];
    size_t dlen = 0;
    if (t->is13) {
        /* 64 spaces, the context string, a zero byte, the transcript hash */
        static const char *const context[2] = {
            "TLS 1.3, client CertificateVerify", "TLS 1.3, server CertificateVerify",
        };
        uint8_t pad[64], zero = 0, th[48];
        if (t->h13 == PRF_HASH_NONE || !tr_hash(&t->tr, t->h13, th)) {
            sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NO_TRANSCRIPT);
            return;
        }
        memset(pad, 0x20, sizeof pad);
        const char *ctx = context[dir == DIR_S2C];
        const uint8_t *parts[4] = { pad, (const uint8_t *)ctx, &zero, th };
        size_t lens[4] = { sizeof pad, strlen(ctx), 1, prf_hash_len(t->h13) };
        if (!digest_of(s, parts, lens, 4, digest, &dlen)) {
            sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", NOT_SUPPORTED);
            return;
        }
        verify_digest(t, pk, s, digest, dlen, sig, slen, "the transcript hash");
        return;
    }
    if (!transcript_digest12(t, s, digest, &dlen)) {
        sig_result(t, CRYPTO_SIGNATURE_UNCHECKED, "%s", t->raw_overflow ? TOO_LARGE : NO_TRANSCRIPT);
        return;
    }
    verify_digest(t, pk, s, digest, dlen, sig, slen, "the handshake messages");
}

static void reset_for_new_handshake(tls_crypto *t)
{
    /* Renegotiation (TLS <= 1.2): a new ClientHello starts a new transcript
     * and key schedule; the current read states stay until the next CCS. */
    tr_reset(&t->tr);
    t->have_master = false;
    t->keys_derived = false;
    t->cke_seen = false;
    t->enc_pms_len = 0;
    t->session_hash_len = 0;
    t->pms_tried = false;
    t->have_new_ticket = false;
    t->resumed_from_cache = false;
    t->have_suite = false;
    t->transcript_gap = false;
    t->cert_requested = false;
    /* the certificates of the new handshake vouch for its signatures */
    forget_key(t, DIR_C2S);
    forget_key(t, DIR_S2C);
    for (int i = 0; i < 2; i++) {
        drop(&t->d[i].pending);
        t->d[i].finished = false;
        t->d[i].have_expected = false;
    }
    mbedtls_platform_zeroize(t->master, sizeof t->master);
}

crypto_finished crypto_handshake(tls_crypto *t, direction dir, const uint8_t *msg, size_t len)
{
    cursor c = cur_make(msg, len), body;
    uint8_t type;
    uint32_t blen;
    if (!cur_u8(&c, &type) || !cur_u24(&c, &blen) || !cur_sub(&c, blen, &body)) return CRYPTO_FINISHED_NONE;
    conn_state *cs = t->c;
    crypto_finished res = CRYPTO_FINISHED_NONE;
    t->sig = CRYPTO_SIGNATURE_NONE;
    t->sig_detail[0] = 0;

    if (t->transcript_frozen) {
        /* TLS 1.3 post-handshake messages are not in the transcript. */
        if (type == HT_KEY_UPDATE) key_update13(t, dir);
        return CRYPTO_FINISHED_NONE;
    }
    switch (type) {
    case HT_HELLO_REQUEST:
        return CRYPTO_FINISHED_NONE;          /* never hashed */
    case HT_CLIENT_HELLO:
        if (!t->hrr_pending && t->tr.any) reset_for_new_handshake(t);
        if (!t->hrr_pending) raw_start(t);
        t->hrr_pending = false;
        t->hello_in_transcript = true;
        hs_add(t, msg, len);
        parse_client_hello_ticket(t, body);
        on_client_hello_early(t);
        return CRYPTO_FINISHED_NONE;
    case HT_SERVER_HELLO: {
        cursor b = body;
        const uint8_t *random;
        if (cur_skip(&b, 2) && cur_bytes(&b, 32, &random) && memcmp(random, HRR_RANDOM, 32) == 0) {
            raw_stop(t);
            tr_replace_with_message_hash(&t->tr);
            tr_add(&t->tr, msg, len);
            t->hrr_pending = true;
            return CRYPTO_FINISHED_NONE;
        }
        hs_add(t, msg, len);
        if (suite_known(t)) tr_keep_only(&t->tr, prf_hash_for(cs->version, &t->suite));
        if (cs->version == TLS_VERSION_TLS13) {
            raw_stop(t);   /* TLS 1.3 signs transcript hashes the running ones give */
            on_server_hello13(t);
        }
        return CRYPTO_FINISHED_NONE;
    }
    case HT_CERTIFICATE:
        hs_add(t, msg, len);
        take_certificate(t, dir, body);
        return CRYPTO_FINISHED_NONE;
    case HT_SERVER_KEY_EXCHANGE:
        hs_add(t, msg, len);
        if (dir == DIR_S2C) check_server_key_exchange(t, body);
        return CRYPTO_FINISHED_NONE;
    case HT_CERTIFICATE_REQUEST:
        hs_add(t, msg, len);
        t->cert_requested = true;
        return CRYPTO_FINISHED_NONE;
    case HT_SERVER_HELLO_DONE:
        hs_add(t, msg, len);
        /* no client certificate asked for: no client CertificateVerify */
        if (!t->cert_requested) raw_stop(t);
        return CRYPTO_FINISHED_NONE;
    case HT_CERTIFICATE_VERIFY:
        check_certificate_verify(t, dir, body);   /* against the transcript before it */
        hs_add(t, msg, len);
        if (!t->is13) raw_stop(t);
        return CRYPTO_FINISHED_NONE;
    case HT_CLIENT_KEY_EXCHANGE:
        hs_add(t, msg, len);
        if (dir != DIR_C2S || t->is13) return CRYPTO_FINISHED_NONE;
        t->cke_seen = true;
        take_encrypted_pms(t, body);
        if (is_tls12_or_below(cs) && suite_known(t)) {
            prf_hash h = prf_hash_for(cs->version, &t->suite);
            if (tr_hash(&t->tr, h, t->session_hash)) t->session_hash_len = prf_hash_len(h);
        }
        derive_tls12(t);
        return CRYPTO_FINISHED_NONE;
    case HT_NEW_SESSION_TICKET:
        if (t->is13) return CRYPTO_FINISHED_NONE;    /* post-handshake */
        hs_add(t, msg, len);
        {
            cursor b = body, ticket;
            if (t->secrets && cur_skip(&b, 4) && cur_block(&b, 2, &ticket) && !cur_empty(&ticket)) {
                const uint8_t *p;
                size_t n;
                cur_skip_rest(&ticket, &p, &n);
                t->have_new_ticket = prf_hash_buf(PRF_SHA256, p, n, t->new_ticket_hash) == 0;
                if (t->have_master) cache_store(t);
            }
        }
        return CRYPTO_FINISHED_NONE;
    case HT_END_OF_EARLY_DATA:
        hs_add(t, msg, len);
        t->eoed_seen = true;
        t->early_done = true;
        drop(&t->d[DIR_C2S].early);
        return CRYPTO_FINISHED_NONE;
    case HT_FINISHED:
        res = check_finished(t, dir, body);
        hs_add(t, msg, len);
        t->d[dir].finished = true;
        if (dir == DIR_C2S) raw_stop(t);
        if (t->is13) {
            if (dir == DIR_S2C) {
                install_app13(t, DIR_S2C, true);
                uint8_t ex[48];
                if (lookup13(t, KEYLOG_EXPORTER_SECRET, ex)) {
                    emit(t, "exporter_master_secret", ex, prf_hash_len(t->h13),
                         "From the key log (EXPORTER_SECRET line); keying material exporters derive from it.");
                    mbedtls_platform_zeroize(ex, sizeof ex);
                }
            } else {
                t->early_done = true;
                drop(&t->d[DIR_C2S].early);
                install_app13(t, DIR_C2S, true);
                t->transcript_frozen = true;
            }
        } else if (t->d[DIR_C2S].finished && t->d[DIR_S2C].finished) {
            cache_store(t);
        }
        return res;
    case HT_KEY_UPDATE:
        if (t->is13) key_update13(t, dir);
        return CRYPTO_FINISHED_NONE;
    case HT_ENCRYPTED_EXTENSIONS:
        hs_add(t, msg, len);
        {
            cursor b = body, exts;
            if (cur_block(&b, 2, &exts))
                while (!cur_empty(&exts)) {
                    uint16_t et;
                    cursor data;
                    if (!cur_u16(&exts, &et) || !cur_block(&exts, 2, &data)) break;
                    if (et == EXT_EARLY_DATA) t->early_accepted = true;
                }
        }
        return CRYPTO_FINISHED_NONE;
    default:
        hs_add(t, msg, len);
        return CRYPTO_FINISHED_NONE;
    }
}

void crypto_transcript_gap(tls_crypto *t)
{
    t->transcript_gap = true;
}

void crypto_sslv2_client_hello(tls_crypto *t, const uint8_t *msg, size_t len)
{
    if (t->tr.any) reset_for_new_handshake(t);
    raw_start(t);
    t->hello_in_transcript = true;
    hs_add(t, msg, len);
}
