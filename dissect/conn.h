/* The state of one TLS connection as the dissector learns it: what the
 * hellos offered and chose, the certificate, the outcome.  Handshake
 * decoders write it; the narration, the key schedule and the connection
 * summary read it. */
#ifndef TLSVIEW_CONN_H
#define TLSVIEW_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"
#include "dissect/step.h"

enum { CONN_ADDR_MAX = 56, CONN_NOTES_MAX = 16 };

typedef enum handshake_outcome {
    HS_INCOMPLETE,      /* not (yet) finished */
    HS_COMPLETE,        /* both Finished seen (or their encrypted records) */
    HS_FAILED,          /* a fatal alert, or the connection closed mid-handshake after one */
} handshake_outcome;

typedef enum decryption_state {
    DEC_NO_SECRETS,     /* nothing given that could decrypt it */
    DEC_NEEDS_KEY_LOG,  /* forward secret: only a key log can decrypt it */
    DEC_KEY_MISMATCH,   /* the server key does not belong to the certificate */
    DEC_DECRYPTED,
    DEC_FAILED,         /* secrets given but authentication failed */
} decryption_state;

typedef struct cert_summary {
    bool present;
    char subject[256];      /* "CN=example.com, O=..." */
    char subject_cn[128];
    char issuer[256];
    char issuer_cn[128];
    char not_after[32];     /* "2026-01-31 23:59:59 UTC" */
    char key_desc[64];      /* "2048-bit RSA key", "P-256 EC key" */
    char validation[64];    /* "trusted", "unknown issuer", ... ; empty if not checked */
} cert_summary;

typedef struct conn_state {
    const dissect_config *cfg;         /* never NULL */
    unsigned id;                       /* from 1 */
    char client[CONN_ADDR_MAX];        /* "ip:port" */
    char server[CONN_ADDR_MAX];
    double first_ts, last_ts;

    /* ClientHello */
    bool client_hello_seen;
    uint16_t client_legacy_version;
    uint16_t offered_versions[16];     /* supported_versions, GREASE dropped */
    unsigned n_offered_versions;
    unsigned n_offered_suites;         /* GREASE excluded */
    uint16_t first_suite;              /* first non-GREASE */
    bool sslv2_hello;
    uint8_t client_random[32];
    uint8_t client_session_id[32];
    uint8_t client_session_id_len;
    bool client_offered_ticket;        /* non-empty session_ticket extension */
    bool client_offered_psk;           /* pre_shared_key extension */
    bool client_offered_early_data;
    uint16_t client_key_share_groups[8];
    unsigned n_client_key_shares;
    char sni[256];
    char alpn_offered[128];            /* "h2,http/1.1" */

    /* ServerHello */
    bool server_hello_seen;
    bool hello_retry_request;          /* an HRR was seen */
    uint16_t hrr_group;
    uint16_t version;                  /* negotiated: supported_versions or legacy */
    uint16_t cipher_suite;
    bool have_cipher_suite;
    uint8_t server_random[32];
    uint8_t server_session_id[32];
    uint8_t server_session_id_len;
    uint16_t group;                    /* key exchange group: key_share / ServerKeyExchange curve */
    bool server_accepted_psk;          /* TLS 1.3 pre_shared_key in ServerHello */
    bool extended_master_secret;       /* both sides sent it */
    bool client_sent_ems;
    bool encrypt_then_mac;
    bool client_sent_etm;
    char alpn[64];                     /* selected protocol */
    bool resumed;                      /* abbreviated handshake / PSK */

    /* The rest of the handshake */
    cert_summary server_cert;
    cert_summary client_cert;
    bool certificate_requested;
    bool client_certificate_sent;      /* non-empty Certificate from the client */
    bool client_ccs, server_ccs;       /* ChangeCipherSpec seen, per direction */
    bool client_finished, server_finished;
    bool new_session_ticket;
    /* Signatures (ServerKeyExchange, CertificateVerify) checked with the
     * key of the signer's certificate: 0 none checked, 1 valid, -1 one
     * does not verify. */
    int8_t server_signature, client_signature;

    /* Outcome */
    handshake_outcome outcome;
    bool alert_seen;
    uint8_t alert_level, alert_description;
    direction alert_dir;
    decryption_state decryption;
    bool malformed;                    /* some record or message did not decode */

    /* Fingerprints, empty until known */
    char ja3[512], ja3_hash[33];
    char ja3s[256], ja3s_hash[33];
    char ja4[40];

    /* Plain sentences for the connection summary (the struct stays
     * copyable: no pointers into itself). */
    unsigned n_notes;
    char notes[CONN_NOTES_MAX][256];
} conn_state;

/* Adds a note once (duplicates are dropped, the count is bounded). */
void conn_note(conn_state *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "TLS 1.3" etc. of the negotiated version, or NULL. */
const char *conn_version_name(const conn_state *c);
const char *handshake_outcome_name(handshake_outcome o);   /* "complete", ... */
const char *decryption_state_name(decryption_state d);     /* "decrypted", ... */

#endif
