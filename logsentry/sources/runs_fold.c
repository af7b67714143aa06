/*
 * SilenceTracker.fold's whole look at a run and what it learns (engine/absence.py), in C, for the _runs
 * extension (_runs.c): the Python fold walked each span three times (its unit's state, fold_gaps' tuple and
 * dict, Rhythm.learn_gaps), and a run's spans are nearly as many as its entries on a busy host.
 *
 * The units' states are engine/absence_seen.py Seen objects and their engine/rhythm.py Rhythm, read and set by
 * attribute; tests/test_fold_gaps.py holds the result to Rhythm.learn per gap.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "runs_fold.h"


static PyObject *S_last_usec, *S_quiet, *S_rhythm, *S_gaps, *S_review_at, *S_threshold, *S_total_usec, *S_span_usec,
    *S_longest_usec, *S_bins, *S_last, *S_count;

int runs_fold_init(void) {
#define NAME(var, text) if (!(var = PyUnicode_InternFromString(text))) return -1;
    NAME(S_last_usec, "last_usec") NAME(S_quiet, "quiet") NAME(S_rhythm, "rhythm") NAME(S_gaps, "gaps")
    NAME(S_review_at, "review_at") NAME(S_threshold, "threshold") NAME(S_total_usec, "total_usec")
    NAME(S_span_usec, "span_usec") NAME(S_longest_usec, "longest_usec") NAME(S_bins, "bins") NAME(S_last, "last")
    NAME(S_count, "count")
#undef NAME
    return 0;
}

/* An int attribute of obj; -1 with an exception set on failure (*failed then 1). */
static long long int_attr(PyObject *obj, PyObject *name, int *failed) {
    PyObject *value = PyObject_GetAttr(obj, name);
    if (!value) {
        *failed = 1;
        return -1;
    }
    long long out = PyLong_AsLongLong(value);
    Py_DECREF(value);
    if (out == -1 && PyErr_Occurred())
        *failed = 1;
    return out;
}

static int set_int_attr(PyObject *obj, PyObject *name, long long value) {
    PyObject *number = PyLong_FromLongLong(value);
    int failed = !number || PyObject_SetAttr(obj, name, number) < 0;
    Py_XDECREF(number);
    return failed ? -1 : 0;
}

/* The walk both fold_gaps and fold_learn make over [first, end): per span `last` moves to its latest time and
   `count` counts its gaps, `gap_of` holds each entry's gap (-1: a clock stepping back, no gap; `last` moves back
   to it). 1 when a unit's deadline (last + reach) falls inside the run or, with `refuse_back`, a time steps
   back; -1 (a ValueError naming `who`) for a span id past n; else 0. */
