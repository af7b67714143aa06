/*
 * _runs: reads a ScreenedRun's per-entry arrays (model.ScreenedRun._arrays, made by _journalscan.c) in C,
 * for the two consumers that would otherwise walk every screened entry in Python:
 *
 *   - fold_gaps: SilenceTracker.fold's look at a run (engine/absence.py); fold_plan and fold_learn, the
 *     whole of it and what it learns (runs_fold.c);
 *   - last_lines: the last lines of each of a run's spans, which the service keeps for its alerts
 *     (screened_lines.recent_lines), decoded and cut as alerts show them.
 *
 * The arrays: times (int64 µs), PRIORITY values (uint8), text levels (uint8), span ids (uint16), message
 * ends (uint64, cumulative byte offsets) and the messages concatenated. Log text is only decoded here.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "runs_fold.h"

static int read_int64s(PyObject *list, Py_ssize_t n, int64_t *out, const char *what) {
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != n) {
        PyErr_Format(PyExc_ValueError, "fold_gaps: %s must be a list of %zd ints", what, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(PyList_GET_ITEM(list, i));
        if (out[i] == -1 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

/* SilenceTracker.fold's look at a run (engine/absence.py), per entry in C: None when a unit's deadline
   (its last sign of life plus its reach, µs) falls inside the run, else per span its new last time and the
   gaps it learns, summed as Rhythm.learn would (count, sum, longest, {bin: count} in first-seen order). */
static PyObject *module_fold_gaps(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer times, spans;
    Py_ssize_t first, end;
    PyObject *last_list, *reach_list, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*nnO!O!", &times, &spans, &first, &end, &PyList_Type, &last_list,
                          &PyList_Type, &reach_list))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(last_list);
    int64_t *last = NULL, *reach = NULL, *gap_of = NULL;
    Py_ssize_t *count = NULL, *order = NULL, *start = NULL;
    if (first < 0 || end < first || (size_t)end * 8 > (size_t)times.len || (size_t)end * 2 > (size_t)spans.len) {
        PyErr_SetString(PyExc_ValueError, "fold_gaps: entry range outside the arrays");
        goto done;
    }
    last = PyMem_Calloc((size_t)n + 1, sizeof *last);
    reach = PyMem_Calloc((size_t)n + 1, sizeof *reach);
    count = PyMem_Calloc((size_t)n + 1, sizeof *count);
    start = PyMem_Calloc((size_t)n + 1, sizeof *start);
    gap_of = PyMem_Calloc((size_t)(end - first) + 1, sizeof *gap_of);
    order = PyMem_Calloc((size_t)(end - first) + 1, sizeof *order);
    if (!last || !reach || !count || !start || !gap_of || !order) {
        PyErr_NoMemory();
        goto done;
    }
    if (read_int64s(last_list, n, last, "last") < 0 || read_int64s(reach_list, n, reach, "reach") < 0)
        goto done;
    const int64_t *time_at = (const int64_t *)times.buf;
    const uint16_t *span_at = (const uint16_t *)spans.buf;
    int inside = fold_walk(time_at, span_at, first, end, n, last, reach, count, gap_of, 0, "fold_gaps");
    if (inside < 0)
        goto done;
    if (inside) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    fold_order(span_at, first, end, n, count, gap_of, start, order);
    if (!(result = PyList_New(n)))
        goto done;
    Py_ssize_t taken = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t bins[GAP_BINS] = {0};
        int seen[GAP_BINS];
        long long total, longest;
        int n_seen = fold_span(gap_of, order, taken, count[i], bins, seen, &total, &longest);
        taken += count[i];
        PyObject *flat = PyDict_New();
        if (!flat) {
            Py_CLEAR(result);
            goto done;
        }
        for (int k = 0; k < n_seen; k++) {
            PyObject *bin = PyLong_FromLong(seen[k]), *times = PyLong_FromLongLong(bins[seen[k]]);
            int failed = !bin || !times || PyDict_SetItem(flat, bin, times) < 0;
            Py_XDECREF(bin);
            Py_XDECREF(times);
            if (failed) {
                Py_DECREF(flat);
                Py_CLEAR(result);
                goto done;
            }
        }
        PyObject *item = Py_BuildValue("(LnLLN)", (long long)last[i], count[i], (long long)total,
                                       (long long)longest, flat);
        if (!item) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, item);
    }
