#include "dissect/conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect/format.h"
#include "dissect/names.h"

void conn_note(conn_state *c, const char *fmt, ...)
{
    char text[sizeof c->notes[0]];
    va_list ap;
    va_start(ap, fmt);
    text_vformat(text, sizeof text, fmt, ap);
    va_end(ap);
    for (unsigned i = 0; i < c->n_notes; i++)
        if (strcmp(c->notes[i], text) == 0) return;
    if (c->n_notes == CONN_NOTES_MAX) return;
    memcpy(c->notes[c->n_notes++], text, sizeof text);
}

const char *conn_version_name(const conn_state *c)
{
    return c->version ? tls_version_name(c->version) : NULL;
}

const char *handshake_outcome_name(handshake_outcome o)
{
    switch (o) {
    case HS_COMPLETE: return "complete";
    case HS_FAILED: return "failed";
    case HS_INCOMPLETE: break;
    }
    return "incomplete";
}

const char *decryption_state_name(decryption_state d)
{
    switch (d) {
    case DEC_NEEDS_KEY_LOG: return "needs_key_log";
    case DEC_KEY_MISMATCH: return "key_mismatch";
    case DEC_DECRYPTED: return "decrypted";
    case DEC_FAILED: return "failed";
    case DEC_NO_SECRETS: break;
    }
    return "no_secrets";
}
