#include "capture/pcap_map.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"

enum {
    FILE_HEADER = 24,
    RECORD_HEADER = 16,
    /* libpcap's ceiling for one packet: a larger record is damage. */
    MAX_CAPLEN = 262144,
    /* The window mapped at a time: each reading thread holds one, so it
     * is what this costs in memory. */
    WINDOW = 1 << 20,
    MAX_GUARDED = 64,
};

/* ---- a file cut shorter while it is mapped ----
 * Touching a mapped page past the file's new end raises SIGBUS, which
 * would kill the process.  The handler puts a page of zeros where the
 * fault was, so that the read completes, and marks the mapping: its reader
 * reports the file as changed at its next packet. */

typedef struct guard {
    _Atomic(uintptr_t) start;
    _Atomic(size_t) len;
    atomic_bool hit;
    atomic_bool used;
} guard;

static guard guards[MAX_GUARDED];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static size_t page_size;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    uintptr_t addr = (uintptr_t)info->si_addr;
    for (int i = 0; i < MAX_GUARDED; i++) {
        uintptr_t start = atomic_load(&guards[i].start);
        size_t len = atomic_load(&guards[i].len);
        if (start && addr >= start && addr - start < len) {
            uintptr_t page = addr & ~((uintptr_t)page_size - 1);
            if (mmap((void *)page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
                MAP_FAILED) {
                atomic_store(&guards[i].hit, true);
                return;
            }
        }
    }
    /* Not ours: what SIGBUS would have done anyway. */
    signal(sig, SIG_DFL);
}

static void install_handler(void)
{
    page_size = (size_t)sysconf(_SC_PAGESIZE);   /* read here: sysconf is not for signal handlers */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

static guard *guard_take(void)
{
    for (int i = 0; i < MAX_GUARDED; i++) {
        bool expected = false;
        if (atomic_compare_exchange_strong(&guards[i].used, &expected, true)) return &guards[i];
    }
    return NULL;
}

/* ---- the reader ---- */

struct pcap_map {
    int fd;
    bool swapped, nano;
    int linktype;
    uint32_t snapshot;         /* the file's snapshot length, as libpcap takes it */
    uint64_t size;             /* of the file, as last seen */
    uint64_t pos;              /* of the next record */
    uint64_t packets;
    const uint8_t *map;        /* the window: map_len bytes from map_off */
    uint64_t map_off;
    size_t map_len;
    size_t page;
    guard *guard;
};

static uint32_t get32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swapped)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return swapped ? __builtin_bswap16(v) : v;
}

typedef enum { COVERED, PAST_END, MAP_FAILED_ } cover_result;
static cover_result cover(pcap_map *m, uint64_t off, size_t n);

pcap_map *pcap_map_open(int fd)
{
    struct stat st;
    uint8_t h[FILE_HEADER];
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < FILE_HEADER) return NULL;
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) return NULL;
    uint32_t magic;
    memcpy(&magic, h, 4);
    bool swapped, nano;
    switch (magic) {
    case 0xa1b2c3d4: swapped = false, nano = false; break;
    case 0xa1b23c4d: swapped = false, nano = true; break;
    case 0xd4c3b2a1: swapped = true, nano = false; break;
    case 0x4d3cb2a1: swapped = true, nano = true; break;
    default: return NULL;
    }
    if (get16(h + 4, swapped) != 2 || get16(h + 6, swapped) != 4) return NULL;
    uint32_t linktype = get32(h + 20, swapped);
    if (linktype > 0xffff || !linktype_supported((int)linktype)) return NULL;
    pcap_map *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->guard = guard_take();
    if (!m->guard) {
        free(m);
        return NULL;
    }
    pthread_once(&handler_once, install_handler);
    m->fd = fd;
    m->swapped = swapped;
    m->nano = nano;
    m->linktype = (int)linktype;
    /* libpcap takes a snapshot length of 0 or over its ceiling (negative,
     * too, read as an int) to be the ceiling. */
    uint32_t snapshot = get32(h + 16, swapped);
    m->snapshot = snapshot == 0 || snapshot > MAX_CAPLEN ? MAX_CAPLEN : snapshot;
    m->size = (uint64_t)st.st_size;
    m->pos = FILE_HEADER;
    m->page = (size_t)sysconf(_SC_PAGESIZE);
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    /* A file system that cannot map files is libpcap's to read. */
    if (cover(m, FILE_HEADER, 0) == MAP_FAILED_) {
        pcap_map_close(m);
        return NULL;
    }
    return m;
}

int pcap_map_linktype(const pcap_map *m)
{
    return m->linktype;
}

