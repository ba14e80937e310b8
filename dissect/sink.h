/* Where steps go.  Streaming sinks (text, JSON) print a step and free it,
 * so memory stays flat however large the capture; the TUI keeps them. */
#ifndef TLSVIEW_SINK_H
#define TLSVIEW_SINK_H

#include "dissect/conn.h"
#include "dissect/step.h"

typedef struct sink sink;
struct sink {
    /* A TLS connection was recognised.  `c` stays valid, and keeps
     * changing as the handshake goes on, until conn_close returns. */
    void (*conn_open)(sink *k, const conn_state *c);
    /* A step of connection `c`.  The sink owns `s`: step_free() it or keep it. */
    void (*step)(sink *k, const conn_state *c, step *s);
    /* The connection ended (or the input did); `c` is final.  Copy what
     * you need: it is freed after this returns. */
    void (*conn_close)(sink *k, const conn_state *c);
};

#endif
