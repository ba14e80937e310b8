/* A tiny test harness: CHECK records a failure with its location and goes
 * on, so one run shows every broken expectation. */
#ifndef TLSVIEW_TESTLIB_H
#define TLSVIEW_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>

extern int test_failures;
extern int test_checks;

void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parses hex (whitespace ignored) into a malloc'd buffer; *len gets its size. */
uint8_t *test_unhex(const char *hex, size_t *len);
int test_report(const char *name);
/* Deterministic pseudo-random bytes (the same sequence every run), for
 * tests that compare two implementations on many inputs. */
void test_random_bytes(uint8_t *p, size_t n);
/* Writes data[0..n) to path (replacing it); exits on failure. */
/* (Re)seeds drbg from fixed entropy and the personalization: keys and
 * signatures made from it are the same every run.  Exits on failure. */
void test_drbg_reseed(mbedtls_ctr_drbg_context *drbg, const char *personalization);
void test_write_file(const char *path, const void *data, size_t n);   /* prints "name: N checks, N failures"; exit status */

#define CHECK(cond) do { test_checks++; if (!(cond)) test_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); test_checks++; \
    if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); test_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)

#endif
