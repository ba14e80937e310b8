/* Capture sources: small pcap and pcapng files written here, their error
 * paths, filters, standard input, and (when allowed) a live loopback
 * capture. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "tests/testlib.h"

/* ---- a recording handler ---- */

typedef struct rec {
    char log[8192];
    size_t len;
    int nflows;
    int ids[64];
    double first_open_ts;
} rec;

static void logf_(rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(rec *r, const char *fmt, ...)
{
    if (r->len) r->len += (size_t)snprintf(r->log + r->len, sizeof r->log - r->len, "; ");
    va_list ap;
    va_start(ap, fmt);
    r->len += (size_t)vsnprintf(r->log + r->len, sizeof r->log - r->len, fmt, ap);
    va_end(ap);
    if (r->len >= sizeof r->log) r->len = sizeof r->log - 1;
}

static void *on_open(void *ctx, const endpoint *a, const endpoint *b, bool client, double ts)
{
    rec *r = ctx;
    char x[ENDPOINT_TEXT_MAX], y[ENDPOINT_TEXT_MAX];
    endpoint_format(a, x, sizeof x);
    endpoint_format(b, y, sizeof y);
    int id = ++r->nflows;
    if (id == 1) r->first_open_ts = ts;
    logf_(r, "open#%d %s>%s%s", id, x, y, client ? " client" : "");
    if (id >= 64) return NULL;
    r->ids[id] = id;
    return &r->ids[id];
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    (void)ts;
    logf_(ctx, "#%d d%d:%.*s", *(int *)flow, side, (int)len, (const char *)bytes);
    return true;
}

static void on_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    (void)ts;
    logf_(ctx, "#%d gap%d:%llu", *(int *)flow, side, (unsigned long long)missing);
}

static void on_anomaly(void *ctx, void *flow, int side, const char *what, double ts)
{
    (void)ts;
    logf_(ctx, "#%d anom%d:%s", *(int *)flow, side, what);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    (void)ts;
    logf_(ctx, "#%d close:%s", *(int *)flow, why);
}

static stream_handler handler(rec *r)
{
    memset(r, 0, sizeof *r);
    return (stream_handler){ r, on_open, on_data, on_gap, on_anomaly, on_close };
}

/* ---- temporary files ---- */

static char dir[512];
static char paths[32][600];
static int npaths;

static const char *tmp_path(const char *name)
{
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/tlsview-capture-XXXXXX", base && base[0] ? base : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    snprintf(paths[npaths], sizeof paths[npaths], "%s/%s", dir, name);
    return paths[npaths++];
}

static void cleanup(void)
{
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) rmdir(paths[i]);
        else unlink(paths[i]);
    }
    if (dir[0]) rmdir(dir);
}

/* ---- pcap writing (little-endian, microseconds) ---- */

static void le16(FILE *f, unsigned v) { fputc(v & 0xff, f); fputc((v >> 8) & 0xff, f); }
static void le32(FILE *f, uint32_t v) { le16(f, v & 0xffff); le16(f, v >> 16); }

static FILE *pcap_new(const char *path, uint32_t linktype, uint32_t snaplen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    le32(f, 0xa1b2c3d4);
    le16(f, 2);
    le16(f, 4);
    le32(f, 0);
    le32(f, 0);
    le32(f, snaplen);
    le32(f, linktype);
    return f;
}

static void pcap_add(FILE *f, uint32_t sec, uint32_t usec, const uint8_t *data, size_t caplen, size_t wirelen)
{
    le32(f, sec);
    le32(f, usec);
    le32(f, (uint32_t)caplen);
    le32(f, (uint32_t)wirelen);
    fwrite(data, 1, caplen, f);
}

