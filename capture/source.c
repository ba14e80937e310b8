/* Capture sources: a pcap or pcapng file (or standard input) and live
 * interfaces, through libpcap.  Packets go to decode_packet and then to
 * the flow table. */
#include "capture/capture.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <pcap/pcap.h>

#include "capture/pcap_map.h"

#define CAPTURE_DEFAULT_SNAPLEN 262144
#define CAPTURE_TIMEOUT_MS 100
/* Flows are checked for idleness once per this much capture time. */
#define CAPTURE_EXPIRE_EVERY 1.0

struct capture {
    pcap_t *p;
    bool live;
    bool nonblocking;
    bool finished;               /* flows ended (capture_finish) */
    int linktype;
    flow_table *flows;
    capture_stats stats;
    double max_ts;               /* latest packet time seen */
    double next_expire;
    char name[128];              /* for messages: file or interface */
    char *read_buffer;           /* stdio's buffer for a capture file */
    FILE *file;                  /* the file under `map` */
    pcap_map *map;               /* a classic pcap file read without libpcap */
};

/* One line into err: no newline, whatever libpcap put in its message. */
__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *s = err; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
    size_t n = strlen(err);
    while (n > 0 && err[n - 1] == ' ') err[--n] = '\0';
}

/* libpcap reports a few link types under platform-specific DLT numbers;
 * decode_packet speaks LINKTYPE numbers. */
static int linktype_from_dlt(int dlt)
{
    if (dlt == DLT_RAW) return 101;
#ifdef DLT_LOOP
    if (dlt == DLT_LOOP) return 108;
#endif
    return dlt;
}

/* "Ethernet (1)", or just "147" for a number libpcap has no name for. */
static void dlt_label(int dlt, char *buf, size_t n)
{
    const char *d = pcap_datalink_val_to_description(dlt);
    if (!d) d = pcap_datalink_val_to_name(dlt);
    if (d) snprintf(buf, n, "%s (%d)", d, dlt);
    else snprintf(buf, n, "%d", dlt);
}

static void copy_name(capture *c, const char *name)
{
    size_t n = strlen(name);
    if (n >= sizeof c->name) n = sizeof c->name - 1;
    memcpy(c->name, name, n);
    c->name[n] = '\0';
}

static bool text_has(const char *s, const char *what)
{
    return strstr(s, what) != NULL;
}

enum { READ_BUFFER = 1 << 18 };

/* Opens the file for libpcap, or (may_map and a classic pcap file) for
 * pcap_map: then c->map is set and NULL returned with err empty. */
static pcap_t *open_file(capture *c, const char *file, bool may_map, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    FILE *fp;
    if (strcmp(file, "-") == 0) {
        copy_name(c, "standard input");
        fp = stdin;
    } else {
        struct stat st;
        copy_name(c, file);
        if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
            set_err(err, errlen, "%s is a directory, not a capture file: give the path of a pcap or pcapng file", file);
            return NULL;
        }
        fp = fopen(file, "rb");
        if (fp && may_map && (c->map = pcap_map_open(fileno(fp))) != NULL) {
            c->file = fp;
            return NULL;
        }
        if (!fp) {
            int e = errno;
            if (e == ENOENT)
                set_err(err, errlen, "cannot open %s: no such file (check the path)", file);
            else if (e == EACCES || e == EPERM)
                set_err(err, errlen, "cannot read %s: permission denied (check the file's permissions)", file);
            else
                set_err(err, errlen, "cannot open %s: %s", file, strerror(e));
            return NULL;
        }
        /* libpcap reads a record at a time through stdio; its default
         * 4 KB buffer makes that a system call every few packets.  (glibc
         * takes the size only with a buffer given.) */
        c->read_buffer = malloc(READ_BUFFER);
        if (c->read_buffer) setvbuf(fp, c->read_buffer, _IOFBF, READ_BUFFER);
        /* Only this capture's thread reads the file: no lock per fread
         * (libpcap makes two for every packet). */
        __fsetlocking(fp, FSETLOCKING_BYCALLER);
    }
    pcap_t *p = pcap_fopen_offline(fp, eb);
    if (p) return p;
    if (fp != stdin) fclose(fp);
    free(c->read_buffer);
    c->read_buffer = NULL;
    if (text_has(eb, "unknown file format") || text_has(eb, "truncated dump file") ||
        text_has(eb, "file header") || text_has(eb, "bad dump file format"))
        set_err(err, errlen, "%s is not a pcap or pcapng capture", c->name);
    else
        set_err(err, errlen, "cannot read %s as a capture: %s", c->name, eb);
    return NULL;
}

