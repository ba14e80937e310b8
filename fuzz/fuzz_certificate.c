/* Certificates: what one says (certificate_describe) and whether a chain
 * holds (certificate_validate against the sample CA).  Input: one byte of
 * options (how many certificates, which server name, which time), then the
 * certificates, each but the last with a 2-byte length before it. */
#include <stdlib.h>
#include <string.h>

#include "dissect/certificate.h"
#include "fuzz/fuzz.h"

enum { MAX_CHAIN = 4 };

static void describe(const uint8_t *der, size_t len, bool nested)
{
    step *s = step_new(STEP_HANDSHAKE, 1, 0, DIR_S2C, "certificate");
    cert_summary sum;
    if (nested) {
        /* inside a message, as the handshake decoder calls it */
        uint8_t *buf = malloc(len + 3);
        if (!buf) {
            step_free(s);
            return;
        }
        buf[0] = (uint8_t)(len >> 16);
        buf[1] = (uint8_t)(len >> 8);
        buf[2] = (uint8_t)len;
        if (len) memcpy(buf + 3, der, len);
        step_set_bytes(s, buf, len + 3);
        free(buf);
        field *list = field_list(s, NULL, "certificates", 0, len + 3);
        certificate_describe(s, list, 3, len, s->bytes + 3, len, &sum);
    } else {
        step_set_bytes(s, der, len);
        certificate_describe(s, NULL, 0, len, s->bytes, len, &sum);
    }
    fuzz_check_step(s);
    if (sum.present) {
        const char *texts[] = { sum.subject, sum.subject_cn, sum.issuer, sum.issuer_cn, sum.not_after,
                                sum.key_desc, sum.validation };
        size_t caps[] = { sizeof sum.subject, sizeof sum.subject_cn, sizeof sum.issuer, sizeof sum.issuer_cn,
                          sizeof sum.not_after, sizeof sum.key_desc, sizeof sum.validation };
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (!memchr(texts[i], 0, caps[i])) fuzz_fail("summary text %zu is not terminated", i);
    }
    step_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { NULL, "tlsview.test", "127.0.0.1", "*.a.b" };
    static const double times[] = { 1.7e9, 0, 4.1e9, 1.0e12 };
    cursor in = cur_make(data, size);
    uint8_t opt = fz_u8(&in);
    unsigned n = 1 + (opt & 3);
    const uint8_t *ders[MAX_CHAIN];
    size_t lens[MAX_CHAIN];
    for (unsigned i = 0; i < n; i++) {
        size_t want = i + 1 < n ? fz_u16(&in) : cur_left(&in);
        ders[i] = fz_bytes(&in, want, &lens[i]);
    }
    for (unsigned i = 0; i < n; i++) describe(ders[i], lens[i], (opt & 0x40) != 0);
    char detail[512];
    const char *verdict = certificate_validate((opt & 0x80) ? NULL : fuzz_sample_cas(), ders, lens, n,
                                               names[(opt >> 2) & 3], times[(opt >> 4) & 3], detail,
                                               sizeof detail);
    if (!verdict || !memchr(detail, 0, sizeof detail)) fuzz_fail("no verdict or an unterminated detail");
    static const char *const verdicts[] = { "invalid", "self-signed", "unknown issuer", "expired",
                                            "not yet valid", "name mismatch", "trusted" };
    bool known = false;
    for (size_t i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++) known |= strcmp(verdict, verdicts[i]) == 0;
    if (!known) fuzz_fail("unknown verdict \"%s\"", verdict);
    return 0;
}