/* An Ethernet/IPv4/TCP frame between 192.0.2.1:cport and 192.0.2.2:sport. */
static size_t frame(uint8_t *o, bool to_server, uint16_t cport, uint16_t sport, uint32_t seq, uint8_t flags,
                    const char *data)
{
    size_t dlen = data ? strlen(data) : 0, n = 0;
    static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
    memcpy(o, mac, 12);
    n = 12;
    o[n++] = 0x08;
    o[n++] = 0x00;
    size_t tot = 20 + 20 + dlen;
    uint8_t ip[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0x40, 0, 64, 6, 0, 0,
                       192, 0, 2, 1, 192, 0, 2, 2 };
    if (!to_server) {
        ip[15] = 2;
        ip[19] = 1;
    }
    memcpy(o + n, ip, 20);
    n += 20;
    uint16_t sp = to_server ? cport : sport, dp = to_server ? sport : cport;
    uint8_t tcp[20] = { (uint8_t)(sp >> 8), (uint8_t)sp, (uint8_t)(dp >> 8), (uint8_t)dp,
                        (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq,
                        0, 0, 0, 1, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0 };
    memcpy(o + n, tcp, 20);
    n += 20;
    if (dlen) memcpy(o + n, data, dlen);
    return n + dlen;
}

/* A short TLS-free conversation on port 443 and one on port 80. */
static void write_conversation(const char *path)
{
    FILE *f = pcap_new(path, 1, 65535);
    uint8_t b[256];
    size_t n;
    uint32_t t0 = 1700000000;
    n = frame(b, true, 40000, 443, 1000, TCP_SYN, NULL);
    pcap_add(f, t0, 250000, b, n, n);
    n = frame(b, false, 40000, 443, 5000, TCP_SYN | TCP_ACK, NULL);
    pcap_add(f, t0, 260000, b, n, n);
    n = frame(b, true, 40000, 443, 1001, TCP_ACK, "hello");
    pcap_add(f, t0, 270000, b, n, n);
    /* ARP: not TCP */
    uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
    pcap_add(f, t0, 280000, arp, sizeof arp, sizeof arp);
    n = frame(b, false, 40000, 443, 5001, TCP_ACK, "world");
    pcap_add(f, t0, 290000, b, n, n);
    n = frame(b, true, 40001, 80, 7000, TCP_SYN, NULL);
    pcap_add(f, t0 + 1, 0, b, n, n);
    n = frame(b, true, 40001, 80, 7001, TCP_ACK, "GET");
    pcap_add(f, t0 + 1, 10, b, n, n);
    n = frame(b, true, 40000, 443, 1006, TCP_FIN | TCP_ACK, NULL);
    pcap_add(f, t0 + 2, 0, b, n, n);
    n = frame(b, false, 40000, 443, 5006, TCP_FIN | TCP_ACK, NULL);
    pcap_add(f, t0 + 2, 1000, b, n, n);
    fclose(f);
}

#define CONVERSATION_LOG                                                                                  \
    "open#1 192.0.2.1:40000>192.0.2.2:443 client; #1 d0:hello; #1 d1:world; "                            \
    "open#2 192.0.2.1:40001>192.0.2.2:80 client; #2 d0:GET; #1 close:fin; #2 close:end of capture"

static void no_newline(const char *err)
{
    CHECK(strchr(err, '\n') == NULL);
    CHECK(err[0] != '\0');
}

static void test_file(void)
{
    const char *path = tmp_path("conv.pcap");
    write_conversation(path);
    rec r;
    stream_handler h = handler(&r);
    capture_options o = { .file = path, .limits = FLOW_LIMITS_DEFAULT };
    char err[512] = "";
    capture *c = capture_open(&o, &h, err, sizeof err);
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "capture_open: %s\n", err);
        return;
    }
    CHECK_EQ_INT(capture_fd(c), -1);
    CHECK_EQ_INT(capture_linktype(c), 1);
    /* Two packets at a time. */
    CHECK_EQ_INT(capture_step(c, 2, NULL, err, sizeof err), 1);
    capture_stats st;
    capture_get_stats(c, &st);
    CHECK_EQ_INT(st.packets, 2);
    CHECK(r.first_open_ts > 1700000000.2499 && r.first_open_ts < 1700000000.2501);
    CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
    capture_finish(c);
    capture_get_stats(c, &st);
    capture_close(c);
    CHECK_STR(r.log, CONVERSATION_LOG);
    CHECK_EQ_INT(st.packets, 9);
    CHECK_EQ_INT(st.non_tcp, 1);
    CHECK_EQ_INT(st.flows, 2);
    CHECK_EQ_INT(st.undecodable, 0);
    CHECK_EQ_INT(st.truncated, 0);
    CHECK(!st.live);

    /* A stop request ends the loop early. */
    h = handler(&r);
    c = capture_open(&o, &h, err, sizeof err);
    volatile sig_atomic_t stop = 1;
    CHECK_EQ_INT(capture_step(c, 0, &stop, err, sizeof err), 1);
    capture_get_stats(c, &st);
    CHECK_EQ_INT(st.packets, 0);
    capture_close(c);

    /* With a filter. */
    h = handler(&r);
    o.filter = "tcp port 80";
    c = capture_open(&o, &h, err, sizeof err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
        capture_close(c);
    }
    CHECK_STR(r.log, "open#1 192.0.2.1:40001>192.0.2.2:80 client; #1 d0:GET; #1 close:end of capture");

    /* A bad filter. */
    o.filter = "tcp port nonsense";
    c = capture_open(&o, &h, err, sizeof err);
    CHECK(c == NULL);
    CHECK(strstr(err, "bad filter \"tcp port nonsense\": ") == err);
    no_newline(err);
    printf("bad filter: %s\n", err);

    /* Standard input. */
    int saved = dup(0);
    FILE *in = fopen(path, "rb");
    dup2(fileno(in), 0);
    fclose(in);
    clearerr(stdin);
    h = handler(&r);
    capture_options os = { .file = "-" };
    c = capture_open(&os, &h, err, sizeof err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
        capture_close(c);
    }
    CHECK_STR(r.log, CONVERSATION_LOG);
    const char *txt = tmp_path("stdin.txt");
    test_write_file(txt, "just some text\n", 15);
    in = fopen(txt, "rb");
    dup2(fileno(in), 0);
    fclose(in);
    clearerr(stdin);
    c = capture_open(&os, &h, err, sizeof err);
    CHECK(c == NULL);
    CHECK_STR(err, "standard input is not a pcap or pcapng capture");
    dup2(saved, 0);
    close(saved);
    clearerr(stdin);
}

