/* Helpers every fuzz target uses: input reading, the sample keys, a sink
 * that checks the dissector's promises. */
#include "fuzz/fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dissect/certificate.h"
#include "dissect/keylog.h"
#include "dissect/keyring.h"

/* fixtures_data.c, generated from samples/ by gen_fixtures.py */
extern const uint8_t fixture_keylog[], fixture_server_key[], fixture_ca[], fixture_server_cert[];
extern const size_t fixture_keylog_len, fixture_server_key_len, fixture_ca_len, fixture_server_cert_len;

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- input ---- */

uint8_t fz_u8(cursor *in)
{
    uint8_t v = 0;
    cur_u8(in, &v);
    return v;
}

uint16_t fz_u16(cursor *in)
{
    uint16_t v = 0;
    if (!cur_u16(in, &v)) v = fz_u8(in);
    return v;
}

uint32_t fz_u32(cursor *in)
{
    uint32_t v = 0;
    if (!cur_u32(in, &v)) v = fz_u16(in);
    return v;
}

const uint8_t *fz_bytes(cursor *in, size_t n, size_t *got)
{
    const uint8_t *p = NULL;
    if (n > cur_left(in)) n = cur_left(in);
    cur_bytes(in, n, &p);
    *got = n;
    return p;
}

/* ---- sample keys ---- */

int fuzz_memfile(const uint8_t *data, size_t len, char *path, size_t n)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    snprintf(path, n, "/proc/self/fd/%d", fd);
    return fd;
}

struct keylog *fuzz_sample_keylog(void)
{
    static keylog *kl;
    if (!kl) {
        kl = keylog_new(0);
        if (!kl || keylog_add_text(kl, "samples", (const char *)fixture_keylog, fixture_keylog_len) <= 0)
            fuzz_fail("the sample key logs do not load");
        keylog_clear_warnings(kl);
    }
    return kl;
}

struct keyring *fuzz_sample_keyring(void)
{
    static keyring *kr;
    if (!kr) {
        char msg[256];
        kr = keyring_new();
        if (!kr || keyring_add_buffer(kr, "server.key", fixture_server_key, fixture_server_key_len, NULL, msg,
                                      sizeof msg) != KEYRING_OK)
            fuzz_fail("the sample server key does not load");
    }
    return kr;
}

struct cert_store *fuzz_sample_cas(void)
{
    static cert_store *cas;
    if (!cas) {
        char path[64], err[256];
        int fd = fuzz_memfile(fixture_ca, fixture_ca_len, path, sizeof path);
        if (fd < 0) fuzz_fail("no in-memory file for the CA");
        cas = cert_store_load(path, err, sizeof err);
        close(fd);
        if (!cas || cert_store_count(cas) != 1) fuzz_fail("the sample CA does not load: %s", err);
    }
    return cas;
}

const uint8_t *fuzz_sample_server_cert(size_t *len)
{
    *len = fixture_server_cert_len;
    return fixture_server_cert;
}

/* ---- the checking sink ---- */

static void check_text(const char *what, const char *s, size_t cap)
{
    if (memchr(s, 0, cap) == NULL) fuzz_fail("conn %s is not terminated", what);
}

void fuzz_check_conn(const conn_state *c)
{
    check_text("client", c->client, sizeof c->client);
    check_text("server", c->server, sizeof c->server);
    check_text("sni", c->sni, sizeof c->sni);
    check_text("alpn_offered", c->alpn_offered, sizeof c->alpn_offered);
    check_text("alpn", c->alpn, sizeof c->alpn);
    check_text("ja3", c->ja3, sizeof c->ja3);
    check_text("ja3_hash", c->ja3_hash, sizeof c->ja3_hash);
    check_text("ja3s", c->ja3s, sizeof c->ja3s);
    check_text("ja3s_hash", c->ja3s_hash, sizeof c->ja3s_hash);
    check_text("ja4", c->ja4, sizeof c->ja4);
    const cert_summary *cs[2] = { &c->server_cert, &c->client_cert };
    for (int i = 0; i < 2; i++) {
        check_text("subject", cs[i]->subject, sizeof cs[i]->subject);
        check_text("subject_cn", cs[i]->subject_cn, sizeof cs[i]->subject_cn);
        check_text("issuer", cs[i]->issuer, sizeof cs[i]->issuer);
        check_text("issuer_cn", cs[i]->issuer_cn, sizeof cs[i]->issuer_cn);
        check_text("not_after", cs[i]->not_after, sizeof cs[i]->not_after);
        check_text("key_desc", cs[i]->key_desc, sizeof cs[i]->key_desc);
        check_text("validation", cs[i]->validation, sizeof cs[i]->validation);
    }
    if (c->n_notes > CONN_NOTES_MAX) fuzz_fail("conn has %u notes", c->n_notes);
    for (unsigned i = 0; i < c->n_notes; i++) check_text("note", c->notes[i], sizeof c->notes[i]);
    if (c->n_offered_versions > 16) fuzz_fail("conn has %u offered versions", c->n_offered_versions);
    if (c->n_client_key_shares > 8) fuzz_fail("conn has %u key shares", c->n_client_key_shares);
}

