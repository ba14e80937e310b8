/* tlsview: show what happens inside TLS handshakes. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/secrets.h"
#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/scout.h"
#include "cli/shard.h"
#include "cli/render.h"
#include "dissect/certificate.h"
#include "dissect/config.h"
#include "dissect/keylog.h"
#include "dissect/keyring.h"
#include "dissect/session.h"
#include "tui/tui.h"

/* Whom a live capture started as root runs as once it is set up. */
#define DEFAULT_USER "nobody"

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

/* -Z: give up root once the interface is open (tcpdump's manners). */
static bool drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "tlsview: -Z: no user \"%s\" on this system; name an existing unprivileged user\n", user);
        return false;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "tlsview: -Z: cannot become %s: %s; run as root to change user\n", user, strerror(errno));
        return false;
    }
    return true;
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

/* Everything a run holds, so that every way out frees the same things. */
typedef struct run {
    options o;
    output_mode mode;
    sink *out;
    cert_store *cas;
    keyring *keys;
    keylog *keylog;
    dissect_config cfg;
    dissector *d;
    stream_handler handler;
    capture *cap;
    scout *scout;           /* RSA decryptions ahead, on other cores (-k with a file) */
    unsigned shards;        /* > 1: the file is read by so many threads (cli/shard.h) */
    render_options ro;
    capture_options co;     /* kept: the TUI reads a file again for one connection */
    tui *tui;               /* -o tui: the sink is the TUI's */
    char err[512];
} run;

static void run_free(run *r)
{
    if (r->cap) capture_close(r->cap);   /* ends every flow: their summaries come out */
    scout_stop(r->scout);
    dissector_free(r->d);
    if (r->tui) tui_free(r->tui);
    else render_sink_free(r->out);
    cert_store_free(r->cas);
    keyring_free(r->keys);
    keylog_free(r->keylog);
    options_free(&r->o);
}

/* Bad lines of a key log are skipped, each reported with its line number. */
static void report_keylog_warnings(keylog *kl)
{
    for (size_t i = 0; i < keylog_warning_count(kl); i++) fprintf(stderr, "tlsview: %s\n", keylog_warning(kl, i));
    if (keylog_warnings_dropped(kl))
        fprintf(stderr, "tlsview: ... and %zu more key log warnings\n", keylog_warnings_dropped(kl));
    keylog_clear_warnings(kl);
}

/* A file that can be read again from the start: not standard input, nor a
 * pipe or process substitution given by name (-r <(tcpdump -w - ...)). */
static bool rereadable_file(const char *path)
{
    struct stat sb;
    return path && strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* A key log stored in the capture file itself (pcapng). */
static void on_embedded_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t len)
{
    run *r = ctx;
    if (type != PCAPNG_SECRETS_TLS_KEY_LOG) return;
    if (!r->keylog) r->keylog = keylog_new(r->o.max_keylog);
    char name[600];
    snprintf(name, sizeof name, "%s (its key log)", r->o.read_file);
    if (r->keylog) keylog_add_text(r->keylog, name, (const char *)data, len);
}

/* -k and -l (or $SSLKEYLOGFILE): the secrets that decrypt. */
static bool load_secrets(run *r)
{
    options *o = &r->o;
    const char *password = o->key_password ? o->key_password : getenv("TLSVIEW_KEY_PASSWORD");
    if (o->n_key_files) {
        r->keys = keyring_new();
        for (size_t i = 0; i < o->n_key_files; i++) {
            char msg[512];
            keyring_result kr = keyring_add_file(r->keys, o->key_files[i], password, msg, sizeof msg);
            if (kr == KEYRING_ERROR) {
                snprintf(r->err, sizeof r->err, "%s", msg);
                return false;
            }
            if (kr == KEYRING_NOT_RSA) fprintf(stderr, "tlsview: %s\n", msg);
        }
    }
    const char *env = getenv("SSLKEYLOGFILE");
    if (!o->n_keylog_files && env && *env) {
        fprintf(stderr, "tlsview: using the key log %s named by SSLKEYLOGFILE\n", env);
        o->keylog_files[o->n_keylog_files++] = env;
    }
    if (o->n_keylog_files) {
        r->keylog = keylog_new(o->max_keylog);
        for (size_t i = 0; i < o->n_keylog_files; i++)
            if (keylog_add_file(r->keylog, o->keylog_files[i], r->err, sizeof r->err) < 0) return false;
    }
    /* An unreadable file is for capture_open to report. */
    char ignored[256];
    if (rereadable_file(o->read_file))
        capture_embedded_secrets(o->read_file, on_embedded_secrets, r, ignored, sizeof ignored);
    if (r->keylog) report_keylog_warnings(r->keylog);
    return true;
}