int fold_walk(const int64_t *time_at, const uint16_t *span_at, Py_ssize_t first, Py_ssize_t end, Py_ssize_t n,
              int64_t *last, const int64_t *reach, Py_ssize_t *count, int64_t *gap_of, int refuse_back,
              const char *who) {
    __int128 high = -((__int128)1 << 62);
    for (Py_ssize_t index = first; index < end; index++) {
        int64_t at;
        uint16_t which;
        memcpy(&at, time_at + index, sizeof at);
        memcpy(&which, span_at + index, sizeof which);
        if (which >= n) {
            PyErr_Format(PyExc_ValueError, "%s: a span id past the run's spans", who);
            return -1;
        }
        if (at > high)
            high = at;
        if (high >= (__int128)last[which] + reach[which])
            return 1;
        gap_of[index - first] = -1;
        if (at >= last[which]) {
            gap_of[index - first] = at - last[which];
            last[which] = at;
            count[which]++;
        } else if (refuse_back) {
            return 1; /* a clock stepped back: SilenceTracker.observe takes each entry (its latest moves back too) */
        } else {
            last[which] = at; /* no gap; its latest sign of life is this one, on the clock as it now is */
        }
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (high >= (__int128)last[i] + reach[i])
            return 1;
    return 0;
}

/* The entries with a gap grouped by span, in journal order, into `order` (offsets from `first`; `start`: n
   scratch slots). */
void fold_order(const uint16_t *span_at, Py_ssize_t first, Py_ssize_t end, Py_ssize_t n, const Py_ssize_t *count,
                const int64_t *gap_of, Py_ssize_t *start, Py_ssize_t *order) {
    start[0] = 0;
    for (Py_ssize_t i = 1; i < n; i++)
        start[i] = start[i - 1] + count[i - 1];
    for (Py_ssize_t index = first; index < end; index++)
        if (gap_of[index - first] >= 0) {
            uint16_t which;
            memcpy(&which, span_at + index, sizeof which);
            order[start[which]++] = index - first;
        }
}

/* One span's gaps (order[from .. from + count)) summed as Rhythm.learn would: their sum and longest, and per bin
   how many (`bins`, zeroed by the caller) with the bins in first-seen order (`seen`); returns how many bins. */
int fold_span(const int64_t *gap_of, const Py_ssize_t *order, Py_ssize_t from, Py_ssize_t count, int64_t *bins,
              int *seen, long long *total, long long *longest) {
    int n_seen = 0;
    *total = *longest = 0;
    for (Py_ssize_t k = from; k < from + count; k++) {
        int64_t gap = gap_of[order[k]];
        *total += gap;
        if (gap > *longest)
            *longest = gap;
        int bin = gap_bin(gap);
        if (bins[bin]++ == 0)
            seen[n_seen++] = bin;
    }
    return n_seen;
}

/* fold_plan(units, keys, spans): each key's state (units[key]) when the run may be folded for that rule, else
   None: a unit new to the rule, not logging (last_usec < 0), silent (quiet), or whose rhythm would be reviewed
   inside the run (gaps + its span's count >= review_at), or whose last entry came before `before` (a clock's jump
   ahead then: its gap is learnt less the jump by observe, engine/clock_jumps.py). SilenceTracker.fold's first look,
   per rule. */
PyObject *runs_fold_plan(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *units, *keys, *spans;
    long long before = LLONG_MIN;
    if (!PyArg_ParseTuple(args, "O!O!O!|L", &PyDict_Type, &units, &PyTuple_Type, &keys, &PyTuple_Type, &spans,
                          &before))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    if (PyTuple_GET_SIZE(spans) != n) {
        PyErr_SetString(PyExc_ValueError, "fold_plan: as many keys as spans");
        return NULL;
    }
    PyObject *states = PyList_New(n);
    if (!states)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *seen = PyDict_GetItemWithError(units, PyTuple_GET_ITEM(keys, i)), *span = PyTuple_GET_ITEM(spans, i);
        int failed = 0;
        if (!seen) {
            Py_DECREF(states);
            return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
        }
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 2) {
            PyErr_SetString(PyExc_ValueError, "fold_plan: a span is a tuple (unit, count, ...)");
            Py_DECREF(states);
            return NULL;
        }
        long long last = int_attr(seen, S_last_usec, &failed), count = PyLong_AsLongLong(PyTuple_GET_ITEM(span, 1));
        if (count == -1 && PyErr_Occurred())
            failed = 1;
        PyObject *quiet = failed ? NULL : PyObject_GetAttr(seen, S_quiet);
        int is_quiet = quiet ? PyObject_IsTrue(quiet) : -1;
        Py_XDECREF(quiet);
        PyObject *rhythm = failed || is_quiet < 0 ? NULL : PyObject_GetAttr(seen, S_rhythm);
        long long gaps = rhythm ? int_attr(rhythm, S_gaps, &failed) : -1;
        Py_XDECREF(rhythm);
        long long review_at = rhythm && !failed ? int_attr(seen, S_review_at, &failed) : -1;
        if (failed || is_quiet < 0 || !rhythm) {
            Py_DECREF(states);
            return NULL;
        }
        if (last < 0 || last < before || is_quiet || gaps + count >= review_at) {
            Py_DECREF(states);
            return Py_NewRef(Py_None);
        }
        PyList_SET_ITEM(states, i, Py_NewRef(seen));
    }
    return states;
}

