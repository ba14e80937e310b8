/* The one model every view reads: a connection is a list of steps, a step
 * carries the bytes it came from and a tree of decoded fields whose
 * offset/length point into those bytes (see DESIGN.md). */
#ifndef TLSVIEW_STEP_H
#define TLSVIEW_STEP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/arena.h"

typedef enum field_shape {
    FIELD_LEAF,     /* a value */
    FIELD_OBJECT,   /* named children; JSON object */
    FIELD_LIST,     /* children in order; JSON array (child names label the text view only) */
} field_shape;

typedef enum field_json {
    FJ_STRING,      /* value is text */
    FJ_NUMBER,      /* value is a decimal number */
    FJ_BOOL,        /* value is "true" or "false" */
    FJ_CODE,        /* a registry code point: value is its name, `code` its number;
                       JSON {"code":"0x1301","name":"..."}, text "NAME (0x1301)" */
    FJ_HEX,         /* value is bytes in lowercase hex: a string with nothing to
                       escape, the bulk of the output (keys, randoms, certificates) */
} field_json;

typedef struct field {
    const char *name;      /* snake_case key */
    const char *value;     /* display text; NULL for a pure container */
    uint32_t offset;       /* into the step's bytes */
    uint32_t length;
    uint32_t code;         /* FJ_CODE only */
    uint8_t code_digits;   /* FJ_CODE: hex digits to print (2 or 4) */
    uint8_t shape;         /* field_shape */
    uint8_t json;          /* field_json */
    bool malformed;        /* this node reports a decoding problem */
    struct field *parent, *first, *last, *next;
} field;

typedef enum step_kind {
    STEP_RECORD,               /* one TLS record, record layer view (--records) */
    STEP_HANDSHAKE,            /* a decoded handshake message */
    STEP_ENCRYPTED_HANDSHAKE,  /* a handshake message we cannot read (no keys) */
    STEP_CHANGE_CIPHER_SPEC,
    STEP_ALERT,
    STEP_APP_DATA,
    STEP_HEARTBEAT,
    STEP_KEYS,                 /* derived: secrets computed */
    STEP_GAP,                  /* derived: bytes missing from the capture */
    STEP_MALFORMED,            /* bytes that could not be decoded */
    STEP_NOTE,                 /* anything else worth telling */
} step_kind;

typedef enum direction { DIR_C2S = 0, DIR_S2C = 1 } direction;

typedef struct step {
    step_kind kind;
    unsigned conn;             /* connection number, from 1 */
    double ts;                 /* seconds since the epoch */
    direction dir;
    const char *name;          /* snake_case: "client_hello", "alert", ... */
    int msg_type;              /* handshake type, or -1 */
    uint8_t content_type;      /* record content type it came in */
    uint16_t record_version;
    uint32_t length;           /* body length as the protocol states it */
    bool encrypted;            /* arrived under record protection */
    bool decrypted;            /* and we removed it */
    bool malformed;            /* some field could not be decoded */
    const uint8_t *bytes;      /* what the fields point into (arena copy) */
    size_t nbytes;
    field *root;               /* FIELD_OBJECT, name "fields" */
    const char *summary;       /* one short line: key values for the text view */
    const char *narration;     /* 1-3 plain sentences */
    arena mem;                 /* owns everything above */
    struct step *next;         /* for sinks that keep steps */
} step;

const char *direction_name(direction d);      /* "c2s" / "s2c" */
const char *step_kind_name(step_kind k);       /* JSON "type" of the step */

step *step_new(step_kind kind, unsigned conn, double ts, direction dir, const char *name);
/* Gives the step its own copy of the bytes its fields point into. */
void step_set_bytes(step *s, const uint8_t *bytes, size_t n);
void step_narrate(step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void step_summarize(step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void step_free(step *s);

/* Field builders.  `parent` NULL means the step's root.  Offsets are into
 * step->bytes (use cur_offset() of a cursor made over them). */
field *field_object(step *s, field *parent, const char *name, size_t off, size_t len);
field *field_list(step *s, field *parent, const char *name, size_t off, size_t len);
field *field_text(step *s, field *parent, const char *name, size_t off, size_t len,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
field *field_uint(step *s, field *parent, const char *name, size_t off, size_t len, uint64_t v);
field *field_bool(step *s, field *parent, const char *name, size_t off, size_t len, bool v);
/* Bytes as lowercase hex; long values are kept whole (views may elide). */
field *field_hex(step *s, field *parent, const char *name, size_t off, size_t len,
                 const uint8_t *bytes, size_t n);
/* A code point from a registry: `label` is its name (NULL: "unknown"). */
field *field_code(step *s, field *parent, const char *name, size_t off, size_t len,
                  uint32_t code, unsigned digits, const char *label);
/* A decoding problem, located: marks the step malformed too. */
field *field_malformed(step *s, field *parent, size_t off, size_t len,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void field_set_extent(field *f, size_t off, size_t len);
/* Copies of src's descendants (possibly from another step) under parent,
 * their offsets moved by delta and their values into s's arena; names are
 * shared, as field names are literals.  A copied malformed field marks s. */
void field_copy_children(step *s, field *parent, const field *src, size_t delta);
/* Text of a direct child, or NULL. */
const field *field_child(const field *parent, const char *name);

#endif