done:
    PyMem_Free(last);
    PyMem_Free(reach);
    PyMem_Free(count);
    PyMem_Free(start);
    PyMem_Free(gap_of);
    PyMem_Free(order);
    PyBuffer_Release(&times);
    PyBuffer_Release(&spans);
    return result;
}


/* low_and_units(times, first, end, spans, units): (the earliest time in [first, end), does a span's unit (its
   first item) equal one of `units`, a tuple of str): what the service asks of every run before taking it whole
   (screened_lines.needs_entries, with its own units), in one call: a run's spans are nearly as many as its
   entries on a busy host. */
static PyObject *module_low_and_units(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer times;
    Py_ssize_t first, end;
    PyObject *spans, *units;
    if (!PyArg_ParseTuple(args, "y*nnO!O!", &times, &first, &end, &PyTuple_Type, &spans, &PyTuple_Type, &units))
        return NULL;
    if (first < 0 || end <= first || (size_t)end * 8 > (size_t)times.len) {
        PyBuffer_Release(&times);
        PyErr_SetString(PyExc_ValueError, "low_and_units: entry range outside the times (or empty)");
        return NULL;
    }
    const int64_t *time_at = (const int64_t *)times.buf;
    int64_t low = INT64_MAX;
    for (Py_ssize_t index = first; index < end; index++) {
        int64_t at;
        memcpy(&at, time_at + index, sizeof at);
        if (at < low)
            low = at;
    }
    PyBuffer_Release(&times);
    for (Py_ssize_t u = 0; u < PyTuple_GET_SIZE(units); u++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(units, u))) {
            PyErr_SetString(PyExc_TypeError, "low_and_units: the units are a tuple of str");
            return NULL;
        }
    int found = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(spans) && !found; i++) {
        PyObject *span = PyTuple_GET_ITEM(spans, i);
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 1) {
            PyErr_SetString(PyExc_ValueError, "low_and_units: a span is a tuple (unit, ...)");
            return NULL;
        }
        PyObject *name = PyTuple_GET_ITEM(span, 0);
        if (!PyUnicode_Check(name))
            continue;
        for (Py_ssize_t u = 0; u < PyTuple_GET_SIZE(units) && !found; u++)
            found = PyUnicode_Compare(name, PyTuple_GET_ITEM(units, u)) == 0;
    }
    return Py_BuildValue("(LO)", (long long)low, found ? Py_True : Py_False);
}


/* The last left[i] entries of each span i (of n) in [first, end) as (time, message) oldest first: a new list of n
   lists, or NULL with an exception. Messages decoded as UTF-8 with U+FFFD for bad bytes and cut to max_chars
   characters (as alerts show them). Walks back from `end` only until every span has its lines. `left` is used up. */
