/* The dissector: the two byte streams of a TCP connection in, steps out.
 * Records, handshake messages, every decoder, narration, fingerprints and,
 * with the samples' key logs and server key, decryption and Finished
 * checks (the seed corpus holds the samples' streams, so their records
 * decrypt).
 *
 * Input: one byte of options (bit 0 record steps, bit 1 side 0 is known to
 * be the client, bit 2 keys, bit 3 secrets in key steps, bit 4 whole
 * application data, bit 5 a TLS port, bit 6 at most one connection, bit 7
 * a tiny message size cap), then operations, each one byte:
 *   bit 0 side; bits 1-2 what:
 *     0 bytes of that side, a 2-byte length and the bytes follow
 *     1 bytes of that side, bits 3-7 + 1 of them follow
 *     2 a gap of bits 3-7 (+1) bytes
 *     3 bits 3-7 == 31: the connection ends and a new one starts
 *       (same addresses, so TLS 1.2 sessions can resume); else an anomaly */
#include <stdio.h>
#include <string.h>

#include "dissect/session.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cursor in = cur_make(data, size);
    uint8_t opt = fz_u8(&in);
    dissect_config cfg = {
        .records = opt & 1,
        .secrets = opt & 8,
        .data = opt & 16,
        .max_message = opt & 128 ? 100 : DISSECT_MAX_MESSAGE_DEFAULT,
    };
    if (opt & 4) {
        cfg.keylog = fuzz_sample_keylog();
        cfg.keys = fuzz_sample_keyring();
        cfg.cas = fuzz_sample_cas();
    }
    dissector *d = dissector_new(&cfg, fuzz_checking_sink());
    if (!d) return 0;
    if (opt & 64) dissector_set_connection_limit(d, 1);
    uint16_t port1 = opt & 32 ? 443 : 40443;
    double ts = 1.7e9;
    tls_flow *f = dissector_open(d, "192.0.2.1:50000", "192.0.2.2:40443", 50000, port1, opt & 2, ts);
    bool wants = f != NULL;
    while (f && !cur_empty(&in)) {
        uint8_t op = fz_u8(&in);
        int side = op & 1;
        unsigned what = (op >> 1) & 3, arg = op >> 3;
        ts += 0.001;
        size_t n;
        const uint8_t *p;
        switch (what) {
        case 0:
        case 1:
            p = fz_bytes(&in, what == 0 ? fz_u16(&in) : arg + 1u, &n);
            if (n && wants) wants = dissector_data(d, f, side, p, n, ts);
            break;
        case 2:
            if (wants) dissector_gap(d, f, side, arg + 1u, ts);
            break;
        default:
            if (arg == 31) {
                dissector_close(d, f, "fin", ts);
                f = dissector_open(d, "192.0.2.1:50000", "192.0.2.2:40443", 50000, port1, opt & 2, ts);
                wants = f != NULL;
            } else if (wants) {
                dissector_anomaly(d, f, side, "a conflicting retransmission", ts);
            }
            break;
        }
    }
    const dissector_stats *st = dissector_get_stats(d);
    if (st->ended > st->tls_connections) fuzz_fail("more TLS connections ended than began");
    dissector_free(d);
    return 0;
}
