/* The anomaly step over a ScreenedRun's arrays, in C: engine/runstep.py drives it and says why.
 *
 * Per entry: its effective level, its first line's masked key (engine/templates/_mask.c: `masked_key`, called
 * in C through its capsule when that is the callable given, masking a line of ASCII straight from the run's bytes)
 * and the template slot that key has in its unit, from Python's tables. An entry comes back
 * as a single item, in journal order, when it may matter one by one: error level, a key not seen before,
 * a unit Python wants exact, or a template with more entries within the last `recent_usec` than its budget
 * (the count below which its rate-spike cannot fire, less what its rolling count held then). The others
 * are counted per (unit, slot) as (bucket start, entries) pairs and kept, across runs, until that unit's
 * next single item (handed over just before it, so that entry sees its unit as the per-entry path leaves
 * it), until the unit holds `max_pending` of them, or until flush/flush_due/flush_all. `one` does the same
 * for an entry that came in full. Times are µs of journal time; positions are serial << 32 | index into the
 * arrays of the run (or Python's batch of entries in full) with that serial. With persist(), the counted lines of
 * each class of persistence rules (a level, and whether the line's template says the class's words: a bit per
 * slot Python sets once per template text, never a regex per line) are followed per group as the class's episodes
 * (engine/runstep_episodes.py), and one past its template's deadline in a class (it may fire) comes as a single
 * item.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "templates/mask_api.h"

#define NO_PRIORITY 254
#define JOURNAL_LEVEL 255
#define STREAM_LEVEL 253     /* a container's stderr line naming no level (model.STREAM_LEVEL) */
#define STDERR_UNLEVELLED 5  /* its level (engine/levels.py) */
#define NO_LEVEL 255
#define MODE_EXACT 1 /* every entry of the span one by one */
#define MODE_SKIP 2  /* the span is not learnt at all (scope units) */
#define MAX_CLASSES 8 /* classes of persistence rules persist() takes (a slot's mask is a byte) */

typedef struct {
    int64_t *v;
    size_t n, cap;
} I64s;

typedef struct {
    uint64_t *v;
    size_t n, cap;
} U64s;

typedef struct {
    int32_t slot;
    int64_t n, min_usec, max_usec, last_pos;
    uint64_t min_level_at; /* serial << 32 | index of its first entry at min_level */
    int min_level;
    I64s rle; /* (bucket start, entries) pairs, in entry order */
    /* per class of counted persistence rules, its entries the class follows: how many, the first and last time,
     * the position (seq) of the last, and whether their times only grew, none more than the gap after the one
     * before */
    struct {
        int64_t n, first, last, pos;
        int ok;
    } ep[MAX_CLASSES];
    int ep_any; /* a class followed one of its entries */
} Group;

/* a unit's entries counted but not learnt yet, across runs */
typedef struct {
    U64s at;  /* serial << 32 | index of each */
    I64s rle; /* all of them, as (bucket start, entries) pairs */
    Group *g;
    size_t ng, gcap;
    int64_t last_pos, first_serial;
} Pend;

/* a template's recent entries (counted or single), as (bucket start, entries) pairs: at least every one of
 * them that a rolling count of the window can still hold */
typedef struct {
    I64s pairs;
    size_t head;
    int64_t total, max_b;
} Recent;

typedef struct {
    Pend *p;
    size_t n;
    Recent *r;
    size_t nr;
    int64_t seq, keep; /* keep: the longest rolling window (µs) the pairs handed over must serve */
    int64_t recent;    /* the rate rules' longest window (µs): a template's recent entries against its budget */
    U64s fifo; /* first_serial << 32 | uid, when a unit's pending list began */
    size_t fifo_head;
    /* set by persist(): per class, entries counted at its level or more important, of a slot whose mask has the
     * class's bit... */
    int nclass, persist_level[MAX_CLASSES], any_level;   /* (any_level: the least important of the levels) */
    int64_t persist_gap[MAX_CLASSES], persist_floor[MAX_CLASSES]; /* ...are followed per group as episodes of at
                                                                    * most this gap (µs)... */
    PyObject *deadlines; /* ...and each comes one by one past its slot's deadline in the class: (deadline, last)
                          * int64 µs per slot and class (slot * nclass + class), the latest time none of its lines
                          * can fire and its latest line (a line more than the gap after it begins an episode,
                          * which fires no sooner than the floor after it) */
    PyObject *masks;     /* a byte per slot: bit c when class c follows the template (its words) */
    int64_t *dl;         /* (the deadlines' and masks' buffers during a step) */
    Py_ssize_t ndl;
    const uint8_t *mk;
    Py_ssize_t nmk;
} State;

static const char *CAPSULE = "logsentry.engine._runstep.State";

static int grow(void **v, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 2; /* most per-unit arrays hold 1-2 items: 16 x a 408-byte Group was 6.5 KB a unit */
    while (c < need) c *= 2;
    void *p = PyMem_Realloc(*v, c * size);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *v = p;
    *cap = c;
    return 0;
}

static int rle_add(I64s *r, int64_t bucket) {
    if (r->n >= 2 && r->v[r->n - 2] == bucket) {
        r->v[r->n - 1]++;
        return 0;
    }
    if (grow((void **)&r->v, &r->cap, r->n + 2, sizeof(int64_t)) < 0) return -1;
    r->v[r->n++] = bucket;
    r->v[r->n++] = 1;
    return 0;
}

static PyObject *bytes_of(const void *v, size_t n) {
    return PyBytes_FromStringAndSize(n ? (const char *)v : "", (Py_ssize_t)n);
}

static int cmp_group(const void *a, const void *b) {
    int64_t x = ((const Group *)a)->last_pos, y = ((const Group *)b)->last_pos;
    return (x > y) - (x < y);
}

