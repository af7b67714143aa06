/*
 * HostSilence.saw_run's walk over a run's spans (host_silence.py), in C, for the _runs extension (_runs.c): per
 * span of one host, the gaps its entries add to the host's rhythm, exactly as HostSilence._saw learns them one
 * span after another (engine/rhythm.py Rhythm.learn and learn_many). A collector's run has about as many spans as
 * entries, and the Python walk cost about 11 µs a run (bench/service_replay.py).
 *
 * tests/test_hosts_fold.py holds it to the Python walk.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "runs_fold.h"

/* The rhythm's numbers while the walk learns (Rhythm's fields), and the bins it added in first-met order. */
typedef struct {
    long long gaps, total, longest, span, span_cap;
    int n_seen;
    int64_t bin_of[GAP_BINS + 8]; /* a bin's key (gap_bin; negative for a clock stepping back) */
    long long added[GAP_BINS + 8];
} Learnt;

/* gap_bin, with a gap below 8 µs (a clock stepping back included) its own key, as in Python. */
static int64_t bin_of(long long gap) {
    return gap < 8 ? (int64_t)gap : (int64_t)gap_bin(gap);
}

static void add_bin(Learnt *l, int64_t bin, long long times) {
    for (int k = 0; k < l->n_seen; k++)
        if (l->bin_of[k] == bin) {
            l->added[k] += times;
            return;
        }
    if (l->n_seen < (int)(sizeof l->bin_of / sizeof l->bin_of[0])) { /* 268 keys: more than gap_bin makes */
        l->bin_of[l->n_seen] = bin;
        l->added[l->n_seen++] = times;
    }
}

/* Rhythm.learn(gap) */
static void learn(Learnt *l, long long gap) {
    l->gaps++;
    l->total += gap;
    if (l->span < l->span_cap)
        l->span += gap;
    if (gap > l->longest)
        l->longest = gap;
    add_bin(l, bin_of(gap), 1);
}

/* Rhythm.learn_many(gap, times) */
static void learn_many(Learnt *l, long long gap, long long times) {
    if (times <= 0)
        return;
    learn(l, gap);
    l->gaps += times - 1;
    l->total += gap * (times - 1);
    if (l->span < l->span_cap)
        l->span += gap * (times - 1);
    add_bin(l, bin_of(gap), times - 1);
}

