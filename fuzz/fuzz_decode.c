/* Link, IP and TCP header decoding of one packet.  Input: one byte picks
 * the link type, one byte says how many more bytes the wire had than the
 * capture kept, the rest is the packet. */
#include <string.h>

#include "capture/capture.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276, 147 };
    cursor in = cur_make(data, size);
    int lt = linktypes[fz_u8(&in) % (sizeof linktypes / sizeof linktypes[0])];
    size_t extra = fz_u8(&in);
    size_t n;
    const uint8_t *pkt = fz_bytes(&in, cur_left(&in), &n);
    tcp_segment seg;
    memset(&seg, 0xa5, sizeof seg);
    decode_result r = decode_packet(lt, pkt, n, n + extra, &seg);
    if (r == DECODE_TCP) {
        if (seg.payload_len > seg.payload_wire_len)
            fuzz_fail("%zu payload bytes present, %zu on the wire", seg.payload_len, seg.payload_wire_len);
        if (seg.payload_len &&
            (seg.payload < pkt || seg.payload > pkt + n || seg.payload_len > (size_t)(pkt + n - seg.payload)))
            fuzz_fail("the payload lies outside the packet");
        if ((seg.src.family != 4 && seg.src.family != 6) || seg.dst.family != seg.src.family)
            fuzz_fail("address families %u and %u", seg.src.family, seg.dst.family);
        char a[ENDPOINT_TEXT_MAX];
        endpoint_format(&seg.src, a, sizeof a);
        endpoint_format(&seg.dst, a, sizeof a);
    }
    if (!linktype_supported(lt) && r != DECODE_UNSUPPORTED) fuzz_fail("an unsupported link type decoded");
    return 0;
}
