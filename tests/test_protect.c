/* Record protection: records made by an independent implementation
 * (tests/gen_protect_vectors.py) must open to their plaintext, and any
 * change to a tag, MAC, padding, key or sequence number must fail
 * authentication.  Plus the encrypted server flight of RFC 8448 section 3. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/md.h>

#include "dissect/protect.h"
#include "tests/testlib.h"

typedef struct protect_record {
    uint8_t type;
    uint16_t version;
    const char *frag;
    const char *plain;
    uint8_t inner;
} protect_record;

typedef struct protect_vector {
    const char *name;
    uint16_t version;
    tls_cipher_alg cipher;
    tls_mac_alg mac;
    bool etm;
    uint64_t seq0;
    const char *key, *iv, *mac_key;
    unsigned n;
    protect_record rec[3];
} protect_vector;

#include "tests/protect_vectors.h"

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static bytes B(const char *hex)
{
    bytes b;
    b.p = test_unhex(hex, &b.n);
    return b;
}

static size_t wanted;   /* app_data_wanted for make() */

static protect_ctx *make(const protect_vector *v, int key_flip)
{
    bytes key = B(v->key), iv = B(v->iv), mk = B(v->mac_key);
    /* 0x80, not 0x01: DES ignores the low (parity) bit of each key byte */
    if (key_flip && key.n) key.p[0] ^= 0x80;
    if (key_flip && !key.n && mk.n) mk.p[0] ^= 0x80;     /* NULL cipher: the MAC key */
    protect_params p = {
        .version = v->version, .cipher = v->cipher, .mac = v->mac, .encrypt_then_mac = v->etm,
        .key = key.p, .key_len = key.n, .iv = iv.p, .iv_len = iv.n, .mac_key = mk.p, .mac_key_len = mk.n,
        .app_data_wanted = wanted,
    };
    const char *why = NULL;
    protect_ctx *pc = protect_new(&p, &why);
    if (!pc) test_fail(__FILE__, __LINE__, "%s: protect_new failed: %s", v->name, why ? why : "?");
    else protect_set_seq(pc, v->seq0);
    free(key.p);
    free(iv.p);
    free(mk.p);
    return pc;
}

/* Opens every record of a vector; mutate(record index, fragment) may
 * change one.  Returns the status of record `which` (or of the last). */
typedef void (*mutator)(unsigned idx, bytes *frag);

static protect_status run(const protect_vector *v, protect_ctx *pc, unsigned which, mutator m,
                          bool check_plain)
{
    protect_status last = PROTECT_OK;
    for (unsigned i = 0; i < v->n; i++) {
        bytes f = B(v->rec[i].frag), want = B(v->rec[i].plain);
        if (m) m(i, &f);
        uint8_t *out = malloc(f.n + 1);
        size_t n = 0;
        uint8_t inner = 0;
        protect_status st = protect_open(pc, v->rec[i].type, v->rec[i].version, f.p, f.n, out, &n, &inner);
        if (check_plain) {
            if (st != PROTECT_OK)
                test_fail(__FILE__, __LINE__, "%s record %u: status %d (%s)", v->name, i, st, protect_detail(pc));
            else if (n != want.n || inner != v->rec[i].inner ||
                     memcmp(out, want.p, wanted && inner == 23 && n > wanted ? wanted : n) != 0)
                test_fail(__FILE__, __LINE__, "%s record %u: wrong plaintext (%zu bytes, type %u)", v->name, i, n, inner);
            test_checks++;
        }
        if (i == which) last = st;
        free(out);
        free(f.p);
        free(want.p);
        if (i == which && !check_plain) break;
    }
    return last;
}

static unsigned target;
static void flip_last(unsigned idx, bytes *f) { if (idx == target && f->n) f->p[f->n - 1] ^= 0x80; }
static void flip_first(unsigned idx, bytes *f) { if (idx == target && f->n) f->p[0] ^= 0x01; }
static void flip_middle(unsigned idx, bytes *f) { if (idx == target && f->n) f->p[f->n / 2] ^= 0x10; }
static void truncate_all(unsigned idx, bytes *f) { if (idx == target) f->n = f->n > 3 ? 3 : f->n; }

