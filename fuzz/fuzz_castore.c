/* The trust anchor loader (--ca-file): a PEM bundle or one DER
 * certificate, read from a file.  The store it gives then judges the
 * sample server's certificate. */
#include <string.h>
#include <unistd.h>

#include "dissect/certificate.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    if (fd < 0) return 0;
    cert_store *cas = cert_store_load(path, err, sizeof err);
    close(fd);
    if (!memchr(err, 0, sizeof err)) fuzz_fail("an unterminated error");
    if (!cas) {
        if (!err[0]) fuzz_fail("no store and no message");
        return 0;
    }
    if (cert_store_count(cas) == 0) fuzz_fail("a store without certificates, and no message");
    (void)strlen(cert_store_source(cas));
    size_t n;
    const uint8_t *cert = fuzz_sample_server_cert(&n);
    char detail[512];
    const char *v = certificate_validate(cas, &cert, &n, 1, "tlsview.test", 1.8e9, detail, sizeof detail);
    if (!v || !memchr(detail, 0, sizeof detail)) fuzz_fail("no verdict");
    /* a second time: the store caches verdicts */
    certificate_validate(cas, &cert, &n, 1, "tlsview.test", 1.8e9, detail, sizeof detail);
    cert_store_free(cas);
    return 0;
}