static void state_free(PyObject *capsule) {
    State *st = PyCapsule_GetPointer(capsule, CAPSULE);
    if (st == NULL) return;
    for (size_t k = 0; k < st->n; k++) {
        Pend *p = &st->p[k];
        for (size_t j = 0; j < p->gcap; j++) PyMem_Free(p->g[j].rle.v);
        PyMem_Free(p->g);
        PyMem_Free(p->at.v);
        PyMem_Free(p->rle.v);
    }
    PyMem_Free(st->p);
    for (size_t k = 0; k < st->nr; k++) PyMem_Free(st->r[k].pairs.v);
    PyMem_Free(st->r);
    PyMem_Free(st->fifo.v);
    Py_XDECREF(st->deadlines);
    Py_XDECREF(st->masks);
    PyMem_Free(st);
}

static State *state_of(PyObject *capsule) { return PyCapsule_GetPointer(capsule, CAPSULE); }

/* the pending list of unit `uid`, made when missing */
static Pend *pend_of(State *st, size_t uid) {
    if (uid >= st->n) {
        size_t cap = st->n;
        if (grow((void **)&st->p, &cap, uid + 1, sizeof(Pend)) < 0) return NULL;
        memset(st->p + st->n, 0, (cap - st->n) * sizeof(Pend));
        for (size_t k = st->n; k < cap; k++) st->p[k].first_serial = -1;
        st->n = cap;
    }
    return &st->p[uid];
}

/* one more entry of slot `slot` in bucket `b`: how many of its entries the last `window` µs hold at most */
static int64_t recent_add(State *st, size_t slot, int64_t b, int64_t window) {
    if (slot >= st->nr) {
        size_t cap = st->nr;
        if (grow((void **)&st->r, &cap, slot + 1, sizeof(Recent)) < 0) return -1;
        memset(st->r + st->nr, 0, (cap - st->nr) * sizeof(Recent));
        for (size_t k = st->nr; k < cap; k++) st->r[k].max_b = INT64_MIN;
        st->nr = cap;
    }
    Recent *r = &st->r[slot];
    if (b > r->max_b) r->max_b = b;
    while (r->head < r->pairs.n && r->pairs.v[r->head] < r->max_b - window) {
        r->total -= r->pairs.v[r->head + 1];
        r->head += 2;
    }
    if (r->head == r->pairs.n) r->head = r->pairs.n = 0;
    else if (r->head > 64) {
        memmove(r->pairs.v, r->pairs.v + r->head, (r->pairs.n - r->head) * sizeof(int64_t));
        r->pairs.n -= r->head;
        r->head = 0;
    }
    if (r->pairs.n > r->head && r->pairs.v[r->pairs.n - 2] == b) {
        r->pairs.v[r->pairs.n - 1]++;
    } else {
        if (grow((void **)&r->pairs.v, &r->pairs.cap, r->pairs.n + 2, sizeof(int64_t)) < 0) return -1;
        r->pairs.v[r->pairs.n++] = b;
        r->pairs.v[r->pairs.n++] = 1;
    }
    return ++r->total;
}

#define MINUTE_USEC 60000000LL

/* (bucket start, entries) pairs merged per minute, for Minutes.add_runs (exact in any order) */
static PyObject *per_minute(const I64s *r) {
    I64s m = {0};
    for (size_t k = 0; k < r->n; k += 2) {
        int64_t minute = r->v[k] - (((r->v[k] % MINUTE_USEC) + MINUTE_USEC) % MINUTE_USEC);
        if (m.n && m.v[m.n - 2] == minute) {
            m.v[m.n - 1] += r->v[k + 1];
            continue;
        }
        if (grow((void **)&m.v, &m.cap, m.n + 2, sizeof(int64_t)) < 0) return NULL;
        m.v[m.n++] = minute;
        m.v[m.n++] = r->v[k + 1];
    }
    PyObject *out = bytes_of(m.v, m.n * sizeof(int64_t));
    PyMem_Free(m.v);
    return out;
}

/* the pairs a rolling count of at most `keep` µs can still hold at the end: when the times only grew, those
 * within `keep` of the last (the earlier ones would all be popped by then); else all of them */
static PyObject *recent_pairs(const I64s *r, int64_t keep) {
    size_t from = 0;
    for (size_t k = 2; k < r->n; k += 2) {
        if (r->v[k] < r->v[k - 2]) return bytes_of(r->v, r->n * sizeof(int64_t));
    }
    if (r->n) {
        int64_t last = r->v[r->n - 2];
        while (from < r->n && r->v[from] < last - keep) from += 2;
    }
    return bytes_of(r->v + from, (r->n - from) * sizeof(int64_t));
}

/* the group's followed entries per class: ((n, first, last, pos, ok), ...), or None when no class followed any */
static PyObject *followed_of(const Group *g, int nclass) {
    if (!g->ep_any) Py_RETURN_NONE;
    PyObject *out = PyTuple_New(nclass);
    if (out == NULL) return NULL;
    for (int c = 0; c < nclass; c++) {
        PyObject *t = Py_BuildValue("(LLLLi)", (long long)g->ep[c].n, (long long)g->ep[c].first,
                                    (long long)g->ep[c].last, (long long)g->ep[c].pos, g->ep[c].ok);
        if (t == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, c, t);
    }
    return out;
}

/* (uid, positions, unit_pairs, [(slot, n, min_usec, max_usec, min_level, min_level_at, minute_pairs, pairs,
 * followed), ...]) with the groups least recently seen first; pairs as recent_pairs gives them, minute_pairs as
 * per_minute, followed as followed_of; then the unit's pending list is emptied */
