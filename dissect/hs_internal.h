/* Shared by the handshake decoders (handshake.c, hello.c, extensions.c,
 * ext_tls13.c, hs_messages.c, hs_keyex.c, narrate.c, narrate_records.c):
 * small field helpers over the cursor, the extension decoder's context and
 * the narration entry points.
 * Not part of the dissector's interface: include dissect/handshake.h. */
#ifndef TLSVIEW_HS_INTERNAL_H
#define TLSVIEW_HS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/conn.h"
#include "dissect/cursor.h"
#include "dissect/names.h"
#include "dissect/step.h"

/* ---- versions ---- */

/* TLS 1.3, its drafts (0x7fxx) and Facebook's experiment (0x7e0x). */
bool hs_is_tls13(uint16_t v);
/* TLS 1.2 and later (signature_algorithm fields exist). */
bool hs_has_sigalg(uint16_t v);
/* The negotiated version, or 0 when the ServerHello was not seen. */
uint16_t hs_version(const conn_state *c);

/* ---- field helpers: each reads through the cursor and, on success, adds
 * a leaf whose offset/length are the bytes read.  On failure they add
 * nothing and return NULL: the caller reports with hs_short(). ---- */

field *hs_u8(step *s, field *parent, const char *name, cursor *cur, uint8_t *out);
field *hs_u16(step *s, field *parent, const char *name, cursor *cur, uint16_t *out);
field *hs_u24(step *s, field *parent, const char *name, cursor *cur, uint32_t *out);
field *hs_u32(step *s, field *parent, const char *name, cursor *cur, uint32_t *out);
field *hs_code8(step *s, field *parent, const char *name, cursor *cur,
                const char *(*namefn)(uint8_t), uint8_t *out);
/* A 16-bit code point; GREASE values are labelled "GREASE". */
field *hs_code16(step *s, field *parent, const char *name, cursor *cur,
                 const char *(*namefn)(uint16_t), uint16_t *out);
/* n raw bytes as hex. */
field *hs_hex(step *s, field *parent, const char *name, cursor *cur, size_t n, const uint8_t **out);
/* The rest of the window as hex (possibly empty). */
field *hs_hex_rest(step *s, field *parent, const char *name, cursor *cur);
/* A length-prefixed opaque vector (len_bytes 1..3): a hex leaf over its
 * content (the prefix is not part of the leaf).  Reports a malformed field
 * itself on failure (naming `name`) and returns NULL. */
field *hs_opaque(step *s, field *parent, const char *name, cursor *cur, unsigned len_bytes,
                 const uint8_t **out, size_t *out_len);
/* Wire bytes shown as text: printable ASCII as is, anything else as
 * \xNN and a backslash as "\\" (the same rule as hs_escape). */
field *hs_text(step *s, field *parent, const char *name, size_t off, const uint8_t *p, size_t n);
/* The escaping of hs_text into out[cap] (always NUL-terminated). */
void hs_escape(char *out, size_t cap, const uint8_t *p, size_t n);

/* A length-prefixed block: on failure adds a malformed field saying what
 * was expected and what was found, and returns false. */
bool hs_block(step *s, field *parent, cursor *cur, unsigned len_bytes, const char *what, cursor *inner);
/* A read of `need` bytes for `what` did not fit: a malformed field. */
void hs_short(step *s, field *parent, const cursor *cur, const char *what, size_t need);
/* Bytes left over where a structure should have ended: a malformed field. */
bool hs_trailing(step *s, field *parent, const cursor *cur, const char *after);

/* "GREASE" for GREASE values, else the registry's name. */
const char *hs_suite_name(uint16_t v);
const char *hs_group_name(uint16_t v);
const char *hs_ext_name(uint16_t v);
const char *hs_version_name(uint16_t v);
/* Signature schemes, falling back on TLS 1.2's hash+signature pairs
 * ("dsa_sha256"); the text lives in the step's arena. */
const char *hs_sigalg_name(step *s, uint16_t v);
field *hs_sigalg(step *s, field *parent, const char *name, cursor *cur, uint16_t *out);

