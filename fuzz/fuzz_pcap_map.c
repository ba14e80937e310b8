/* The mapped classic-pcap reader (capture/pcap_map.c) against libpcap on
 * the same file: when pcap_map takes a file on, both must give the same
 * packets (stamps, lengths, bytes) and stop at the same place, pcap_map
 * with an error where libpcap has one.
 *
 * Input: the capture file. */
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcap_map.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/tlsview-fuzz-map-%ld.pcap", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);
    int fd = open(path, O_RDONLY);
    pcap_map *m = pcap_map_open(fd);
    if (!m) {
        close(fd);
        return 0;
    }
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, eb);
    if (!p) fuzz_fail("libpcap refuses a file pcap_map takes on: %s", eb);
    for (unsigned long n = 1;; n++) {
        struct pcap_pkthdr *h;
        const u_char *bytes;
        pcap_map_packet pkt;
        char err[256] = "";
        int a = pcap_next_ex(p, &h, &bytes);
        int b = pcap_map_next(m, &pkt, "fuzz", err, sizeof err);
        if (b == -1 && (!err[0] || strchr(err, '\n'))) fuzz_fail("an error without one line of message");
        if ((a == 1) != (b == 1) || (a == PCAP_ERROR_BREAK) != (b == 0))
            fuzz_fail("packet %lu: libpcap says %d, pcap_map %d (%s)", n, a, b, err);
        if (a != 1) break;
        if ((long)pkt.sec != (long)h->ts.tv_sec || (long)pkt.usec != (long)h->ts.tv_usec || pkt.caplen != h->caplen ||
            pkt.len != h->len || memcmp(pkt.data, bytes, pkt.caplen) != 0)
            fuzz_fail("packet %lu differs", n);
    }
    pcap_close(p);
    pcap_map_close(m);
    close(fd);
    return 0;
}