static void test_errors(void)
{
    rec r;
    stream_handler h = handler(&r);
    char err[512], want[1024];

    capture_options none = { 0 };
    CHECK(capture_open(&none, &h, err, sizeof err) == NULL);
    CHECK(strstr(err, "-r") && strstr(err, "-i"));
    no_newline(err);
    capture_options both = { .file = "x.pcap", .iface = "lo" };
    CHECK(capture_open(&both, &h, err, sizeof err) == NULL);
    CHECK(strstr(err, "not both") != NULL);

    const char *missing = tmp_path("missing.pcap");
    capture_options o = { .file = missing };
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "cannot open %s: no such file (check the path)", missing);
    CHECK_STR(err, want);

    const char *txt = tmp_path("notes.txt");
    test_write_file(txt, "These are notes, not packets.\n", 30);
    o.file = txt;
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s is not a pcap or pcapng capture", txt);
    CHECK_STR(err, want);

    const char *empty = tmp_path("empty.pcap");
    test_write_file(empty, "", 0);
    o.file = empty;
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s is not a pcap or pcapng capture", empty);
    CHECK_STR(err, want);

    const char *tiny = tmp_path("tiny.pcap");
    test_write_file(tiny, "\xd4\xc3\xb2", 3);
    o.file = tiny;
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s is not a pcap or pcapng capture", tiny);
    CHECK_STR(err, want);

    const char *sub = tmp_path("subdir");
    mkdir(sub, 0700);
    o.file = sub;
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    CHECK(strstr(err, "is a directory") != NULL);
    no_newline(err);

    /* A link type we do not read (USER0). */
    const char *user0 = tmp_path("user0.pcap");
    FILE *f = pcap_new(user0, 147, 65535);
    uint8_t junk[20] = { 0 };
    pcap_add(f, 1, 0, junk, sizeof junk, sizeof junk);
    fclose(f);
    o.file = user0;
    CHECK(capture_open(&o, &h, err, sizeof err) == NULL);
    CHECK(strstr(err, user0) == err);
    CHECK(strstr(err, "link type 147 is not supported") != NULL);
    no_newline(err);
    printf("unsupported: %s\n", err);

    /* A file cut in the middle of a packet. */
    const char *cut = tmp_path("cut.pcap");
    f = pcap_new(cut, 1, 65535);
    uint8_t b[128];
    size_t n = frame(b, true, 1, 2, 3, TCP_SYN, NULL);
    pcap_add(f, 1, 0, b, n, n);
    le32(f, 2);
    le32(f, 0);
    le32(f, 100);
    le32(f, 100);
    fwrite(b, 1, 10, f);
    fclose(f);
    o.file = cut;
    capture *c = capture_open(&o, &h, err, sizeof err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), -1);
        snprintf(want, sizeof want, "%s ends in the middle of a packet: the capture file is cut short", cut);
        CHECK_STR(err, want);
        capture_stats st;
        capture_get_stats(c, &st);
        CHECK_EQ_INT(st.packets, 1);
        capture_close(c);
    }

    /* An interface that does not exist. */
    capture_options live = { .iface = "nosuchif0" };
    CHECK(capture_open(&live, &h, err, sizeof err) == NULL);
    CHECK(strstr(err, "nosuchif0") != NULL);
    no_newline(err);
    printf("no such interface: %s\n", err);
}

