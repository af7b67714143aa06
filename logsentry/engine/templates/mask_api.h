/* _mask.c's keys for other C extensions (engine/_runstep.c), without a Python call per line: a capsule,
 * logsentry.engine.templates._mask._C_API, holds this table. */
#ifndef LOGSENTRY_MASK_API_H
#define LOGSENTRY_MASK_API_H

#include <Python.h>

#define MASK_API_CAPSULE "logsentry.engine.templates._mask._C_API"

typedef struct {
    /* _mask.masked_key itself: a caller that was handed this callable may use the functions below instead */
    PyObject *masked_key;
    /* masked_key(first line of a UTF-8 message (errors="replace") cut to max_chars characters, max_tokens) */
    PyObject *(*key_of_utf8)(const char *msg, Py_ssize_t len, Py_ssize_t max_chars, Py_ssize_t max_tokens);
    /* the same of a str message */
    PyObject *(*key_of_message)(PyObject *message, Py_ssize_t max_chars, Py_ssize_t max_tokens);
} MaskAPI;

#endif
