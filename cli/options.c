#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/config.h"

enum {
    OPT_SECRETS = 256, OPT_RECORDS, OPT_CA_FILE, OPT_KEY_PASSWORD, OPT_MAX_MESSAGE,
    OPT_MAX_FLOWS, OPT_IDLE_TIMEOUT, OPT_MAX_BUFFER, OPT_MAX_KEYLOG, OPT_THREADS, OPT_NO_COLOR,
};

static const struct option long_options[] = {
    { "read", required_argument, NULL, 'r' },
    { "interface", required_argument, NULL, 'i' },
    { "list-interfaces", no_argument, NULL, 'D' },
    { "key", required_argument, NULL, 'k' },
    { "keylog", required_argument, NULL, 'l' },
    { "key-password", required_argument, NULL, OPT_KEY_PASSWORD },
    { "ca-file", required_argument, NULL, OPT_CA_FILE },
    { "output", required_argument, NULL, 'o' },
    { "port", required_argument, NULL, 'p' },
    { "count", required_argument, NULL, 'c' },
    { "snaplen", required_argument, NULL, 's' },
    { "buffer-size", required_argument, NULL, 'B' },
    { "verbose", no_argument, NULL, 'v' },
    { "hex", no_argument, NULL, 'x' },
    { "data", no_argument, NULL, 'd' },
    { "secrets", no_argument, NULL, OPT_SECRETS },
    { "records", no_argument, NULL, OPT_RECORDS },
    { "no-color", no_argument, NULL, OPT_NO_COLOR },
    { "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
    { "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
    { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
    { "max-buffer", required_argument, NULL, OPT_MAX_BUFFER },
    { "max-keylog", required_argument, NULL, OPT_MAX_KEYLOG },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "user", required_argument, NULL, 'Z' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

void options_usage(FILE *out)
{
    fputs(
"Usage: tlsview [options] [BPF filter expression]\n"
"Show what happens inside TLS handshakes, in a capture file or on an interface.\n"
"\n"
"Input:\n"
"  -r, --read FILE          read a pcap or pcapng file (- for standard input)\n"
"  -i, --interface IFACE    capture live on IFACE (\"any\" for all)\n"
"  -D, --list-interfaces    list the interfaces -i can use, then exit\n"
"  -s, --snaplen BYTES      live: bytes kept of each packet (default 262144)\n"
"  -B, --buffer-size KIB    live: kernel capture buffer size in KiB\n"
"  -p, --port PORT[,PORT]   also treat these ports as TLS (repeatable); TLS is\n"
"                           otherwise recognised by its content on any port\n"
"  -c, --count N            stop after N TLS connections\n"
"  -Z, --user USER          live: run as USER once the interface is open and the\n"
"                           keys are read (default when root: nobody; -Z root\n"
"                           keeps root)\n"
"\n"
"Keys (decryption):\n"
"  -k, --key FILE           server RSA private key, PEM or DER (repeatable)\n"
"      --key-password PASS  password of an encrypted key (or set\n"
"                           TLSVIEW_KEY_PASSWORD)\n"
"  -l, --keylog FILE        NSS key log, as written via SSLKEYLOGFILE\n"
"                           (repeatable; without -l, $SSLKEYLOGFILE is used\n"
"                           when set, and a pcapng file's own key log always)\n"
"      --ca-file FILE       trusted CA certificates (PEM) for checking chains\n"
"                           (default: the system bundle)\n"
"\n"
"Output:\n"
"  -o, --output MODE        tui, text or json (JSON Lines); default: tui on a\n"
"                           terminal, text otherwise\n"
"  -v, --verbose            text: show every decoded field\n"
"  -x, --hex                text and json: add the bytes of each step in hex\n"
"  -d, --data               show decrypted application data\n"
"      --secrets            show derived secrets (master secret, traffic secrets)\n"
"      --records            also show every TLS record\n"
"      --no-color           tui: no colours (as does NO_COLOR in the environment)\n"
"\n"
"Limits:\n"
"      --max-message BYTES  largest handshake message decoded (default 16777216)\n"
"      --max-flows N        TCP connections tracked at once (default 65536)\n"
"      --idle-timeout SECS  close a connection idle this long (default 600)\n"
"      --max-buffer KIB     out-of-order bytes held per direction (default 4096)\n"
"      --max-keylog N       key log entries kept (default 1000000)\n"
"      --threads N          threads reading a capture file (default: one per\n"
"                           core, at most 8; 1: a single thread); the output\n"
"                           is the same\n"
"\n"
"  -h, --help               show this help\n"
"  -V, --version            show the version\n"
"\n"
"Exit status: 0 success, 1 input error (unreadable file, bad key, no TLS found),\n"
"2 usage error.  See tlsview(1).\n", out);
}

static bool parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

static int usage_error(int *exit_code, const char *fmt, const char *arg)
{
    fputs("tlsview: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see tlsview --help)\n", stderr);
    *exit_code = 2;
    return -1;
}

static int add_ports(options *o, const char *arg, int *exit_code)
{
    char *copy = strdup(arg);
    if (!copy) return usage_error(exit_code, "out of memory%s", "");
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long long v;
        if (!parse_ulong(tok, 65535, &v) || v == 0) {
            rc = usage_error(exit_code, "-p: \"%s\" is not a TCP port (1-65535)", tok);
            break;
        }
        if (o->n_ports == MAX_PORTS) {
            rc = usage_error(exit_code, "-p: too many ports%s", "");
            break;
        }
        o->ports[o->n_ports++] = (uint16_t)v;
    }
    free(copy);
    return rc;
}

int options_parse(int argc, char **argv, options *o, int *exit_code)
{
    memset(o, 0, sizeof(*o));
    o->max_message = DISSECT_MAX_MESSAGE_DEFAULT;
    o->max_flows = 65536;
    o->idle_timeout = 600;
    o->max_buffer = 4u << 20;
    unsigned long long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:i:Dk:l:o:p:c:s:B:vxdZ:hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'r': o->read_file = optarg; break;
        case 'i': o->iface = optarg; break;
        case 'D': o->list_interfaces = true; break;
        case 'k':
            if (o->n_key_files == MAX_FILES) return usage_error(exit_code, "too many -k files%s", "");
            o->key_files[o->n_key_files++] = optarg;
            break;
        case 'l':
            if (o->n_keylog_files == MAX_FILES) return usage_error(exit_code, "too many -l files%s", "");
            o->keylog_files[o->n_keylog_files++] = optarg;
            break;
        case OPT_KEY_PASSWORD: o->key_password = optarg; break;
        case OPT_CA_FILE: o->ca_file = optarg; break;
        case 'o':
            if (strcmp(optarg, "tui") == 0) o->output = OUT_TUI;
            else if (strcmp(optarg, "text") == 0) o->output = OUT_TEXT;
            else if (strcmp(optarg, "json") == 0) o->output = OUT_JSON;
            else return usage_error(exit_code, "-o: unknown output \"%s\"; use tui, text or json", optarg);
            break;
        case 'p':
            if (add_ports(o, optarg, exit_code)) return -1;
            break;
        case 'c':
            if (!parse_ulong(optarg, UINT_MAX, &v) || v == 0)
                return usage_error(exit_code, "-c: \"%s\" is not a positive number of connections", optarg);
            o->max_connections = (unsigned)v;
            break;
        case 's':
            if (!parse_ulong(optarg, 262144, &v))
                return usage_error(exit_code, "-s: \"%s\" is not a snapshot length (0-262144 bytes)", optarg);
            o->snaplen = (int)v;
            break;
        case 'B':
            if (!parse_ulong(optarg, 4u << 20, &v) || v == 0)
                return usage_error(exit_code, "-B: \"%s\" is not a buffer size in KiB", optarg);
            o->buffer_kib = (int)v;
            break;
        case 'v': o->verbose++; break;
        case 'x': o->hex = true; break;
        case 'd': o->data = true; break;
        case OPT_SECRETS: o->secrets = true; break;
        case OPT_RECORDS: o->records = true; break;
        case OPT_NO_COLOR: o->no_color = true; break;
        case OPT_MAX_MESSAGE:
            if (!parse_ulong(optarg, 1u << 24, &v) || v < 4)
                return usage_error(exit_code, "--max-message: \"%s\" is not a size between 4 and 16777216 bytes", optarg);
            o->max_message = (size_t)v;
            break;
        case OPT_MAX_FLOWS:
            if (!parse_ulong(optarg, 1u << 24, &v) || v == 0)
                return usage_error(exit_code, "--max-flows: \"%s\" is not a positive number", optarg);
            o->max_flows = (unsigned)v;
            break;
        case OPT_IDLE_TIMEOUT:
            if (!parse_ulong(optarg, 86400 * 365, &v) || v == 0)
                return usage_error(exit_code, "--idle-timeout: \"%s\" is not a number of seconds", optarg);
            o->idle_timeout = (double)v;
            break;
        case OPT_MAX_BUFFER:
            if (!parse_ulong(optarg, 1u << 20, &v) || v == 0)
                return usage_error(exit_code, "--max-buffer: \"%s\" is not a size in KiB", optarg);
            o->max_buffer = (size_t)v << 10;
            break;
        case OPT_MAX_KEYLOG:
            if (!parse_ulong(optarg, 1u << 26, &v) || v == 0)
                return usage_error(exit_code, "--max-keylog: \"%s\" is not a positive number of entries", optarg);
            o->max_keylog = (size_t)v;
            break;
        case OPT_THREADS:
            if (!parse_ulong(optarg, 64, &v) || v == 0)
                return usage_error(exit_code, "--threads: \"%s\" is not a number from 1 to 64", optarg);
            o->threads = (unsigned)v;
            break;
        case 'Z': o->user = optarg; break;
        case 'h':
            options_usage(stdout);
            *exit_code = 0;
            return -1;
        case 'V':
            printf("tlsview %s\n", TLSVIEW_VERSION);
            *exit_code = 0;
            return -1;
        case ':':
            return usage_error(exit_code, "option %s needs a value", argv[optind - 1]);
        default:
            if (optopt && optopt < 256) {
                char opt[3] = { '-', (char)optopt, 0 };
                if (strchr("rikloPpcsBZ", optopt))
                    return usage_error(exit_code, "option %s needs a value", opt);
                return usage_error(exit_code, "unknown option %s", opt);
            }
            return usage_error(exit_code, "unknown option %s", argv[optind - 1]);
        }
    }
    if (o->read_file && o->iface)
        return usage_error(exit_code, "give either -r FILE or -i IFACE, not both%s", "");
    if (!o->read_file && !o->iface && !o->list_interfaces)
        return usage_error(exit_code, "nothing to read: give -r FILE or -i IFACE%s", "");
    /* The rest of the words are one BPF expression, as in tcpdump. */
    if (optind < argc) {
        size_t n = 1;
        for (int i = optind; i < argc; i++) n += strlen(argv[i]) + 1;
        o->filter = malloc(n);
        if (!o->filter) return usage_error(exit_code, "out of memory%s", "");
        o->filter[0] = 0;
        for (int i = optind; i < argc; i++) {
            if (i > optind) strcat(o->filter, " ");
            strcat(o->filter, argv[i]);
        }
    }
    return 0;
}

void options_free(options *o)
{
    free(o->filter);
    o->filter = NULL;
}
