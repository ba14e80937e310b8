/* For every field of every step of every sample: the field's offset and
 * length lie inside the step's bytes, a child lies inside its parent, and
 * where a leaf was read straight off the wire (a hex value, a number, a
 * code point) slicing the bytes at its offset gives that very value. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "cli/pipeline.h"
#include "dissect/cursor.h"
#include "dissect/session.h"
#include "tests/testlib.h"

static const char *current_file;
static unsigned long fields_checked, values_checked;

static void check_field(const step *s, const field *f, const field *parent)
{
    fields_checked++;
    uint64_t end = (uint64_t)f->offset + f->length;
    if (end > s->nbytes) {
        test_fail(__FILE__, __LINE__, "%s: conn %u %s: field %s [%u+%u] runs past the step's %zu bytes",
                  current_file, s->conn, s->name, f->name, f->offset, f->length, s->nbytes);
        return;
    }
    if (parent && parent != s->root && f->length &&
        (f->offset < parent->offset || end > (uint64_t)parent->offset + parent->length)) {
        test_fail(__FILE__, __LINE__, "%s: conn %u %s: field %s [%u+%u] lies outside its parent %s [%u+%u]",
                  current_file, s->conn, s->name, f->name, f->offset, f->length, parent->name, parent->offset,
                  parent->length);
    }
    if (f->shape != FIELD_LEAF || !f->value || !f->length) return;
    cursor c = cur_make(s->bytes, s->nbytes);
    const uint8_t *slice;
    if (!cur_skip(&c, f->offset) || !cur_bytes(&c, f->length, &slice)) return;
    if (f->json == FJ_NUMBER && f->length <= 8) {
        /* Numbers read from the wire: the slice, big-endian, is the value.
         * Derived numbers (counts, bits, the size of the span they cover)
         * are not read from their bytes: skip those. */
        uint64_t v = 0;
        for (uint32_t i = 0; i < f->length; i++) v = v << 8 | slice[i];
        unsigned long long shown = strtoull(f->value, NULL, 10);
        if (v == shown) values_checked++;
        else if (f->length <= 3 && shown != f->length && strstr(f->name, "count") == NULL &&
                 strstr(f->name, "bits") == NULL)
            test_fail(__FILE__, __LINE__, "%s: conn %u %s: %s = %s but its bytes say %" PRIu64, current_file,
                      s->conn, s->name, f->name, f->value, v);
    } else if (f->json == FJ_CODE && f->length == (f->code_digits + 1u) / 2) {
        uint32_t v = 0;
        for (uint32_t i = 0; i < f->length; i++) v = v << 8 | slice[i];
        values_checked++;
        if (v != f->code)
            test_fail(__FILE__, __LINE__, "%s: conn %u %s: %s = 0x%x but its bytes say 0x%x", current_file, s->conn,
                      s->name, f->name, f->code, v);
    } else if ((f->json == FJ_STRING || f->json == FJ_HEX) && strlen(f->value) == 2u * f->length) {
        /* A hex dump of exactly its bytes. */
        static const char hex[] = "0123456789abcdef";
        bool is_hex = true;
        for (const char *p = f->value; *p && is_hex; p++) is_hex = strchr(hex, *p) != NULL;
        if (!is_hex) return;
        values_checked++;
        for (uint32_t i = 0; i < f->length; i++) {
            if (f->value[2 * i] != hex[slice[i] >> 4] || f->value[2 * i + 1] != hex[slice[i] & 15]) {
                test_fail(__FILE__, __LINE__, "%s: conn %u %s: %s does not match its bytes at offset %u",
                          current_file, s->conn, s->name, f->name, f->offset + i);
                break;
            }
        }
    }
}

static void walk(const step *s, const field *parent)
{
    for (const field *f = parent->first; f; f = f->next) {
        check_field(s, f, parent);
        walk(s, f);
    }
}

static unsigned long steps_seen;

static void on_open(sink *k, const conn_state *c) { (void)k; (void)c; }
static void on_close(sink *k, const conn_state *c) { (void)k; (void)c; }
static void on_step(sink *k, const conn_state *c, step *s)
{
    (void)k;
    (void)c;
    steps_seen++;
    walk(s, s->root);
    step_free(s);
}

int main(int argc, char **argv)
{
    sink k = { on_open, on_step, on_close };
    for (int i = 1; i < argc; i++) {
        current_file = argv[i];
        dissect_config cfg = { .records = true, .max_message = DISSECT_MAX_MESSAGE_DEFAULT };
        dissector *d = dissector_new(&cfg, &k);
        stream_handler h = pipeline_handler(d);
        capture_options co = { .file = argv[i], .limits = FLOW_LIMITS_DEFAULT };
        char err[256];
        capture *cap = capture_open(&co, &h, err, sizeof err);
        CHECK(cap != NULL);
        if (!cap) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            dissector_free(d);
            continue;
        }
        while (capture_step(cap, 0, NULL, err, sizeof err) > 0) {}
        capture_close(cap);
        dissector_free(d);
    }
    printf("%lu steps, %lu fields, %lu values matched against their bytes\n", steps_seen, fields_checked,
           values_checked);
    CHECK(steps_seen > 0);
    CHECK(values_checked > 0);
    return test_report("offsets");
}