static PyObject *flush(Pend *p, size_t uid, int64_t keep, int nclass) {
    qsort(p->g, p->ng, sizeof(Group), cmp_group);
    PyObject *groups = PyList_New((Py_ssize_t)p->ng);
    if (groups == NULL) return NULL;
    for (size_t k = 0; k < p->ng; k++) {
        Group *g = &p->g[k];
        PyObject *t = Py_BuildValue("(iLLLiKNNN)", g->slot, (long long)g->n, (long long)g->min_usec,
                                    (long long)g->max_usec, g->min_level, (unsigned long long)g->min_level_at,
                                    per_minute(&g->rle), recent_pairs(&g->rle, keep), followed_of(g, nclass));
        if (t == NULL) {
            Py_DECREF(groups);
            return NULL;
        }
        PyList_SET_ITEM(groups, (Py_ssize_t)k, t);
        g->rle.n = 0;
    }
    PyObject *item = Py_BuildValue("(nNNN)", (Py_ssize_t)uid, bytes_of(p->at.v, p->at.n * sizeof(uint64_t)),
                                   recent_pairs(&p->rle, keep), groups);
    p->at.n = p->rle.n = p->ng = 0;
    p->first_serial = -1;
    return item;
}

static int append(PyObject *list, PyObject *item) {
    if (item == NULL) return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* _mask.c's keys, once imported */
static const MaskAPI *mask_api;

/* the API when `masked_key` is _mask.masked_key and max_tokens one it takes, else NULL (the callable is called);
 * -1 in *fail when the import failed */
static const MaskAPI *direct_api(PyObject *masked_key, PyObject *max_tokens, Py_ssize_t *tokens, int *fail) {
    *fail = 0;
    if (mask_api == NULL) {
        mask_api = PyCapsule_Import(MASK_API_CAPSULE, 0);
        if (mask_api == NULL) {
            *fail = -1;
            return NULL;
        }
    }
    if (masked_key != mask_api->masked_key || !PyLong_CheckExact(max_tokens)) return NULL;
    *tokens = PyLong_AsSsize_t(max_tokens);
    if (*tokens < 0) {
        PyErr_Clear();
        return NULL;
    }
    return mask_api;
}

/* the slot of a masked key in its unit's table: >= 0, -1 when the key is unknown, -2 on error; steals the reference
 * to `key` */
static long slot_of_key(PyObject *key, PyObject *table) {
    if (key == NULL) return -2;
    PyObject *found = PyDict_GetItemWithError(table, key);
    Py_DECREF(key);
    if (found == NULL) return PyErr_Occurred() ? -2 : -1;
    long slot = PyLong_AsLong(found);
    if (slot == -1 && PyErr_Occurred()) return -2;
    return slot < 0 ? -1 : slot;
}

/* masked_key(line, max_tokens) through the callable, the line (a str) cut here to `max_chars`; steals the
 * reference to `line` */
static PyObject *key_by_call(PyObject *line, Py_ssize_t max_chars, PyObject *max_tokens, PyObject *masked_key) {
    if (line == NULL) return NULL;
    if (PyUnicode_GET_LENGTH(line) > max_chars) {
        PyObject *cut = PyUnicode_Substring(line, 0, max_chars);
        Py_DECREF(line);
        if (cut == NULL) return NULL;
        line = cut;
    }
    PyObject *args[2] = {line, max_tokens};
    PyObject *key = PyObject_Vectorcall(masked_key, args, 2, NULL);
    Py_DECREF(line);
    return key;
}

/* the slot of a message's first line (UTF-8 bytes) in its unit's table, as slot_of_key */
static long slot_of(const char *msg, Py_ssize_t len, PyObject *table, Py_ssize_t max_chars, PyObject *max_tokens,
                    PyObject *masked_key, const MaskAPI *api, Py_ssize_t tokens) {
    if (api != NULL) return slot_of_key(api->key_of_utf8(msg, len, max_chars, tokens), table);
    const char *nl = memchr(msg, '\n', (size_t)len);
    return slot_of_key(key_by_call(PyUnicode_DecodeUTF8(msg, nl ? nl - msg : len, "replace"), max_chars, max_tokens,
                                   masked_key),
                       table);
}

/* one more counted entry of unit `uid`'s pending list */
static int pend_add(State *st, Pend *p, size_t uid, int32_t slot, int64_t usec, int64_t b, int level, uint64_t at,
                    long long serial, unsigned follows) {
    Group *g = NULL;
    for (size_t k = 0; k < p->ng; k++) {
        if (p->g[k].slot == slot) {
            g = &p->g[k];
            break;
        }
    }
    if (g == NULL) {
        if (p->ng == p->gcap) {
            size_t old = p->gcap;
            if (grow((void **)&p->g, &p->gcap, p->ng + 1, sizeof(Group)) < 0) return -1;
            memset(p->g + old, 0, (p->gcap - old) * sizeof(Group));
        }
        g = &p->g[p->ng++];
        g->slot = slot;
        g->n = 0;
        g->min_usec = g->max_usec = usec;
        g->min_level = NO_LEVEL;
        g->min_level_at = at;
        g->rle.n = 0;
        for (int c = 0; c < st->nclass; c++) {
            g->ep[c].n = g->ep[c].first = g->ep[c].last = g->ep[c].pos = 0;
            g->ep[c].ok = 1;
        }
        g->ep_any = 0;
    }
    g->n++;
    g->last_pos = p->last_pos = st->seq++;
    for (int c = 0; follows; c++, follows >>= 1) {
        if (!(follows & 1)) continue;
        if (g->ep[c].n == 0) g->ep[c].first = usec;
        else if (usec < g->ep[c].last || usec - g->ep[c].last > st->persist_gap[c]) g->ep[c].ok = 0;
        g->ep[c].n++;
        g->ep[c].last = usec;
        g->ep[c].pos = g->last_pos;
        g->ep_any = 1;
    }
    if (usec < g->min_usec) g->min_usec = usec;
    if (usec > g->max_usec) g->max_usec = usec;
    if (level < g->min_level) {
        g->min_level = level;
        g->min_level_at = at;
    }
    if (rle_add(&g->rle, b) < 0 || rle_add(&p->rle, b) < 0) return -1;
    if (grow((void **)&p->at.v, &p->at.cap, p->at.n + 1, sizeof(uint64_t)) < 0) return -1;
    p->at.v[p->at.n++] = at;
    if (p->first_serial < 0) {
        p->first_serial = serial;
        if (grow((void **)&st->fifo.v, &st->fifo.cap, st->fifo.n + 1, sizeof(uint64_t)) < 0) return -1;
        st->fifo.v[st->fifo.n++] = ((uint64_t)serial << 32) | (uint64_t)uid;
    }
    return 0;
}

/* one entry (its slot, -1 when unknown) of unit `uid`: counted into its pending list, or, when it may matter on
 * its own, handed over as a single item (index, peak_usec, slot), its unit's pending list just before it */
static int take(State *st, Pend *p, size_t uid, long slot, int level, long error_level, int64_t usec, int64_t bucket,
                int32_t *budgets, uint64_t at, long long serial, Py_ssize_t index, int64_t peak,
                Py_ssize_t max_pending, PyObject *items) {
    int64_t b = usec - (((usec % bucket) + bucket) % bucket);
    int single = slot < 0 || (level != NO_LEVEL && level <= error_level), begins = 0;
    unsigned follows = 0; /* the classes that follow this entry */
    if (slot >= 0) { /* a single entry counts into its template's rate too */
        int64_t recent = recent_add(st, (size_t)slot, b, st->recent);
        if (recent < 0) return -1;
        if (recent > budgets[slot]) single = 1;
        if (st->nclass && level <= st->any_level) {
            /* (a slot past the masks or deadlines Python gave: every class's, and one by one) */
            unsigned mask = slot < st->nmk ? st->mk[slot] : 0xffu;
            for (int c = 0; c < st->nclass; c++) {
                if (!((mask >> c) & 1u) || level > st->persist_level[c]) continue;
                follows |= 1u << c;
                if (slot >= st->ndl) {
                    single = 1;
                    continue;
                }
                int64_t *d = st->dl + 2 * ((Py_ssize_t)slot * st->nclass + c);
                if (usec > d[1] && (uint64_t)usec - (uint64_t)d[1] > (uint64_t)st->persist_gap[c]) {
                    d[0] = usec > INT64_MAX - st->persist_floor[c] ? INT64_MAX : usec + st->persist_floor[c];
                    begins = 1;
                }
                if (usec > d[1]) d[1] = usec;
                if (usec > d[0]) single = 1;
            }
        }
    }
    if (single) {
        if (p->at.n && append(items, flush(p, uid, st->keep, st->nclass)) < 0) return -1;
        return append(items, Py_BuildValue("(nLl)", index, (long long)peak, slot));
    }
    /* a line that begins an episode: the unit's counted lines before it are learnt first, so that a group's
     * lines at the followed level never span more than the gap (Episodes.span takes them in one step) */
    if (begins && p->at.n && append(items, flush(p, uid, st->keep, st->nclass)) < 0) return -1;
    if (pend_add(st, p, uid, (int32_t)slot, usec, b, level, at, serial, follows) < 0) return -1;
    if ((Py_ssize_t)p->at.n >= max_pending && append(items, flush(p, uid, st->keep, st->nclass)) < 0) return -1;
    return 0;
}

/* the deadlines' and masks' buffers for one step (none when persist() gave no class); view[0] the deadlines',
 * view[1] the masks' */
static int deadlines_get(State *st, Py_buffer *view) {
    st->dl = NULL;
    st->ndl = st->nmk = 0;
    st->mk = NULL;
    if (st->nclass == 0) return 0;
    if (PyObject_GetBuffer(st->deadlines, &view[0], PyBUF_WRITABLE) < 0) return -1;
    if (PyObject_GetBuffer(st->masks, &view[1], PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&view[0]);
        return -1;
    }
    st->dl = (int64_t *)view[0].buf;
    st->ndl = view[0].len / (Py_ssize_t)(2 * sizeof(int64_t) * (size_t)st->nclass);
    st->mk = (const uint8_t *)view[1].buf;
    st->nmk = view[1].len;
    return 0;
}

static void deadlines_release(State *st, Py_buffer *view) {
    if (st->nclass) {
        PyBuffer_Release(&view[0]);
        PyBuffer_Release(&view[1]);
    }
    st->dl = NULL;
    st->ndl = st->nmk = 0;
    st->mk = NULL;
}

static PyObject *py_new(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    State *st = PyMem_Calloc(1, sizeof(State));
    if (st == NULL) return PyErr_NoMemory();
    PyObject *capsule = PyCapsule_New(st, CAPSULE, state_free);
    if (capsule == NULL) PyMem_Free(st);
    return capsule;
}

static PyObject *py_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 17 || !PyTuple_Check(args[2]) || PyTuple_GET_SIZE(args[2]) != 6 || !PyList_Check(args[5]) ||
        !PyBytes_Check(args[6]) || !PyBytes_Check(args[7]) || !PyCallable_Check(args[15])) {
        PyErr_SetString(PyExc_TypeError, "step(state, serial, arrays, first_index, count, tables, uids, modes, "
                                         "budgets, error_level, bucket_usec, window_usec, max_chars, max_tokens, "
                                         "max_pending, masked_key, recent_usec)");
        return NULL;
    }
    State *st = state_of(args[0]);
    if (st == NULL) return NULL;
    PyObject *arrays = args[2], *tables = args[5], *uids_b = args[6], *modes = args[7], *max_tokens = args[13],
             *masked_key = args[15];
    long long serial = PyLong_AsLongLong(args[1]);
    Py_ssize_t first = PyLong_AsSsize_t(args[3]), count = PyLong_AsSsize_t(args[4]);
    long error_level = PyLong_AsLong(args[9]);
    long long bucket = PyLong_AsLongLong(args[10]), window = PyLong_AsLongLong(args[11]);
    long long recent = PyLong_AsLongLong(args[16]);
    Py_ssize_t max_chars = PyLong_AsSsize_t(args[12]), max_pending = PyLong_AsSsize_t(args[14]);
    if (PyErr_Occurred()) return NULL;
    for (int k = 0; k < 6; k++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(arrays, k))) {
            PyErr_SetString(PyExc_TypeError, "the run's arrays must be bytes");
            return NULL;
        }
    }
    const int64_t *times = (const int64_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 0));
    const uint8_t *prios = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 1));
    const uint8_t *levels = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 2));
    const uint16_t *span_ids = (const uint16_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 3));
    const uint64_t *ends = (const uint64_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 4));
    const char *messages = PyBytes_AS_STRING(PyTuple_GET_ITEM(arrays, 5));
    Py_ssize_t entries = PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 0)) / 8;
    Py_ssize_t text_size = PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 5));
    Py_ssize_t nspans = PyList_GET_SIZE(tables);
    if (serial < 0 || serial > UINT32_MAX || first < 0 || count < 0 || first + count > entries ||
        first + count > UINT32_MAX || bucket <= 0 || window < 0 || recent < 0 || recent > window || max_chars < 0 ||
        max_pending < 1 ||
        PyBytes_GET_SIZE(modes) < nspans || PyBytes_GET_SIZE(uids_b) < 4 * nspans ||
        PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 1)) < entries ||
        PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 2)) < entries ||
        PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 3)) < 2 * entries ||
        PyBytes_GET_SIZE(PyTuple_GET_ITEM(arrays, 4)) < 8 * entries) {
        PyErr_SetString(PyExc_ValueError, "step(): the run does not fit its arrays, tables, uids or modes");
        return NULL;
    }
    const int32_t *uids = (const int32_t *)PyBytes_AS_STRING(uids_b);
    st->keep = window;
    st->recent = recent;
    Py_buffer budget_view, dl_view[2];
    if (deadlines_get(st, dl_view) < 0) return NULL;
    if (PyObject_GetBuffer(args[8], &budget_view, PyBUF_WRITABLE) < 0) {
        deadlines_release(st, dl_view);
        return NULL;
    }
    int32_t *budgets = (int32_t *)budget_view.buf;
    Py_ssize_t nslots = budget_view.len / (Py_ssize_t)sizeof(int32_t);
    const uint8_t *mode = (const uint8_t *)PyBytes_AS_STRING(modes);
    Py_ssize_t tokens = 0;
    int api_failed;
    const MaskAPI *api = direct_api(masked_key, max_tokens, &tokens, &api_failed);
    if (api_failed) {
        PyBuffer_Release(&budget_view);
        deadlines_release(st, dl_view);
        return NULL;
    }
    char *broken = PyMem_Calloc((size_t)(nspans ? nspans : 1), 1); /* a key not seen before: exact from here */
    PyObject *items = PyList_New(0);
    if (broken == NULL || items == NULL) {
        if (broken == NULL) PyErr_NoMemory();
        goto fail;
    }
    int64_t peak = INT64_MIN;
    for (Py_ssize_t i = first; i < first + count; i++) {
        int64_t usec = times[i];
        if (usec > peak) peak = usec;
        Py_ssize_t span = span_ids[i];
        if (span >= nspans) {
            PyErr_Format(PyExc_ValueError, "step(): entry %zd names span %zd of %zd", i, span, nspans);
            goto fail;
        }
        if (mode[span] == MODE_SKIP) continue;
        if (uids[span] < 0) {
            PyErr_Format(PyExc_ValueError, "step(): span %zd has no unit id", span);
            goto fail;
        }
        Pend *p = pend_of(st, (size_t)uids[span]);
        if (p == NULL) goto fail;
        int level = levels[i] == JOURNAL_LEVEL ? (prios[i] == NO_PRIORITY ? NO_LEVEL : prios[i])
                    : levels[i] == STREAM_LEVEL ? STDERR_UNLEVELLED : levels[i];
        uint64_t start = i ? ends[i - 1] : 0, end = ends[i];
        if (start > end || end > (uint64_t)text_size) {
            PyErr_Format(PyExc_ValueError, "step(): entry %zd's message lies outside the run's text", i);
            goto fail;
        }
        long slot = -1;
        if (mode[span] != MODE_EXACT && !broken[span]) {
            PyObject *table = PyList_GET_ITEM(tables, span);
            if (!PyDict_Check(table)) {
                PyErr_SetString(PyExc_TypeError, "step(): the tables must be dicts");
                goto fail;
            }
            slot = slot_of(messages + start, (Py_ssize_t)(end - start), table, max_chars, max_tokens, masked_key, api,
                           tokens);
            if (slot == -2) goto fail;
            if (slot >= nslots) slot = -1;
            if (slot < 0) broken[span] = 1;
        }
        if (take(st, p, (size_t)uids[span], slot, level, error_level, usec, bucket, budgets,
                 ((uint64_t)serial << 32) | (uint64_t)i, serial, i, peak, max_pending, items) < 0)
            goto fail;
    }
    goto done;
