/* The record layer and the session: framing across any segmentation,
 * SSLv2 hellos, garbage, gaps and resynchronisation, size limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/record.h"
#include "dissect/session.h"
#include "tests/testlib.h"

/* A sink that remembers the kind, name and length of every step. */
typedef struct recorded {
    step_kind kind;
    char name[40];
    direction dir;
    uint32_t length;
    bool malformed;
} recorded;

typedef struct recorder {
    sink base;
    recorded steps[256];
    int n;
    int opened, closed;
    unsigned last_id;
    char client[64], server[64];
} recorder;

static void rec_open(sink *k, const conn_state *c)
{
    recorder *r = (recorder *)k;
    r->opened++;
    r->last_id = c->id;
    strcpy(r->client, c->client);
    strcpy(r->server, c->server);
}

static void rec_step(sink *k, const conn_state *c, step *s)
{
    recorder *r = (recorder *)k;
    (void)c;
    if (r->n < 256) {
        recorded *x = &r->steps[r->n++];
        x->kind = s->kind;
        snprintf(x->name, sizeof x->name, "%s", s->name);
        x->dir = s->dir;
        x->length = s->length;
        x->malformed = s->malformed;
    }
    step_free(s);
}

static void rec_close(sink *k, const conn_state *c)
{
    recorder *r = (recorder *)k;
    (void)c;
    r->closed++;
}

static void recorder_init(recorder *r)
{
    memset(r, 0, sizeof(*r));
    r->base.conn_open = rec_open;
    r->base.step = rec_step;
    r->base.conn_close = rec_close;
}

static int count_kind(const recorder *r, step_kind k)
{
    int n = 0;
    for (int i = 0; i < r->n; i++) n += r->steps[i].kind == k;
    return n;
}

/* Three client records: a handshake record holding a (tiny, fake)
 * ClientHello, a ChangeCipherSpec and an application data record. */
static const char client_stream_hex[] =
    "16 0301 0008  01 000004 03030000"
    "14 0303 0001  01"
    "17 0303 0003  aabbcc";

static dissect_config config(void)
{
    dissect_config cfg = { .records = true, .max_message = DISSECT_MAX_MESSAGE_DEFAULT };
    return cfg;
}

/* Feeds `stream` as the client side in pieces of `piece` bytes. */
static void run_pieces(recorder *r, const uint8_t *stream, size_t n, size_t piece)
{
    dissect_config cfg = config();
    recorder_init(r);
    dissector *d = dissector_new(&cfg, &r->base);
    tls_flow *f = dissector_open(d, "10.0.0.1:50000", "10.0.0.2:4433", 50000, 4433, true, 1.0);
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        dissector_data(d, f, 0, stream + off, k, 1.0 + (double)off);
    }
    dissector_close(d, f, "fin", 2.0);
    dissector_free(d);
}

static void test_segmentation(void)
{
    size_t n;
    uint8_t *stream = test_unhex(client_stream_hex, &n);
    recorder whole, bytewise, sevens;
    run_pieces(&whole, stream, n, n);
    run_pieces(&bytewise, stream, n, 1);
    run_pieces(&sevens, stream, n, 7);
    CHECK_EQ_INT(whole.opened, 1);
    CHECK_EQ_INT(whole.closed, 1);
    CHECK_STR(whole.client, "10.0.0.1:50000");
    CHECK_STR(whole.server, "10.0.0.2:4433");
    CHECK_EQ_INT(count_kind(&whole, STEP_RECORD), 3);
    CHECK_EQ_INT(count_kind(&whole, STEP_HANDSHAKE), 1);
    CHECK_EQ_INT(count_kind(&whole, STEP_CHANGE_CIPHER_SPEC), 1);
    /* After ChangeCipherSpec the data is protected. */
    CHECK_EQ_INT(count_kind(&whole, STEP_APP_DATA), 1);
    const recorder *others[] = { &bytewise, &sevens };
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(others[k]->n, whole.n);
        for (int i = 0; i < whole.n && i < others[k]->n; i++) {
            CHECK_EQ_INT(others[k]->steps[i].kind, whole.steps[i].kind);
            CHECK_STR(others[k]->steps[i].name, whole.steps[i].name);
            CHECK_EQ_INT(others[k]->steps[i].length, whole.steps[i].length);
        }
    }
    free(stream);
}