static pcap_t *open_live(capture *c, const capture_options *o, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    const char *iface = o->iface;
    copy_name(c, iface);
    pcap_t *p = pcap_create(iface, eb);
    if (!p) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, eb);
        return NULL;
    }
    pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : CAPTURE_DEFAULT_SNAPLEN);
    pcap_set_promisc(p, 0);
    /* Not immediate mode: on Linux it gives the kernel ring one slot per
     * packet, sized for the largest packet, so a burst on loopback (64 KiB
     * packets) overflows it.  Blocks of packets, handed over at the latest
     * after the timeout, keep up and still feel live. */
    pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
    if (o->buffer_kib > 0)
        pcap_set_buffer_size(p, o->buffer_kib > INT_MAX / 1024 ? INT_MAX : o->buffer_kib * 1024);

    int rc = pcap_activate(p);
    if (rc < 0) {
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            set_err(err, errlen, "no interface named %s: list the interfaces with -D", iface);
            break;
        case PCAP_ERROR_PERM_DENIED:
            set_err(err, errlen,
                    "no permission to capture on %s: run as root or grant the capture capabilities, "
                    "e.g. setcap cap_net_raw,cap_net_admin=eip \"$(command -v tlsview)\"",
                    iface);
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            set_err(err, errlen, "interface %s is down: bring it up first (ip link set %s up)", iface, iface);
            break;
#ifdef PCAP_ERROR_CAPTURE_NOTSUP
        case PCAP_ERROR_CAPTURE_NOTSUP:
            set_err(err, errlen, "%s does not support packet capture: pick another interface (-D lists them)",
                    iface);
            break;
#endif
        default:
            set_err(err, errlen, "cannot capture on %s: %s", iface, pcap_geterr(p));
            break;
        }
        pcap_close(p);
        return NULL;
    }
    /* libpcap's own blocking read on Linux neither returns at the timeout
     * nor on a signal (only pcap_breakloop wakes it), so live sources are
     * always read without blocking and capture_step waits in its own
     * poll(), which a signal interrupts. */
    if (pcap_setnonblock(p, 1, eb) < 0) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, eb);
        pcap_close(p);
        return NULL;
    }
    return p;
}

/* A live interface may offer several link types; take one we read. */
static void pick_live_linktype(pcap_t *p)
{
    int *dlts = NULL;
    int n = pcap_list_datalinks(p, &dlts);
    for (int i = 0; i < n; i++) {
        if (linktype_supported(linktype_from_dlt(dlts[i])) && pcap_set_datalink(p, dlts[i]) == 0) break;
    }
    if (n > 0) pcap_free_datalinks(dlts);
}