fail:
    Py_CLEAR(items);
done:
    PyMem_Free(broken);
    PyBuffer_Release(&budget_view);
    deadlines_release(st, dl_view);
    return items;
}

/* one(state, serial, index, usec, level, message, table, uid, budgets, error_level, bucket_usec, window_usec,
 * max_chars, max_tokens, max_pending, masked_key, recent_usec): an entry that came in full, as step takes one of a run's
 * (position serial << 32 | index); [] when it was counted */
static PyObject *py_one(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 17 || !PyUnicode_Check(args[5]) || !PyDict_Check(args[6]) || !PyCallable_Check(args[15])) {
        PyErr_SetString(PyExc_TypeError, "one(state, serial, index, usec, level, message, table, uid, budgets, "
                                         "error_level, bucket_usec, window_usec, max_chars, max_tokens, "
                                         "max_pending, masked_key, recent_usec)");
        return NULL;
    }
    State *st = state_of(args[0]);
    if (st == NULL) return NULL;
    long long serial = PyLong_AsLongLong(args[1]), usec = PyLong_AsLongLong(args[3]);
    Py_ssize_t index = PyLong_AsSsize_t(args[2]), uid = PyLong_AsSsize_t(args[7]);
    long level = PyLong_AsLong(args[4]), error_level = PyLong_AsLong(args[9]);
    long long bucket = PyLong_AsLongLong(args[10]), window = PyLong_AsLongLong(args[11]);
    long long recent = PyLong_AsLongLong(args[16]);
    Py_ssize_t max_chars = PyLong_AsSsize_t(args[12]), max_pending = PyLong_AsSsize_t(args[14]);
    if (PyErr_Occurred()) return NULL;
    if (serial < 0 || serial > UINT32_MAX || index < 0 || index > UINT32_MAX || uid < 0 || uid > INT32_MAX ||
        level < 0 || level > NO_LEVEL || bucket <= 0 || window < 0 || recent < 0 || recent > window || max_chars < 0 ||
        max_pending < 1) {
        PyErr_SetString(PyExc_ValueError, "one(): serial, index, uid, level or a bound out of range");
        return NULL;
    }
    st->keep = window;
    st->recent = recent;
    PyObject *message = args[5];
    Py_ssize_t tokens = 0;
    int api_failed;
    const MaskAPI *api = direct_api(args[15], args[13], &tokens, &api_failed);
    if (api_failed) return NULL;
    long slot;
    if (api != NULL) {
        slot = slot_of_key(api->key_of_message(message, max_chars, tokens), args[6]);
    } else {
        Py_ssize_t nl = PyUnicode_FindChar(message, '\n', 0, PyUnicode_GET_LENGTH(message), 1);
        if (nl == -2) return NULL;
        slot = slot_of_key(key_by_call(PyUnicode_Substring(message, 0, nl < 0 ? PyUnicode_GET_LENGTH(message) : nl),
                                       max_chars, args[13], args[15]),
                           args[6]);
    }
    if (slot == -2) return NULL;
    Py_buffer budget_view, dl_view[2];
    if (deadlines_get(st, dl_view) < 0) return NULL;
    if (PyObject_GetBuffer(args[8], &budget_view, PyBUF_WRITABLE) < 0) {
        deadlines_release(st, dl_view);
        return NULL;
    }
    if (slot >= budget_view.len / (Py_ssize_t)sizeof(int32_t)) slot = -1;
    Pend *p = pend_of(st, (size_t)uid);
    PyObject *items = p == NULL ? NULL : PyList_New(0);
    if (items != NULL && take(st, p, (size_t)uid, slot, (int)level, error_level, usec, bucket,
                              (int32_t *)budget_view.buf, ((uint64_t)serial << 32) | (uint64_t)index, serial, index,
                              usec, max_pending, items) < 0)
        Py_CLEAR(items);
    PyBuffer_Release(&budget_view);
    deadlines_release(st, dl_view);
    return items;
}