static void test_pcapng(void)
{
    const char *path = tmp_path("one.pcapng");
    FILE *f = fopen(path, "wb");
    /* Section header block */
    le32(f, 0x0a0d0d0a);
    le32(f, 28);
    le32(f, 0x1a2b3c4d);
    le16(f, 1);
    le16(f, 0);
    le32(f, 0xffffffff);
    le32(f, 0xffffffff);
    le32(f, 28);
    /* Interface description block: Ethernet, no options */
    le32(f, 1);
    le32(f, 20);
    le16(f, 1);
    le16(f, 0);
    le32(f, 0);
    le32(f, 20);
    /* Two enhanced packet blocks */
    for (int i = 0; i < 2; i++) {
        uint8_t b[128];
        size_t n = i == 0 ? frame(b, true, 50000, 443, 99, TCP_SYN, NULL)
                          : frame(b, true, 50000, 443, 100, TCP_ACK, "ng!");
        size_t padded = (n + 3) & ~(size_t)3;
        uint64_t us = 1600000000ull * 1000000ull + (uint64_t)i * 500000u;
        le32(f, 6);
        le32(f, (uint32_t)(32 + padded));
        le32(f, 0);
        le32(f, (uint32_t)(us >> 32));
        le32(f, (uint32_t)us);
        le32(f, (uint32_t)n);
        le32(f, (uint32_t)n);
        fwrite(b, 1, n, f);
        for (size_t k = n; k < padded; k++) fputc(0, f);
        le32(f, (uint32_t)(32 + padded));
    }
    fclose(f);
    rec r;
    stream_handler h = handler(&r);
    capture_options o = { .file = path };
    char err[512];
    capture *c = capture_open(&o, &h, err, sizeof err);
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "pcapng: %s\n", err);
        return;
    }
    CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
    capture_close(c);
    CHECK_STR(r.log, "open#1 192.0.2.1:50000>192.0.2.2:443 client; #1 d0:ng!; #1 close:end of capture");
    CHECK(r.first_open_ts == 1600000000.0);
}

