/* Reading a file on several threads (cli/shard.c) against one dissector on
 * one thread: every sample, with two and three workers, with the default
 * claim ring and with rings so small that a worker often gets a ring ahead
 * of the others and must wait for them.  The output must be the same byte
 * for byte whoever dissected which connection. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/pipeline.h"
#include "cli/render.h"
#include "cli/shard.h"
#include "tests/testlib.h"

static char *slurp(FILE *f, size_t *n)
{
    fflush(f);
    long size = ftell(f);
    char *b = malloc((size_t)size + 1);
    rewind(f);
    *n = fread(b, 1, (size_t)size, f);
    return b;
}

/* One thread: the pipeline as tlsview runs it without --threads. */
static char *single(const char *path, const dissect_config *cfg, size_t *n)
{
    FILE *out = tmpfile();
    render_options ro = { 0 };
    sink *view = json_sink_new(out, &ro);
    dissector *d = dissector_new(cfg, view);
    stream_handler h = pipeline_handler(d);
    capture_options co = { .file = path, .limits = FLOW_LIMITS_DEFAULT };
    char err[256];
    capture *c = capture_open(&co, &h, err, sizeof err);
    if (c) {
        while (capture_step(c, 0, NULL, err, sizeof err) > 0) {
        }
        capture_finish(c);
    }
    dissector_free(d);
    capture_close(c);
    render_sink_free(view);
    char *b = slurp(out, n);
    fclose(out);
    return b;
}

static char *sharded(const char *path, const dissect_config *cfg, unsigned workers, unsigned ring, size_t *n)
{
    FILE *out = tmpfile();
    capture_options co = { .file = path, .limits = FLOW_LIMITS_DEFAULT };
    shard_params p = { .capture = &co, .config = cfg, .json = true, .workers = workers, .claim_ring = ring };
    capture_stats cs;
    dissector_stats ds;
    char err[256] = "";
    CHECK_EQ_INT(shard_run(&p, out, &cs, &ds, err, sizeof err), 0);
    char *b = slurp(out, n);
    fclose(out);
    return b;
}

int main(int argc, char **argv)
{
    const char *samples = argc > 1 ? argv[1] : "samples";
    DIR *dir = opendir(samples);
    CHECK(dir != NULL);
    if (!dir) return test_report("shard");
    dissect_config cfg = { .max_message = DISSECT_MAX_MESSAGE_DEFAULT };
    int files = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".pcap") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", samples, e->d_name);
        size_t want_n;
        char *want = single(path, &cfg, &want_n);
        static const unsigned setups[][2] = { { 2, 0 }, { 2, 1 }, { 2, 2 }, { 3, 1 }, { 3, 3 } };
        for (size_t k = 0; k < sizeof setups / sizeof setups[0]; k++) {
            size_t got_n;
            char *got = sharded(path, &cfg, setups[k][0], setups[k][1], &got_n);
            test_checks++;
            if (got_n != want_n || memcmp(got, want, want_n) != 0)
                test_fail(__FILE__, __LINE__, "%s, %u workers, ring %u: %zu bytes, one thread %zu", e->d_name,
                          setups[k][0], setups[k][1], got_n, want_n);
            free(got);
        }
        free(want);
        files++;
    }
    closedir(dir);
    CHECK(files >= 10);
    return test_report("shard");
}