static PyObject *collect_last_lines(const Py_buffer *times, const Py_buffer *spans, const Py_buffer *ends,
                                    const Py_buffer *messages, Py_ssize_t first, Py_ssize_t end, Py_ssize_t n,
                                    Py_ssize_t *left, Py_ssize_t max_chars) {
    if (first < 0 || end < first || (size_t)end * 8 > (size_t)times->len || (size_t)end * 2 > (size_t)spans->len ||
        (size_t)end * 8 > (size_t)ends->len || max_chars < 1) {
        PyErr_SetString(PyExc_ValueError, "last_lines: entry range outside the arrays");
        return NULL;
    }
    Py_ssize_t missing = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        missing += left[i];
    PyObject *result = PyList_New(n);
    if (!result)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *lines = PyList_New(0);
        if (!lines) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, i, lines);
    }
    const int64_t *time_at = (const int64_t *)times->buf;
    const uint16_t *span_at = (const uint16_t *)spans->buf;
    const uint64_t *end_at = (const uint64_t *)ends->buf;
    const char *text = (const char *)messages->buf;
    for (Py_ssize_t index = end - 1; missing > 0 && index >= first; index--) {
        uint16_t which;
        int64_t at;
        uint64_t stop, start = 0;
        memcpy(&which, span_at + index, sizeof which);
        if (which >= n) {
            PyErr_SetString(PyExc_ValueError, "last_lines: a span id past the run's spans");
            Py_DECREF(result);
            return NULL;
        }
        if (!left[which])
            continue;
        memcpy(&at, time_at + index, sizeof at);
        memcpy(&stop, end_at + index, sizeof stop);
        if (index > 0)
            memcpy(&start, end_at + index - 1, sizeof start);
        if (start > stop || stop > (uint64_t)messages->len) {
            PyErr_SetString(PyExc_ValueError, "last_lines: a message end outside the messages");
            Py_DECREF(result);
            return NULL;
        }
        PyObject *line = PyUnicode_DecodeUTF8(text + start, (Py_ssize_t)(stop - start), "replace");
        if (line && PyUnicode_GET_LENGTH(line) > max_chars)
            Py_SETREF(line, PyUnicode_Substring(line, 0, max_chars));
        PyObject *item = line ? Py_BuildValue("(LN)", (long long)at, line) : NULL;
        if (!item || PyList_Append(PyList_GET_ITEM(result, which), item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(item);
        left[which]--;
        missing--;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyList_Reverse(PyList_GET_ITEM(result, i)) < 0) {
            Py_DECREF(result);
            return NULL;
        }
    return result;
}

/* The four arrays last_lines and remember_lines read a run's lines from, let go. */
static void release_lines(Py_buffer *times, Py_buffer *spans, Py_buffer *ends, Py_buffer *messages) {
    PyBuffer_Release(times);
    PyBuffer_Release(spans);
    PyBuffer_Release(ends);
    PyBuffer_Release(messages);
}

/* last_lines(times, span_ids, ends, messages, first, end, wanted, max_chars): per span i, its last wanted[i]
   entries in [first, end) as (time, message) oldest first (collect_last_lines). */
static PyObject *module_last_lines(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer times, spans, ends, messages;
    Py_ssize_t first, end, max_chars;
    PyObject *wanted_list, *result = NULL;
    Py_ssize_t *left = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nnO!n", &times, &spans, &ends, &messages, &first, &end, &PyList_Type,
                          &wanted_list, &max_chars))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(wanted_list);
    if (!(left = PyMem_Calloc((size_t)n + 1, sizeof *left)))  {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        left[i] = PyLong_AsSsize_t(PyList_GET_ITEM(wanted_list, i));
        if (left[i] < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "last_lines: a negative count of lines");
            goto done;
        }
    }
    result = collect_last_lines(&times, &spans, &ends, &messages, first, end, n, left, max_chars);
done:
    PyMem_Free(left);
    release_lines(&times, &spans, &ends, &messages);
    return result;
}

/* remember_lines(times, span_ids, ends, messages, first, end, spans, units, per_span, max_chars, context, keep,
   max_units, deque_type): each span's last min(per_span, its count) lines (collect_last_lines) added to
   `context` (sources/last_lines.UnitLines) under the span's key as UnitLines.add does, span after span: a key
   not kept yet gets deque_type((), keep), the oldest key going when more than max_units are kept. The service's
   per-run context for alerts (screened_lines.remember_recent) in one call: it was a Python loop per span. */