static void test_snaplen_and_idle(void)
{
    const char *path = tmp_path("snap.pcap");
    FILE *f = pcap_new(path, 1, 64);
    uint8_t b[256];
    size_t n = frame(b, true, 1111, 443, 10, TCP_SYN, NULL);
    pcap_add(f, 100, 0, b, n, n);
    n = frame(b, true, 1111, 443, 11, TCP_ACK, "0123456789abcdefghijklmnopqrstuvwxyz");
    pcap_add(f, 101, 0, b, 64, n);          /* 10 of 36 payload bytes */
    n = frame(b, true, 1111, 443, 47, TCP_ACK, "tail");
    pcap_add(f, 102, 0, b, n, n);
    /* Much later: the first connection has gone idle. */
    n = frame(b, true, 2222, 443, 500, TCP_SYN, NULL);
    pcap_add(f, 200, 0, b, n, n);
    n = frame(b, true, 2222, 443, 501, TCP_ACK, "x");
    pcap_add(f, 200, 1, b, n, n);
    fclose(f);

    rec r;
    stream_handler h = handler(&r);
    capture_options o = { .file = path, .limits = { 0, 30.0, 0 } };
    char err[512];
    capture *c = capture_open(&o, &h, err, sizeof err);
    CHECK(c != NULL);
    if (!c) return;
    CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
    capture_finish(c);
    capture_stats st;
    capture_get_stats(c, &st);
    capture_close(c);
    CHECK_STR(r.log, "open#1 192.0.2.1:1111>192.0.2.2:443 client; "
                     "#1 anom0:segment truncated by the snaplen: 10 of 36 bytes captured; #1 d0:0123456789; "
                     "#1 gap0:26; #1 d0:tail; open#2 192.0.2.1:2222>192.0.2.2:443 client; #1 close:idle; "
                     "#2 d0:x; #2 close:end of capture");
    CHECK_EQ_INT(st.truncated, 1);
    CHECK_EQ_INT(st.idle_closed, 1);
    CHECK_EQ_INT(st.gaps, 1);
    CHECK_EQ_INT(st.gap_bytes, 26);
}


/* Link types whose DLT numbers differ from the file's: raw IP (101), and
 * BSD loopback (0), read from files. */
static void test_other_linktypes(void)
{
    uint8_t b[256];
    size_t n = frame(b, true, 33333, 443, 41, TCP_SYN, NULL);
    size_t m;
    uint8_t d[256];
    m = frame(d, true, 33333, 443, 42, TCP_ACK, "raw");
    for (int k = 0; k < 2; k++) {
        const char *path = tmp_path(k == 0 ? "raw.pcap" : "null.pcap");
        FILE *f = pcap_new(path, k == 0 ? 101 : 0, 65535);
        uint8_t pkt[260];
        size_t hl = k == 0 ? 0 : 4;
        uint8_t fam[4] = { 2, 0, 0, 0 };        /* AF_INET, little-endian host */
        memcpy(pkt, fam, hl);
        memcpy(pkt + hl, b + 14, n - 14);
        pcap_add(f, 5, 0, pkt, hl + n - 14, hl + n - 14);
        memcpy(pkt + hl, d + 14, m - 14);
        pcap_add(f, 5, 1, pkt, hl + m - 14, hl + m - 14);
        fclose(f);
        rec r;
        stream_handler h = handler(&r);
        capture_options o = { .file = path };
        char err[512];
        capture *c = capture_open(&o, &h, err, sizeof err);
        CHECK(c != NULL);
        if (!c) continue;
        CHECK_EQ_INT(capture_linktype(c), k == 0 ? 101 : 0);
        CHECK_EQ_INT(capture_step(c, 0, NULL, err, sizeof err), 0);
        capture_close(c);
        CHECK_STR(r.log, "open#1 192.0.2.1:33333>192.0.2.2:443 client; #1 d0:raw; #1 close:end of capture");
    }
}