/* persist(state, classes, deadlines, masks): classes ((level, gap_usec, floor_usec), ...), at most MAX_CLASSES
 * (none: nothing followed); counted entries at a class's level or more important, of a slot with the class's bit in
 * `masks` (a byte per slot, a buffer Python keeps current; no slot there: every bit), are followed as its
 * episodes per group; one past its slot's deadline for the class in `deadlines` ((deadline, last) int64 µs per
 * slot and class, slot * len(classes) + class, a writable buffer Python keeps current; no slot there: none) comes
 * one by one */
static PyObject *py_persist(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "persist(state, classes, deadlines, masks)");
        return NULL;
    }
    State *st = state_of(args[0]);
    if (st == NULL) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(args[1]);
    if (n > MAX_CLASSES) {
        PyErr_SetString(PyExc_ValueError, "persist(): more than 8 classes");
        return NULL;
    }
    int levels[MAX_CLASSES], any = -1;
    long long gaps[MAX_CLASSES], floors[MAX_CLASSES];
    for (Py_ssize_t c = 0; c < n; c++) {
        long level;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(args[1], c), "lLL", &level, &gaps[c], &floors[c])) return NULL;
        if (level < 0 || level > NO_LEVEL || gaps[c] < 0 || floors[c] < 0 || floors[c] > INT64_MAX / 4) {
            PyErr_SetString(PyExc_ValueError, "persist(): a class's level, gap or floor out of range");
            return NULL;
        }
        levels[c] = (int)level;
        if (levels[c] > any) any = levels[c];
    }
    if (n && (PyObject_CheckBuffer(args[2]) == 0 || PyObject_CheckBuffer(args[3]) == 0)) {
        PyErr_SetString(PyExc_TypeError, "persist(): deadlines and masks must be buffers");
        return NULL;
    }
    st->nclass = (int)n;
    st->any_level = any;
    for (Py_ssize_t c = 0; c < n; c++) {
        st->persist_level[c] = levels[c];
        st->persist_gap[c] = gaps[c];
        st->persist_floor[c] = floors[c];
    }
    Py_INCREF(args[2]);
    Py_XSETREF(st->deadlines, args[2]);
    Py_INCREF(args[3]);
    Py_XSETREF(st->masks, args[3]);
    Py_RETURN_NONE;
}

