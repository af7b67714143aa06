/* A unit's prefix tree: the search (walk, similarity, conflicts), a line's merge into a template, a new
 * cluster's path, insertion, and the level words. See _drain.c and drain.py. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#include "drain.h"

/* --- the tree's search -------------------------------------------------------------------------------- */

/* str == str, as Python's == (a token is a str; anything else is compared by Python) */
int drain_same(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    if (PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(a);
        int kind = PyUnicode_KIND(a);
        return n == PyUnicode_GET_LENGTH(b) && kind == PyUnicode_KIND(b) &&
               memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * (size_t)kind) == 0;
    }
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

static int has_lt(PyObject *t) {
    if (!PyUnicode_Check(t)) {
        PyErr_SetString(PyExc_TypeError, "tokens must be str");
        return -1;
    }
    return PyUnicode_FindChar(t, '<', 0, PyUnicode_GET_LENGTH(t), 1) >= 0;
}

/* drain.Tree._best: among a leaf's clusters with the line's level words, the one sharing most words at the same
 * positions (masked tokens are no words; ties: more <*>), if that share reaches `need` and a settled fixed
 * message has no other word where the line has one. words[i] is NULL for a masked token. */
static PyObject *best(PyObject *clusters, PyObject *const *words, Py_ssize_t n, Py_ssize_t nwords, double need,
                      PyObject *levels, Py_ssize_t settled) {
    PyObject *winner = Py_None;
    Py_ssize_t best_sim = -1, best_params = -1;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(clusters); k++) {
        PyObject *item = PyList_GET_ITEM(clusters, k);
        if (!Py_IS_TYPE(item, &ClusterType)) {
            PyErr_SetString(PyExc_TypeError, "a tree leaf holds something that is no Cluster");
            return NULL;
        }
        Cluster *c = (Cluster *)item;
        if (c->levels == NULL || c->tokens == NULL) {
            PyErr_SetString(PyExc_AttributeError, "a cluster without its tokens or levels");
            return NULL;
        }
        if (c->levels != levels) {
            int eq = PyObject_RichCompareBool(c->levels, levels, Py_EQ);
            if (eq < 0) return NULL;
            if (!eq) continue;
        }
        if (!PyList_Check(c->tokens)) {
            PyErr_SetString(PyExc_TypeError, "a cluster's tokens must be a list");
            return NULL;
        }
        PyObject **ts = PySequence_Fast_ITEMS(c->tokens);
        Py_ssize_t m = PyList_GET_SIZE(c->tokens), common = m < n ? m : n, sim = 0;
        for (Py_ssize_t i = 0; i < common; i++) {
            if (words[i] == NULL) continue;
            int eq = drain_same(ts[i], words[i]);
            if (eq < 0) return NULL;
            sim += eq;
        }
        if ((double)sim < need) continue;
        if (sim < nwords && c->nparams == 0 && c->count >= settled) {
            if (m != n) {
                PyErr_SetString(PyExc_ValueError, "a cluster's tokens differ in number from the line's");
                return NULL;
            }
            int conflict = 0;
            for (Py_ssize_t i = 0; i < n && !conflict; i++) {
                if (words[i] == NULL) continue;
                int eq = drain_same(ts[i], words[i]);
                if (eq < 0) return NULL;
                if (eq) continue;
                int lt = has_lt(ts[i]);
                if (lt < 0) return NULL;
                conflict = !lt;
            }
            if (conflict) continue;
        }
        if (sim > best_sim || (sim == best_sim && c->nparams > best_params)) {
            winner = item;
            best_sim = sim;
            best_params = c->nparams;
        }
    }
    Py_INCREF(winner);
    return winner;
}