/* Merge one span's gaps (their count, sum, longest, and per bin, bins in first-seen order) into a Rhythm, as
   engine/rhythm.py Rhythm.learn_gaps does. */
static int learn_into(PyObject *rhythm, long long gaps, long long total, long long longest, const int64_t *bins,
                      const int *seen, int n_seen, long long span_cap) {
    int failed = 0;
    long long had = int_attr(rhythm, S_gaps, &failed), sum = failed ? 0 : int_attr(rhythm, S_total_usec, &failed),
              span = failed ? 0 : int_attr(rhythm, S_span_usec, &failed),
              longest_had = failed ? 0 : int_attr(rhythm, S_longest_usec, &failed);
    if (failed || set_int_attr(rhythm, S_gaps, had + gaps) < 0 || set_int_attr(rhythm, S_total_usec, sum + total) < 0)
        return -1;
    if (span < span_cap && set_int_attr(rhythm, S_span_usec, span + total) < 0)
        return -1;
    if (longest > longest_had && set_int_attr(rhythm, S_longest_usec, longest) < 0)
        return -1;
    PyObject *mine = PyObject_GetAttr(rhythm, S_bins);
    if (!mine)
        return -1;
    if (!PyDict_Check(mine)) {
        PyErr_SetString(PyExc_TypeError, "fold_learn: a rhythm's bins is a dict");
        Py_DECREF(mine);
        return -1;
    }
    for (int k = 0; k < n_seen; k++) {
        PyObject *bin = PyLong_FromLong(seen[k]);
        PyObject *had_bin = bin ? PyDict_GetItemWithError(mine, bin) : NULL;
        long long before = had_bin ? PyLong_AsLongLong(had_bin) : 0;
        PyObject *now = bin && !PyErr_Occurred() ? PyLong_FromLongLong(before + bins[seen[k]]) : NULL;
        int bad = !now || PyDict_SetItem(mine, bin, now) < 0;
        Py_XDECREF(bin);
        Py_XDECREF(now);
        if (bad) {
            Py_DECREF(mine);
            return -1;
        }
    }
    Py_DECREF(mine);
    return 0;
}

/* fold_learn(times, span_ids, first, end, plans, spans, never, span_cap, max_count): the rest of
   SilenceTracker.fold once every rule's plan (fold_plan) is made and the heap refreshed. False, and nothing
   changed, when a unit's deadline (its last_usec plus threshold + 1, or `never` unwatched) falls inside the run
   for any rule (as fold_gaps finds it); else per rule and span its gaps are learnt into the state's rhythm
   (Rhythm.learn_gaps), and last_usec, last (the span) and count (+ the span's count, up to max_count) move on. */
