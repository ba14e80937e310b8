/* A quick look ahead at TLS streams for encrypted pre-master secrets.
 *
 * The reader that runs ahead of the dissector (cli/scout.c) feeds each
 * direction's reassembled bytes here.  Only record and handshake framing
 * is followed, up to the first ChangeCipherSpec of a direction: the
 * ServerHello's cipher suite says whether the key exchange is RSA, and the
 * ClientKeyExchange of such a connection is handed to the keyring to be
 * decrypted on another core (keyring_prefetch_pms).  Whatever this scan
 * misses the dissector simply decrypts itself, so it stays small: no
 * SSL 2.0 records beyond a first hello, no resynchronisation. */
#ifndef TLSVIEW_PRESCAN_H
#define TLSVIEW_PRESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/keyring.h"

typedef struct prescan_flow prescan_flow;

/* NULL when memory is short (the flow is then not scanned). */
prescan_flow *prescan_open(void);
/* Bytes of one direction (0 or 1) in stream order; `tag` goes with any
 * submission (see keyring_prefetch_advance).  False once neither direction
 * can hold anything more of interest. */
bool prescan_data(prescan_flow *f, keyring *kr, int side, const uint8_t *bytes, size_t len, uint64_t tag);
void prescan_close(prescan_flow *f);

#endif