static void test_vectors(void)
{
    size_t nv = sizeof protect_vectors / sizeof protect_vectors[0];
    for (size_t k = 0; k < nv; k++) {
        const protect_vector *v = &protect_vectors[k];
        if (!protect_cipher_supported(v->cipher)) {
            printf("  skipped %s: cipher not in this mbedTLS\n", v->name);
            continue;
        }
        /* opens as made */
        protect_ctx *pc = make(v, 0);
        if (!pc) continue;
        run(v, pc, v->n - 1, NULL, true);
        CHECK_EQ_INT(protect_seq(pc), v->seq0 + v->n);
        protect_free(pc);
        /* the same wanting only the start of application data: its length
         * and type stay, its first bytes are there, other records whole */
        wanted = 5;
        pc = make(v, 0);
        if (pc) run(v, pc, v->n - 1, NULL, true);
        protect_free(pc);
        wanted = 0;

        /* any change to any record fails authentication (the earlier
         * records still open) */
        mutator muts[] = { flip_last, flip_first, flip_middle };
        for (unsigned r = 0; r < v->n; r++)
            for (unsigned mi = 0; mi < 3; mi++) {
                target = r;
                pc = make(v, 0);
                protect_status st = run(v, pc, r, muts[mi], false);
                if (st != PROTECT_AUTH_FAILED)
                    test_fail(__FILE__, __LINE__, "%s: record %u mutation %u gave %d, not AUTH_FAILED",
                              v->name, r, mi, st);
                test_checks++;
                protect_free(pc);
            }

        /* a wrong key */
        pc = make(v, 1);
        target = 0;
        CHECK_EQ_INT(run(v, pc, 0, NULL, false), PROTECT_AUTH_FAILED);
        protect_free(pc);

        /* a wrong sequence number */
        pc = make(v, 0);
        protect_set_seq(pc, v->seq0 + 1);
        CHECK_EQ_INT(run(v, pc, 0, NULL, false), PROTECT_AUTH_FAILED);
        protect_free(pc);

        /* a record too short to be one */
        pc = make(v, 0);
        target = 0;
        protect_status st = run(v, pc, 0, truncate_all, false);
        if (st != PROTECT_MALFORMED)
            test_fail(__FILE__, __LINE__, "%s: truncated record gave %d", v->name, st);
        test_checks++;
        protect_free(pc);

        /* skipping the first record keeps the rest in step (sequence
         * number, chained IV, RC4 key stream) */
        if (v->n >= 2) {
            pc = make(v, 0);
            bytes f = B(v->rec[0].frag), want = B(v->rec[1].plain), g = B(v->rec[1].frag);
            CHECK(protect_skip(pc, f.p, f.n));
            uint8_t *out = malloc(g.n);
            size_t n;
            uint8_t inner;
            st = protect_open(pc, v->rec[1].type, v->rec[1].version, g.p, g.n, out, &n, &inner);
            if (st != PROTECT_OK || n != want.n || memcmp(out, want.p, n) != 0)
                test_fail(__FILE__, __LINE__, "%s: record 1 after skipping record 0: %d", v->name, st);
            test_checks++;
            free(out);
            free(f.p);
            free(g.p);
            free(want.p);
            protect_free(pc);
        }
    }
}

static void test_tls13_padding_only(void)
{
    const protect_vector *v = &protect_allzero_vector;
    protect_ctx *pc = make(v, 0);
    bytes f = B(v->rec[0].frag);
    uint8_t out[64];
    size_t n;
    uint8_t inner;
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, f.p, f.n, out, &n, &inner), PROTECT_MALFORMED);
    CHECK(strstr(protect_detail(pc), "padding") != NULL);
    free(f.p);
    protect_free(pc);
}

