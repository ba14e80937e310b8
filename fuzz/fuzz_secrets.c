/* The Decryption Secrets Blocks of a pcapng file, read from a file: every
 * block handed over must lie within the input, and key log ones are fed to
 * a key log as the command does. */
#include <unistd.h>

#include "capture/secrets.h"
#include "dissect/keylog.h"
#include "fuzz/fuzz.h"

typedef struct walk {
    size_t input_size;
    size_t total;
    keylog *kl;
} walk;

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len)
{
    walk *w = ctx;
    w->total += len;
    if (!data || w->total > w->input_size) fuzz_fail("secrets beyond the file: %zu of %zu bytes", w->total, w->input_size);
    if (type == PCAPNG_SECRETS_TLS_KEY_LOG) keylog_add_text(w->kl, "embedded", (const char *)data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[256];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    if (fd < 0) return 0;
    walk w = { size, 0, keylog_new(1000) };
    long n = capture_embedded_secrets(path, on_secrets, &w, err, sizeof err);
    close(fd);
    if (n < 0) fuzz_fail("a readable file could not be read: %s", err);
    keylog_free(w.kl);
    return 0;
}
