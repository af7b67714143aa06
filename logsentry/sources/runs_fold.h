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

#endif
