/* rsa-speed: the cost of one RSA private-key operation with mbedTLS, as
 * tlsview did it to recover a pre-master secret (PKCS#1 v1.5 decryption,
 * CRT, blinding from a CTR-DRBG) and still does for the keys its own code
 * does not take on, plus the cost of matching a certificate's public key to
 * the private key (parse SubjectPublicKeyInfo + check pair).  Built with
 * WITH_TLSVIEW_RSA and tlsview's library, it also times tlsview's own
 * decryption (dissect/rsa_private.c) on one thread.
 *
 *   rsa-speed [-s SECONDS] [-t THREADS] [--shared] [KEY.pem]
 *
 * Without KEY.pem a 2048-bit key is generated.  With -t N, N threads decrypt
 * at once, each with its own copy of the key and its own DRBG; --shared makes
 * them use one context, as a single keyring would (mbedTLS then serialises
 * the private operations on the context's mutex).
 *
 * Output: one line per measurement, "name key=value ...", for bench/run.py.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#ifdef WITH_TLSVIEW_RSA
#include "dissect/rsa_private.h"
#endif

#define PMS_LEN 48
#define MAX_THREADS 64

typedef struct {
    mbedtls_rsa_context *rsa;
    mbedtls_ctr_drbg_context *drbg;
    const unsigned char *enc;
    const unsigned char *expect;
    double seconds;
    unsigned long ops;
    bool failed;
} worker;

static mbedtls_entropy_context entropy;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int seed(mbedtls_ctr_drbg_context *d, const char *who)
{
    mbedtls_ctr_drbg_init(d);
    return mbedtls_ctr_drbg_seed(d, mbedtls_entropy_func, &entropy, (const unsigned char *)who, strlen(who));
}

static void *work(void *arg)
{
    worker *w = arg;
    unsigned char out[MBEDTLS_MPI_MAX_SIZE];
    double end = now() + w->seconds;
    do {
        for (int i = 0; i < 8; i++) {   /* check the clock every few operations */
            size_t olen = 0;
            if (mbedtls_rsa_pkcs1_decrypt(w->rsa, mbedtls_ctr_drbg_random, w->drbg, MBEDTLS_RSA_PRIVATE, &olen,
                                          w->enc, out, sizeof out) != 0 ||
                olen != PMS_LEN || memcmp(out, w->expect, PMS_LEN) != 0) {
                w->failed = true;
                return NULL;
            }
            w->ops++;
        }
    } while (now() < end);
    return NULL;
}

static void usage(void)
{
    fputs("usage: rsa-speed [-s SECONDS] [-t THREADS] [--shared] [KEY.pem]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double seconds = 3;
    int threads = 1;
    bool shared = false;
    const char *keyfile = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--shared") == 0) shared = true;
        else if (argv[i][0] == '-') usage();
        else keyfile = argv[i];
    }
    if (seconds <= 0 || threads < 1 || threads > MAX_THREADS) usage();

    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_context main_drbg;
    if (seed(&main_drbg, "rsa-speed") != 0) {
        fputs("rsa-speed: cannot seed the DRBG\n", stderr);
        return 1;
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    if (keyfile) {
        int r = mbedtls_pk_parse_keyfile(&pk, keyfile, NULL);
        if (r != 0 || !mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA)) {
            fprintf(stderr, "rsa-speed: %s: not an RSA private key (-0x%04x)\n", keyfile, (unsigned)-r);
            return 1;
        }
    } else if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
               mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &main_drbg, 2048, 65537) != 0) {
        fputs("rsa-speed: cannot generate a key\n", stderr);
        return 1;
    }
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(pk);
    size_t bits = mbedtls_pk_get_bitlen(&pk);

    /* A pre-master secret, encrypted as a client would. */
    unsigned char pms[PMS_LEN], enc[MBEDTLS_MPI_MAX_SIZE];
    mbedtls_ctr_drbg_random(&main_drbg, pms, sizeof pms);
    pms[0] = 3, pms[1] = 3;
    if (mbedtls_rsa_pkcs1_encrypt(rsa, mbedtls_ctr_drbg_random, &main_drbg, MBEDTLS_RSA_PUBLIC, sizeof pms, pms,
                                  enc) != 0) {
        fputs("rsa-speed: cannot encrypt\n", stderr);
        return 1;
    }

    /* Matching a certificate's key: parse the public key, check the pair. */
    unsigned char spki_buf[4096];
    int spki_len = mbedtls_pk_write_pubkey_der(&pk, spki_buf, sizeof spki_buf);
    if (spki_len <= 0) {
        fputs("rsa-speed: cannot write the public key\n", stderr);
        return 1;
    }
    const unsigned char *spki = spki_buf + sizeof spki_buf - spki_len;
    unsigned long match_ops = 0;
    double t0 = now(), match_end = t0 + (seconds < 1 ? seconds : 1);
    do {
        mbedtls_pk_context pub;
        mbedtls_pk_init(&pub);
        if (mbedtls_pk_parse_public_key(&pub, spki, (size_t)spki_len) != 0 || mbedtls_pk_check_pair(&pub, &pk) != 0) {
            fputs("rsa-speed: the key does not match itself\n", stderr);
            return 1;
        }
        mbedtls_pk_free(&pub);
        match_ops++;
    } while (now() < match_end);
    double match_wall = now() - t0;
    printf("pk_match bits=%zu ops=%lu seconds=%.3f us_per_op=%.1f\n", bits, match_ops, match_wall,
           match_wall * 1e6 / (double)match_ops);