/* Last touch on a decoded tree: keeps object keys unique. */
void hs_finish_tree(step *s);
/* The first malformed leaf under f (depth first), or NULL. */
const field *hs_first_malformed(const field *f);

/* ---- extensions ---- */

typedef enum ext_msg {
    EXT_CLIENT_HELLO,
    EXT_SERVER_HELLO,
    EXT_HELLO_RETRY_REQUEST,
    EXT_ENCRYPTED_EXTENSIONS,
    EXT_CERTIFICATE,            /* TLS 1.3 CertificateEntry */
    EXT_CERTIFICATE_REQUEST,    /* TLS 1.3 */
    EXT_NEW_SESSION_TICKET,     /* TLS 1.3 */
} ext_msg;

/* What a ClientHello's extensions told, for the fingerprints and the
 * convenience keys. Arrays live in the step's arena. */
typedef struct hello_lists {
    uint16_t *exts;
    size_t n_exts;
    uint16_t *groups;
    size_t n_groups;
    uint8_t *point_formats;
    size_t n_point_formats;
    uint16_t *sig_algs;
    size_t n_sig_algs;
    uint16_t *versions;
    size_t n_versions;
    bool has_sni;
    const uint8_t *alpn_first;
    size_t alpn_first_len;
} hello_lists;

typedef struct ext_ctx {
    conn_state *c;
    step *s;
    ext_msg msg;
    hello_lists *hl;            /* ClientHello only, else NULL */
    /* What the decoders found, for the message that holds them. */
    field *sni_leaf;            /* first host_name */
    field *alpn_list;           /* protocols list of ALPN */
    field *versions_list;       /* supported_versions (client) */
    bool has_selected_version;
    uint16_t selected_version;  /* supported_versions (server) */
    size_t selected_version_off;
    bool has_key_share;
    uint16_t key_share_group;   /* server_share / HRR selected_group */
    bool has_cookie;
    bool early_data;            /* early_data extension present */
    uint32_t max_early_data;    /* NewSessionTicket early_data */
    bool has_psk;
    bool has_alpn;
    char alpn[64];              /* ServerHello / EncryptedExtensions choice */
    unsigned count;             /* extensions decoded */
    uint16_t *types;            /* all types in order (arena), for JA3S */
    size_t n_types;
} ext_ctx;

/* One extension being decoded: its object and a cursor over its body. */
typedef struct ext_body {
    ext_ctx *x;
    step *s;
    field *obj;        /* the extension's object */
    cursor *b;         /* its body */
    const char *what;  /* its name, for messages */
} ext_body;

/* Vectors inside an extension body; each reports its own problems and
 * returns NULL after one.  `store` (may be NULL) gets an arena array of
 * the values in order. */
field *ext_code16_list(ext_body *e, unsigned len_bytes, const char *name, const char *item,
                       const char *(*namefn)(uint16_t), bool sigalg, uint16_t **store, size_t *n_store);
field *ext_code8_list(ext_body *e, const char *name, const char *item, const char *(*namefn)(uint8_t),
                      uint8_t **store, size_t *n_store);
/* ALPN's ProtocolNameList; `joined` (may be NULL) gets "a,b,c". */
field *ext_protocol_list(ext_body *e, const char *name, char *joined, size_t joined_cap,
                         const uint8_t **first, size_t *first_len, unsigned *count);
field *ext_opaque_list(ext_body *e, unsigned len_bytes, const char *name, unsigned item_len_bytes,
                       const char *item);

/* Decoders in ext_tls13.c: false when they already reported a problem. */
bool ext_pre_shared_key(ext_body *e);
bool ext_early_data(ext_body *e);
bool ext_supported_versions(ext_body *e);
bool ext_cookie(ext_body *e);
bool ext_oid_filters(ext_body *e);
bool ext_key_share(ext_body *e);
bool ext_encrypted_client_hello(ext_body *e);
bool ext_application_settings(ext_body *e);

/* Decodes an extensions block (2-byte length, then extensions) at the
 * cursor into a list "extensions" under parent.  Returns false when the
 * block's own framing was broken (a malformed field says where); a bad
 * extension inside an intact frame is reported and skipped. */
bool ext_decode_block(ext_ctx *x, field *parent, cursor *cur);

