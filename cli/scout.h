/* The reader that runs ahead: a second pass over a capture file, on its
 * own thread, that finds the encrypted pre-master secrets of RSA key
 * exchanges (dissect/prescan.h) and queues them on the keyring's workers,
 * so that by the time the dissector reaches a ClientKeyExchange its RSA
 * operation is done or under way on another core. */
#ifndef TLSVIEW_CLI_SCOUT_H
#define TLSVIEW_CLI_SCOUT_H

#include "capture/capture.h"
#include "dissect/keyring.h"

typedef struct scout scout;

/* Opens the file of `co` again (same filter and limits, so that it sees
 * the same streams), starts the keyring's workers and the thread.  NULL
 * when it would not pay (not a file, standard input, no RSA key, a single
 * core) or cannot be had: the dissector then decrypts on its own. */
scout *scout_start(const capture_options *co, keyring *kr, unsigned workers);

/* The dissector has read `packets` packets of the file: answers for
 * earlier ones that it did not ask for can go. */
void scout_progress(scout *s, uint64_t packets);

/* Stops the thread (the workers stop with the keyring).  NULL is fine. */
void scout_stop(scout *s);

#endif