static void test_message_across_records(void)
{
    /* One 8-byte handshake message split over two records, then two
     * messages in one record. */
    size_t n;
    uint8_t *stream = test_unhex("16 0303 0003 0e0000"      /* server_hello_done header only */
                                 "16 0303 0009 00 0e000000 0e000000", &n);
    recorder r;
    dissect_config cfg = config();
    cfg.records = false;
    recorder_init(&r);
    dissector *d = dissector_new(&cfg, &r.base);
    tls_flow *f = dissector_open(d, "a:1", "b:443", 1, 443, true, 0);
    dissector_data(d, f, 0, stream, n, 0);
    dissector_free(d);
    CHECK_EQ_INT(count_kind(&r, STEP_HANDSHAKE), 3);
    for (int i = 0; i < r.n; i++) CHECK_STR(r.steps[i].name, "server_hello_done");
    free(stream);
}

static void test_sslv2_hello(void)
{
    /* SSLv2 record header 0x802e: 46 bytes; CLIENT-HELLO (1), version 3.1,
     * 3-byte cipher specs (1 spec), no session id, 16-byte challenge. */
    size_t n;
    uint8_t *v2 = test_unhex("8020 01 0301 0003 0000 0010 010080"
                             "000102030405060708090a0b0c0d0e0f"
                             "", &n);
    CHECK_EQ_INT(tls_stream_start_looks_like_tls(v2, n), 1);
    record_header h;
    CHECK_EQ_INT(record_header_parse(v2, n, true, &h), RECORD_SSLV2_HELLO);
    CHECK_EQ_INT(h.header_len, 2);
    CHECK_EQ_INT(h.body_len, 0x20);
    CHECK_EQ_INT(record_header_parse(v2, n, false, &h), RECORD_BAD);
    free(v2);
}

static void test_not_tls(void)
{
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    CHECK_EQ_INT(tls_stream_start_looks_like_tls(http, sizeof http - 1), 0);
    static const uint8_t short_start[] = { 0x16, 0x03 };
    CHECK_EQ_INT(tls_stream_start_looks_like_tls(short_start, 2), -1);
    recorder r;
    dissect_config cfg = config();
    recorder_init(&r);
    dissector *d = dissector_new(&cfg, &r.base);
    tls_flow *f = dissector_open(d, "a:1234", "b:80", 1234, 80, true, 0);
    CHECK(!dissector_data(d, f, 0, http, sizeof http - 1, 0));
    CHECK_EQ_INT(dissector_get_stats(d)->non_tls, 1);
    CHECK_EQ_INT(dissector_get_stats(d)->tls_connections, 0);
    dissector_close(d, f, "fin", 1);
    dissector_free(d);
    CHECK_EQ_INT(r.opened, 0);
}

static void test_garbage_then_resync(void)
{
    /* A good record, 7 bytes of garbage, then two good records. */
    size_t n;
    uint8_t *stream = test_unhex("17 0303 0002 aaaa"
                                 "99 99 99 99 99 99 99"
                                 "17 0303 0001 bb"
                                 "17 0303 0001 cc", &n);
    recorder r;
    dissect_config cfg = config();
    recorder_init(&r);
    dissector *d = dissector_new(&cfg, &r.base);
    tls_flow *f = dissector_open(d, "a:1", "b:443", 1, 443, true, 0);
    dissector_data(d, f, 0, stream, n, 0);
    dissector_free(d);
    CHECK_EQ_INT(count_kind(&r, STEP_MALFORMED), 1);
    CHECK_EQ_INT(count_kind(&r, STEP_APP_DATA), 3);
    CHECK_EQ_INT(count_kind(&r, STEP_RECORD), 3);
    free(stream);
}

