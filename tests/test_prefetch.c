/* RSA decryptions ahead of the dissector: the worker pool (answers equal
 * the direct decryption whoever computes them, full queues wait, advance
 * and shutdown free what nobody will take) and the scan that finds the
 * encrypted pre-master secrets in TLS streams. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "dissect/keyring.h"
#include "dissect/pms_pool.h"
#include "dissect/prescan.h"
#include "tests/testlib.h"

enum { N_SECRETS = 12, KEY_BITS = 1024, KEY_BYTES = KEY_BITS / 8 };

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context pk;
static uint8_t secrets[N_SECRETS][48];
static uint8_t encrypted[N_SECRETS][KEY_BYTES];

static bool make_key(void)
{
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&pk);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const uint8_t *)"t", 1) != 0 ||
        mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, KEY_BITS, 65537) != 0)
        return false;
    for (int i = 0; i < N_SECRETS; i++) {
        secrets[i][0] = 3;
        secrets[i][1] = 3;
        for (int k = 2; k < 48; k++) secrets[i][k] = (uint8_t)(i * 31 + k);
        if (mbedtls_rsa_pkcs1_encrypt(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PUBLIC, 48,
                                      secrets[i], encrypted[i]) != 0)
            return false;
    }
    return true;
}

static void check_answer(pms_pool *p, int i)
{
    uint8_t out[KEY_BYTES];
    size_t olen = 0;
    CHECK_EQ_INT(pms_pool_decrypt(p, 0, encrypted[i], KEY_BYTES, out, sizeof out, &olen), 0);
    CHECK_EQ_INT(olen, 48);
    CHECK(memcmp(out, secrets[i], 48) == 0);
}

typedef struct submitter {
    pms_pool *p;
    int submitted;
} submitter;

static void *submit_all(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < N_SECRETS; i++)
        if (pms_pool_submit(s->p, 0, encrypted[i], KEY_BYTES, (uint64_t)i + 1)) s->submitted++;
    return NULL;
}

/* A submitter racing the dissector, with room for only 3: it waits when
 * ahead, its requests are dropped when behind, and every answer is right
 * whether a worker or the caller computed it. */
static void test_pool_ahead(void)
{
    const mbedtls_rsa_context *keys[1] = { mbedtls_pk_rsa(pk) };
    pms_pool *p = pms_pool_new(keys, 1, 1, 3);
    CHECK(p != NULL);
    if (!p) return;
    submitter s = { p, 0 };
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_all, &s) == 0);
    for (int i = 0; i < N_SECRETS; i++) {
        check_answer(p, i);
        pms_pool_advance(p, (uint64_t)i + 1);
    }
    pthread_join(t, NULL);
    CHECK_EQ_INT(s.submitted, N_SECRETS);
    CHECK(pms_pool_queued(p) <= N_SECRETS);
    pms_pool_free(p);
}

/* Answers nobody takes are dropped once the dissector is past them, so a
 * full pool makes room again; after a shutdown nothing more is queued but
 * decryption still works. */
static void test_pool_advance_and_shutdown(void)
{
    const mbedtls_rsa_context *keys[1] = { mbedtls_pk_rsa(pk) };
    pms_pool *p = pms_pool_new(keys, 1, 1, 2);
    CHECK(p != NULL);
    if (!p) return;
    CHECK(pms_pool_submit(p, 0, encrypted[0], KEY_BYTES, 10));
    CHECK(pms_pool_submit(p, 0, encrypted[1], KEY_BYTES, 10));
    CHECK(pms_pool_submit(p, 0, encrypted[1], KEY_BYTES, 10));   /* already there: no second slot */
    pms_pool_advance(p, 10);
    /* Both slots were given up (or will be, once their decryption ends):
     * these two would wait forever otherwise. */
    CHECK(pms_pool_submit(p, 0, encrypted[2], KEY_BYTES, 20));
    check_answer(p, 2);
    CHECK(pms_pool_submit(p, 0, encrypted[3], KEY_BYTES, 20));
    check_answer(p, 0);   /* dropped: decrypted by the caller */
    check_answer(p, 3);

    /* A block that is not PKCS#1 gives the same error either way. */
    uint8_t junk[KEY_BYTES], out[KEY_BYTES];
    memset(junk, 0x5a, sizeof junk);
    junk[0] = 0;
    size_t olen;
    int direct = mbedtls_rsa_pkcs1_decrypt(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PRIVATE,
                                           &olen, junk, out, sizeof out);
    CHECK(direct != 0);
    CHECK(pms_pool_submit(p, 0, junk, KEY_BYTES, 30));
    CHECK_EQ_INT(pms_pool_decrypt(p, 0, junk, KEY_BYTES, out, sizeof out, &olen), direct);

    /* Requests the pool cannot serve are refused, not queued. */
    CHECK(!pms_pool_submit(p, 1, encrypted[4], KEY_BYTES, 30));
    CHECK(!pms_pool_submit(p, -1, encrypted[4], KEY_BYTES, 30));
    CHECK_EQ_INT(pms_pool_key_for_length(p, KEY_BYTES), 0);
    CHECK_EQ_INT(pms_pool_key_for_length(p, 256), -1);

    pms_pool_shutdown(p);
    CHECK(!pms_pool_submit(p, 0, encrypted[5], KEY_BYTES, 40));
    check_answer(p, 5);
    pms_pool_free(p);

    /* Two keys of one size: nobody can tell which one a connection uses. */
    const mbedtls_rsa_context *twins[2] = { mbedtls_pk_rsa(pk), mbedtls_pk_rsa(pk) };
    p = pms_pool_new(twins, 2, 1, 2);
    CHECK(p != NULL);
    if (p) CHECK_EQ_INT(pms_pool_key_for_length(p, KEY_BYTES), -1);
    pms_pool_free(p);
}

