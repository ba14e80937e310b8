/* The whole pipeline from capture file bytes: libpcap reads a pcap or
 * pcapng file, packets are decoded, reassembled and dissected (with the
 * samples' key logs and server key, so every decryption path runs on the
 * seed corpus), and the steps are rendered as JSON Lines or text into
 * memory.  Every JSON line must be one valid JSON object.
 *
 * Input: one byte of options (bit 0 key log, bit 1 server key, bit 2 record
 * steps, bit 3 secrets, bit 4 whole application data, bit 5 JSON instead of
 * text, bit 6 verbose text with hex, bit 7 tiny flow limits), then the
 * capture file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "cli/pipeline.h"
#include "cli/render.h"
#include "dissect/session.h"
#include "fuzz/fuzz.h"

/* Checks every step and connection, then hands them to the renderer. */
typedef struct tee {
    sink base;
    sink *next;
} tee;

static void tee_open(sink *k, const conn_state *c)
{
    tee *t = (tee *)k;
    fuzz_check_conn(c);
    t->next->conn_open(t->next, c);
}

static void tee_step(sink *k, const conn_state *c, step *s)
{
    tee *t = (tee *)k;
    fuzz_check_step(s);
    t->next->step(t->next, c, s);
}

static void tee_close(sink *k, const conn_state *c)
{
    tee *t = (tee *)k;
    fuzz_check_conn(c);
    t->next->conn_close(t->next, c);
}

/* ---- a small JSON checker: one value per line ---- */

static bool json_value(cursor *c, unsigned depth);

static void skip_ws(cursor *c)
{
    uint8_t b;
    while (cur_peek_u8(c, 0, &b) && (b == ' ' || b == '\t')) cur_skip(c, 1);
}

static bool json_lit(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    const uint8_t *p;
    return cur_bytes(c, n, &p) && memcmp(p, lit, n) == 0;
}

static bool json_string(cursor *c)
{
    uint8_t b;
    if (!cur_u8(c, &b) || b != '"') return false;
    while (cur_u8(c, &b)) {
        if (b == '"') return true;
        if (b < 0x20) return false;
        if (b == '\\') {
            if (!cur_u8(c, &b)) return false;
            if (b == 'u') {
                for (int i = 0; i < 4; i++)
                    if (!cur_u8(c, &b) || !strchr("0123456789abcdefABCDEF", b) || !b) return false;
            } else if (!strchr("\"\\/bfnrt", b) || !b) {
                return false;
            }
        }
    }
    return false;
}

static bool json_number(cursor *c)
{
    uint8_t b;
    size_t digits = 0;
    if (cur_peek_u8(c, 0, &b) && b == '-') cur_skip(c, 1);
    while (cur_peek_u8(c, 0, &b) && ((b >= '0' && b <= '9') || b == '.' || b == 'e' || b == 'E' || b == '+' ||
                                     b == '-')) {
        cur_skip(c, 1);
        digits++;
    }
    return digits > 0;
}

static bool json_container(cursor *c, unsigned depth, uint8_t close, bool keys)
{
    uint8_t b;
    skip_ws(c);
    if (cur_peek_u8(c, 0, &b) && b == close) return cur_skip(c, 1);
    for (;;) {
        skip_ws(c);
        if (keys) {
            if (!json_string(c)) return false;
            skip_ws(c);
            if (!cur_u8(c, &b) || b != ':') return false;
        }
        if (!json_value(c, depth + 1)) return false;
        skip_ws(c);
        if (!cur_u8(c, &b)) return false;
        if (b == close) return true;
        if (b != ',') return false;
    }
}

static bool json_value(cursor *c, unsigned depth)
{
    uint8_t b;
    if (depth > 200) return false;
    skip_ws(c);
    if (!cur_peek_u8(c, 0, &b)) return false;
    switch (b) {
    case '{': cur_skip(c, 1); return json_container(c, depth, '}', true);
    case '[': cur_skip(c, 1); return json_container(c, depth, ']', false);
    case '"': return json_string(c);
    case 't': return json_lit(c, "true");
    case 'f': return json_lit(c, "false");
    case 'n': return json_lit(c, "null");
    default: return json_number(c);
    }
}

static void check_json_lines(const char *buf, size_t len)
{
    cursor all = cur_make((const uint8_t *)buf, len);
    unsigned line = 0;
    while (!cur_empty(&all)) {
        size_t k = 0;
        uint8_t b = 0;
        while (cur_peek_u8(&all, k, &b) && b != '\n') k++;
        cursor ln;
        cur_sub(&all, k, &ln);
        line++;
        if (!cur_skip(&all, 1)) fuzz_fail("JSON output does not end with a newline");
        uint8_t first = 0;
        cur_peek_u8(&ln, 0, &first);
        if (first != '{' || !json_value(&ln, 0) || !cur_empty(&ln))
            fuzz_fail("JSON line %u is not one JSON object: %.*s", line, (int)(k > 300 ? 300 : k),
                      (const char *)ln.base);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cursor in = cur_make(data, size);
    uint8_t opt = fz_u8(&in);
    size_t n;
    const uint8_t *file = fz_bytes(&in, cur_left(&in), &n);
    char path[64], err[512];
    int fd = fuzz_memfile(file, n, path, sizeof path);
    if (fd < 0) return 0;

    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    if (!mem) {
        close(fd);
        return 0;
    }
    bool json = opt & 32;
    render_options ro = { .verbose = opt & 64 ? 2 : 0, .hex = opt & 64, .utf8 = opt & 16 };
    sink *view = json ? json_sink_new(mem, &ro) : text_sink_new(mem, &ro);
    tee t = { { tee_open, tee_step, tee_close }, view };
    dissect_config cfg = {
        .records = opt & 4,
        .secrets = opt & 8,
        .data = opt & 16,
        .max_message = DISSECT_MAX_MESSAGE_DEFAULT,
        .cas = fuzz_sample_cas(),
        .keylog = opt & 1 ? fuzz_sample_keylog() : NULL,
        .keys = opt & 2 ? fuzz_sample_keyring() : NULL,
    };
    dissector *d = dissector_new(&cfg, &t.base);
    stream_handler h = pipeline_handler(d);
    capture_options co = { .file = path, .limits = FLOW_LIMITS_DEFAULT };
    if (opt & 128) co.limits = (flow_limits){ 2, 1.0, 512 };
    capture *cap = d ? capture_open(&co, &h, err, sizeof err) : NULL;
    if (cap) {
        while (capture_step(cap, 64, NULL, err, sizeof err) > 0) {}
        capture_finish(cap);
        capture_stats cs;
        capture_get_stats(cap, &cs);
        capture_close(cap);
        dissector_stats ds = *dissector_get_stats(d);
        dissector_free(d);
        if (json) json_sink_summary(view, &cs, &ds);
        else text_sink_summary(view, &cs, &ds);
    } else {
        if (!memchr(err, 0, sizeof err) || !err[0]) fuzz_fail("capture_open failed without a message");
        dissector_free(d);
    }
    render_sink_free(view);
    fclose(mem);
    if (json) check_json_lines(out, out_len);
    free(out);
    close(fd);
    return 0;
}