PyObject *runs_fold_learn(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer times, spans_buf;
    Py_ssize_t first, end;
    PyObject *plans, *spans, *result = NULL;
    long long never, span_cap, max_count;
    if (!PyArg_ParseTuple(args, "y*y*nnO!O!LLL", &times, &spans_buf, &first, &end, &PyList_Type, &plans,
                          &PyTuple_Type, &spans, &never, &span_cap, &max_count))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(spans), rules = PyList_GET_SIZE(plans), size = (n + 1) * (rules + 1);
    int64_t *last = NULL, *reach = NULL, *gap_of = NULL;
    Py_ssize_t *count = NULL, *order = NULL, *start = NULL;
    if (first < 0 || end < first || (size_t)end * 8 > (size_t)times.len || (size_t)end * 2 > (size_t)spans_buf.len) {
        PyErr_SetString(PyExc_ValueError, "fold_learn: entry range outside the arrays");
        goto done;
    }
    last = PyMem_Calloc((size_t)size, sizeof *last);
    reach = PyMem_Calloc((size_t)n + 1, sizeof *reach);
    count = PyMem_Calloc((size_t)size, sizeof *count);
    start = PyMem_Calloc((size_t)n + 1, sizeof *start);
    gap_of = PyMem_Calloc((size_t)((end - first) * (rules ? rules : 1)) + 1, sizeof *gap_of);
    order = PyMem_Calloc((size_t)(end - first) + 1, sizeof *order);
    if (!last || !reach || !count || !start || !gap_of || !order) {
        PyErr_NoMemory();
        goto done;
    }
    const int64_t *time_at = (const int64_t *)times.buf;
    const uint16_t *span_at = (const uint16_t *)spans_buf.buf;
    for (Py_ssize_t r = 0; r < rules; r++) { /* first only look: would a deadline fall inside the run? */
        PyObject *states = PyList_GET_ITEM(plans, r);
        if (!PyList_Check(states) || PyList_GET_SIZE(states) != n) {
            PyErr_SetString(PyExc_ValueError, "fold_learn: a plan is a list of one state per span");
            goto done;
        }
        int64_t *mine = last + r * (n + 1), *gaps = gap_of + r * (end - first);
        Py_ssize_t *counted = count + r * (n + 1);
        for (Py_ssize_t i = 0; i < n; i++) {
            int failed = 0;
            PyObject *seen = PyList_GET_ITEM(states, i);
            mine[i] = int_attr(seen, S_last_usec, &failed);
            long long threshold = failed ? 0 : int_attr(seen, S_threshold, &failed);
            if (failed)
                goto done;
            reach[i] = threshold ? threshold + 1 : never;
        }
        int inside = fold_walk(time_at, span_at, first, end, n, mine, reach, counted, gaps, 1, "fold_learn");
        if (inside < 0)
            goto done;
        if (inside) {
            result = Py_NewRef(Py_False);
            goto done;
        }
    }
    for (Py_ssize_t r = 0; r < rules; r++) { /* then learn */
        PyObject *states = PyList_GET_ITEM(plans, r);
        const int64_t *mine = last + r * (n + 1), *gaps = gap_of + r * (end - first);
        const Py_ssize_t *counted = count + r * (n + 1);
        fold_order(span_at, first, end, n, counted, gaps, start, order);
        Py_ssize_t taken = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *seen = PyList_GET_ITEM(states, i), *span = PyTuple_GET_ITEM(spans, i);
            if (counted[i]) {
                int64_t bins[GAP_BINS] = {0};
                int seen_bins[GAP_BINS];
                long long total, longest;
                int n_seen = fold_span(gaps, order, taken, counted[i], bins, seen_bins, &total, &longest);
                taken += counted[i];
                PyObject *rhythm = PyObject_GetAttr(seen, S_rhythm);
                int bad = !rhythm || learn_into(rhythm, counted[i], total, longest, bins, seen_bins, n_seen,
                                                span_cap) < 0;
                Py_XDECREF(rhythm);
                if (bad)
                    goto done;
            }
            int failed = 0;
            long long had = int_attr(seen, S_count, &failed);
            long long more = failed ? 0 : PyLong_AsLongLong(PyTuple_GET_ITEM(span, 1));
            if (failed || (more == -1 && PyErr_Occurred()) || set_int_attr(seen, S_last_usec, mine[i]) < 0 ||
                PyObject_SetAttr(seen, S_last, span) < 0 ||
                set_int_attr(seen, S_count, had + more < max_count ? had + more : max_count) < 0)
                goto done;
        }
    }
    result = Py_NewRef(Py_True);
done:
    PyMem_Free(last);
    PyMem_Free(reach);
    PyMem_Free(count);
    PyMem_Free(start);
    PyMem_Free(gap_of);
    PyMem_Free(order);
    PyBuffer_Release(&times);
    PyBuffer_Release(&spans_buf);
    return result;
}
