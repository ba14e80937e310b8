/* The TUI's input when it runs in the program: the open capture and its
 * dissector, and a second reading of the file for one connection. */
#include <stdlib.h>
#include <string.h>

#include "tui/internal.h"

typedef struct capture_source {
    tui_source base;
    const tui_params *p;
} capture_source;

static int cs_pump(void *ctx, int max_packets, char *err, size_t errlen)
{
    const tui_params *p = ((capture_source *)ctx)->p;
    int r = 0;
    if (!p->max_connections || dissector_get_stats(p->dissector)->ended < p->max_connections)
        r = capture_step(p->cap, max_packets, p->stop, err, errlen);
    /* The input is over: end the connections still open, so that the
     * screens show what they finally came to (decryption, outcome). */
    if (r <= 0) capture_finish(p->cap);
    return r;
}

static int cs_fd(void *ctx)
{
    return capture_fd(((capture_source *)ctx)->p->cap);
}

static void cs_stats(void *ctx, tui_stats *out)
{
    const tui_params *p = ((capture_source *)ctx)->p;
    capture_stats cs;
    capture_get_stats(p->cap, &cs);
    const dissector_stats *ds = dissector_get_stats(p->dissector);
    out->packets = cs.packets;
    out->tcp_connections = cs.flows;
    out->tls_connections = ds->tls_connections;
    out->kernel_dropped = cs.kernel_dropped;
    out->interface_dropped = cs.interface_dropped;
    out->live = cs.live;
}

/* "192.0.2.1:443" or "[2001:db8::1]:443" into host and port; only
 * characters of an address pass, since the host goes into a filter. */
static bool split_endpoint(const char *text, char *host, size_t n, unsigned *port)
{
    const char *h = text, *end, *colon;
    if (*text == '[') {
        h = text + 1;
        end = strchr(h, ']');
        if (!end || end[1] != ':') return false;
        colon = end + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon) return false;
        end = colon;
    }
    size_t len = (size_t)(end - h);
    if (len == 0 || len >= n) return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789abcdefABCDEF.:", h[i])) return false;
    memcpy(host, h, len);
    host[len] = 0;
    char *stop;
    unsigned long v = strtoul(colon + 1, &stop, 10);
    if (*stop || v > 65535 || stop == colon + 1) return false;
    *port = (unsigned)v;
    return true;
}

static int cs_reload(void *ctx, const char *client, const char *server, sink *out)
{
    const tui_params *p = ((capture_source *)ctx)->p;
    const capture_options *o = p->capture_opts;
    if (!o || !p->cfg || !p->handler || !o->file || o->iface || strcmp(o->file, "-") == 0) return -1;
    char ch[64], sh[64];
    unsigned cp, sp;
    if (!split_endpoint(client, ch, sizeof ch, &cp) || !split_endpoint(server, sh, sizeof sh, &sp)) return -1;
    char only[256];
    snprintf(only, sizeof only, "tcp and host %s and host %s and port %u and port %u", ch, sh, cp, sp);
    size_t n = strlen(only) + (o->filter ? strlen(o->filter) : 0) + 16;
    char *filter = malloc(n);
    if (!filter) return -1;
    if (o->filter && *o->filter) snprintf(filter, n, "(%s) and (%s)", o->filter, only);
    else snprintf(filter, n, "%s", only);

    capture_options co = *o;
    co.filter = filter;
    dissector *d = dissector_new(p->cfg, out);
    if (!d) {
        free(filter);
        return -1;
    }
    stream_handler h = p->handler(d);
    char err[256];
    capture *cap = capture_open(&co, &h, err, sizeof err);
    free(filter);
    if (!cap) {
        dissector_free(d);
        return -1;
    }
    int r;
    while ((r = capture_step(cap, 0, p->stop, err, sizeof err)) > 0)
        if (p->stop && *p->stop) break;
    capture_close(cap);
    dissector_free(d);
    return r < 0 ? -1 : 0;
}

int tui_run(tui *t, const tui_params *p)
{
    capture_source cs = { .p = p };
    capture_stats st;
    capture_get_stats(p->cap, &st);
    cs.base = (tui_source){
        .ctx = &cs,
        .name = p->source_name,
        .live = st.live,
        .pump = cs_pump,
        .fd = cs_fd,
        .stats = cs_stats,
        .reload = cs_reload,
        .stop = p->stop,
    };
    return tui_run_source(t, &cs.base);
}
