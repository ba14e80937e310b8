/* The TUI's sink and its connection store.
 *
 * Every connection keeps a compact summary (addresses, SNI, version,
 * suite, outcome, a line of details) for the list.  Steps cost far more
 * (each has its own arena of at least 4 KiB, plus bytes and fields), so
 * they are held for as many connections as fit a memory budget, least
 * recently used first out; the one being viewed is pinned.  A connection
 * whose steps were let go is read again on demand (tui_conn_hold). */
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h"
#include "tui/internal.h"

enum {
    DEFAULT_BUDGET_MB = 64,
    /* A connection keeps at most this many steps; the rest are counted.
     * (Thousands of application data records make no better ladder.) */
    MAX_STEPS_PER_CONN = 5000,
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* What a step costs: its struct and its arena, whose chunks are 4 KiB
 * unless one allocation needs more. */
static size_t step_cost(const step *s)
{
    size_t used = s->mem.used + 32;
    size_t chunks = (used + 4095) / 4096;
    return sizeof(step) + chunks * (4096 + 32);
}

static void set_text(char **dst, const char *src)
{
    if (!src || !*src) {
        free(*dst);
        *dst = NULL;
        return;
    }
    if (*dst && strcmp(*dst, src) == 0) return;
    free(*dst);
    *dst = xstrdup(src);
}

static void appendf(char *buf, size_t n, size_t *k, const char *fmt, const char *a, const char *b)
{
    if (*k >= n) return;
    int r = snprintf(buf + *k, n - *k, fmt, a, b);
    if (r > 0) *k += (size_t)r;
    if (*k > n) *k = n;
}

static void update(tui *t, tui_conn *tc, const conn_state *c)
{
    tc->first_ts = c->first_ts;
    tc->last_ts = c->last_ts;
    memcpy(tc->client, c->client, sizeof tc->client);
    memcpy(tc->server, c->server, sizeof tc->server);
    tc->client[sizeof tc->client - 1] = tc->server[sizeof tc->server - 1] = 0;
    set_text(&tc->sni, c->sni);
    tc->version = c->version;
    tc->suite = c->cipher_suite;
    tc->have_suite = c->have_cipher_suite;
    tc->outcome = (uint8_t)c->outcome;
    tc->decryption = (uint8_t)c->decryption;
    tc->alert_seen = c->alert_seen;
    tc->alert_level = c->alert_level;
    tc->alert_desc = c->alert_description;
    tc->alert_dir = (uint8_t)c->alert_dir;
    tc->resumed = c->resumed;
    tc->malformed = c->malformed;

    char info[768], sep[12];
    snprintf(sep, sizeof sep, " %s ", t->g.dot ? t->g.dot : "-");
    size_t k = 0;
    info[0] = 0;
    const cert_summary *sc = &c->server_cert;
    if (sc->present) {
        appendf(info, sizeof info, &k, "certificate %s%s", sc->subject_cn[0] ? "CN=" : "",
                sc->subject_cn[0] ? sc->subject_cn : sc->subject);
        if (sc->issuer_cn[0]) appendf(info, sizeof info, &k, ", issued by CN=%s%s", sc->issuer_cn, "");
        if (sc->key_desc[0]) appendf(info, sizeof info, &k, ", %s%s", sc->key_desc, "");
        if (sc->validation[0]) appendf(info, sizeof info, &k, " (%s%s)", sc->validation, "");
    }
    if (c->group) {
        const char *g = tls_group_name(c->group);
        char code[16];
        snprintf(code, sizeof code, "0x%04x", c->group);
        appendf(info, sizeof info, &k, "%sgroup %s", k ? sep : "", g ? g : code);
    }
    if (c->alpn[0]) appendf(info, sizeof info, &k, "%sALPN %s", k ? sep : "", c->alpn);
    if (c->resumed) appendf(info, sizeof info, &k, "%sresumed%s", k ? sep : "", "");
    if (c->hello_retry_request) appendf(info, sizeof info, &k, "%sHelloRetryRequest%s", k ? sep : "", "");
    if (c->client_certificate_sent) appendf(info, sizeof info, &k, "%sclient certificate%s", k ? sep : "", "");
    set_text(&tc->info, info);

    char notes[CONN_NOTES_MAX * 200 + CONN_NOTES_MAX];
    k = 0;
    notes[0] = 0;
    for (unsigned i = 0; i < c->n_notes && i < CONN_NOTES_MAX; i++)
        appendf(notes, sizeof notes, &k, "%s%s", i ? " " : "", c->notes[i]);
    set_text(&tc->notes, notes);
    t->generation++;
}

static tui_conn *get_or_create(tui *t, const conn_state *c)
{
    unsigned id = c->id;
    if (id == 0) id = (unsigned)t->n_conns + 1;
    if (id > t->n_conns) {
        if (id > t->cap_conns) {
            size_t cap = t->cap_conns ? t->cap_conns : 256;
            while (cap < id) cap *= 2;
            t->conns = xrealloc(t->conns, cap * sizeof(*t->conns));
            memset(t->conns + t->cap_conns, 0, (cap - t->cap_conns) * sizeof(*t->conns));
            t->cap_conns = cap;
        }
        t->n_conns = id;
    }
    tui_conn *tc = t->conns[id - 1];
    if (!tc) {
        tc = calloc(1, sizeof(*tc));
        if (!tc) {
            fputs("tlsview: out of memory\n", stderr);
            exit(1);
        }
        tc->id = id;
        t->conns[id - 1] = tc;
        t->count++;
    }
    return tc;
}

tui_conn *store_get(const tui *t, unsigned id)
{
    return id >= 1 && id <= t->n_conns ? t->conns[id - 1] : NULL;
}

static void lru_unlink(tui *t, tui_conn *c)
{
    if (c->lru_prev) c->lru_prev->lru_next = c->lru_next;
    else if (t->lru_head == c) t->lru_head = c->lru_next;
    if (c->lru_next) c->lru_next->lru_prev = c->lru_prev;
    else if (t->lru_tail == c) t->lru_tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

void store_touch(tui *t, tui_conn *c)
{
    if (!c->n_steps) return;
    if (t->lru_tail == c) return;
    lru_unlink(t, c);
    c->lru_prev = t->lru_tail;
    if (t->lru_tail) t->lru_tail->lru_next = c;
    else t->lru_head = c;
    t->lru_tail = c;
}

static void append(tui *t, tui_conn *c, step *s)
{
    if (c->n_steps >= MAX_STEPS_PER_CONN) {
        step_free(s);
        return;
    }
    if (c->n_steps == c->cap_steps) {
        c->cap_steps = c->cap_steps ? 2 * c->cap_steps : 16;
        c->steps = xrealloc(c->steps, c->cap_steps * sizeof(*c->steps));
    }
    c->steps[c->n_steps++] = s;
    size_t cost = step_cost(s);
    c->mem += cost;
    t->mem_used += cost;
    store_touch(t, c);
    t->generation++;
}

void store_drop_steps(tui *t, tui_conn *c)
{
    for (uint32_t i = 0; i < c->n_steps; i++) step_free(c->steps[i]);
    free(c->steps);
    c->steps = NULL;
    c->n_steps = c->cap_steps = 0;
    t->mem_used -= c->mem < t->mem_used ? c->mem : t->mem_used;
    c->mem = 0;
    lru_unlink(t, c);
    c->dropped = true;
    c->epoch++;
    c->reloaded = false;
    t->generation++;
}

void store_enforce_budget(tui *t)
{
    tui_conn *c = t->lru_head;
    while (t->mem_used > t->mem_budget && c) {
        tui_conn *next = c->lru_next;
        if (c != t->pinned && c != t->reload_target) store_drop_steps(t, c);
        c = next;
    }
}

/* ---- the sink of the capture's dissector ---- */

static void k_conn_open(sink *k, const conn_state *c)
{
    tui *t = (tui *)k;
    update(t, get_or_create(t, c), c);
}

static void k_step(sink *k, const conn_state *c, step *s)
{
    tui *t = (tui *)k;
    tui_conn *tc = get_or_create(t, c);
    update(t, tc, c);
    tc->seen_steps++;
    if (tc->dropped || tc->reloaded) {
        step_free(s);
        return;
    }
    append(t, tc, s);
    if (t->mem_used > t->mem_budget) store_enforce_budget(t);
}

static void k_conn_close(sink *k, const conn_state *c)
{
    tui *t = (tui *)k;
    tui_conn *tc = get_or_create(t, c);
    update(t, tc, c);
    tc->closed = true;
}

/* ---- the sink of a second reading: keeps one connection's steps ---- */

static tui *from_reload(sink *k)
{
    return (tui *)(void *)((char *)k - offsetof(tui, reload_sink));
}

static void r_conn_open(sink *k, const conn_state *c)
{
    tui *t = from_reload(k);
    tui_conn *target = t->reload_target;
    if (!target || t->reload_id) return;
    double dt = c->first_ts - target->first_ts;
    if (strcmp(c->client, target->client) == 0 && strcmp(c->server, target->server) == 0 && dt < 1e-6 &&
        dt > -1e-6)
        t->reload_id = c->id;
}

static void r_step(sink *k, const conn_state *c, step *s)
{
    tui *t = from_reload(k);
    if (t->reload_target && t->reload_id && c->id == t->reload_id) {
        s->conn = t->reload_target->id;
        append(t, t->reload_target, s);
    } else {
        step_free(s);
    }
}

static void r_conn_close(sink *k, const conn_state *c)
{
    (void)k;
    (void)c;
}

void store_init(tui *t)
{
    t->base.conn_open = k_conn_open;
    t->base.step = k_step;
    t->base.conn_close = k_conn_close;
    t->reload_sink.conn_open = r_conn_open;
    t->reload_sink.step = r_step;
    t->reload_sink.conn_close = r_conn_close;
    size_t mb = DEFAULT_BUDGET_MB;
    const char *env = getenv("TLSVIEW_TUI_MEMORY_MB");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (!*end) mb = v;
    }
    t->mem_budget = mb << 20;
}

void store_free(tui *t)
{
    for (size_t i = 0; i < t->n_conns; i++) {
        tui_conn *c = t->conns[i];
        if (!c) continue;
        for (uint32_t j = 0; j < c->n_steps; j++) step_free(c->steps[j]);
        free(c->steps);
        free(c->sni);
        free(c->info);
        free(c->notes);
        free(c);
    }
    free(t->conns);
    t->conns = NULL;
    t->n_conns = t->cap_conns = t->count = 0;
}

bool tui_conn_hold(tui *t, tui_conn *c)
{
    t->pinned = c;
    if (!c->dropped) {
        store_touch(t, c);
        return true;
    }
    if (c->reload_failed || !t->src || !t->src->reload) return false;
    t->reload_target = c;
    t->reload_id = 0;
    c->dropped = false;
    int r = t->src->reload(t->src->ctx, c->client, c->server, &t->reload_sink);
    bool ok = r == 0 && t->reload_id != 0;
    t->reload_target = NULL;
    t->reload_id = 0;
    if (!ok) {
        store_drop_steps(t, c);
        c->reload_failed = true;
        return false;
    }
    c->reloaded = true;
    store_enforce_budget(t);
    t->generation++;
    return true;
}

void tui_conn_unpin(tui *t)
{
    t->pinned = NULL;
    store_enforce_budget(t);
}

/* ---- text shared by the views ---- */

const char *conn_outcome_text(const tui_conn *c, char *buf, size_t n)
{
    switch (c->outcome) {
    case HS_COMPLETE:
        snprintf(buf, n, "%s", c->resumed ? "complete, resumed" : "complete");
        break;
    case HS_FAILED:
        if (c->alert_seen) {
            const char *d = tls_alert_description_name(c->alert_desc);
            if (d) snprintf(buf, n, "failed: %s", d);
            else snprintf(buf, n, "failed: alert %u", c->alert_desc);
        } else {
            snprintf(buf, n, "failed");
        }
        break;
    default:
        snprintf(buf, n, "incomplete");
    }
    return buf;
}

theme_el conn_outcome_theme(const tui_conn *c)
{
    return c->outcome == HS_COMPLETE ? T_OK : c->outcome == HS_FAILED ? T_FAIL : T_WARN;
}

const char *conn_decryption_text(const tui_conn *c)
{
    switch (c->decryption) {
    case DEC_NO_SECRETS: return "no secrets";
    case DEC_NEEDS_KEY_LOG: return "needs key log";
    case DEC_KEY_MISMATCH: return "key mismatch";
    case DEC_DECRYPTED: return "decrypted";
    case DEC_FAILED: return "decrypt failed";
    }
    return "";
}

const char *conn_version_text(const tui_conn *c)
{
    if (!c->version) return "";
    const char *v = tls_version_name(c->version);
    return v ? v : "?";
}

const char *conn_suite_text(const tui_conn *c, char *buf, size_t n)
{
    if (!c->have_suite) {
        snprintf(buf, n, "%s", "");
        return buf;
    }
    const char *s = tls_cipher_suite_name(c->suite);
    if (s) snprintf(buf, n, "%s", s);
    else snprintf(buf, n, "0x%04x", c->suite);
    return buf;
}