static void test_bad_params(void)
{
    uint8_t key[32] = { 0 }, iv[16] = { 0 };
    const char *why = NULL;
    protect_params p = { .version = 0x0303, .cipher = CIPHER_ARIA_128_GCM, .key = key, .key_len = 16,
                         .iv = iv, .iv_len = 4 };
    CHECK(protect_new(&p, &why) == NULL);
    CHECK(why && strstr(why, "not supported"));
    p.cipher = CIPHER_AES_128_GCM;
    p.key_len = 15;
    CHECK(protect_new(&p, NULL) == NULL);
    p.key_len = 16;
    p.iv_len = 12;                  /* TLS 1.2 GCM wants a 4-byte salt */
    CHECK(protect_new(&p, NULL) == NULL);
    p.version = 0x0304;             /* TLS 1.3 wants 12 */
    protect_ctx *pc = protect_new(&p, NULL);
    CHECK(pc != NULL);
    CHECK_STR(protect_describe(pc), "AES-128-GCM");
    protect_free(pc);
    p.cipher = CIPHER_AES_128_CBC;  /* TLS 1.3 has no CBC */
    p.iv_len = 0;
    CHECK(protect_new(&p, NULL) == NULL);
    p.version = 0x0303;
    p.mac = MAC_SHA1;
    p.mac_key = key;
    p.mac_key_len = 20;
    pc = protect_new(&p, NULL);
    CHECK(pc != NULL);
    if (pc) CHECK_STR(protect_describe(pc), "AES-128-CBC with HMAC-SHA1");
    protect_free(pc);
    p.mac_key_len = 32;             /* the MAC key must fit the MAC */
    CHECK(protect_new(&p, NULL) == NULL);
}

/* RFC 8448 section 3: the server's EncryptedExtensions..Finished record,
 * opened with the server handshake key and IV the RFC lists. */
static const char rfc8448_record[] =
    "d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb"
    "960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b"
    "8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f"
    "1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06a"
    "a6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3"
    "684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264e"
    "d6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49ee"
    "da0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc733"
    "9d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd8"
    "9fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa"
    "4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae"
    "69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de9"
    "3b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a6"
    "31ede42c1719bfdabf0253fe5175be898e750edc53370d2b";

static const char rfc8448_plain_head[] = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
static const char rfc8448_plain_tail[] = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";

static void test_rfc8448_record(void)
{
    bytes key = B("3fce516009c21727d0f2e4e86ee403bc"), iv = B("5d313eb2671276ee13000b30");
    protect_params p = { .version = 0x0304, .cipher = CIPHER_AES_128_GCM, .key = key.p, .key_len = key.n,
                         .iv = iv.p, .iv_len = iv.n };
    protect_ctx *pc = protect_new(&p, NULL);
    bytes rec = B(rfc8448_record), head = B(rfc8448_plain_head), tail = B(rfc8448_plain_tail);
    CHECK_EQ_INT(rec.n, 674);
    uint8_t *out = malloc(rec.n);
    size_t n = 0;
    uint8_t inner = 0;
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec.p, rec.n, out, &n, &inner), PROTECT_OK);
    CHECK_EQ_INT(inner, 22);
    CHECK_EQ_INT(n, 657);          /* EE 40 + Certificate 445 + CertificateVerify 136 + Finished 36 */
    CHECK(n >= head.n && memcmp(out, head.p, head.n) == 0);
    CHECK(n >= tail.n && memcmp(out + n - tail.n, tail.p, tail.n) == 0);
    CHECK_EQ_INT(protect_seq(pc), 1);
    /* the same record again: the sequence number moved on, so it fails */
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec.p, rec.n, out, &n, &inner), PROTECT_AUTH_FAILED);
    /* a different header (AAD) fails too */
    protect_set_seq(pc, 0);
    CHECK_EQ_INT(protect_open(pc, 23, 0x0301, rec.p, rec.n, out, &n, &inner), PROTECT_AUTH_FAILED);
    protect_free(pc);
    free(out);
    free(rec.p);
    free(head.p);
    free(tail.p);
    free(key.p);
    free(iv.p);
}

/* TLS 1.3 application data of which only the start is wanted, behind
 * more zero padding than one step of the backward search for its type,
 * and a handshake record that must still open whole. */