static void test_gap_then_resync(void)
{
    /* After a gap the stream resumes in the middle of a record: the tail
     * of that record must be skipped and the next record found. */
    size_t n1, n2;
    uint8_t *first = test_unhex("17 0303 0002 aaaa  17 0303 0010 0102", &n1);
    uint8_t *after = test_unhex("0b0c0d0e0f10  17 0303 0001 cc  17 0303 0001 dd", &n2);
    recorder r;
    dissect_config cfg = config();
    recorder_init(&r);
    dissector *d = dissector_new(&cfg, &r.base);
    tls_flow *f = dissector_open(d, "a:1", "b:443", 1, 443, true, 0);
    dissector_data(d, f, 0, first, n1, 0);
    dissector_gap(d, f, 0, 8, 1);
    dissector_data(d, f, 0, after, n2, 2);
    dissector_free(d);
    CHECK_EQ_INT(count_kind(&r, STEP_GAP), 1);
    CHECK_EQ_INT(count_kind(&r, STEP_APP_DATA), 3);
    free(first);
    free(after);
}

static void test_oversized_message(void)
{
    /* A handshake header claiming 16 MiB - 1 with a limit of 1 KiB: one
     * malformed step, then the next record still decodes. */
    size_t n;
    uint8_t *stream = test_unhex("16 0303 0008 0b ffffff 00000000"
                                 "15 0303 0002 0228", &n);
    recorder r;
    dissect_config cfg = config();
    cfg.max_message = 1024;
    cfg.records = false;
    recorder_init(&r);
    dissector *d = dissector_new(&cfg, &r.base);
    tls_flow *f = dissector_open(d, "a:1", "b:443", 1, 443, true, 0);
    dissector_data(d, f, 0, stream, n, 0);
    CHECK_EQ_INT(dissector_get_stats(d)->oversized_messages, 1);
    dissector_free(d);
    CHECK_EQ_INT(count_kind(&r, STEP_MALFORMED), 1);
    CHECK_EQ_INT(count_kind(&r, STEP_ALERT), 1);
    free(stream);
}

static void test_resync_function(void)
{
    size_t n;
    uint8_t *buf = test_unhex("0000 17 0303 0001 aa 17 0303 0000", &n);
    CHECK_EQ_INT(record_resync(buf, n, 0x0303), 2);
    CHECK_EQ_INT(record_resync(buf, n, 0x0301), n - 4);
    free(buf);
    record_header h;
    static const uint8_t huge[] = { 0x17, 0x03, 0x03, 0xff, 0xff };
    CHECK_EQ_INT(record_header_parse(huge, 5, false, &h), RECORD_BAD);
    static const uint8_t badver[] = { 0x16, 0x04, 0x00, 0x00, 0x01 };
    CHECK_EQ_INT(record_header_parse(badver, 5, false, &h), RECORD_BAD);
    CHECK_EQ_INT(h.version, 0x0400);
    /* An unknown type still reports the two bytes after it as the version
     * (once they were whatever the stack held), or 0 when they are not
     * there. */
    static const uint8_t badtype[] = { 0x89, 0x03, 0x01, 0x00, 0x10 };
    memset(&h, 0xa5, sizeof h);
    CHECK_EQ_INT(record_header_parse(badtype, 5, false, &h), RECORD_BAD);
    CHECK_EQ_INT(h.type, 0x89);
    CHECK_EQ_INT(h.version, 0x0301);
    CHECK(h.problem && strcmp(h.problem, "unknown content type") == 0);
    memset(&h, 0xa5, sizeof h);
    CHECK_EQ_INT(record_header_parse(badtype, 2, false, &h), RECORD_BAD);
    CHECK_EQ_INT(h.version, 0);
    CHECK_EQ_INT(h.header_len, 0);
}

int main(void)
{
    test_segmentation();
    test_message_across_records();
    test_sslv2_hello();
    test_not_tls();
    test_garbage_then_resync();
    test_gap_then_resync();
    test_oversized_message();
    test_resync_function();
    return test_report("record");
}