/* ---- messages (hello.c, hs_messages.c, hs_keyex.c) ---- */

void hs_client_hello(conn_state *c, step *s, cursor *cur);
void hs_server_hello(conn_state *c, step *s, cursor *cur);
void hs_certificate(conn_state *c, step *s, cursor *cur);
void hs_compressed_certificate(conn_state *c, step *s, cursor *cur);
void hs_certificate_request(conn_state *c, step *s, cursor *cur);
void hs_certificate_verify(conn_state *c, step *s, cursor *cur);
void hs_finished(conn_state *c, step *s, cursor *cur);
void hs_new_session_ticket(conn_state *c, step *s, cursor *cur);
void hs_encrypted_extensions(conn_state *c, step *s, cursor *cur);
void hs_certificate_status(conn_state *c, step *s, cursor *cur);
void hs_key_update(conn_state *c, step *s, cursor *cur);
void hs_empty_message(conn_state *c, step *s, cursor *cur);
void hs_message_hash(conn_state *c, step *s, cursor *cur);
void hs_hello_verify_request(conn_state *c, step *s, cursor *cur);
void hs_next_protocol(conn_state *c, step *s, cursor *cur);
void hs_unknown(conn_state *c, step *s, cursor *cur);
void hs_server_key_exchange(conn_state *c, step *s, cursor *cur);
void hs_client_key_exchange(conn_state *c, step *s, cursor *cur);

/* ---- narration (narrate.c): sentences in the voice of the dialogue,
 * built from decoded values and the connection state. ---- */

const char *hs_who(direction d);   /* "Client" / "Server" */

/* second_hello: after a HelloRetryRequest; renegotiation: after a
 * completed TLS <= 1.2 handshake. */
void narrate_client_hello(const conn_state *c, step *s, bool second_hello, bool renegotiation);
void narrate_sslv2_client_hello(const conn_state *c, step *s);
void narrate_server_hello(const conn_state *c, step *s, bool downgrade_marker);
void narrate_hello_retry_request(const conn_state *c, step *s, bool has_group, uint16_t group, bool cookie);
void narrate_certificate(const conn_state *c, step *s, unsigned n_certs, size_t total_bytes,
                         const cert_summary *leaf);

typedef struct kx_narration {
    tls_kx kx;                  /* KX_OTHER when unknown */
    bool known;                 /* the suite was known */
    bool ec;                    /* elliptic-curve (EC)DH(E) */
    bool dh;                    /* finite-field DH(E) */
    bool signed_params;         /* a signature follows */
    bool has_sigalg;
    uint16_t group;             /* named curve */
    bool has_group;
    unsigned p_bits;            /* DH prime size */
    const char *sigalg;         /* signature scheme name */
    size_t length;              /* public value / encrypted secret bytes */
    bool psk_hint;
    bool rsa_export;
    unsigned rsa_bits;
    bool ssl3_no_prefix;        /* SSL 3.0 RSA secret without a length */
} kx_narration;

void narrate_server_key_exchange(const conn_state *c, step *s, const kx_narration *k);
void narrate_client_key_exchange(const conn_state *c, step *s, const kx_narration *k);
void narrate_certificate_request(const conn_state *c, step *s, unsigned n_types, unsigned n_cas, bool tls13);
void narrate_certificate_verify(const conn_state *c, step *s, const char *sigalg, size_t sig_len);
void narrate_finished(const conn_state *c, step *s, size_t len);
void narrate_new_session_ticket(const conn_state *c, step *s, bool tls13, uint32_t lifetime,
                                size_t ticket_len, bool early, uint32_t max_early);
void narrate_encrypted_extensions(const conn_state *c, step *s, const ext_ctx *x);
void narrate_simple(const conn_state *c, step *s);   /* hello_request, server_hello_done, ... */
void narrate_certificate_status(const conn_state *c, step *s, size_t len);
void narrate_key_update(const conn_state *c, step *s, bool requested);
void narrate_compressed_certificate(const conn_state *c, step *s, const char *alg, uint32_t uncompressed,
                                    size_t compressed);
/* Adds a sentence about the first malformed field, when there is one. */
void narrate_malformed(step *s);

#endif