static PyObject *module_remember_lines(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer times, spans, ends, messages;
    Py_ssize_t first, end, per_span, max_chars, keep, max_units;
    PyObject *span_tuple, *units, *context, *deque_type, *lines = NULL, *empty = NULL, *result = NULL;
    Py_ssize_t *left = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*nnO!O!nnOnnO", &times, &spans, &ends, &messages, &first, &end,
                          &PyTuple_Type, &span_tuple, &PyTuple_Type, &units, &per_span, &max_chars, &context, &keep,
                          &max_units, &deque_type))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(span_tuple);
    if (!PyDict_Check(context)) {
        PyErr_SetString(PyExc_TypeError, "remember_lines: the context must be a dict (UnitLines)");
        goto done;
    }
    if (PyTuple_GET_SIZE(units) != n) {
        PyErr_SetString(PyExc_ValueError, "remember_lines: a run's units and spans differ in number");
        goto done;
    }
    if (per_span < 0) {
        PyErr_SetString(PyExc_ValueError, "last_lines: a negative count of lines");
        goto done;
    }
    if (!(left = PyMem_Calloc((size_t)n + 1, sizeof *left)))  {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *span = PyTuple_GET_ITEM(span_tuple, i);
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 2) {
            PyErr_SetString(PyExc_ValueError, "remember_lines: a span is not a (unit, count, ...) tuple");
            goto done;
        }
        Py_ssize_t count = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        if (count == -1 && PyErr_Occurred())
            goto done;
        left[i] = count < per_span ? count : per_span;
        if (left[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "last_lines: a negative count of lines");
            goto done;
        }
    }
    if (!(lines = collect_last_lines(&times, &spans, &ends, &messages, first, end, n, left, max_chars)))
        goto done;
    if (!(empty = PyTuple_New(0)))
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyTuple_GET_ITEM(units, i);
        PyObject *kept = PyDict_GetItemWithError(context, key);  /* borrowed */
        if (!kept) {
            if (PyErr_Occurred())
                goto done;
            /* (held here until extended, as UnitLines.add's local: popitem may take it when max_units < 1) */
            PyObject *made = PyObject_CallFunction(deque_type, "On", empty, keep);
            if (!made)
                goto done;
            Py_ssize_t size = PyObject_SetItem(context, key, made);  /* the OrderedDict's own: order kept */
            if (size == 0)
                size = PyObject_Length(context);
            if (size >= 0 && size > max_units) {
                PyObject *popped = PyObject_CallMethod(context, "popitem", "O", Py_False);
                size = popped ? 0 : -1;
                Py_XDECREF(popped);
            }
            if (size < 0) {
                Py_DECREF(made);
                goto done;
            }
            kept = made;
        } else {
            Py_INCREF(kept);
        }
        PyObject *done_extend = PyObject_CallMethod(kept, "extend", "O", PyList_GET_ITEM(lines, i));
        Py_DECREF(kept);
        if (!done_extend)
            goto done;
        Py_DECREF(done_extend);
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(lines);
    Py_XDECREF(empty);
    PyMem_Free(left);
    release_lines(&times, &spans, &ends, &messages);
    return result;
}

static PyMethodDef module_methods[] = {
    {"fold_gaps", module_fold_gaps, METH_VARARGS,
     "A run's gaps per span as SilenceTracker.fold learns them, or None when a deadline falls inside it."},
    {"fold_plan", runs_fold_plan, METH_VARARGS,
     "Each key's silence state when a run may be folded for a rule, else None (SilenceTracker.fold's first look)."},
    {"fold_learn", runs_fold_learn, METH_VARARGS,
     "SilenceTracker.fold's learning from a run into its states, or False (nothing changed) when a deadline falls "
     "inside it."},
    {"hosts_walk", hosts_walk, METH_VARARGS,
     "HostSilence.saw_run's walk over one host's spans of a run: what its rhythm learns, and where it stopped."},
    {"low_and_units", module_low_and_units, METH_VARARGS,
     "A run's earliest time and whether one of its spans is of one of the given units."},
    {"clocks_saw", clocks_saw, METH_VARARGS,
     "HostClocks.saw_run: each span's newest time into the latest time per machine."},
    {"last_lines", module_last_lines, METH_VARARGS,
     "The last lines of each of a run's spans, oldest first, as (time, message cut to max_chars)."},
    {"remember_lines", module_remember_lines, METH_VARARGS,
     "The last lines of each of a run's spans added to a UnitLines under the spans' keys (UnitLines.add)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_runs", "A ScreenedRun's per-entry arrays, read in C.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__runs(void) {
    if (runs_fold_init() < 0)
        return NULL;
    return PyModule_Create(&module);
}