static void seal13(const uint8_t key[16], const uint8_t iv[12], uint64_t seq, const uint8_t *inner, size_t n,
                   uint8_t *rec)
{
    uint8_t nonce[12];
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++) nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    size_t len = n + 16;
    uint8_t hdr[5] = { 23, 3, 3, (uint8_t)(len >> 8), (uint8_t)len };
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128);
    mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, nonce, 12, hdr, 5, inner, rec, 16, rec + n);
    mbedtls_gcm_free(&g);
}

static void test_app_data_in_part(void)
{
    uint8_t key[16], iv[12], inner[400], rec[416], out[416];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)(i * 7 + 1);
    for (int i = 0; i < 12; i++) iv[i] = (uint8_t)(i * 13 + 5);
    protect_params p = { .version = 0x0304, .cipher = CIPHER_AES_128_GCM, .key = key, .key_len = 16, .iv = iv,
                         .iv_len = 12, .app_data_wanted = 16 };
    protect_ctx *pc = protect_new(&p, NULL);
    CHECK(pc != NULL);
    if (!pc) return;
    for (int i = 0; i < 100; i++) inner[i] = (uint8_t)('A' + i % 26);
    inner[100] = 23;
    memset(inner + 101, 0, 200);                 /* 200 bytes of padding */
    seal13(key, iv, 0, inner, 301, rec);
    memset(out, 0xee, sizeof out);
    size_t n = 0;
    uint8_t type = 0;
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec, 317, out, &n, &type), PROTECT_OK);
    CHECK_EQ_INT(type, 23);
    CHECK_EQ_INT(n, 100);
    CHECK(memcmp(out, inner, 16) == 0);
    CHECK_EQ_INT(out[30], 0xee);   /* neither wanted nor on the way back to the type: not decrypted */
    /* a handshake record, longer than what is wanted, opens whole */
    for (int i = 0; i < 300; i++) inner[i] = (uint8_t)(i * 31 + 3);
    inner[300] = 22;
    seal13(key, iv, 1, inner, 301, rec);
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec, 317, out, &n, &type), PROTECT_OK);
    CHECK_EQ_INT(type, 22);
    CHECK_EQ_INT(n, 300);
    CHECK(memcmp(out, inner, 300) == 0);
    /* a damaged one is still refused, though it would not all be read */
    seal13(key, iv, 2, inner, 301, rec);
    rec[200] ^= 1;
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec, 317, out, &n, &type), PROTECT_AUTH_FAILED);
    protect_free(pc);
}

static void test_oversize(void)
{
    /* A NULL-SHA256 record with a 16385-byte plaintext, its MAC made here
     * with mbedTLS's HMAC directly: opened, and flagged as oversize. */
    uint8_t mk[32];
    memset(mk, 7, sizeof mk);
    protect_params p = { .version = 0x0303, .cipher = CIPHER_NULL, .mac = MAC_SHA256, .mac_key = mk,
                         .mac_key_len = 32 };
    protect_ctx *pc = protect_new(&p, NULL);
    size_t plen = (1 << 14) + 1;
    uint8_t *rec = calloc(plen + 32, 1), *out = malloc(plen + 32), *mac_in = malloc(13 + plen);
    memset(rec, 'x', plen);
    uint8_t hdr[13] = { 0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, (uint8_t)(plen >> 8), (uint8_t)plen };
    memcpy(mac_in, hdr, 13);
    memcpy(mac_in + 13, rec, plen);
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), mk, 32, mac_in, 13 + plen, rec + plen);
    size_t n;
    uint8_t inner;
    CHECK_EQ_INT(protect_open(pc, 23, 0x0303, rec, plen + 32, out, &n, &inner), PROTECT_OK);
    CHECK_EQ_INT(n, plen);
    CHECK(protect_oversize(pc));
    CHECK(strstr(protect_detail(pc), "16385") != NULL);
    protect_free(pc);
    free(rec);
    free(out);
    free(mac_in);
}

int main(void)
{
    test_app_data_in_part();
    test_vectors();
    test_tls13_padding_only();
    test_bad_params();
    test_rfc8448_record();
    test_oversize();
    return test_report("protect");
}
