#include "cli/scout.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/prescan.h"

/* Packets read per capture_step: a submission is tagged with the count at
 * the end of its batch, which is never below its own packet's number. */
enum { BATCH = 256 };

struct scout {
    capture *cap;
    keyring *kr;
    pthread_t thread;
    atomic_bool stop;              /* set by the dissector's thread, read between batches */
    uint64_t tag;                  /* the scout thread's current batch end */
};

static void *on_open(void *ctx, const endpoint *side0, const endpoint *side1, bool side0_is_client, double ts)
{
    (void)ctx; (void)side0; (void)side1; (void)side0_is_client; (void)ts;
    return prescan_open();
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    (void)ts;
    scout *s = ctx;
    return prescan_data(flow, s->kr, side, bytes, len, s->tag);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    (void)ctx; (void)why; (void)ts;
    prescan_close(flow);
}

static void *scout_main(void *arg)
{
    scout *s = arg;
    char err[256];
    volatile sig_atomic_t never = 0;
    while (!atomic_load(&s->stop)) {
        capture_stats st;
        capture_get_stats(s->cap, &st);
        s->tag = st.packets + BATCH;
        if (capture_step(s->cap, BATCH, &never, err, sizeof err) <= 0) break;
    }
    return NULL;
}

scout *scout_start(const capture_options *co, keyring *kr, unsigned workers)
{
    if (!co->file || strcmp(co->file, "-") == 0 || keyring_rsa_count(kr) == 0 || workers < 1) return NULL;
    scout *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->kr = kr;
    stream_handler h = { s, on_open, on_data, NULL, NULL, on_close };
    char err[256];
    capture_options mine = *co;
    mine.nonblocking = false;
    s->cap = capture_open(&mine, &h, err, sizeof err);
    if (!s->cap || !keyring_start_workers(kr, workers) ||
        pthread_create(&s->thread, NULL, scout_main, s) != 0) {
        if (s->cap) capture_close(s->cap);
        free(s);
        return NULL;
    }
    return s;
}

void scout_progress(scout *s, uint64_t packets)
{
    if (s) keyring_prefetch_advance(s->kr, packets);
}

void scout_stop(scout *s)
{
    if (!s) return;
    atomic_store(&s->stop, true);
    keyring_prefetch_cancel(s->kr);   /* wakes it if it waits for room */
    pthread_join(s->thread, NULL);
    capture_close(s->cap);
    free(s);
}
