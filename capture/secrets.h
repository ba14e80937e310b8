/* Decryption secrets stored in a pcapng file.
 *
 * pcapng can carry the secrets that decrypt its traffic in Decryption
 * Secrets Blocks (block type 0x0000000A; `editcap --inject-secrets` writes
 * them, usually before the packets).  libpcap skips these blocks, so the
 * file is walked once more, block by block: packet data is skipped over,
 * never read.  Only the block framing is trusted as far as it holds: a
 * block that does not fit ends the walk (libpcap then says what is wrong
 * with the file, if anything). */
#ifndef TLSVIEW_CAPTURE_SECRETS_H
#define TLSVIEW_CAPTURE_SECRETS_H

#include <stddef.h>
#include <stdint.h>

/* Secrets types (pcapng specification): an NSS key log. */
enum { PCAPNG_SECRETS_TLS_KEY_LOG = 0x544c534b };

/* The largest secrets block read; larger ones are skipped. */
enum { PCAPNG_SECRETS_MAX = 64 << 20 };

typedef void (*capture_secrets_fn)(void *ctx, uint32_t secrets_type, const uint8_t *data, size_t len);

/* Calls fn for every Decryption Secrets Block of the pcapng file at path,
 * in file order.  Returns how many were found (0 for a pcap file or any
 * other file), or -1 with one line in err when the file cannot be opened
 * or read. */
long capture_embedded_secrets(const char *path, capture_secrets_fn fn, void *ctx, char *err, size_t errlen);

#endif
