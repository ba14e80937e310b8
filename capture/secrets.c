#include "capture/secrets.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dissect/cursor.h"

enum {
    BLOCK_SECTION_HEADER = 0x0a0d0d0a,   /* the same in either byte order */
    BLOCK_DECRYPTION_SECRETS = 0x0000000a,
    BYTE_ORDER_MAGIC = 0x1a2b3c4d,
    BLOCK_MIN = 12,                      /* type, length, length again */
};

/* A 32-bit field in the section's byte order. */
static uint32_t field32(const uint8_t *p, bool big_endian)
{
    cursor c = cur_make(p, 4);
    uint32_t v = 0;
    cur_u32(&c, &v);                     /* big-endian */
    if (big_endian) return v;
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static bool read_exactly(FILE *f, void *buf, size_t n)
{
    return fread(buf, 1, n, f) == n;
}

long capture_embedded_secrets(const char *path, capture_secrets_fn fn, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    long found = 0;
    bool big_endian = false;
    off_t at = 0;
    for (;;) {
        uint8_t head[12];
        if (fseeko(f, at, SEEK_SET) != 0 || !read_exactly(f, head, 8)) break;
        uint32_t type = field32(head, true);
        if (type == BLOCK_SECTION_HEADER) {
            /* A new section says its own byte order. */
            if (!read_exactly(f, head + 8, 4)) break;
            if (field32(head + 8, true) == BYTE_ORDER_MAGIC) big_endian = true;
            else if (field32(head + 8, false) == BYTE_ORDER_MAGIC) big_endian = false;
            else break;
        } else if (at == 0) {
            break;                           /* not pcapng */
        }
        type = field32(head, big_endian);
        uint32_t len = field32(head + 4, big_endian);
        if (len < BLOCK_MIN || len % 4) break;
        if (type == BLOCK_DECRYPTION_SECRETS && len >= BLOCK_MIN + 8) {
            uint8_t info[8];
            if (fseeko(f, at + 8, SEEK_SET) != 0 || !read_exactly(f, info, 8)) break;
            uint32_t secrets_type = field32(info, big_endian), secrets_len = field32(info + 4, big_endian);
            if (secrets_len <= len - BLOCK_MIN - 8 && secrets_len <= PCAPNG_SECRETS_MAX) {
                uint8_t *data = malloc(secrets_len ? secrets_len : 1);
                if (!data) break;
                bool ok = read_exactly(f, data, secrets_len);
                if (ok) {
                    fn(ctx, secrets_type, data, secrets_len);
                    found++;
                }
                explicit_bzero(data, secrets_len);   /* they decrypt the traffic */
                free(data);
                if (!ok) break;
            }
        }
        at += len;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        return -1;
    }
    fclose(f);
    return found;
}
