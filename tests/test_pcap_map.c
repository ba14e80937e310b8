/* pcap_map against libpcap: every sample in each byte order and time
 * resolution gives the same packets, stamps and lengths; files libpcap
 * should keep are refused; cut, damaged, growing and shrinking files. */
#include <dirent.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pcap_map.h"
#include "tests/testlib.h"

static char dir[512];

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)size + 1);
    *n = fread(b, 1, (size_t)size, f);
    fclose(f);
    return b;
}

static void put32(uint8_t *p, uint32_t v, bool swap)
{
    if (swap) v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The little-endian microsecond file in `in`, rewritten: swapped byte
 * order and/or nanosecond stamps (each microsecond stamp times 1000 plus
 * 999, which libpcap and pcap_map must both cut back). */
static uint8_t *variant(const uint8_t *in, size_t n, bool swap, bool nano)
{
    uint8_t *out = malloc(n);
    memcpy(out, in, n);
    put32(out, nano ? 0xa1b23c4d : 0xa1b2c3d4, swap);
    if (swap) {                    /* the two 16-bit version numbers */
        out[4] = in[5], out[5] = in[4];
        out[6] = in[7], out[7] = in[6];
    }
    for (int k = 8; k < 24; k += 4) put32(out + k, get32(in + k), swap);
    for (size_t pos = 24; pos + 16 <= n;) {
        uint32_t caplen = get32(in + pos + 8);
        uint32_t usec = get32(in + pos + 4);
        put32(out + pos, get32(in + pos), swap);
        put32(out + pos + 4, nano ? usec * 1000 + 999 : usec, swap);
        put32(out + pos + 8, caplen, swap);
        put32(out + pos + 12, get32(in + pos + 12), swap);
        pos += 16 + caplen;
    }
    return out;
}

/* Both readers over the file; the number of packets compared. */
static long compare_with_libpcap(const char *path)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, eb);
    int fd = open(path, O_RDONLY);
    pcap_map *m = pcap_map_open(fd);
    CHECK(p != NULL);
    CHECK(m != NULL);
    long count = 0;
    if (p && m) {
        CHECK_EQ_INT(pcap_map_linktype(m), pcap_datalink(p) == DLT_RAW ? 101 : pcap_datalink(p));
        for (;;) {
            struct pcap_pkthdr *h;
            const u_char *data;
            pcap_map_packet pkt;
            char err[256] = "";
            int a = pcap_next_ex(p, &h, &data), b = pcap_map_next(m, &pkt, path, err, sizeof err);
            CHECK_EQ_INT(b, a == 1 ? 1 : 0);
            if (a != 1 || b != 1) break;
            count++;
            test_checks++;
            if ((long)pkt.sec != (long)h->ts.tv_sec || (long)pkt.usec != (long)h->ts.tv_usec || pkt.caplen != h->caplen ||
                pkt.len != h->len || memcmp(pkt.data, data, h->caplen) != 0) {
                test_fail(__FILE__, __LINE__, "%s: packet %ld differs", path, count);
                break;
            }
        }
    }
    if (p) pcap_close(p);
    pcap_map_close(m);
    close(fd);
    return count;
}

static void test_samples(const char *samples)
{
    DIR *d = opendir(samples);
    CHECK(d != NULL);
    if (!d) return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".pcap") != 0) continue;
        char path[1024], out[1024];
        snprintf(path, sizeof path, "%s/%s", samples, e->d_name);
        size_t n;
        uint8_t *in = (uint8_t *)read_all(path, &n);
        if (!in || n < 24 || get32(in) != 0xa1b2c3d4) {
            free(in);
            continue;
        }
        for (int v = 0; v < 4; v++) {
            uint8_t *b = variant(in, n, v & 1, v & 2);
            snprintf(out, sizeof out, "%s/variant%d.pcap", dir, v);
            test_write_file(out, b, n);
            CHECK(compare_with_libpcap(out) > 0);
            unlink(out);
            free(b);
        }
        free(in);
        files++;
    }
    closedir(d);
    CHECK(files >= 10);
}

static uint8_t *one_packet_file(size_t *n, uint32_t linktype, uint16_t minor)
{
    static uint8_t b[24 + 16 + 60];
    memset(b, 0, sizeof b);
    put32(b, 0xa1b2c3d4, false);
    b[4] = 2;
    b[6] = (uint8_t)minor;
    put32(b + 16, 65535, false);
    put32(b + 20, linktype, false);
    put32(b + 24, 1000, false);
    put32(b + 28, 5, false);
    put32(b + 32, 60, false);
    put32(b + 36, 60, false);
    for (int i = 0; i < 60; i++) b[40 + i] = (uint8_t)i;
    *n = sizeof b;
    return b;
}

static int open_path(const char *path, pcap_map **m)
{
    int fd = open(path, O_RDONLY);
    *m = pcap_map_open(fd);
    return fd;
}

