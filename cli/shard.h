/* Reading a capture file on several cores.
 *
 * Each worker thread reads the whole file with its own flow table and its
 * own dissector, and dissects the connections it is first to open
 * (dissector_set_shard, shard_sync.claim): a worker that runs ahead takes
 * more; the others it only numbers.  Every flow table
 * sees the same packets and so makes the same callbacks in the same
 * order: their count is a position in the capture that all workers share.
 * Each worker's output is cut into segments tagged with the position that
 * produced them, and this thread writes them out in position order, so
 * the output is byte for byte what one dissector would write.  Sessions
 * for resumption are shared (dissect/sessions.h): a lookup waits until
 * every worker has passed its position. */
#ifndef TLSVIEW_CLI_SHARD_H
#define TLSVIEW_CLI_SHARD_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "capture/capture.h"
#include "cli/render.h"
#include "dissect/config.h"
#include "dissect/session.h"

typedef struct shard_params {
    const capture_options *capture;   /* a file */
    const dissect_config *config;     /* shared by the workers: its keylog and
                                       * certificate store are read from
                                       * several threads */
    render_options render;
    bool json;                        /* else text */
    unsigned workers;                 /* at least 2 */
    volatile sig_atomic_t *stop;      /* set by a signal: stop after the packets read */
    unsigned claim_ring;              /* flows whose owner is remembered at once (0:
                                       * the default; small ones are for tests: a
                                       * worker that far ahead waits) */
} shard_params;

/* Runs the whole capture, writing to out.  Fills the capture counts (any
 * worker's: they are the same) and the dissector counts (summed).  Returns
 * 0, or -1 with one line in err when the file cannot be opened or read
 * (what was read before is written out all the same). */
int shard_run(const shard_params *p, FILE *out, capture_stats *cs, dissector_stats *ds, char *err,
              size_t errlen);

#endif
