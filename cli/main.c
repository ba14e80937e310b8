/* tlsview: show what happens inside TLS handshakes. */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/render.h"
#include "dissect/config.h"
#include "dissect/session.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static bool readable(const char *what, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tlsview: cannot read %s %s: %s; check the path and its permissions\n", what, path,
                strerror(errno));
        return false;
    }
    fclose(f);
    return true;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    options o;
    int exit_code = 0;
    if (options_parse(argc, argv, &o, &exit_code) < 0) return exit_code;

    char err[512] = "";
    if (o.list_interfaces) {
        int rc = capture_list_interfaces(stdout, err, sizeof err);
        if (rc) fprintf(stderr, "tlsview: %s\n", err);
        options_free(&o);
        return rc ? 1 : 0;
    }
    for (size_t i = 0; i < o.n_key_files; i++)
        if (!readable("key file", o.key_files[i])) return 1;
    for (size_t i = 0; i < o.n_keylog_files; i++)
        if (!readable("key log", o.keylog_files[i])) return 1;

    output_mode mode = o.output;
    if (mode == OUT_AUTO) mode = isatty(STDOUT_FILENO) ? OUT_TUI : OUT_TEXT;
    if (mode == OUT_TUI) mode = OUT_TEXT; /* the curses view comes with its own issue */

    render_options ro = { .verbose = o.verbose, .hex = o.hex };
    const char *codeset = nl_langinfo(CODESET);
    ro.utf8 = codeset && strcmp(codeset, "UTF-8") == 0;
    sink *out = mode == OUT_JSON ? json_sink_new(stdout, &ro) : text_sink_new(stdout, &ro);

    dissect_config cfg = {
        .records = o.records,
        .secrets = o.secrets,
        .data = o.data,
        .max_message = o.max_message,
        .tls_ports = o.ports,
        .n_tls_ports = o.n_ports,
    };
    dissector *d = dissector_new(&cfg, out);
    if (o.max_connections) dissector_set_connection_limit(d, o.max_connections);
    stream_handler h = pipeline_handler(d);

    capture_options co = {
        .file = o.read_file,
        .iface = o.iface,
        .filter = o.filter,
        .snaplen = o.snaplen,
        .buffer_kib = o.buffer_kib,
        .limits = { o.max_flows, o.idle_timeout, o.max_buffer },
    };
    capture *cap = capture_open(&co, &h, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "tlsview: %s\n", err);
        dissector_free(d);
        render_sink_free(out);
        options_free(&o);
        return 1;
    }
    install_signals();

    int rc = 0;
    for (;;) {
        int r = capture_step(cap, 256, &stop_requested, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "tlsview: %s\n", err);
            rc = 1;
            break;
        }
        if (r == 0 || stop_requested) break;
        if (o.max_connections && dissector_get_stats(d)->ended >= o.max_connections) break;
    }
    capture_stats cs;
    capture_get_stats(cap, &cs);
    capture_close(cap);          /* ends every flow: their summaries come out */
    dissector_stats ds = *dissector_get_stats(d);
    dissector_free(d);
    if (mode == OUT_JSON) json_sink_summary(out, &cs, &ds);
    else text_sink_summary(out, &cs, &ds);
    fflush(stdout);
    render_sink_free(out);

    if (rc == 0 && ds.tls_connections == 0 && o.read_file) {
        fprintf(stderr, "tlsview: no TLS found in %s (%llu TCP connections%s); if TLS starts mid-connection on an "
                        "unusual port, name the port with -p\n",
                strcmp(o.read_file, "-") == 0 ? "standard input" : o.read_file, (unsigned long long)cs.flows,
                cs.flows ? ", none of them TLS" : "");
        rc = 1;
    }
    options_free(&o);
    return rc;
}