capture *capture_open(const capture_options *o, const stream_handler *h, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!o || (!o->file && !o->iface)) {
        set_err(err, errlen, "no packet source: read a capture file with -r FILE or capture live with -i IFACE");
        return NULL;
    }
    if (o->file && o->iface) {
        set_err(err, errlen, "give either a capture file (-r) or an interface (-i), not both");
        return NULL;
    }
    capture *c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    c->live = o->iface != NULL;
    c->nonblocking = c->live && o->nonblocking;
    c->stats.live = c->live;
    /* A filter is libpcap's to apply: only unfiltered files are mapped. */
    bool may_map = !(o->filter && o->filter[0]);
    c->p = c->live ? open_live(c, o, err, errlen) : open_file(c, o->file, may_map, err, errlen);
    if (c->map) {
        c->linktype = pcap_map_linktype(c->map);   /* one pcap_map takes on only */
        goto flows;
    }
    if (!c->p) {
        free(c);
        return NULL;
    }

    int dlt = pcap_datalink(c->p);
    if (c->live && !linktype_supported(linktype_from_dlt(dlt))) {
        pick_live_linktype(c->p);
        dlt = pcap_datalink(c->p);
    }
    c->linktype = linktype_from_dlt(dlt);
    if (!linktype_supported(c->linktype)) {
        char label[96];
        dlt_label(dlt, label, sizeof label);
        set_err(err, errlen,
                "%s: link type %s is not supported; tlsview reads Ethernet, Linux cooked (SLL, SLL2), "
                "BSD loopback and raw IP captures%s",
                c->name, label, c->live ? " (try -i any)" : "");
        goto fail;
    }

    if (o->filter && o->filter[0]) {
        struct bpf_program prog;
        if (pcap_compile(c->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            set_err(err, errlen, "bad filter \"%s\": %s (see pcap-filter(7) for the syntax)", o->filter,
                    pcap_geterr(c->p));
            goto fail;
        }
        int rc = pcap_setfilter(c->p, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            set_err(err, errlen, "cannot apply the filter \"%s\" on %s: %s", o->filter, c->name,
                    pcap_geterr(c->p));
            goto fail;
        }
    }

flows:
    c->flows = flow_table_new(&o->limits, h, &c->stats);
    if (!c->flows) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    return c;

fail:
    if (c->p) pcap_close(c->p);
    pcap_map_close(c->map);
    if (c->file) fclose(c->file);
    free(c->read_buffer);
    free(c);
    return NULL;
}

int capture_linktype(const capture *c)
{
    return c->linktype;
}

static void dispatch(capture *c, const struct pcap_pkthdr *hdr, const uint8_t *data)
{
    double ts = (double)hdr->ts.tv_sec + (double)hdr->ts.tv_usec / 1e6;
    tcp_segment seg;
    c->stats.packets++;
    c->stats.bytes += hdr->len;
    switch (decode_packet(c->linktype, data, hdr->caplen, hdr->len, &seg)) {
    case DECODE_TCP:
        if (seg.payload_len < seg.payload_wire_len) c->stats.truncated++;
        flow_table_segment(c->flows, &seg, ts);
        break;
    case DECODE_NOT_TCP:
        c->stats.non_tcp++;
        break;
    case DECODE_FRAGMENT:
        c->stats.fragments++;
        break;
    case DECODE_TRUNCATED:
        c->stats.truncated++;
        break;
    case DECODE_UNSUPPORTED:
    case DECODE_MALFORMED:
        c->stats.undecodable++;
        break;
    }
    if (c->stats.packets == 1 || ts > c->max_ts) c->max_ts = ts;
    if (c->max_ts >= c->next_expire) {
        flow_table_expire(c->flows, c->max_ts);
        c->next_expire = c->max_ts + CAPTURE_EXPIRE_EVERY;
    }
}

/* No packet for a while on a live capture: let time pass anyway. */
static void idle_tick(capture *c)
{
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return;
    double t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    if (t >= c->next_expire) {
        flow_table_expire(c->flows, t);
        c->next_expire = t + CAPTURE_EXPIRE_EVERY;
    }
}

/* Waits up to the read timeout for the live source to become readable;
 * false when it did not (timeout or a signal). */
static bool wait_for_packets(capture *c)
{
    struct pollfd pfd = { pcap_get_selectable_fd(c->p), POLLIN, 0 };
    if (pfd.fd < 0) {
        poll(NULL, 0, 10);                /* no descriptor to wait on: nap */
        return true;
    }
    return poll(&pfd, 1, CAPTURE_TIMEOUT_MS) > 0;
}