static void test_edges(void)
{
    char path[600], err[700];
    pcap_map *m;
    pcap_map_packet pkt;
    size_t n;
    uint8_t *b = one_packet_file(&n, 1, 4);
    snprintf(path, sizeof path, "%s/edge.pcap", dir);

    /* Left to libpcap: another version, a link type tlsview does not
     * decode, FCS bits, pcapng, a pipe. */
    b[6] = 3;
    test_write_file(path, b, n);
    int fd = open_path(path, &m);
    CHECK(m == NULL);
    close(fd);
    b = one_packet_file(&n, 147, 4);
    test_write_file(path, b, n);
    fd = open_path(path, &m);
    CHECK(m == NULL);
    close(fd);
    b = one_packet_file(&n, 1 | 0x14000000, 4);
    test_write_file(path, b, n);
    fd = open_path(path, &m);
    CHECK(m == NULL);
    close(fd);
    static const uint8_t ng[28] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0 };
    test_write_file(path, ng, sizeof ng);
    fd = open_path(path, &m);
    CHECK(m == NULL);
    close(fd);
    int pipefd[2];
    CHECK(pipe(pipefd) == 0);
    b = one_packet_file(&n, 1, 4);
    CHECK(write(pipefd[1], b, n) == (ssize_t)n);
    CHECK(pcap_map_open(pipefd[0]) == NULL);
    close(pipefd[0]);
    close(pipefd[1]);

    /* One packet, then a clean end. */
    test_write_file(path, b, n);
    fd = open_path(path, &m);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "edge.pcap", err, sizeof err), 1);
        CHECK_EQ_INT(pkt.sec, 1000);
        CHECK_EQ_INT(pkt.usec, 5);
        CHECK_EQ_INT(pkt.caplen, 60);
        CHECK_EQ_INT(pkt.data[59], 59);
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "edge.pcap", err, sizeof err), 0);
        /* Appended to while open: the new packet is read. */
        FILE *f = fopen(path, "ab");
        fwrite(b + 24, 1, n - 24, f);
        fclose(f);
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "edge.pcap", err, sizeof err), 1);
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "edge.pcap", err, sizeof err), 0);
        pcap_map_close(m);
    }
    close(fd);

    /* Cut in the record header, cut in the packet. */
    size_t cuts[] = { 24 + 7, 24 + 16 + 30 };
    for (int i = 0; i < 2; i++) {
        test_write_file(path, b, cuts[i]);
        fd = open_path(path, &m);
        CHECK(m != NULL);
        if (m) {
            CHECK_EQ_INT(pcap_map_next(m, &pkt, "cut.pcap", err, sizeof err), -1);
            CHECK_STR(err, "cut.pcap ends in the middle of a packet: the capture file is cut short");
            pcap_map_close(m);
        }
        close(fd);
    }

    /* A record claiming more than a capture can hold. */
    put32(b + 32, 262145, false);
    test_write_file(path, b, n);
    fd = open_path(path, &m);
    if (m) {
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "big.pcap", err, sizeof err), -1);
        CHECK(strstr(err, "packet 1 claims 262145 captured bytes") != NULL);
        pcap_map_close(m);
    }
    close(fd);
    put32(b + 32, 60, false);

    /* Cut shorter while mapped, at a page boundary (in the middle of a
     * page, the rest of that page reads as zeros): no SIGBUS death, one
     * clear error right after the last packet that was still there. */
    size_t big_n = 24 + 2000 * (16 + 60);
    uint8_t *big = malloc(big_n);
    memcpy(big, b, 24);
    for (size_t k = 0; k < 2000; k++) memcpy(big + 24 + k * 76, b + 24, 76);
    test_write_file(path, big, big_n);
    fd = open_path(path, &m);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(pcap_map_next(m, &pkt, "shrink.pcap", err, sizeof err), 1);
        long page = sysconf(_SC_PAGESIZE);
        CHECK(truncate(path, 2 * page) == 0);
        int rc, packets = 1;
        while ((rc = pcap_map_next(m, &pkt, "shrink.pcap", err, sizeof err)) == 1) {
            volatile uint8_t touch = pkt.data[pkt.caplen ? pkt.caplen - 1 : 0];
            (void)touch;
            packets++;
        }
        CHECK_EQ_INT(rc, -1);
        CHECK_EQ_INT(packets, (2 * page - 24) / 76 + 1);   /* the last one ran past the new end */
        CHECK_STR(err, "error reading shrink.pcap: the file became shorter while it was being read");
        pcap_map_close(m);
    }
    close(fd);
    free(big);
    unlink(path);
}

int main(int argc, char **argv)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tlsview-map-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_samples(argc > 1 ? argv[1] : "samples");
    test_edges();
    rmdir(dir);
    return test_report("pcap_map");
}