/* find(roots, depth_levels, tokens, levels, similarity, settled): drain.Tree.find */
PyObject *drain_find(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 6 || !PyDict_Check(args[0]) || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "find(roots: dict, depth_levels: int, tokens: list, levels: tuple, "
                                         "similarity: float, settled: int)");
        return NULL;
    }
    Py_ssize_t depth_levels = PyLong_AsSsize_t(args[1]);
    if (depth_levels == -1 && PyErr_Occurred()) return NULL;
    double similarity = PyFloat_AsDouble(args[4]);
    if (similarity == -1.0 && PyErr_Occurred()) return NULL;
    Py_ssize_t settled = PyLong_AsSsize_t(args[5]);
    if (settled == -1 && PyErr_Occurred()) return NULL;
    PyObject *tokens = args[2], *levels = args[3];
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    PyObject *length = PyLong_FromSsize_t(n);
    if (length == NULL) return NULL;
    PyObject *node = PyDict_GetItemWithError(args[0], length);
    Py_DECREF(length);
    if (node == NULL) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NONE;
    }
    PyObject **items = PySequence_Fast_ITEMS(tokens);
    Py_ssize_t walk = depth_levels < n ? depth_levels : n;
    for (Py_ssize_t i = 0; i < walk; i++) {
        if (!Py_IS_TYPE(node, &NodeType)) {
            PyErr_SetString(PyExc_TypeError, "a tree holds something that is no Node");
            return NULL;
        }
        PyObject *children = ((Node *)node)->children;
        PyObject *child = PyDict_GetItemWithError(children, items[i]);
        if (child == NULL) {
            if (PyErr_Occurred()) return NULL;
            child = PyDict_GetItemWithError(children, s_wildcard);
            if (child == NULL) {
                if (PyErr_Occurred()) return NULL;
                Py_RETURN_NONE;
            }
        }
        node = child;
    }
    if (!Py_IS_TYPE(node, &NodeType)) {
        PyErr_SetString(PyExc_TypeError, "a tree holds something that is no Node");
        return NULL;
    }
    PyObject *clusters = ((Node *)node)->clusters;
    if (PyList_GET_SIZE(clusters) == 0) Py_RETURN_NONE;
    PyObject *small[64], **words = n <= 64 ? small : PyMem_Malloc((size_t)n * sizeof(PyObject *));
    if (words == NULL) return PyErr_NoMemory();
    Py_ssize_t nwords = 0;
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        int lt = has_lt(items[i]);
        if (lt < 0) goto done;
        words[i] = lt ? NULL : items[i];
        nwords += !lt;
    }
    /* the list may not change while best() runs: it calls no Python code that could (str == str only) */
    result = best(clusters, words, n, nwords, similarity * (double)nwords, levels, settled);
done:
    if (words != small) PyMem_Free(words);
    return result;
}

/* drain.Tree.path_for: the keys a new cluster of these tokens hangs under (creating no node): a token with a
 * digit (Python's \d: any Unicode decimal digit) goes to <*>, and so does a new one once a node is full */
PyObject *drain_path_for(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4 || !PyDict_Check(args[0]) || !PyList_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "path_for(roots: dict, depth_levels: int, max_children: int, tokens: list)");
        return NULL;
    }
    Py_ssize_t depth_levels = PyLong_AsSsize_t(args[1]);
    if (depth_levels == -1 && PyErr_Occurred()) return NULL;
    Py_ssize_t max_children = PyLong_AsSsize_t(args[2]);
    if (max_children == -1 && PyErr_Occurred()) return NULL;
    PyObject *tokens = args[3];
    Py_ssize_t n = PyList_GET_SIZE(tokens), walk = depth_levels < n ? depth_levels : n;
    if (walk < 0) walk = 0;
    PyObject *length = PyLong_FromSsize_t(n);
    if (length == NULL) return NULL;
    PyObject *node = PyDict_GetItemWithError(args[0], length);
    Py_DECREF(length);
    if (node == NULL && PyErr_Occurred()) return NULL;
    PyObject *keys = PyTuple_New(walk);
    if (keys == NULL) return NULL;
    for (Py_ssize_t i = 0; i < walk; i++) {
        PyObject *tok = PyList_GET_ITEM(tokens, i), *key = tok, *children = NULL;
        if (!PyUnicode_Check(tok)) {
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            goto fail;
        }
        if (node != NULL) {
            if (!Py_IS_TYPE(node, &NodeType)) {
                PyErr_SetString(PyExc_TypeError, "a tree holds something that is no Node");
                goto fail;
            }
            children = ((Node *)node)->children;
        }
        int in = children == NULL ? 0 : PyDict_Contains(children, tok);
        if (in < 0) goto fail;
        if (!in) {
            int digit = 0, kind = PyUnicode_KIND(tok);
            const void *data = PyUnicode_DATA(tok);
            for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(tok) && !digit; k++)
                digit = Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, k));
            if (digit) {
                key = s_wildcard;
            } else {
                int has_wild = children == NULL ? 0 : PyDict_Contains(children, s_wildcard);
                if (has_wild < 0) goto fail;
                Py_ssize_t size = children == NULL ? 0 : PyDict_GET_SIZE(children);
                if (size >= max_children - (has_wild ? 0 : 1)) key = s_wildcard;
            }
        }
        Py_INCREF(key);
        PyTuple_SET_ITEM(keys, i, key);
        node = children == NULL ? NULL : PyDict_GetItemWithError(children, key);
        if (node == NULL && PyErr_Occurred()) goto fail;
    }
    return keys;
