/* Decryption Secrets Blocks read from pcapng files: in file order, in
 * either byte order, sections switching between them; blocks that do not
 * fit end the walk or are skipped, never read past. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/secrets.h"
#include "tests/testlib.h"

typedef struct file_builder {
    uint8_t buf[4096];
    size_t len;
    int big_endian;
} file_builder;

static void put32(file_builder *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->buf[b->len++] = (uint8_t)(b->big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put_bytes(file_builder *b, const void *p, size_t n)
{
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    while (b->len % 4) b->buf[b->len++] = 0;
}

static void section(file_builder *b, int big_endian)
{
    b->big_endian = big_endian;
    put32(b, 0x0a0d0d0a);
    put32(b, 28);
    put32(b, 0x1a2b3c4d);
    put32(b, 0x00000001);          /* version 1.0 */
    put32(b, 0xffffffff);          /* section length: unknown */
    put32(b, 0xffffffff);
    put32(b, 28);
}

static void interface(file_builder *b)
{
    put32(b, 1);
    put32(b, 20);
    put32(b, 1);                   /* Ethernet, reserved */
    put32(b, 262144);
    put32(b, 20);
}

static void packet(file_builder *b)
{
    static const uint8_t frame[14] = { 0 };
    put32(b, 6);
    put32(b, 32 + 16);
    put32(b, 0);
    put32(b, 0);
    put32(b, 0);
    put32(b, sizeof frame);
    put32(b, sizeof frame);
    put_bytes(b, frame, sizeof frame);
    put32(b, 32 + 16);
}

/* A secrets block claiming `claimed` bytes of secrets and holding `text`. */
static void secrets(file_builder *b, uint32_t type, const char *text, uint32_t claimed)
{
    size_t n = strlen(text), padded = (n + 3) / 4 * 4;
    uint32_t total = (uint32_t)(20 + padded);
    put32(b, 0x0a);
    put32(b, total);
    put32(b, type);
    put32(b, claimed);
    put_bytes(b, text, n);
    put32(b, total);
}

typedef struct seen {
    int n;
    uint32_t types[8];
    char texts[8][64];
} seen;

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len)
{
    seen *s = ctx;
    if (s->n >= 8) return;
    s->types[s->n] = type;
    size_t k = len < 63 ? len : 63;
    memcpy(s->texts[s->n], data, k);
    s->texts[s->n][k] = 0;
    s->n++;
}

static long walk(const file_builder *b, size_t cut, seen *s)
{
    char path[] = "/tmp/tlsview-secrets-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return -2;
    CHECK(write(fd, b->buf, cut) == (ssize_t)cut);
    close(fd);
    memset(s, 0, sizeof *s);
    char err[256];
    long r = capture_embedded_secrets(path, on_secrets, s, err, sizeof err);
    unlink(path);
    return r;
}

int main(void)
{
    seen s;
    file_builder b = { .len = 0 };

    /* Little-endian, secrets before and after a packet, one of another type. */
    section(&b, 0);
    interface(&b);
    secrets(&b, PCAPNG_SECRETS_TLS_KEY_LOG, "CLIENT_RANDOM one", 17);
    packet(&b);
    secrets(&b, 0x57474b4c, "wireguard", 9);
    size_t first_section = b.len;
    /* A big-endian section follows. */
    section(&b, 1);
    interface(&b);
    secrets(&b, PCAPNG_SECRETS_TLS_KEY_LOG, "CLIENT_RANDOM two", 17);
    CHECK_EQ_INT(walk(&b, b.len, &s), 3);
    CHECK_EQ_INT(s.types[0], PCAPNG_SECRETS_TLS_KEY_LOG);
    CHECK_STR(s.texts[0], "CLIENT_RANDOM one");
    CHECK_EQ_INT(s.types[1], 0x57474b4c);
    CHECK_STR(s.texts[1], "wireguard");
    CHECK_EQ_INT(s.types[2], PCAPNG_SECRETS_TLS_KEY_LOG);
    CHECK_STR(s.texts[2], "CLIENT_RANDOM two");

    /* Cut anywhere: what came whole is read, nothing past the end. */
    for (size_t cut = 0; cut < b.len; cut++) {
        long r = walk(&b, cut, &s);
        CHECK(r >= 0 && r <= 3);
        CHECK_EQ_INT(r, s.n);
    }
    CHECK_EQ_INT(walk(&b, first_section, &s), 2);

    /* A secrets length beyond its block: that block is skipped. */
    file_builder lie = { .len = 0 };
    section(&lie, 0);
    secrets(&lie, PCAPNG_SECRETS_TLS_KEY_LOG, "short", 4000);
    secrets(&lie, PCAPNG_SECRETS_TLS_KEY_LOG, "after", 5);
    CHECK_EQ_INT(walk(&lie, lie.len, &s), 1);
    CHECK_STR(s.texts[0], "after");

    /* A block length that is not a multiple of 4 ends the walk. */
    file_builder odd = { .len = 0 };
    section(&odd, 0);
    secrets(&odd, PCAPNG_SECRETS_TLS_KEY_LOG, "kept", 4);
    size_t bad = odd.len;
    secrets(&odd, PCAPNG_SECRETS_TLS_KEY_LOG, "lost", 4);
    odd.buf[bad + 4] = 22;
    CHECK_EQ_INT(walk(&odd, odd.len, &s), 1);

    /* A pcap file, and no file. */
    file_builder pcap = { .len = 0 };
    put32(&pcap, 0xa1b2c3d4);
    put32(&pcap, 0x00040002);
    for (int i = 0; i < 4; i++) put32(&pcap, 0);
    CHECK_EQ_INT(walk(&pcap, pcap.len, &s), 0);
    char err[256] = "";
    CHECK_EQ_INT(capture_embedded_secrets("/nonexistent/x.pcapng", on_secrets, &s, err, sizeof err), -1);
    CHECK(strstr(err, "x.pcapng") != NULL);
    return test_report("secrets");
}