static void test_list_interfaces(void)
{
    char err[512] = "";
    FILE *out = tmpfile();
    int rc = capture_list_interfaces(out, err, sizeof err);
    if (rc == 0) {
        char line[512] = "";
        rewind(out);
        CHECK(fgets(line, sizeof line, out) != NULL);
        CHECK(strncmp(line, "1.", 2) == 0);
        printf("first interface: %s", line);
    } else {
        CHECK_EQ_INT(rc, 1);
        no_newline(err);
    }
    fclose(out);
}

/* A live capture on the loopback interface, when this process may capture:
 * a TCP connection made here must come out as a stream. */
static void test_live_loopback(void)
{
    rec r;
    stream_handler h = handler(&r);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
        printf("live: skipped (no loopback socket)\n");
        if (ls >= 0) close(ls);
        return;
    }
    char filter[64], err[512];
    snprintf(filter, sizeof filter, "tcp port %u", (unsigned)ntohs(a.sin_port));
    capture_options o = { .iface = "lo", .filter = filter, .nonblocking = true };
    capture *c = capture_open(&o, &h, err, sizeof err);
    if (!c) {
        printf("live: skipped (%s)\n", err);
        close(ls);
        return;
    }
    CHECK(capture_fd(c) >= 0);
    int cs = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(cs, (struct sockaddr *)&a, sizeof a) == 0);
    int ss = accept(ls, NULL, NULL);
    char got[16];
    CHECK(write(cs, "live bytes", 10) == 10);
    CHECK(read(ss, got, sizeof got) == 10);
    CHECK(write(ss, "reply", 5) == 5);
    CHECK(read(cs, got, sizeof got) == 5);
    close(cs);
    close(ss);
    close(ls);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = { capture_fd(c), POLLIN, 0 };
        poll(&p, 1, 100);
        CHECK_EQ_INT(capture_step(c, 64, NULL, err, sizeof err), 1);
        if (strstr(r.log, "close:")) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 5) break;
    }
    capture_stats st;
    capture_get_stats(c, &st);
    capture_close(c);
    CHECK(st.live);
    CHECK(strstr(r.log, "d0:live bytes") != NULL);
    CHECK(strstr(r.log, "d1:reply") != NULL);
    CHECK(strstr(r.log, "close:fin") != NULL);
    CHECK(strstr(r.log, " client") != NULL);
    printf("live: %s\n", r.log);
}


static volatile sig_atomic_t alarm_stop;
static void on_alarm(int sig)
{
    (void)sig;
    alarm_stop = 1;
}

/* A blocking live read must give up when a signal sets the stop flag,
 * and, asked for a few packets, come back when none arrive. */
static void test_live_blocking_stop(void)
{
    rec r;
    stream_handler h = handler(&r);
    char err[512];
    capture_options o = { .iface = "lo", .filter = "tcp port 9 and tcp port 7" };
    capture *c = capture_open(&o, &h, err, sizeof err);
    if (!c) {
        printf("live blocking: skipped (%s)\n", err);
        return;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(capture_step(c, 8, NULL, err, sizeof err), 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(waited < 2.0);

    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = { { 0, 0 }, { 0, 300000 } };
    alarm_stop = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(capture_step(c, 0, &alarm_stop, err, sizeof err), 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(alarm_stop == 1);
    CHECK(waited > 0.2 && waited < 2.0);
    sigaction(SIGALRM, &old, NULL);
    capture_close(c);
}

int main(void)
{
    test_file();
    test_errors();
    test_pcapng();
    test_snaplen_and_idle();
    test_other_linktypes();
    test_list_interfaces();
    test_live_loopback();
    test_live_blocking_stop();
    cleanup();
    return test_report("capture");
}