static void unmap(pcap_map *m)
{
    if (!m->map) return;
    atomic_store(&m->guard->start, 0);
    atomic_store(&m->guard->len, 0);
    munmap((void *)m->map, m->map_len);
    m->map = NULL;
    m->map_len = 0;
}

/* Makes [off, off + n) readable through the window. */
static cover_result cover(pcap_map *m, uint64_t off, size_t n)
{
    if (m->map && off >= m->map_off && off + n <= m->map_off + m->map_len) return COVERED;
    if (off + n > m->size) {
        /* A file still being written has grown since: take it in. */
        struct stat st;
        if (fstat(m->fd, &st) == 0 && (uint64_t)st.st_size > m->size) m->size = (uint64_t)st.st_size;
        if (off + n > m->size) return PAST_END;
    }
    unmap(m);
    uint64_t start = off & ~(uint64_t)(m->page - 1);
    uint64_t end = start + WINDOW;
    if (end < off + n) end = off + n;
    if (end > m->size) end = m->size;
    void *p = mmap(NULL, (size_t)(end - start), PROT_READ, MAP_PRIVATE | MAP_POPULATE, m->fd, (off_t)start);
    if (p == MAP_FAILED) return MAP_FAILED_;
    m->map = p;
    m->map_off = start;
    m->map_len = (size_t)(end - start);
    atomic_store(&m->guard->len, m->map_len);
    atomic_store(&m->guard->start, (uintptr_t)p);
    return COVERED;
}

typedef enum { CUT_SHORT, NO_MAP, TOO_LONG, SHRUNK } read_error;

static int fail(const pcap_map *m, read_error what, uint32_t caplen, const char *name, char *err, size_t errlen)
{
    if (!err || !errlen) return -1;
    switch (what) {
    case CUT_SHORT:
        snprintf(err, errlen, "%s ends in the middle of a packet: the capture file is cut short", name);
        break;
    case NO_MAP:
        snprintf(err, errlen, "error reading %s: cannot map it into memory", name);
        break;
    case TOO_LONG:
        snprintf(err, errlen, "error reading %s: packet %llu claims %u captured bytes, more than a capture can hold",
                 name, (unsigned long long)m->packets + 1, caplen);
        break;
    case SHRUNK:
        snprintf(err, errlen, "error reading %s: the file became shorter while it was being read", name);
        break;
    }
    return -1;
}

int pcap_map_next(pcap_map *m, pcap_map_packet *pkt, const char *name, char *err, size_t errlen)
{
    /* A packet handed out earlier may have met the file's new end. */
    if (atomic_load(&m->guard->hit)) return fail(m, SHRUNK, 0, name, err, errlen);
    cover_result r = cover(m, m->pos, RECORD_HEADER);
    if (r == PAST_END) return m->pos >= m->size ? 0 : fail(m, CUT_SHORT, 0, name, err, errlen);
    if (r == MAP_FAILED_) return fail(m, NO_MAP, 0, name, err, errlen);
    const uint8_t *h = m->map + (m->pos - m->map_off);
    uint32_t caplen = get32(h + 8, m->swapped);
    /* libpcap reads the stamps of a file in its own byte order as signed
     * numbers and those of a swapped one as unsigned: so do we, for the
     * same output whichever reader a file goes to. */
    uint32_t sec = get32(h, m->swapped), fraction = get32(h + 4, m->swapped);
    pkt->sec = m->swapped ? (int64_t)sec : (int64_t)(int32_t)sec;
    pkt->usec = m->swapped ? (int64_t)fraction : (int64_t)(int32_t)fraction;
    if (m->nano) pkt->usec /= 1000;
    pkt->len = get32(h + 12, m->swapped);
    if (caplen > MAX_CAPLEN) return fail(m, TOO_LONG, caplen, name, err, errlen);
    /* A record longer than the file's snapshot length is cut to it, as
     * libpcap does: a reader may rely on never getting more. */
    uint32_t keep = caplen > m->snapshot ? m->snapshot : caplen;
    r = cover(m, m->pos + RECORD_HEADER, caplen);   /* may move the window: h is spent */
    if (r == PAST_END) return fail(m, CUT_SHORT, 0, name, err, errlen);
    if (r == MAP_FAILED_) return fail(m, NO_MAP, 0, name, err, errlen);
    if (atomic_load(&m->guard->hit)) return fail(m, SHRUNK, 0, name, err, errlen);
    pkt->caplen = keep;
    pkt->data = m->map + (m->pos + RECORD_HEADER - m->map_off);
    m->pos += RECORD_HEADER + (uint64_t)caplen;
    m->packets++;
    return 1;
}

void pcap_map_close(pcap_map *m)
{
    if (!m) return;
    unmap(m);
    atomic_store(&m->guard->hit, false);
    atomic_store(&m->guard->used, false);
    free(m);
}
