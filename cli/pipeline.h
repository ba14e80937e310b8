/* Wires capture/ to dissect/: TCP stream events become dissector calls. */
#ifndef TLSVIEW_PIPELINE_H
#define TLSVIEW_PIPELINE_H

#include "capture/capture.h"
#include "dissect/session.h"

/* A stream_handler whose ctx is the dissector. */
stream_handler pipeline_handler(dissector *d);

#endif
