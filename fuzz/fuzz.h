/* What the fuzz targets share.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput.  Built with
 * -Dfuzzing=libfuzzer it links libFuzzer; otherwise replay.c supplies a
 * main() that runs it over saved inputs (the test suite replays
 * fuzz/corpus/<target>/ and fuzz/regressions/<target>/ that way).
 *
 * Targets read their input through the same bounds-checked cursor as the
 * dissector (dissect/cursor.h); reads past the end yield zeros. */
#ifndef TLSVIEW_FUZZ_H
#define TLSVIEW_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/cursor.h"
#include "dissect/sink.h"

struct keylog;
struct keyring;
struct cert_store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input helpers: 0 when the input is used up. */
uint8_t fz_u8(cursor *in);
uint16_t fz_u16(cursor *in);
uint32_t fz_u32(cursor *in);
/* Up to n bytes (fewer at the end of the input); *got says how many. */
const uint8_t *fz_bytes(cursor *in, size_t n, size_t *got);

/* The keys of samples/ (built into the fuzz programs, made once, never
 * freed): every sample's key log lines, the server's RSA key, the CA. */
struct keylog *fuzz_sample_keylog(void);
struct keyring *fuzz_sample_keyring(void);
struct cert_store *fuzz_sample_cas(void);
/* The sample server certificate, DER. */
const uint8_t *fuzz_sample_server_cert(size_t *len);

/* A sink that checks what the dissector promises about every step and
 * connection (fields lie within the step's bytes and within their parent,
 * texts are terminated, ...), aborts when a promise is broken, and frees
 * the steps. */
sink *fuzz_checking_sink(void);
/* Checks one step as fuzz_checking_sink does (without freeing it). */
void fuzz_check_step(const step *s);
void fuzz_check_conn(const conn_state *c);

/* Puts bytes in an anonymous in-memory file and writes a path that opens
 * it into path[n].  Returns the descriptor (close it when done), or -1. */
int fuzz_memfile(const uint8_t *data, size_t len, char *path, size_t n);

/* Aborts with a message: a broken promise. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
