#include "dissect/record.h"

#include "dissect/cursor.h"

static bool known_type(uint8_t t)
{
    return t >= CT_CHANGE_CIPHER_SPEC && t <= CT_HEARTBEAT;
}

static bool known_version(uint16_t v)
{
    /* SSL 3.0 .. TLS 1.3 on the record layer (1.3 records say 0x0301/0x0303,
     * but some stacks put 0x0304 there). */
    return v >= 0x0300 && v <= 0x0304;
}

record_verdict record_header_parse(const uint8_t *buf, size_t len, bool allow_sslv2, record_header *h)
{
    cursor c = cur_make(buf, len);
    uint8_t b0;
    /* Every member has a value whatever the verdict: a report of a bad
     * header prints them. */
    *h = (record_header){ 0 };
    if (!cur_peek_u8(&c, 0, &b0)) return RECORD_NEED_MORE;

    if (allow_sslv2 && (b0 & 0x80)) {
        /* SSLv2 record: 2-byte header with the top bit set, then
         * msg_type 1 (CLIENT-HELLO) and a version of 0x0002 or 3.x. */
        uint16_t hdr, version;
        uint8_t msg;
        if (!cur_peek_u16(&c, 0, &hdr) || !cur_peek_u8(&c, 2, &msg) || !cur_peek_u16(&c, 3, &version))
            return RECORD_NEED_MORE;
        size_t body = hdr & 0x7fff;
        if (msg == 1 && (version == 0x0002 || (version >> 8) == 3) && body >= 9) {
            h->type = 1;
            h->version = version;
            h->header_len = 2;
            h->body_len = body;
            return RECORD_SSLV2_HELLO;
        }
    }

    uint8_t type;
    uint16_t version, length;
    if (!cur_u8(&c, &type)) return RECORD_NEED_MORE;
    if (!known_type(type)) {
        h->problem = "unknown content type";
        h->type = type;
        /* What would have been the version, for the report; 0 if absent. */
        cur_peek_u16(&c, 0, &h->version);
        return RECORD_BAD;
    }
    if (!cur_u16(&c, &version)) return RECORD_NEED_MORE;
    h->type = type;
    h->version = version;
    if (!known_version(version)) {
        h->problem = "unknown record version";
        return RECORD_BAD;
    }
    if (!cur_u16(&c, &length)) return RECORD_NEED_MORE;
    h->header_len = TLS_RECORD_HEADER;
    h->body_len = length;
    if (length > TLS_MAX_CIPHERTEXT) {
        h->problem = "record longer than the 18432 bytes TLS allows";
        return RECORD_BAD;
    }
    return RECORD_OK;
}

static bool believable(const uint8_t *buf, size_t len, uint16_t version, record_header *h)
{
    if (record_header_parse(buf, len, false, h) != RECORD_OK) return false;
    if (version && h->version != version) return false;
    /* Only application data may be empty. */
    return h->body_len > 0 || h->type == CT_APPLICATION_DATA;
}

size_t record_resync(const uint8_t *buf, size_t len, uint16_t version)
{
    cursor c = cur_make(buf, len);
    while (cur_left(&c) >= TLS_RECORD_HEADER) {
        const uint8_t *here = c.p;
        size_t left = cur_left(&c);
        record_header h;
        if (believable(here, left, version, &h)) {
            /* When the record's end lies in the buffer, the next header
             * must be believable too: one lucky match is not enough. */
            cursor rest = c;
            record_header next;
            if (!cur_skip(&rest, h.header_len + h.body_len)) return cur_offset(&c);
            if (cur_left(&rest) < TLS_RECORD_HEADER) return cur_offset(&c);
            if (believable(rest.p, cur_left(&rest), version, &next)) return cur_offset(&c);
        }
        cur_skip(&c, 1);
    }
    return cur_offset(&c);
}