enum { DEFAULT_MAX_THREADS = 8 };

/* The cores this process may run on (taskset and cpusets count). */
static unsigned usable_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1 ? (unsigned)n : 1;
}

/* Loads keys and trust anchors, makes the view, opens the capture.
 * Returns false after printing one line when something cannot be had. */
static bool run_setup(run *r)
{
    options *o = &r->o;
    for (size_t i = 0; i < o->n_key_files; i++)
        if (!readable("key file", o->key_files[i])) return false;
    for (size_t i = 0; i < o->n_keylog_files; i++)
        if (!readable("key log", o->keylog_files[i])) return false;
    if (!load_secrets(r)) return false;

    r->mode = o->output;
    if (r->mode == OUT_AUTO) r->mode = isatty(STDOUT_FILENO) ? OUT_TUI : OUT_TEXT;

    /* Certificate chains are judged against --ca-file or the system bundle. */
    r->cas = cert_store_load(o->ca_file, r->err, sizeof r->err);
    if (!r->cas) return false;

    render_options ro = { .verbose = o->verbose, .hex = o->hex };
    /* Reading a file, nobody waits for each line: JSON goes out in blocks.
     * Standard input or a pipe may be a live tcpdump, so it keeps line pace. */
    ro.hold_lines = rereadable_file(o->read_file);
    const char *codeset = nl_langinfo(CODESET);
    ro.utf8 = codeset && strcmp(codeset, "UTF-8") == 0;
    if (r->mode == OUT_TUI) {
        r->tui = tui_new(&(tui_options){ .utf8 = ro.utf8, .no_color = o->no_color });
        r->out = tui_sink(r->tui);
    } else {
        r->out = r->mode == OUT_JSON ? json_sink_new(stdout, &ro) : text_sink_new(stdout, &ro);
    }

    r->cfg = (dissect_config){
        .cas = r->cas,
        .keys = r->keys,
        .keylog = r->keylog,
        .records = o->records,
        .secrets = o->secrets,
        .data = o->data,
        .max_message = o->max_message,
        .tls_ports = o->ports,
        .n_tls_ports = o->n_ports,
    };
    r->d = dissector_new(&r->cfg, r->out);
    if (o->max_connections) dissector_set_connection_limit(r->d, o->max_connections);
    r->handler = pipeline_handler(r->d);

    capture_options co = {
        .file = o->read_file,
        .iface = o->iface,
        .filter = o->filter,
        .snaplen = o->snaplen,
        .buffer_kib = o->buffer_kib,
        .limits = { o->max_flows, o->idle_timeout, o->max_buffer },
        .nonblocking = r->mode == OUT_TUI,   /* the TUI polls; a read must not wait */
    };
    r->co = co;
    r->cap = capture_open(&co, &r->handler, r->err, sizeof r->err);
    if (!r->cap) return false;
    /* A capture file on several cores: with a server key, its RSA
     * operations are what takes time, and they go to other cores while
     * one thread reads (cli/scout.h); otherwise several threads read it,
     * each dissecting its share of the connections (cli/shard.h).  -c
     * stops at a connection count, which only one reader can watch. */
    /* Every thread reads the whole file and follows every connection: past
     * a handful, that shared work and the memory outweigh what is gained. */
    unsigned cores = usable_cores();
    unsigned threads = o->threads ? o->threads : cores < DEFAULT_MAX_THREADS ? cores : DEFAULT_MAX_THREADS;
    if (r->mode != OUT_TUI && rereadable_file(o->read_file) && threads > 1) {
        if (o->n_key_files) r->scout = scout_start(&co, r->keys, threads - 1);
        else if (!o->max_connections) r->shards = threads;
    }
    r->ro = ro;
    /* Live capture as root: once the interface is open and the keys are
     * read, root is no longer needed, so give it up (-Z root keeps it). */
    const char *user = o->user;
    if (!user && o->iface && geteuid() == 0) user = getpwnam(DEFAULT_USER) ? DEFAULT_USER : NULL;
    if (user && strcmp(user, "root") != 0 && !drop_privileges(user)) {
        r->err[0] = 0;   /* already said */
        return false;
    }
    return true;
}

