/* The key log parser: text in memory, then the same bytes as a file read in
 * two goes (the second half appended later, as a browser appends while a
 * live capture runs).  Every entry the text gave must be found again. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dissect/keylog.h"
#include "fuzz/fuzz.h"

static void use_warnings(keylog *kl)
{
    for (size_t i = 0; i < keylog_warning_count(kl); i++) {
        const char *w = keylog_warning(kl, i);
        if (!w) fuzz_fail("warning %zu of %zu is missing", i, keylog_warning_count(kl));
        (void)strlen(w);
    }
    (void)keylog_warnings_dropped(kl);
    keylog_clear_warnings(kl);
}

/* Looks up every (label, key) a line of the text could name. */
static void lookups(const keylog *kl, const uint8_t *data, size_t size)
{
    uint8_t key[KEYLOG_KEY_MAX] = { 0 }, out[KEYLOG_SECRET_MAX];
    size_t n;
    for (int l = 0; l < KEYLOG_LABEL_COUNT; l++) {
        (void)keylog_has_label(kl, (keylog_label)l);
        size_t k = size < sizeof key ? size : sizeof key;
        if (k) memcpy(key, data, k);
        if (keylog_lookup(kl, (keylog_label)l, key, 32, out, &n) && (n == 0 || n > KEYLOG_SECRET_MAX))
            fuzz_fail("a secret of %zu bytes", n);
        if (keylog_lookup(kl, (keylog_label)l, key, 8, out, &n) && (n == 0 || n > KEYLOG_SECRET_MAX))
            fuzz_fail("a secret of %zu bytes", n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* In memory, with a small cap so that the cap is reached too. */
    keylog *kl = keylog_new(size % 7 == 0 ? 3 : 0);
    if (!kl) return 0;
    long added = keylog_add_text(kl, "fuzz", (const char *)data, size);
    if (added < 0 || (size_t)added > keylog_count(kl))
        fuzz_fail("keylog_add_text returned %ld", added);
    use_warnings(kl);
    lookups(kl, data, size);
    size_t count_text = keylog_count(kl);
    uint64_t gen = keylog_generation(kl);
    /* The same text again replaces entries: no more of them. */
    keylog_add_text(kl, "fuzz", (const char *)data, size);
    if (keylog_count(kl) != count_text) fuzz_fail("reading the same text twice changed the count");
    if (added > 0 && keylog_generation(kl) == gen) fuzz_fail("entries were added but the generation stayed");
    use_warnings(kl);
    keylog_free(kl);

    /* As a file: the first part, then the rest appended and reloaded. */
    size_t half = size ? data[0] % (size + 1) : 0;
    char path[64], err[256];
    int fd = fuzz_memfile(data, half, path, sizeof path);
    if (fd < 0) return 0;
    kl = keylog_new(0);
    if (kl && keylog_add_file(kl, path, err, sizeof err) >= 0) {
        size_t done = 0;
        while (done < size - half) {
            ssize_t w = write(fd, data + half + done, size - half - done);
            if (w <= 0) break;
            done += (size_t)w;
        }
        keylog_reload(kl);
        use_warnings(kl);
        lookups(kl, data, size);
    }
    keylog_free(kl);
    close(fd);
    return 0;
}
