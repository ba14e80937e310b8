/* RSA decryptions of pre-master secrets done ahead of time, on other cores.
 *
 * With only a server key, nearly all of tlsview's time goes to RSA private
 * operations, one per connection, and they come one after the other in the
 * capture.  A reader running ahead of the dissector (cli/scout.c) submits
 * every encrypted pre-master secret it sees; worker threads decrypt them,
 * each with its own copy of the keys (an mbedTLS RSA context serialises
 * its private operations).  When the dissector reaches a ClientKeyExchange
 * it asks for the answer: ready, it is taken; queued, the dissector's
 * thread decrypts it itself; being decrypted, the dissector's thread helps
 * with the queue while it waits; never submitted, it is decrypted there and
 * then.  The answer is the same whoever computes it, so the output does
 * not depend on the threads.
 *
 * Submissions carry a tag (a packet count, see pms_pool_advance) so that
 * answers the dissector never asks for (a connection it judged otherwise)
 * do not pile up: at most `slots` are outstanding, and a submitter waits
 * for room. */
#ifndef TLSVIEW_PMS_POOL_H
#define TLSVIEW_PMS_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/rsa.h>

typedef struct pms_pool pms_pool;

/* Starts `workers` threads (at least 1) with copies of the n RSA keys
 * (which must outlive the pool).  NULL when memory, a key copy or a thread
 * cannot be had: the caller then decrypts on its own. */
pms_pool *pms_pool_new(const mbedtls_rsa_context *const *keys, size_t n, unsigned workers, size_t slots);

/* Stops and joins the workers, wakes any submitter (its submit returns
 * false) and zeroises every answer. */
void pms_pool_free(pms_pool *p);

/* Makes every waiting and later submission return false, and lets the
 * workers go once their current decryption is done; pms_pool_decrypt keeps
 * working (on the caller's thread). */
void pms_pool_shutdown(pms_pool *p);

/* The index of the only key whose modulus is len bytes, or -1 when none or
 * several are (the submitter cannot tell which the dissector will use). */
int pms_pool_key_for_length(const pms_pool *p, size_t len);

/* Queues the decryption of enc (len bytes, the key's modulus size) with key
 * `key`, unless it is already there or the dissector is already past `tag`
 * (see pms_pool_advance).  Waits while every slot is taken.
 * False when the pool is shutting down or the request is unusable. */
bool pms_pool_submit(pms_pool *p, int key, const uint8_t *enc, size_t len, uint64_t tag);

/* Gives up the answers with a tag at or below `tag` that nobody took: the
 * dissector has read every packet up to that count. */
void pms_pool_advance(pms_pool *p, uint64_t tag);

/* The PKCS#1 v1.5 decryption of enc with key `key`: the mbedTLS return
 * code, and on 0 the plaintext (at most out_cap bytes) and its length.
 * Never fails for want of a submission (see above).  For one thread only:
 * the dissector's. */
int pms_pool_decrypt(pms_pool *p, int key, const uint8_t *enc, size_t len, uint8_t *out, size_t out_cap,
                     size_t *olen);

/* How many requests were queued so far (for the tests). */
uint64_t pms_pool_queued(pms_pool *p);

#endif
