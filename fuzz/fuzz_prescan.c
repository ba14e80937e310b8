/* The look-ahead scan for encrypted pre-master secrets (dissect/prescan.c),
 * queuing into the sample server key's worker pool.
 *
 * Input: chunks.  A chunk is
 *   byte 0: bit 0 the direction, bit 1 end the flow and start a new one
 *           before this chunk
 *   bytes 1-2: the length (its low 13 bits), then that many stream bytes.
 * After each chunk the pool is told the dissector is past it, as the real
 * dissector tells it between batches of packets, so that requests nobody
 * takes never fill it up. */
#include "dissect/keyring.h"
#include "dissect/prescan.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t tag;
    keyring *kr = fuzz_sample_keyring();
    if (!kr || !keyring_start_workers(kr, 1)) fuzz_fail("no worker pool for the sample key");
    cursor in = cur_make(data, size);
    prescan_flow *f = prescan_open();
    while (!cur_empty(&in)) {
        uint8_t how = fz_u8(&in);
        size_t want = fz_u16(&in) & 0x1fff, got;
        const uint8_t *bytes = fz_bytes(&in, want, &got);
        if (how & 2) {
            prescan_close(f);
            f = prescan_open();
        }
        tag++;
        if (f) prescan_data(f, kr, how & 1, bytes, got, tag);
        keyring_prefetch_advance(kr, tag);
    }
    prescan_close(f);
    return 0;
}