#ifdef WITH_TLSVIEW_RSA
    /* tlsview's own decryption, on this thread. */
    rsa_private_key *fast = rsa_private_key_new(rsa);
    if (fast) {
        unsigned long fast_ops = 0;
        double f0 = cpu_now(), fast_end = now() + seconds;
        do {
            unsigned char out[MBEDTLS_MPI_MAX_SIZE];
            size_t olen = 0;
            if (rsa_private_decrypt(fast, enc, out, sizeof out, &olen) != 0 || olen != PMS_LEN ||
                memcmp(out, pms, PMS_LEN) != 0) {
                fputs("rsa-speed: tlsview's decryption failed\n", stderr);
                return 1;
            }
            fast_ops++;
        } while (now() < fast_end);
        double fast_cpu = cpu_now() - f0;
        printf("tlsview_private bits=%zu ops=%lu cpu_seconds=%.3f us_per_op=%.1f\n", bits, fast_ops, fast_cpu,
               fast_cpu * 1e6 / (double)fast_ops);
        rsa_private_key_free(fast);
    }
#endif

    /* The private operation, on THREADS threads. */
    mbedtls_rsa_context copies[MAX_THREADS];
    mbedtls_ctr_drbg_context drbgs[MAX_THREADS];
    worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){ .rsa = rsa, .drbg = &main_drbg, .enc = enc, .expect = pms, .seconds = seconds };
        if (!shared) {
            char who[32];
            snprintf(who, sizeof who, "rsa-speed %d", i);
            mbedtls_rsa_init(&copies[i], MBEDTLS_RSA_PKCS_V15, 0);
            if (mbedtls_rsa_copy(&copies[i], rsa) != 0 || seed(&drbgs[i], who) != 0) {
                fputs("rsa-speed: cannot copy the key\n", stderr);
                return 1;
            }
            w[i].rsa = &copies[i];
            w[i].drbg = &drbgs[i];
        }
    }
    double c0 = cpu_now();
    t0 = now();
    for (int i = 0; i < threads; i++)
        if (pthread_create(&tid[i], NULL, work, &w[i]) != 0) {
            fputs("rsa-speed: cannot start a thread\n", stderr);
            return 1;
        }
    unsigned long ops = 0;
    bool failed = false;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        ops += w[i].ops;
        failed |= w[i].failed;
    }
    double wall = now() - t0, cpu = cpu_now() - c0;
    if (failed || ops == 0) {
        fputs("rsa-speed: a decryption failed\n", stderr);
        return 1;
    }
    printf("rsa_private bits=%zu threads=%d shared=%d ops=%lu seconds=%.3f cpu_seconds=%.3f ops_per_sec=%.1f "
           "us_per_op=%.1f\n",
           bits, threads, shared ? 1 : 0, ops, wall, cpu, (double)ops / wall, cpu * 1e6 / (double)ops);

    for (int i = 0; i < threads && !shared; i++) {
        mbedtls_rsa_free(&copies[i]);
        mbedtls_ctr_drbg_free(&drbgs[i]);
    }
    mbedtls_pk_free(&pk);
    mbedtls_ctr_drbg_free(&main_drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}
