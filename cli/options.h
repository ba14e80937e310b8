/* The command line, tcpdump and ssldump style. */
#ifndef TLSVIEW_OPTIONS_H
#define TLSVIEW_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum output_mode { OUT_AUTO, OUT_TUI, OUT_TEXT, OUT_JSON } output_mode;

enum { MAX_FILES = 32, MAX_PORTS = 64 };

typedef struct options {
    const char *read_file;         /* -r */
    const char *iface;             /* -i */
    bool list_interfaces;          /* -D */
    const char *key_files[MAX_FILES];   /* -k */
    size_t n_key_files;
    const char *keylog_files[MAX_FILES];/* -l */
    size_t n_keylog_files;
    const char *key_password;      /* --key-password */
    const char *ca_file;           /* --ca-file */
    output_mode output;            /* -o */
    uint16_t ports[MAX_PORTS];     /* -p */
    size_t n_ports;
    unsigned max_connections;      /* -c */
    int snaplen;                   /* -s */
    int buffer_kib;                /* -B */
    int verbose;                   /* -v: whole field tree */
    bool hex;                      /* -x: bytes in hex */
    bool data;                     /* -d: application data plaintext */
    bool secrets;                  /* --secrets */
    bool records;                  /* --records */
    bool no_color;                 /* --no-color */
    size_t max_message;            /* --max-message */
    unsigned max_flows;            /* --max-flows */
    double idle_timeout;           /* --idle-timeout */
    size_t max_buffer;             /* --max-buffer (KiB on the command line) */
    size_t max_keylog;             /* --max-keylog: entries kept from key logs */
    unsigned threads;              /* --threads: 0 one per core */
    const char *user;              /* -Z */
    char *filter;                  /* the BPF expression (malloc'd) */
} options;

/* Parses argv.  Returns 0 to go on, -1 when the program should exit with
 * *exit_code (help, version, usage error: message already printed). */
int options_parse(int argc, char **argv, options *o, int *exit_code);
void options_free(options *o);
void options_usage(FILE *out);

#endif
