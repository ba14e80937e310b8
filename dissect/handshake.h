/* Handshake message decoding: one complete message in, fields and
 * narration out, connection state updated. */
#ifndef TLSVIEW_HANDSHAKE_H
#define TLSVIEW_HANDSHAKE_H

#include "dissect/conn.h"
#include "dissect/step.h"

/* s->bytes holds the whole message, its 4-byte header included; s->kind is
 * STEP_HANDSHAKE, s->dir, s->msg_type, s->length and s->encrypted are set.
 * Adds every field (header ones too), a summary and the narration, and
 * records what it learned in *c.  Never reads outside s->bytes; whatever
 * does not decode becomes a malformed field. */
void handshake_decode(conn_state *c, step *s);

/* An SSLv2-compatible ClientHello (RFC 5246 appendix E.2): s->bytes holds
 * the record from its 2-byte header on. */
void sslv2_client_hello_decode(conn_state *c, step *s);

/* Narration of the record-level steps, from the state. */
void narrate_change_cipher_spec(const conn_state *c, step *s);
void narrate_alert(const conn_state *c, step *s, uint8_t level, uint8_t description);
void narrate_app_data(const conn_state *c, step *s);
void narrate_encrypted_handshake(const conn_state *c, step *s);
/* A keys step: what was derived, in the words of the dialogue (the
 * technical explanations follow it). */
void narrate_keys(const conn_state *c, step *s, const char *first_secret);

#endif