fail:
    Py_DECREF(keys);
    return NULL;
}

/* drain.Tree.insert: hang the cluster under its path (making the nodes it needs) */
PyObject *drain_insert(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2 || !PyDict_Check(args[0]) || !Py_IS_TYPE(args[1], &ClusterType)) {
        PyErr_SetString(PyExc_TypeError, "insert(roots: dict, cluster: Cluster)");
        return NULL;
    }
    Cluster *c = (Cluster *)args[1];
    if (c->tokens == NULL || c->path == NULL || !PyList_Check(c->tokens)) {
        PyErr_SetString(PyExc_TypeError, "a cluster without its tokens (a list) or path");
        return NULL;
    }
    PyObject *length = PyLong_FromSsize_t(PyList_GET_SIZE(c->tokens));
    if (length == NULL) return NULL;
    PyObject *node = PyDict_GetItemWithError(args[0], length);
    if (node == NULL) {
        if (PyErr_Occurred() || (node = drain_node_new(&NodeType, empty_tuple, NULL)) == NULL) {
            Py_DECREF(length);
            return NULL;
        }
        int rc = PyDict_SetItem(args[0], length, node);
        Py_DECREF(node); /* the dict holds it */
        if (rc < 0) {
            Py_DECREF(length);
            return NULL;
        }
    }
    Py_DECREF(length);
    PyObject *path = PySequence_Fast(c->path, "a cluster's path must be a sequence");
    if (path == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(path); i++) {
        if (!Py_IS_TYPE(node, &NodeType)) {
            PyErr_SetString(PyExc_TypeError, "a tree holds something that is no Node");
            goto fail;
        }
        PyObject *key = PySequence_Fast_GET_ITEM(path, i), *children = ((Node *)node)->children;
        PyObject *child = PyDict_GetItemWithError(children, key);
        if (child == NULL) {
            if (PyErr_Occurred() || (child = drain_node_new(&NodeType, empty_tuple, NULL)) == NULL) goto fail;
            int rc = PyDict_SetItem(children, key, child);
            Py_DECREF(child);
            if (rc < 0) goto fail;
        }
        node = child;
    }
    Py_DECREF(path);
    if (!Py_IS_TYPE(node, &NodeType)) {
        PyErr_SetString(PyExc_TypeError, "a tree holds something that is no Node");
        return NULL;
    }
    if (PyList_Append(((Node *)node)->clusters, (PyObject *)c) < 0) return NULL;
    Py_RETURN_NONE;
fail:
    Py_DECREF(path);
    return NULL;
}

/* WRAP: the punctuation a generalised token keeps where both its tokens have it (drain.WRAP) */
static inline int wrap_char(Py_UCS4 ch) { return ch < 128 && ch != 0 && strchr(WRAP, (int)ch) != NULL; }