/* flush_due(state, before_serial): the pending lists begun before that run (oldest first) */
static PyObject *py_flush_due(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "flush_due(state, before_serial)");
        return NULL;
    }
    State *st = state_of(args[0]);
    long long before = PyLong_AsLongLong(args[1]);
    if (st == NULL || (before == -1 && PyErr_Occurred())) return NULL;
    PyObject *items = PyList_New(0);
    if (items == NULL) return NULL;
    while (st->fifo_head < st->fifo.n) {
        uint64_t head = st->fifo.v[st->fifo_head];
        long long serial = (long long)(head >> 32);
        size_t uid = (size_t)(head & 0xffffffffu);
        if (serial >= before) break;
        st->fifo_head++;
        Pend *p = uid < st->n ? &st->p[uid] : NULL;
        if (p != NULL && p->at.n && p->first_serial == serial && append(items, flush(p, uid, st->keep, st->nclass)) < 0) {
            Py_DECREF(items);
            return NULL;
        }
    }
    if (st->fifo_head == st->fifo.n) st->fifo_head = st->fifo.n = 0;
    else if (st->fifo_head > 4096 && st->fifo_head * 2 > st->fifo.n) {
        memmove(st->fifo.v, st->fifo.v + st->fifo_head, (st->fifo.n - st->fifo_head) * sizeof(uint64_t));
        st->fifo.n -= st->fifo_head;
        st->fifo_head = 0;
    }
    return items;
}