static void check_field(const step *s, const field *f, const field *parent, unsigned depth)
{
    if (depth > 64) fuzz_fail("%s: fields nest deeper than 64", s->name);
    if (!f->name) fuzz_fail("%s: a field has no name", s->name);
    (void)strlen(f->name);
    if (f->value) (void)strlen(f->value);
    if (f->parent != parent) fuzz_fail("%s: field %s has the wrong parent", s->name, f->name);
    uint64_t end = (uint64_t)f->offset + f->length;
    if (end > s->nbytes)
        fuzz_fail("%s: field %s [%u+%u] runs past the step's %zu bytes", s->name, f->name, f->offset, f->length,
                  s->nbytes);
    if (parent != s->root && f->length &&
        (f->offset < parent->offset || end > (uint64_t)parent->offset + parent->length))
        fuzz_fail("%s: field %s [%u+%u] lies outside its parent %s [%u+%u]", s->name, f->name, f->offset,
                  f->length, parent->name, parent->offset, parent->length);
    if (f->shape == FIELD_LEAF && f->first) fuzz_fail("%s: leaf %s has children", s->name, f->name);
    if (f->json == FJ_BOOL && f->value && strcmp(f->value, "true") != 0 && strcmp(f->value, "false") != 0)
        fuzz_fail("%s: boolean %s is \"%s\"", s->name, f->name, f->value);
    if (f->json == FJ_NUMBER && f->value && f->value[strspn(f->value, "0123456789")] != '\0')
        fuzz_fail("%s: number %s is \"%s\"", s->name, f->name, f->value);
    /* the JSON writer copies these without escaping */
    if (f->json == FJ_HEX && f->value && f->value[strspn(f->value, "0123456789abcdef")] != '\0')
        fuzz_fail("%s: hex %s is \"%s\"", s->name, f->name, f->value);
    if (f->malformed && !s->malformed) fuzz_fail("%s: a malformed field in a step not marked so", s->name);
    const field *last = NULL;
    for (const field *k = f->first; k; k = k->next) {
        check_field(s, k, f, depth + 1);
        last = k;
    }
    if (last != f->last) fuzz_fail("%s: field %s's last child is wrong", s->name, f->name);
}

void fuzz_check_step(const step *s)
{
    if (!s->name || !s->root) fuzz_fail("a step without name or fields");
    if (s->nbytes && !s->bytes) fuzz_fail("%s: %zu bytes but no pointer", s->name, s->nbytes);
    if (s->dir != DIR_C2S && s->dir != DIR_S2C) fuzz_fail("%s: direction %d", s->name, (int)s->dir);
    if (s->summary) (void)strlen(s->summary);
    if (s->narration) (void)strlen(s->narration);
    /* The views read every byte of the step. */
    unsigned sum = 0;
    for (size_t i = 0; i < s->nbytes; i++) sum += s->bytes[i];
    (void)sum;
    for (const field *f = s->root->first; f; f = f->next) check_field(s, f, s->root, 1);
}

static void on_open(sink *k, const conn_state *c)
{
    (void)k;
    fuzz_check_conn(c);
}

static void on_step(sink *k, const conn_state *c, step *s)
{
    (void)k;
    if (s->conn != c->id) fuzz_fail("step %s of conn %u came with conn %u", s->name, s->conn, c->id);
    fuzz_check_step(s);
    step_free(s);
}

static void on_close(sink *k, const conn_state *c)
{
    (void)k;
    fuzz_check_conn(c);
}

sink *fuzz_checking_sink(void)
{
    static sink k = { on_open, on_step, on_close };
    return &k;
}