/* drain.is_param: the token, its WRAP characters stripped off both ends, is "<*>" */
int drain_is_param(PyObject *tok) {
    Py_ssize_t lo = 0, hi = PyUnicode_GET_LENGTH(tok);
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    while (lo < hi && wrap_char(PyUnicode_READ(kind, data, lo))) lo++;
    while (hi > lo && wrap_char(PyUnicode_READ(kind, data, hi - 1))) hi--;
    return hi - lo == 3 && PyUnicode_READ(kind, data, lo) == '<' && PyUnicode_READ(kind, data, lo + 1) == '*' &&
           PyUnicode_READ(kind, data, lo + 2) == '>';
}

/* the WRAP characters that t and w (t != w) both start with (*p) and both end with (*s), no more of them than the
 * shorter has */
static void wrap_lengths(PyObject *t, PyObject *w, Py_ssize_t *p, Py_ssize_t *s) {
    Py_ssize_t nt = PyUnicode_GET_LENGTH(t), nw = PyUnicode_GET_LENGTH(w), n = nt < nw ? nt : nw, a = 0, b = 0;
    int kt = PyUnicode_KIND(t), kw = PyUnicode_KIND(w);
    const void *dt = PyUnicode_DATA(t), *dw = PyUnicode_DATA(w);
    while (a < n) {
        Py_UCS4 ch = PyUnicode_READ(kt, dt, a);
        if (ch != PyUnicode_READ(kw, dw, a) || !wrap_char(ch)) break;
        a++;
    }
    while (b < n - a) {
        Py_UCS4 ch = PyUnicode_READ(kt, dt, nt - 1 - b);
        if (ch != PyUnicode_READ(kw, dw, nw - 1 - b) || !wrap_char(ch)) break;
        b++;
    }
    *p = a;
    *s = b;
}

/* whether template token t already covers the line's w (t != w): wild(t, w) is t, with nothing allocated (a line
 * that reaches a generalised cluster asks this at each of its variables) */
static int wild_keeps(PyObject *t, PyObject *w) {
    Py_ssize_t p, s, nt = PyUnicode_GET_LENGTH(t);
    wrap_lengths(t, w, &p, &s);
    if (nt != p + 3 + s) return 0;
    int kind = PyUnicode_KIND(t);
    const void *data = PyUnicode_DATA(t);
    return PyUnicode_READ(kind, data, p) == '<' && PyUnicode_READ(kind, data, p + 1) == '*' &&
           PyUnicode_READ(kind, data, p + 2) == '>';
}

/* drain.wild: template token t generalised by the line's w (t != w): "<*>" with the WRAP characters that both
 * start with and both end with */
static PyObject *wild(PyObject *t, PyObject *w) {
    Py_ssize_t p, s, nt = PyUnicode_GET_LENGTH(t);
    wrap_lengths(t, w, &p, &s);
    if (p == 0 && s == 0) {
        Py_INCREF(s_wildcard);
        return s_wildcard;
    }
    PyObject *head = PyUnicode_Substring(t, 0, p), *out = NULL;
    if (head == NULL) return NULL;
    PyObject *mid = PyUnicode_Concat(head, s_wildcard);
    Py_DECREF(head);
    if (mid == NULL) return NULL;
    PyObject *tail = PyUnicode_Substring(t, nt - s, nt);
    if (tail != NULL) out = PyUnicode_Concat(mid, tail);
    Py_DECREF(mid);
    Py_XDECREF(tail);
    return out;
}

/* the token of the merged template at a position whose tokens differ: t itself when it covers w, else wild(t, w) */
static PyObject *merged_token(PyObject *t, PyObject *w) {
    if (wild_keeps(t, w)) {
        Py_INCREF(t);
        return t;
    }
    return wild(t, w);
}