/* flush(state, uid): that unit's pending list, or None */
static PyObject *py_flush(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "flush(state, uid)");
        return NULL;
    }
    State *st = state_of(args[0]);
    Py_ssize_t uid = PyLong_AsSsize_t(args[1]);
    if (st == NULL || (uid == -1 && PyErr_Occurred())) return NULL;
    if (uid < 0 || (size_t)uid >= st->n || st->p[uid].at.n == 0) Py_RETURN_NONE;
    return flush(&st->p[uid], (size_t)uid, st->keep, st->nclass);
}

/* flush_all(state): every pending list, least recently counted unit first */
static PyObject *py_flush_all(PyObject *self, PyObject *capsule) {
    (void)self;
    State *st = state_of(capsule);
    if (st == NULL) return NULL;
    PyObject *items = PyList_New(0);
    if (items == NULL) return NULL;
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < st->n; k++) {
            if (st->p[k].at.n && (best == SIZE_MAX || st->p[k].last_pos < st->p[best].last_pos)) best = k;
        }
        if (best == SIZE_MAX) break;
        if (append(items, flush(&st->p[best], best, st->keep, st->nclass)) < 0) {
            Py_DECREF(items);
            return NULL;
        }
    }
    st->fifo_head = st->fifo.n = 0;
    return items;
}