/* ---- the scan ---- */

static size_t put_record(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
    out[0] = type;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    memcpy(out + 5, body, n);
    return 5 + n;
}

/* A ServerHello choosing `suite`, as a record. */
static size_t server_hello(uint8_t *out, uint16_t suite)
{
    uint8_t m[4 + 38 + 2] = { 2, 0, 0, 38 + 2, 3, 3 };
    /* random: zeros; session id: empty */
    m[4 + 35] = (uint8_t)(suite >> 8);
    m[4 + 36] = (uint8_t)suite;
    /* compression 0, then an empty extensions block */
    return put_record(out, 22, m, sizeof m);
}

/* A ClientKeyExchange with secret i, with the TLS length or (SSL 3.0)
 * without it, as a record. */
static size_t key_exchange(uint8_t *out, int i, bool with_length)
{
    uint8_t m[4 + 2 + KEY_BYTES];
    size_t body = KEY_BYTES + (with_length ? 2 : 0), at = 4;
    m[0] = 16;
    m[1] = 0;
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    if (with_length) {
        m[at++] = (uint8_t)(KEY_BYTES >> 8);
        m[at++] = (uint8_t)KEY_BYTES;
    }
    memcpy(m + at, encrypted[i], KEY_BYTES);
    return put_record(out, 22, m, 4 + body);
}

/* Feeds a whole stream one byte at a time (the worst segmentation). */
static bool feed_bytes(prescan_flow *f, keyring *kr, int side, const uint8_t *b, size_t n)
{
    bool more = true;
    for (size_t i = 0; i < n && more; i++) more = prescan_data(f, kr, side, b + i, 1, 1);
    return more;
}

