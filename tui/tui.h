/* The curses replay: a list of connections, the dialogue of one of them
 * step by step (ladder, narration, field tree, bytes), its key schedule,
 * and help.  It reads steps and their field trees; it never parses bytes.
 *
 * Use:
 *     tui *t = tui_new(&opts);
 *     dissector *d = dissector_new(&cfg, tui_sink(t));
 *     capture *cap = capture_open(...);
 *     int rc = tui_run(t, &params);     (reads the capture as it draws)
 *     capture_close(cap); dissector_free(d); tui_free(t);
 *
 * Memory: the TUI keeps a compact summary of every connection and the
 * steps (fields, bytes, narration) of as many connections as fit a budget
 * (TLSVIEW_TUI_MEMORY_MB, default 64).  When the budget is exceeded the
 * steps of the connections least recently looked at are dropped; opening
 * such a connection reads the capture file again through a BPF filter
 * for its addresses and ports and dissects only that.  Live captures and
 * standard input cannot be read again: there, dropped steps stay dropped
 * and the dialogue says so. */
#ifndef TLSVIEW_TUI_H
#define TLSVIEW_TUI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "dissect/config.h"
#include "dissect/session.h"
#include "dissect/sink.h"

typedef struct tui tui;

typedef struct tui_options {
    bool utf8;          /* the locale takes UTF-8: box drawing and arrows */
    bool no_color;      /* --no-color (NO_COLOR in the environment also counts) */
} tui_options;

tui *tui_new(const tui_options *o);
/* Where the dissector sends conn_open / step / conn_close.  Owned by t. */
sink *tui_sink(tui *t);
void tui_free(tui *t);

typedef struct tui_params {
    capture *cap;                       /* the open source: file, stdin or live */
    dissector *dissector;
    volatile sig_atomic_t *stop;        /* set by SIGINT/SIGTERM: the UI ends */
    const char *source_name;            /* file name or interface, for the title */
    unsigned max_connections;           /* -c: stop reading once that many ended (0: no limit) */
    /* To read one connection again after its steps were dropped: the
     * options the capture was opened with (a file only), the dissector's
     * configuration, and the stream_handler maker (cli's pipeline_handler).
     * NULL: dropped steps cannot be shown again. */
    const capture_options *capture_opts;
    const dissect_config *cfg;
    stream_handler (*handler)(dissector *d);
} tui_params;

/* Runs the UI until the user quits (or *stop).  Reads the capture between
 * key presses, so a big file shows at once and live capture never blocks
 * the keyboard.  Returns 0, or 1 when the terminal cannot be used (message
 * on stderr). */
int tui_run(tui *t, const tui_params *p);

/* ---- Driving the UI without a capture: the tests. ---- */

typedef struct tui_stats {
    uint64_t packets;
    uint64_t tcp_connections;
    uint64_t tls_connections;
    uint64_t kernel_dropped;
    uint64_t interface_dropped;
    bool live;
} tui_stats;

typedef struct tui_conn tui_conn;

/* What the UI reads from: a capture (tui_run builds one) or a test's. */
typedef struct tui_source {
    void *ctx;
    const char *name;                   /* title: file or interface */
    bool live;
    /* Reads up to max_packets and feeds the sink.  1: more may come,
     * 0: end of input, -1: error (one line in err).  NULL: nothing to read. */
    int (*pump)(void *ctx, int max_packets, char *err, size_t errlen);
    /* A descriptor to poll for input (live), or -1. NULL: -1. */
    int (*fd)(void *ctx);
    void (*stats)(void *ctx, tui_stats *out);
    /* Dissects the connection whose client, server and first time are given
     * once more, sending every step to `out` (the TUI keeps the right ones).
     * Returns 0, or -1 when the input cannot be read again.  NULL: cannot. */
    int (*reload)(void *ctx, const char *client, const char *server, sink *out);
    volatile sig_atomic_t *stop;
} tui_source;

/* The UI on any source.  With TLSVIEW_TUI_SCRIPT=FILE in the environment it
 * reads keys from FILE instead of the terminal, draws on a virtual screen
 * and writes the screen dumps the script asks for to TLSVIEW_TUI_DUMP
 * (default: standard output); see tui/script.c. */
int tui_run_source(tui *t, const tui_source *src);

#endif
