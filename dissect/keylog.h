/* The NSS key log format (SSLKEYLOGFILE): one secret per line,
 * "<LABEL> <client random or key, hex> <secret, hex>".
 *
 * Understood labels: CLIENT_RANDOM (TLS <= 1.2 master secret), RSA (first
 * 8 bytes of the encrypted pre-master secret -> pre-master secret), and the
 * TLS 1.3 CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET, EARLY_EXPORTER_SECRET.
 * Comments (#), blank lines and CRLF line ends are fine.  A line that does
 * not parse becomes a warning "file:line: what" and is skipped; lines with a
 * label tlsview does not use are skipped with one warning per label and file
 * (silently for the later CLIENT/SERVER_TRAFFIC_SECRET_<n> generations,
 * which tlsview derives itself from KeyUpdate, and for ECH_* lines).
 * A later line for the same (label, key) replaces the earlier one.
 *
 * Lookups are hashed by (label, key): constant time however long the file.
 * The number of entries is capped (the constructor's argument); lines past
 * the cap are counted and reported once.  Secrets are zeroised when freed.
 * Not thread-safe: reload and look up from the same thread. */
#ifndef TLSVIEW_KEYLOG_H
#define TLSVIEW_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"

typedef struct keylog keylog;

typedef enum keylog_label {
    KEYLOG_CLIENT_RANDOM,
    KEYLOG_RSA,
    KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET,
    KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
    KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET,
    KEYLOG_CLIENT_TRAFFIC_SECRET_0,
    KEYLOG_SERVER_TRAFFIC_SECRET_0,
    KEYLOG_EXPORTER_SECRET,
    KEYLOG_EARLY_EXPORTER_SECRET,
    KEYLOG_LABEL_COUNT,
} keylog_label;

enum {
    KEYLOG_DEFAULT_MAX_ENTRIES = 1000000,
    KEYLOG_KEY_MAX = 32,          /* a client random */
    KEYLOG_SECRET_MAX = 48,       /* master secret, pre-master secret, SHA-384 secrets */
    KEYLOG_MAX_FILES = 16,
    KEYLOG_MAX_WARNINGS = 100,    /* kept; more are only counted */
    KEYLOG_MAX_LINE = 4096,
};

const char *keylog_label_name(keylog_label l);      /* "CLIENT_RANDOM", ... */

/* max_entries 0 means KEYLOG_DEFAULT_MAX_ENTRIES.  NULL only when out of memory. */
keylog *keylog_new(size_t max_entries);
void keylog_free(keylog *kl);

/* Reads a key log file and remembers it for keylog_reload().  Returns the
 * number of entries added, or -1 with a one-line message in err when the
 * file cannot be opened or read (or too many files were given).  A last
 * line without a newline is taken if it parses; otherwise it is held back,
 * since the writer may be in the middle of it. */
long keylog_add_file(keylog *kl, const char *path, char *err, size_t errlen);
/* Parses key log text from memory; `name` labels its warnings. */
long keylog_add_text(keylog *kl, const char *name, const char *text, size_t len);
/* Reads what was appended to every file since the last read (live capture:
 * browsers append as they connect).  Only complete lines are taken.  A file
 * that shrank is read again from the start (with a warning).  Returns the
 * number of entries added. */
long keylog_reload(keylog *kl);

/* Copies the secret for (label, key) into out[KEYLOG_SECRET_MAX] and its
 * size into *out_len.  False when there is none. */
bool keylog_lookup(const keylog *kl, keylog_label label, const uint8_t *key, size_t key_len,
                   uint8_t *out, size_t *out_len);
/* Whether any entry of that label exists (to tell "no key log" from "no line
 * for this connection"). */
bool keylog_has_label(const keylog *kl, keylog_label label);

size_t keylog_count(const keylog *kl);
/* Entries not stored because the cap was reached. */
size_t keylog_dropped(const keylog *kl);
/* Changes whenever entries are added: a connection that found nothing can
 * look again when this moved. */
uint64_t keylog_generation(const keylog *kl);

/* Warnings collected since the last keylog_clear_warnings(), oldest first. */
size_t keylog_warning_count(const keylog *kl);
const char *keylog_warning(const keylog *kl, size_t i);
/* Warnings that were not kept because there were too many. */
size_t keylog_warnings_dropped(const keylog *kl);
void keylog_clear_warnings(keylog *kl);

#endif
