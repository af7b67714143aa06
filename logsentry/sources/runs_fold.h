/* Shared by _runs.c and runs_fold.c: the gap bin, and the fold functions _runs.c's module table names. */
#ifndef LOGSENTRY_RUNS_FOLD_H
#define LOGSENTRY_RUNS_FOLD_H

#include <Python.h>
#include <stdint.h>

/* The gap bin of engine/rhythm.py gap_bin: exact below 8 µs, then four bins per doubling (at most 4*64+3). */
#define GAP_BINS 260
static inline int gap_bin(int64_t gap) {
    if (gap < 8)
        return (int)gap;
    int bits = 64 - __builtin_clzll((unsigned long long)gap);
    return 4 * bits + (int)((gap >> (bits - 3)) & 3);
}

/* fold_plan(units, keys, spans) and fold_learn(times, span_ids, first, end, plans, spans, never, span_cap,
   max_count): see runs_fold.c. runs_fold_init interns their attribute names: -1 on failure. */
PyObject *runs_fold_plan(PyObject *module, PyObject *args);
PyObject *runs_fold_learn(PyObject *module, PyObject *args);
int runs_fold_init(void);

/* hosts_walk(spans, start, machine, newest, gaps, review_at, longest, span_usec, span_cap): see hosts_fold.c. */
PyObject *hosts_walk(PyObject *module, PyObject *args);

/* clocks_saw(spans, latest, local): see hosts_fold.c. */
PyObject *clocks_saw(PyObject *module, PyObject *args);

/* The pieces fold_gaps (_runs.c) shares with fold_learn: see runs_fold.c. */
int fold_walk(const int64_t *time_at, const uint16_t *span_at, Py_ssize_t first, Py_ssize_t end, Py_ssize_t n,
              int64_t *last, const int64_t *reach, Py_ssize_t *count, int64_t *gap_of, int refuse_back, const char *who);
void fold_order(const uint16_t *span_at, Py_ssize_t first, Py_ssize_t end, Py_ssize_t n, const Py_ssize_t *count,
                const int64_t *gap_of, Py_ssize_t *start, Py_ssize_t *order);
int fold_span(const int64_t *gap_of, const Py_ssize_t *order, Py_ssize_t from, Py_ssize_t count, int64_t *bins,
              int *seen, long long *total, long long *longest);

#endif
