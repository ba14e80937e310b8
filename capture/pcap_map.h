/* Classic pcap files (version 2.4, either byte order, micro- or
 * nanosecond stamps) read straight out of the page cache: the file is
 * mapped a window at a time and each packet handed out where it lies, so
 * that no byte is copied on the way (libpcap copies every packet twice,
 * through stdio, and every reading thread pays for it again).
 *
 * What this reader does not take on it leaves to libpcap: pcapng, standard
 * input, anything but a regular file, other versions, link types tlsview
 * does not decode (libpcap's message names them), link types with the FCS
 * bits set. */
#ifndef TLSVIEW_PCAP_MAP_H
#define TLSVIEW_PCAP_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcap_map pcap_map;

typedef struct pcap_map_packet {
    /* As libpcap gives them: signed in a file of this machine's byte
     * order, unsigned in a swapped one; nanoseconds cut to microseconds. */
    int64_t sec, usec;
    uint32_t caplen, len;
    const uint8_t *data;       /* caplen bytes, valid until the next call */
} pcap_map_packet;

/* A reader for the file open on fd (which stays the caller's), or NULL to
 * say "use libpcap". */
pcap_map *pcap_map_open(int fd);
int pcap_map_linktype(const pcap_map *m);
/* 1: *pkt is the next packet; 0: the file ended cleanly; -1: err says
 * what is wrong (name is the file's name for the message). */
int pcap_map_next(pcap_map *m, pcap_map_packet *pkt, const char *name, char *err, size_t errlen);
void pcap_map_close(pcap_map *m);

#endif
