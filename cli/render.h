/* The streaming views of steps: text for people, JSON Lines for scripts. */
#ifndef TLSVIEW_RENDER_H
#define TLSVIEW_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "capture/capture.h"
#include "dissect/session.h"
#include "dissect/sink.h"

typedef struct render_options {
    int verbose;        /* text: whole field tree */
    bool hex;           /* bytes in hex */
    bool utf8;          /* the terminal takes UTF-8 arrows */
    bool hold_lines;    /* JSON: lines may wait for a 64 KB block before
                           stdio gets them (nobody watches each line: the
                           input is a capture file; the summary writes
                           what is left); otherwise each line goes to
                           stdio as soon as it is complete */
} render_options;

/* What both streaming views hold. */
typedef struct render_sink {
    sink base;
    FILE *out;
    render_options o;
} render_sink;

/* A view writing to `out` with the given step handlers. */
sink *render_sink_new(FILE *out, const render_options *o, const sink *handlers);

sink *text_sink_new(FILE *out, const render_options *o);
sink *json_sink_new(FILE *out, const render_options *o);

/* Where a JSON view may write straight into its reader's memory instead of
 * through stdio: commit(t, used, &cap) is told that `used` bytes were
 * written into the memory it last returned and returns where the next ones
 * go, with room for *cap (at least 32) bytes.  A line is committed as soon
 * as it is complete (render_options.hold_lines is then ignored). */
typedef struct json_target {
    char *(*commit)(struct json_target *t, size_t used, size_t *cap);
} json_target;
void json_sink_write_to(sink *k, json_target *t);
/* The last words of a run: counts of what was seen. */
void text_sink_summary(sink *k, const capture_stats *cs, const dissector_stats *ds);
void json_sink_summary(sink *k, const capture_stats *cs, const dissector_stats *ds);
void render_sink_free(sink *k);

/* JSON string escaping into out (quotes included). */
void json_write_string(FILE *out, const char *s);

#endif