/* Reads packets until the input ends, -c is met or a signal arrives. */
static int run_loop(run *r)
{
    for (;;) {
        int got = capture_step(r->cap, 256, &stop_requested, r->err, sizeof r->err);
        if (got < 0) {
            fprintf(stderr, "tlsview: %s\n", r->err);
            return 1;
        }
        if (r->scout) {
            capture_stats st;
            capture_get_stats(r->cap, &st);
            scout_progress(r->scout, st.packets);
        }
        if (got == 0 || stop_requested) return 0;
        /* Live: browsers append to their key log as they connect. */
        if (r->keylog && r->o.iface && keylog_reload(r->keylog) > 0) report_keylog_warnings(r->keylog);
        if (r->o.max_connections && dissector_get_stats(r->d)->ended >= r->o.max_connections) return 0;
    }
}

/* The file on several threads.  The capture opened by run_setup only
 * proved that the file and the filter are good: the workers open their own. */
static int run_sharded(run *r, capture_stats *cs, dissector_stats *ds)
{
    capture_close(r->cap);
    r->cap = NULL;
    shard_params p = {
        .capture = &r->co,
        .config = &r->cfg,
        .render = r->ro,
        .json = r->mode == OUT_JSON,
        .workers = r->shards,
        .stop = &stop_requested,
    };
    fflush(stdout);
    if (shard_run(&p, stdout, cs, ds, r->err, sizeof r->err) == 0) return 0;
    fprintf(stderr, "tlsview: %s\n", r->err);
    return 1;
}

/* The curses replay reads the capture itself, between key presses. */
static int run_tui(run *r)
{
    tui_params p = {
        .cap = r->cap,
        .dissector = r->d,
        .stop = &stop_requested,
        .source_name = r->o.read_file ? r->o.read_file : r->o.iface,
        .max_connections = r->o.max_connections,
        .capture_opts = &r->co,
        .cfg = &r->cfg,
        .handler = pipeline_handler,
    };
    return tui_run(r->tui, &p);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    run r;
    memset(&r, 0, sizeof r);
    int exit_code = 0;
    if (options_parse(argc, argv, &r.o, &exit_code) < 0) return exit_code;

    if (r.o.list_interfaces) {
        int rc = capture_list_interfaces(stdout, r.err, sizeof r.err);
        if (rc) fprintf(stderr, "tlsview: %s\n", r.err);
        options_free(&r.o);
        return rc ? 1 : 0;
    }
    if (!run_setup(&r)) {
        if (r.err[0]) fprintf(stderr, "tlsview: %s\n", r.err);
        run_free(&r);
        return 1;
    }
    install_signals();
    int rc;
    capture_stats cs;
    dissector_stats ds;
    if (r.shards > 1) {
        rc = run_sharded(&r, &cs, &ds);
    } else {
        rc = r.tui ? run_tui(&r) : run_loop(&r);
        capture_finish(r.cap);       /* ends every flow, so their last gaps are counted */
        scout_stop(r.scout);
        r.scout = NULL;
        capture_get_stats(r.cap, &cs);
        capture_close(r.cap);
        r.cap = NULL;
        ds = *dissector_get_stats(r.d);
        dissector_free(r.d);
        r.d = NULL;
    }
    if (r.tui) { /* the screen said it all */ }
    else if (r.mode == OUT_JSON) json_sink_summary(r.out, &cs, &ds);
    else text_sink_summary(r.out, &cs, &ds);
    errno = 0;
    bool flushed = fflush(stdout) == 0;
    if ((!flushed || ferror(stdout)) && rc == 0) {
        /* A full disk or a closed file: what was lost must not pass for
         * done.  The reason is known when the last write is the one that
         * failed. */
        if (!flushed && errno)
            fprintf(stderr, "tlsview: cannot write the output: %s (check where it goes and the free space there)\n",
                    strerror(errno));
        else
            fputs("tlsview: cannot write all of the output (check where it goes and the free space there)\n", stderr);
        rc = 1;
    }

    if (rc == 0 && ds.tls_connections == 0 && r.o.read_file) {
        fprintf(stderr, "tlsview: no TLS found in %s (%llu TCP connections%s); if TLS starts mid-connection on an "
                        "unusual port, name the port with -p\n",
                strcmp(r.o.read_file, "-") == 0 ? "standard input" : r.o.read_file, (unsigned long long)cs.flows,
                cs.flows ? ", none of them TLS" : "");
        rc = 1;
    }
    run_free(&r);
    return rc;
}