static long long floor_div(long long a, long long b) {
    long long q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int span_number(PyObject *span, Py_ssize_t at, long long *out) {
    *out = PyLong_AsLongLong(PyTuple_GET_ITEM(span, at));
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* hosts_walk(spans, start, machine, newest, gaps, review_at, longest, span_usec, span_cap): from span `start`
   on, while the spans are `machine`'s, what HostSilence._saw does for a host that is not silent: a span whose
   last entry is not after `newest` is passed by; else its first entry's gap to `newest` (when newest is set and
   before it), its longest gap and its mean gap for the rest are learnt, and newest moves to its last entry.
   Stops after a span that brought the rhythm's gaps to `review_at` (the caller reviews it, then walks on).
   Returns (next span, newest, last span applied or -1, last applied span naming its host or -1, gaps added,
   their sum, the rhythm's longest gap and span_usec after, ((bin, count), ...) added in first-met order). */
PyObject *hosts_walk(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *spans, *machine;
    Py_ssize_t start;
    long long newest, had_gaps, review_at;
    Learnt l = {0};
    if (!PyArg_ParseTuple(args, "O!nULLLLLL", &PyTuple_Type, &spans, &start, &machine, &newest, &had_gaps,
                          &review_at, &l.longest, &l.span, &l.span_cap))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(spans), i = start, applied = -1, named = -1;
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_ValueError, "hosts_walk: start outside the spans");
        return NULL;
    }
    while (i < n) {
        PyObject *span = PyTuple_GET_ITEM(spans, i);
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) != 8) {
            PyErr_SetString(PyExc_ValueError, "hosts_walk: a span is an 8-tuple (model.UnitSpan)");
            return NULL;
        }
        PyObject *its = PyTuple_GET_ITEM(span, 6);
        if (its != machine) { /* the scanner's strings repeat as one object; else compare */
            int same = PyUnicode_Check(its) ? PyUnicode_Compare(its, machine) == 0 : 0;
            if (PyErr_Occurred())
                return NULL;
            if (!same)
                break;
        }
        long long count, first, last, longest;
        if (span_number(span, 1, &count) < 0 || span_number(span, 2, &first) < 0 ||
            span_number(span, 3, &last) < 0 || span_number(span, 4, &longest) < 0)
            return NULL;
        i++;
        if (last <= newest)
            continue;
        applied = i - 1;
        PyObject *name = PyTuple_GET_ITEM(span, 7);
        if (PyUnicode_Check(name) && PyUnicode_GET_LENGTH(name) > 0)
            named = i - 1;
        int learnt = newest && first > newest;
        if (learnt) {
            learn(&l, first - newest);
            if (count > 1) {
                learn(&l, longest);
                learn_many(&l, floor_div(last - first - longest, count - 2 > 1 ? count - 2 : 1), count - 2);
            }
        }
        newest = last;
        if (learnt && had_gaps + l.gaps >= review_at)
            break;
    }
    PyObject *bins = PyTuple_New(l.n_seen);
    if (!bins)
        return NULL;
    for (int k = 0; k < l.n_seen; k++) {
        PyObject *pair = Py_BuildValue("(LL)", (long long)l.bin_of[k], l.added[k]);
        if (!pair) {
            Py_DECREF(bins);
            return NULL;
        }
        PyTuple_SET_ITEM(bins, k, pair);
    }
    return Py_BuildValue("(nLnnLLLLN)", i, newest, applied, named, l.gaps, l.total, l.longest, l.span, bins);
}


/* clocks_saw(spans, latest, local): HostClocks.saw_run (host_clocks.py) in one call: for each span, its machine
   (span[6]) unless "" or `local`, and its newest time (span[3]) into `latest` (dict machine -> µs) when later
   than the one there (0 when none). A run's spans are nearly as many as its entries on a busy host. */
PyObject *clocks_saw(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *spans, *latest, *local;
    if (!PyArg_ParseTuple(args, "O!O!U", &PyTuple_Type, &spans, &PyDict_Type, &latest, &local))
        return NULL;
    PyObject *zero = PyLong_FromLong(0);
    if (!zero)
        return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(spans); i++) {
        PyObject *span = PyTuple_GET_ITEM(spans, i);
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 7 || !PyUnicode_Check(PyTuple_GET_ITEM(span, 6))
            || !PyLong_Check(PyTuple_GET_ITEM(span, 3))) {
            Py_DECREF(zero);
            PyErr_Format(PyExc_ValueError, "clocks_saw: span %zd is not a tuple (unit, count, first, last (int), "
                         "gap, message, machine (str), ...)", i);
            return NULL;
        }
        PyObject *machine = PyTuple_GET_ITEM(span, 6), *at = PyTuple_GET_ITEM(span, 3);
        if (PyUnicode_GET_LENGTH(machine) == 0)
            continue;
        int same = PyUnicode_Compare(machine, local);
        if (same == -1 && PyErr_Occurred()) {
            Py_DECREF(zero);
            return NULL;
        }
        if (same == 0)
            continue;
        PyObject *known = PyDict_GetItemWithError(latest, machine); /* borrowed */
        if (!known && PyErr_Occurred()) {
            Py_DECREF(zero);
            return NULL;
        }
        int later = PyObject_RichCompareBool(at, known ? known : zero, Py_GT);
        if (later < 0 || (later && PyDict_SetItem(latest, machine, at) < 0)) {
            Py_DECREF(zero);
            return NULL;
        }
    }
    Py_DECREF(zero);
    Py_RETURN_NONE;
}