/* drain.merge: the template generalised by a line (a new list), or NULL with no error when it covers the line */
PyObject *drain_merged(PyObject *template, PyObject *tokens) {
    Py_ssize_t n = PyList_GET_SIZE(template), widen = 0;
    if (n != PyList_GET_SIZE(tokens)) {
        PyErr_SetString(PyExc_ValueError, "a cluster's tokens differ in number from the line's");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n && !widen; i++) {
        PyObject *t = PyList_GET_ITEM(template, i);
        int eq = drain_same(t, PyList_GET_ITEM(tokens, i));
        if (eq < 0) return NULL;
        if (eq) continue;
        widen += !wild_keeps(t, PyList_GET_ITEM(tokens, i));
    }
    if (!widen) return NULL;
    PyObject *out = PyList_New(n);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(template, i), *v;
        int eq = drain_same(t, PyList_GET_ITEM(tokens, i));
        if (eq < 0 || (v = eq ? (Py_INCREF(t), t) : merged_token(t, PyList_GET_ITEM(tokens, i))) == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, v);
    }
    return out;
}

/* --- level words -------------------------------------------------------------------------------------- */

const char *const LEVEL_WORDS[] = {
    "trace", "trc", "debug", "dbg", "debu", "info", "inf", "information", "informational", "notice",
    "warn", "warning", "wrn", "error", "err", "eror", "crit", "critical", "fatal", "ftl",
    "panic", "emerg", "emergency", "alert", "severe", "fine", "finer", "finest", "verbose", NULL,
};
const char STRIP[] = "[](){}<>:;,.!'\"|=/-_#*";
const char WRAP[] = "()[]{},;:.!?'\"";

unsigned char strip_table[128]; /* 1 for the characters of STRIP (filled at import) */

static inline int stripped(Py_UCS4 ch) { return ch < 128 && strip_table[ch]; }

/* token.strip(tokens._STRIP).lower() in tokens.LEVEL_WORDS: only ASCII letters lower to the ASCII letters of a
 * level word (the one other character that lowers to ASCII, U+212A KELVIN SIGN, gives 'k', in none of them) */
static int is_level(PyObject *t) {
    Py_ssize_t lo = 0, hi = PyUnicode_GET_LENGTH(t);
    int kind = PyUnicode_KIND(t);
    const void *data = PyUnicode_DATA(t);
    while (lo < hi && stripped(PyUnicode_READ(kind, data, lo))) lo++;
    while (hi > lo && stripped(PyUnicode_READ(kind, data, hi - 1))) hi--;
    if (hi - lo < 3 || hi - lo > 13) return 0;
    char low[14];
    for (Py_ssize_t i = lo; i < hi; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch >= 'A' && ch <= 'Z') ch += 'a' - 'A';
        if (ch < 'a' || ch > 'z') return 0;
        low[i - lo] = (char)ch;
    }
    low[hi - lo] = 0;
    for (const char *const *w = LEVEL_WORDS; *w; w++)
        if ((*w)[0] == low[0] && strcmp(*w, low) == 0) return 1;
    return 0;
}

/* level_positions(tokens): ((index, token), ...) of the level words; () for most lines */
PyObject *drain_level_positions(PyObject *module, PyObject *tokens) {
    (void)module;
    if (!PyList_Check(tokens)) {
        PyErr_SetString(PyExc_TypeError, "level_positions() takes a list of str");
        return NULL;
    }
    PyObject *out = NULL;
    Py_ssize_t found = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) {
        PyObject *t = PyList_GET_ITEM(tokens, i);
        if (!PyUnicode_Check(t)) {
            Py_XDECREF(out);
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            return NULL;
        }
        if (!is_level(t)) continue;
        if (out == NULL && (out = PyList_New(0)) == NULL) return NULL;
        PyObject *pair = Py_BuildValue("(nO)", i, t);
        if (pair == NULL || PyList_Append(out, pair) < 0) {
            Py_XDECREF(pair);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(pair);
        found++;
    }
    if (out == NULL) return PyTuple_New(0);
    PyObject *tuple = PyList_AsTuple(out);
    Py_DECREF(out);
    return tuple;
}