/* A Python int as int64, or 0 with *fell set when it is not one that fits (the caller then decides in Python). */
static int64_t decide_int(PyObject *value, int *fell) {
    int overflow = 0;
    long long got = PyLong_Check(value) ? PyLong_AsLongLongAndOverflow(value, &overflow) : 0;
    if (!PyLong_Check(value) || overflow || (got == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        *fell = 1;
        return 0;
    }
    return got;
}

/* decide(units, uids_of, cold, histories, warm_after, stepped, hot, learnt, learn_only, peak_usec, first_usec,
   supported, tables_of, empty) -> (uids int32 bytes, modes bytes, tables) per span, or None: RunStep.singles's
   decision per span (engine/runstep.py, `_decide`) when it needs none of Python's side effects: every key's uid
   known, no cold key whose warm-up ends, no learnt unit skipped, every normal key's table made. None changes
   nothing (the Python loop then decides). */
static PyObject *py_decide(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 14 || !PyTuple_Check(args[0]) || !PyDict_Check(args[1]) || !PyDict_Check(args[2]) ||
        !PyDict_Check(args[3]) || !PyDict_Check(args[6]) || !PyDict_Check(args[7]) || !PyDict_Check(args[12])) {
        PyErr_SetString(PyExc_TypeError, "decide: (units tuple, dict, dict, dict, int, int, dict, dict, bool, int, "
                                         "int, bool, dict, dict)");
        return NULL;
    }
    static PyObject *first_usec_name;
    if (!first_usec_name && !(first_usec_name = PyUnicode_InternFromString("first_usec")))
        return NULL;
    PyObject *units = args[0], *uids_of = args[1], *cold = args[2], *histories = args[3], *hot = args[6];
    PyObject *learnt = args[7], *tables_of = args[12], *empty = args[13];
    int fell = 0;
    int64_t warm_after = decide_int(args[4], &fell), stepped = decide_int(args[5], &fell);
    int64_t peak = decide_int(args[9], &fell), first = decide_int(args[10], &fell);
    int learn_only = PyObject_IsTrue(args[8]), supported = PyObject_IsTrue(args[11]);
    if (learn_only < 0 || supported < 0)
        return NULL;
    if (fell)
        Py_RETURN_NONE;
    Py_ssize_t n = PyTuple_GET_SIZE(units);
    PyObject *uids = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    PyObject *modes = PyBytes_FromStringAndSize(NULL, n);
    PyObject *tables = PyList_New(n);
    if (!uids || !modes || !tables)
        goto failed;
    char *uid_at = PyBytes_AS_STRING(uids), *mode_at = PyBytes_AS_STRING(modes);
    int has_learnt = PyDict_GET_SIZE(learnt) > 0;
    for (Py_ssize_t span = 0; span < n; span++) {
        PyObject *key = PyTuple_GET_ITEM(units, span), *found;
        int is_cold = PyDict_Contains(cold, key);
        if (is_cold < 0)
            goto failed;
        if (is_cold) {  /* its warm-up ending by `stepped`: Python renews its budgets (Slots.warmed) */
            PyObject *history = PyDict_GetItemWithError(histories, key);
            if (!history) {
                if (PyErr_Occurred())
                    goto failed;
                goto python;
            }
            PyObject *since = PyObject_GetAttr(history, first_usec_name);
            if (!since)
                goto failed;
            int64_t first_usec = decide_int(since, &fell);
            Py_DECREF(since);
            if (fell || first_usec > INT64_MAX - (warm_after > 0 ? warm_after : 0) ||
                first_usec < INT64_MIN - (warm_after < 0 ? warm_after : 0) || first_usec + warm_after <= stepped)
                goto python;
        }
        if (!(found = PyDict_GetItemWithError(uids_of, key))) {
            if (PyErr_Occurred())
                goto failed;
            goto python;  /* a unit not seen yet: Python gives it its uid */
        }
        int64_t uid = decide_int(found, &fell);
        if (fell || uid < INT32_MIN || uid > INT32_MAX)
            goto python;
        int mode;
        PyObject *table = empty;
        if (uid < 0) {
            mode = MODE_SKIP;
        } else {
            if (learn_only) {
                PyObject *until = PyDict_GetItemWithError(learnt, key);
                if (!until && PyErr_Occurred())
                    goto failed;
                if ((until ? decide_int(until, &fell) : -1) >= peak || fell)
                    goto python;  /* skipped: Python counts its entries as skipped */
            }
            int64_t unlearnt = -1;  /* AnomalyDetector.unlearnt_until */
            if (supported) {
                PyObject *held = PyDict_GetItemWithError(hot, key);
                if (!held && PyErr_Occurred())
                    goto failed;
                if (held) {
                    if (!PyTuple_Check(held) || PyTuple_GET_SIZE(held) < 2)
                        goto python;
                    unlearnt = decide_int(PyTuple_GET_ITEM(held, 1), &fell);
                }
                if (has_learnt) {
                    PyObject *until = PyDict_GetItemWithError(learnt, key);
                    if (!until && PyErr_Occurred())
                        goto failed;
                    int64_t learnt_until = until ? decide_int(until, &fell) : -1;
                    if (learnt_until > unlearnt)
                        unlearnt = learnt_until;
                }
                if (fell)
                    goto python;
            }
            if (!supported || unlearnt >= first) {
                mode = MODE_EXACT;
            } else {
                mode = 0;  /* normal: counted in C */
                if (!(table = PyDict_GetItemWithError(tables_of, key))) {
                    if (PyErr_Occurred())
                        goto failed;
                    goto python;  /* its table not made yet */
                }
            }
        }
        int32_t value = (int32_t)uid;
        memcpy(uid_at + span * (Py_ssize_t)sizeof value, &value, sizeof value);
        mode_at[span] = (char)mode;
        Py_INCREF(table);
        PyList_SET_ITEM(tables, span, table);
    }
    return Py_BuildValue("(NNN)", uids, modes, tables);
python:
    Py_DECREF(uids);
    Py_DECREF(modes);
    Py_DECREF(tables);
    Py_RETURN_NONE;
failed:
    Py_XDECREF(uids);
    Py_XDECREF(modes);
    Py_XDECREF(tables);
    return NULL;
}

static PyMethodDef methods[] = {
    {"new", py_new, METH_NOARGS, "new() -> state: the pending counts of one RunStep"},
    {"step", (PyCFunction)(void (*)(void))py_step, METH_FASTCALL,
     "step(state, serial, arrays, first_index, count, tables, uids, modes, budgets, error_level, bucket_usec, "
     "window_usec, max_chars, max_tokens, max_pending, masked_key, recent_usec) -> items: (index, peak_usec, slot) for an entry to take "
     "one by one, (uid, positions, unit_rle, groups) for a unit's counted entries to learn"},
    {"one", (PyCFunction)(void (*)(void))py_one, METH_FASTCALL,
     "one(state, serial, index, usec, level, message, table, uid, budgets, error_level, bucket_usec, window_usec, "
     "max_chars, max_tokens, max_pending, masked_key, recent_usec) -> items: an entry in full, as step takes a run's"},
    {"flush", (PyCFunction)(void (*)(void))py_flush, METH_FASTCALL, "flush(state, uid) -> item or None"},
    {"persist", (PyCFunction)(void (*)(void))py_persist, METH_FASTCALL,
     "persist(state, classes, deadlines, masks): follow counted entries of each class ((level, gap_usec, floor_usec), "
     "its bit in a slot's mask) as episodes per group, one past its slot's deadline in the class one by one"},
    {"flush_due", (PyCFunction)(void (*)(void))py_flush_due, METH_FASTCALL,
     "flush_due(state, before_serial) -> items begun before that run"},
    {"flush_all", py_flush_all, METH_O, "flush_all(state) -> items, least recently counted unit first"},
    {"decide", (PyCFunction)(void (*)(void))py_decide, METH_FASTCALL,
     "decide(units, uids_of, cold, histories, warm_after, stepped, hot, learnt, learn_only, peak_usec, first_usec, "
     "supported, tables_of, empty) -> (uids, modes, tables) per span, or None when Python must decide"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_runstep", NULL, -1, methods};

PyMODINIT_FUNC PyInit__runstep(void) { return PyModule_Create(&module); }