static int step_mapped(capture *c, int max_packets, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    for (int n = 0;; n++) {
        if (stop && *stop) return 1;
        if (max_packets > 0 && n >= max_packets) return 1;
        pcap_map_packet pkt;
        int rc = pcap_map_next(c->map, &pkt, c->name, err, errlen);
        if (rc <= 0) return rc;
        struct pcap_pkthdr hdr = { .caplen = pkt.caplen, .len = pkt.len };
        hdr.ts.tv_sec = pkt.sec;
        hdr.ts.tv_usec = pkt.usec;
        dispatch(c, &hdr, pkt.data);
    }
}

int capture_step(capture *c, int max_packets, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
    if (c->finished) return 0;
    if (c->map) return step_mapped(c, max_packets, stop, err, errlen);
    int n = 0;
    for (;;) {
        if (stop && *stop) return 1;
        if (max_packets > 0 && n >= max_packets) return 1;
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(c->p, &hdr, &data);
        if (rc == 1) {
            dispatch(c, hdr, data);
            n++;
            continue;
        }
        if (rc == 0) {                   /* live: nothing ready */
            idle_tick(c);
            if (c->nonblocking || (max_packets > 0 && n > 0)) return 1;
            if (!wait_for_packets(c) && max_packets > 0) return 1;
            continue;
        }
        if (rc == PCAP_ERROR_BREAK) return 0;
        const char *msg = pcap_geterr(c->p);
        if (!c->live && text_has(msg, "truncated"))
            set_err(err, errlen, "%s ends in the middle of a packet: the capture file is cut short", c->name);
        else
            set_err(err, errlen, "error reading %s: %s", c->name, msg);
        return -1;
    }
}

int capture_fd(const capture *c)
{
    return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

void capture_get_stats(capture *c, capture_stats *out)
{
    *out = c->stats;
    out->live = c->live;
    struct pcap_stat ps;
    if (c->live && pcap_stats(c->p, &ps) == 0) {
        out->kernel_received = ps.ps_recv;
        out->kernel_dropped = ps.ps_drop;
        out->interface_dropped = ps.ps_ifdrop;
    }
}

void capture_finish(capture *c)
{
    if (!c || c->finished) return;
    flow_table_free(c->flows, c->max_ts);
    c->flows = NULL;
    c->finished = true;
}

void capture_close(capture *c)
{
    if (!c) return;
    capture_finish(c);
    if (c->p) pcap_close(c->p);   /* closes the file, so its buffer goes after */
    pcap_map_close(c->map);
    if (c->file) fclose(c->file);
    free(c->read_buffer);
    free(c);
}

static void print_flags(FILE *out, bpf_u_int32 flags)
{
    const char *words[6];
    int n = 0;
    if (flags & PCAP_IF_UP) words[n++] = "Up";
    if (flags & PCAP_IF_RUNNING) words[n++] = "Running";
    if (flags & PCAP_IF_WIRELESS) words[n++] = "Wireless";
    if (flags & PCAP_IF_LOOPBACK) words[n++] = "Loopback";
    switch (flags & PCAP_IF_CONNECTION_STATUS) {
    case PCAP_IF_CONNECTION_STATUS_CONNECTED: words[n++] = "Connected"; break;
    case PCAP_IF_CONNECTION_STATUS_DISCONNECTED: words[n++] = "Disconnected"; break;
    default: break;          /* unknown or not applicable: nothing to say */
    }
    if (n == 0) {
        fputs(" [none]", out);
        return;
    }
    fputs(" [", out);
    for (int i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", words[i]);
    fputc(']', out);
}

int capture_list_interfaces(FILE *out, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, eb) < 0) {
        set_err(err, errlen, "cannot list the interfaces: %s", eb);
        return 1;
    }
    if (!all) {
        set_err(err, errlen,
                "no capture interfaces found: run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip) to see them");
        return 1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        fprintf(out, "%d.%s", i, d->name);
        if (d->description && d->description[0]) fprintf(out, " (%s)", d->description);
        print_flags(out, d->flags);
        fputc('\n', out);
    }
    pcap_freealldevs(all);
    return 0;
}
