#include "cli/pipeline.h"

static void *on_open(void *ctx, const endpoint *side0, const endpoint *side1, bool side0_is_client, double ts)
{
    char a[ENDPOINT_TEXT_MAX] = "", b[ENDPOINT_TEXT_MAX] = "";
    /* Another thread's connection is only numbered here: its ends need
     * no names. */
    if (dissector_next_flow_is_mine(ctx)) {
        endpoint_format(side0, a, sizeof a);
        endpoint_format(side1, b, sizeof b);
    }
    return dissector_open(ctx, a, b, side0->port, side1->port, side0_is_client, ts);
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    return dissector_data(ctx, flow, side, bytes, len, ts);
}

static void on_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    dissector_gap(ctx, flow, side, missing, ts);
}

static void on_anomaly(void *ctx, void *flow, int side, const char *what, double ts)
{
    dissector_anomaly(ctx, flow, side, what, ts);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    dissector_close(ctx, flow, why, ts);
}

stream_handler pipeline_handler(dissector *d)
{
    stream_handler h = { d, on_open, on_data, on_gap, on_anomaly, on_close };
    return h;
}