static void test_scan(void)
{
    uint8_t pem[8192];
    CHECK(mbedtls_pk_write_key_pem(&pk, pem, sizeof pem) == 0);
    keyring *kr = keyring_new();
    char msg[256];
    CHECK_EQ_INT(keyring_add_buffer(kr, "generated", pem, strlen((char *)pem) + 1, NULL, msg, sizeof msg), KEYRING_OK);
    CHECK(keyring_start_workers(kr, 1));
    uint8_t s2c[128], c2s[512];

    /* RSA key exchange, byte by byte: one request, and the dissector's
     * decryption gives the secret. */
    prescan_flow *f = prescan_open();
    size_t n = server_hello(s2c, 0x009c);          /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
    CHECK(feed_bytes(f, kr, 1, s2c, n));
    n = key_exchange(c2s, 0, true);
    uint8_t ccs[1] = { 1 };
    n += put_record(c2s + n, 20, ccs, 1);
    CHECK(feed_bytes(f, kr, 0, c2s, n));   /* the server side is still open */
    CHECK_EQ_INT(keyring_prefetch_queued(kr), 1);
    const server_key *k = keyring_key(kr, 0);
    uint8_t secret[48];
    uint16_t version;
    CHECK_EQ_INT(keyring_decrypt_pms(kr, k, encrypted[0], KEY_BYTES, 0x0303, secret, &version), PMS_OK);
    CHECK(memcmp(secret, secrets[0], 48) == 0);
    prescan_close(f);

    /* SSL 3.0 puts no length before the block (one whose first bytes do
     * not happen to read as the length that would follow them). */
    int plain = 1;
    while ((encrypted[plain][0] << 8 | encrypted[plain][1]) == KEY_BYTES - 2) plain++;
    f = prescan_open();
    CHECK(prescan_data(f, kr, 1, s2c, server_hello(s2c, 0x002f), 2));
    n = key_exchange(c2s, plain, false);
    prescan_data(f, kr, 0, c2s, n, 2);
    CHECK_EQ_INT(keyring_prefetch_queued(kr), 2);
    keyring_prefetch_advance(kr, 2);
    prescan_close(f);

    /* ECDHE: no private key operation, and nothing more to look at. */
    f = prescan_open();
    CHECK(!prescan_data(f, kr, 1, s2c, server_hello(s2c, 0xc02f), 3));
    prescan_close(f);

    /* A ClientKeyExchange after the ChangeCipherSpec is encrypted: ignored. */
    f = prescan_open();
    prescan_data(f, kr, 1, s2c, server_hello(s2c, 0x009c), 4);
    n = put_record(c2s, 20, ccs, 1);
    n += key_exchange(c2s + n, 2, true);
    prescan_data(f, kr, 0, c2s, n, 4);
    CHECK_EQ_INT(keyring_prefetch_queued(kr), 2);
    prescan_close(f);

    /* Not TLS: given up at once. */
    f = prescan_open();
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    CHECK(prescan_data(f, kr, 0, http, sizeof http - 1, 5));
    CHECK(!prescan_data(f, kr, 1, http, sizeof http - 1, 5));
    prescan_close(f);

    /* An SSL 2.0 hello first, then the usual records. */
    f = prescan_open();
    /* msg_type 1, version 3.1, 3 bytes of cipher specs, no session ID, a
     * 16-byte challenge */
    uint8_t v2[2 + 9 + 3 + 16] = { 0x80, 9 + 3 + 16, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
                                   0x00, 0x00, 0x2f };
    prescan_data(f, kr, 1, s2c, server_hello(s2c, 0x009c), 6);
    prescan_data(f, kr, 0, v2, sizeof v2, 6);
    n = key_exchange(c2s, plain + 1, true);
    prescan_data(f, kr, 0, c2s, n, 6);
    CHECK_EQ_INT(keyring_prefetch_queued(kr), 3);
    prescan_close(f);

    keyring_free(kr);
}

/* The same ciphertext again is answered from the keyring's memory, and
 * only for the key that decrypted it. */
static void test_recent_answers(void)
{
    mbedtls_pk_context other;
    mbedtls_pk_init(&other);
    CHECK(mbedtls_pk_setup(&other, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
          mbedtls_rsa_gen_key(mbedtls_pk_rsa(other), mbedtls_ctr_drbg_random, &drbg, KEY_BITS, 65537) == 0);
    uint8_t pem[8192];
    char msg[256];
    keyring *kr = keyring_new();
    CHECK(mbedtls_pk_write_key_pem(&pk, pem, sizeof pem) == 0);
    CHECK_EQ_INT(keyring_add_buffer(kr, "a", pem, strlen((char *)pem) + 1, NULL, msg, sizeof msg), KEYRING_OK);
    CHECK(mbedtls_pk_write_key_pem(&other, pem, sizeof pem) == 0);
    CHECK_EQ_INT(keyring_add_buffer(kr, "b", pem, strlen((char *)pem) + 1, NULL, msg, sizeof msg), KEYRING_OK);
    uint8_t secret[48];
    uint16_t version;
    for (int round = 0; round < 3; round++) {
        memset(secret, 0, sizeof secret);
        CHECK_EQ_INT(keyring_decrypt_pms(kr, keyring_key(kr, 0), encrypted[4], KEY_BYTES, 0x0303, secret, &version),
                     PMS_OK);
        CHECK(memcmp(secret, secrets[4], 48) == 0);
        CHECK_EQ_INT(keyring_decrypt_pms(kr, keyring_key(kr, 0), encrypted[4], KEY_BYTES, 0x0302, secret, &version),
                     PMS_VERSION_MISMATCH);
        pms_status wrong = keyring_decrypt_pms(kr, keyring_key(kr, 1), encrypted[4], KEY_BYTES, 0x0303, secret,
                                               &version);
        CHECK(wrong != PMS_OK && wrong != PMS_VERSION_MISMATCH);
    }
    /* Many ciphertexts in turn: each gets its own answer. */
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N_SECRETS; i++) {
            CHECK_EQ_INT(keyring_decrypt_pms(kr, keyring_key(kr, 0), encrypted[i], KEY_BYTES, 0x0303, secret,
                                             &version), PMS_OK);
            CHECK(memcmp(secret, secrets[i], 48) == 0);
        }
    keyring_free(kr);
    mbedtls_pk_free(&other);
}

int main(void)
{
    CHECK(make_key());
    test_recent_answers();
    test_pool_ahead();
    test_pool_advance_and_shutdown();
    test_scan();
    mbedtls_pk_free(&pk);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return test_report("prefetch");
}
