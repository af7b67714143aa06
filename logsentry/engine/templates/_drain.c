/* The template miner's hot path in C: what every line pays (the exact-line and masked-line caches, the Drain
 * tree's leaf search and similarity, the level words), so that a new line costs about its masking.
 *
 * Types: Cluster (one template), Node (one node of a unit's prefix tree), Unit (a unit's tree and caches) and
 * MinerCore, the base class of miner.TemplateMiner, whose add() runs both caches here and calls back into
 * Python (TemplateMiner._new_unit, TemplateMiner._tree) only for a new unit or a line no cache knows. The
 * rules are drain.py's and miner.py's docstrings'; tests/templates_reference.py is the pure-Python reference
 * that tests/test_templates_differential.py holds this file to (ids, texts, counts, order, snapshots).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

static PyObject *s_move_to_end, *s_new_unit, *s_wildcard, *s_space, *s_ordered_dict, *s_id, *s_text,
    *s_roots, *s_levels, *s_similarity, *s_settled, *empty_tuple, *masked_key_fn, *template_cls,
    *template_id_fn, *s_remove, *s_popitem;

/* --- Cluster ------------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *id, *tokens, *levels, *path, *text, *template;
    Py_ssize_t nparams, count;
    char alive;
} Cluster;

static PyTypeObject ClusterType;

static int cluster_traverse(Cluster *c, visitproc visit, void *arg) {
    Py_VISIT(c->id);
    Py_VISIT(c->tokens);
    Py_VISIT(c->levels);
    Py_VISIT(c->path);
    Py_VISIT(c->text);
    Py_VISIT(c->template);
    return 0;
}

static int cluster_clear(Cluster *c) {
    Py_CLEAR(c->id);
    Py_CLEAR(c->tokens);
    Py_CLEAR(c->levels);
    Py_CLEAR(c->path);
    Py_CLEAR(c->text);
    Py_CLEAR(c->template);
    return 0;
}

static void cluster_dealloc(Cluster *c) {
    PyObject_GC_UnTrack(c);
    cluster_clear(c);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

/* Cluster(cid, tokens, levels, path): count 0, alive, nparams and text from the tokens, no template yet */
static int cluster_init(Cluster *c, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"cid", "tokens", "levels", "path", NULL};
    PyObject *cid, *tokens, *levels, *path;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!OO:Cluster", kwlist, &cid, &PyList_Type, &tokens, &levels,
                                     &path))
        return -1;
    Py_ssize_t nparams = 0, n = PyList_GET_SIZE(tokens);
    for (Py_ssize_t i = 0; i < n; i++) {
        int eq = PyObject_RichCompareBool(PyList_GET_ITEM(tokens, i), s_wildcard, Py_EQ);
        if (eq < 0) return -1;
        nparams += eq;
    }
    PyObject *text = PyUnicode_Join(s_space, tokens);
    if (text == NULL) return -1;
    Py_INCREF(cid);
    Py_INCREF(tokens);
    Py_INCREF(levels);
    Py_INCREF(path);
    Py_INCREF(Py_None);
    Py_XSETREF(c->id, cid);
    Py_XSETREF(c->tokens, tokens);
    Py_XSETREF(c->levels, levels);
    Py_XSETREF(c->path, path);
    Py_XSETREF(c->text, text);
    Py_XSETREF(c->template, Py_None);
    c->nparams = nparams;
    c->count = 0;
    c->alive = 1;
    return 0;
}

static PyMemberDef cluster_members[] = {
    {"id", T_OBJECT_EX, offsetof(Cluster, id), 0, "fixed when the cluster is created"},
    {"tokens", T_OBJECT_EX, offsetof(Cluster, tokens), 0, "the template's tokens (list of str)"},
    {"levels", T_OBJECT_EX, offsetof(Cluster, levels), 0, "(index, token) of its level words"},
    {"path", T_OBJECT_EX, offsetof(Cluster, path), 0, "the tree keys it hangs under"},
    {"text", T_OBJECT_EX, offsetof(Cluster, text), 0, "the tokens joined by one space"},
    {"template", T_OBJECT_EX, offsetof(Cluster, template), 0, "the miner's Template for this cluster"},
    {"nparams", T_PYSSIZET, offsetof(Cluster, nparams), 0, "how many tokens are <*>"},
    {"count", T_PYSSIZET, offsetof(Cluster, count), 0, "lines learnt"},
    {"alive", T_BOOL, offsetof(Cluster, alive), 0, "False once evicted"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject ClusterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.engine.templates._drain.Cluster",
    .tp_doc = "One template: its tokens, the level words it carries, where it hangs in the tree.",
    .tp_basicsize = sizeof(Cluster),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)cluster_init,
    .tp_dealloc = (destructor)cluster_dealloc,
    .tp_traverse = (traverseproc)cluster_traverse,
    .tp_clear = (inquiry)cluster_clear,
    .tp_members = cluster_members,
};

/* --- Node --------------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *children; /* dict: key -> Node */
    PyObject *clusters; /* list of Cluster */
} Node;

static PyTypeObject NodeType;

static int node_traverse(Node *n, visitproc visit, void *arg) {
    Py_VISIT(n->children);
    Py_VISIT(n->clusters);
    return 0;
}

static int node_clear(Node *n) {
    Py_CLEAR(n->children);
    Py_CLEAR(n->clusters);
    return 0;
}

static void node_dealloc(Node *n) {
    PyObject_GC_UnTrack(n);
    node_clear(n);
    Py_TYPE(n)->tp_free((PyObject *)n);
}

static PyObject *node_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (PyTuple_GET_SIZE(args) || (kwds != NULL && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Node() takes no arguments");
        return NULL;
    }
    Node *n = (Node *)type->tp_alloc(type, 0);
    if (n == NULL) return NULL;
    n->children = PyDict_New();
    n->clusters = PyList_New(0);
    if (n->children == NULL || n->clusters == NULL) {
        Py_DECREF(n);
        return NULL;
    }
    return (PyObject *)n;
}

static PyMemberDef node_members[] = {
    {"children", T_OBJECT_EX, offsetof(Node, children), READONLY, "key -> Node"},
    {"clusters", T_OBJECT_EX, offsetof(Node, clusters), READONLY, "the clusters of a leaf"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject NodeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.engine.templates._drain.Node",
    .tp_doc = "One node of a unit's prefix tree: its children by key, the clusters of a leaf.",
    .tp_basicsize = sizeof(Node),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = node_new,
    .tp_dealloc = (destructor)node_dealloc,
    .tp_traverse = (traverseproc)node_traverse,
    .tp_clear = (inquiry)node_clear,
    .tp_members = node_members,
};

/* --- Unit --------------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *tree;     /* drain.Tree */
    PyObject *clusters; /* OrderedDict: id -> Cluster, least recently seen first */
    PyObject *exact;    /* dict: message -> Cluster */
    PyObject *masked;   /* dict: masked line -> Cluster */
} Unit;

static PyTypeObject UnitType;

static int unit_traverse(Unit *u, visitproc visit, void *arg) {
    Py_VISIT(u->tree);
    Py_VISIT(u->clusters);
    Py_VISIT(u->exact);
    Py_VISIT(u->masked);
    return 0;
}

static int unit_clear(Unit *u) {
    Py_CLEAR(u->tree);
    Py_CLEAR(u->clusters);
    Py_CLEAR(u->exact);
    Py_CLEAR(u->masked);
    return 0;
}

static void unit_dealloc(Unit *u) {
    PyObject_GC_UnTrack(u);
    unit_clear(u);
    Py_TYPE(u)->tp_free((PyObject *)u);
}

/* Unit(tree): empty clusters and caches */
static PyObject *unit_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"tree", NULL};
    PyObject *tree;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Unit", kwlist, &tree)) return NULL;
    Unit *u = (Unit *)type->tp_alloc(type, 0);
    if (u == NULL) return NULL;
    Py_INCREF(tree);
    u->tree = tree;
    u->clusters = PyObject_CallNoArgs(s_ordered_dict);
    u->exact = PyDict_New();
    u->masked = PyDict_New();
    if (u->clusters == NULL || u->exact == NULL || u->masked == NULL) {
        Py_DECREF(u);
        return NULL;
    }
    return (PyObject *)u;
}

static PyMemberDef unit_members[] = {
    {"tree", T_OBJECT_EX, offsetof(Unit, tree), READONLY, "the unit's prefix tree"},
    {"clusters", T_OBJECT_EX, offsetof(Unit, clusters), READONLY, "id -> Cluster, least recently seen first"},
    {"exact", T_OBJECT_EX, offsetof(Unit, exact), READONLY, "message -> Cluster"},
    {"masked", T_OBJECT_EX, offsetof(Unit, masked), READONLY, "masked line -> Cluster"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject UnitType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.engine.templates._drain.Unit",
    .tp_doc = "One unit's prefix tree, its clusters by id and its two line caches.",
    .tp_basicsize = sizeof(Unit),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = unit_new,
    .tp_dealloc = (destructor)unit_dealloc,
    .tp_traverse = (traverseproc)unit_traverse,
    .tp_clear = (inquiry)unit_clear,
    .tp_members = unit_members,
};

static PyObject *new_template(PyObject *cid, PyObject *text);

/* --- the tree's search -------------------------------------------------------------------------------- */

/* str == str, as Python's == (a token is a str; anything else is compared by Python) */
static int same(PyObject *a, PyObject *b) {
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
            int eq = same(ts[i], words[i]);
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
                int eq = same(ts[i], words[i]);
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
static PyObject *py_find(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
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
static PyObject *py_path_for(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
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
static PyObject *py_insert(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
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
        if (PyErr_Occurred() || (node = node_new(&NodeType, empty_tuple, NULL)) == NULL) {
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
            if (PyErr_Occurred() || (child = node_new(&NodeType, empty_tuple, NULL)) == NULL) goto fail;
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

/* template(cid, text): miner.Template(cid, text), made as new_template does */
static PyObject *py_template(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "template(cid, text)");
        return NULL;
    }
    return new_template(args[0], args[1]);
}

/* --- level words -------------------------------------------------------------------------------------- */

static const char *const LEVEL_WORDS[] = {
    "trace", "trc", "debug", "dbg", "debu", "info", "inf", "information", "informational", "notice",
    "warn", "warning", "wrn", "error", "err", "eror", "crit", "critical", "fatal", "ftl",
    "panic", "emerg", "emergency", "alert", "severe", "fine", "finer", "finest", "verbose", NULL,
};
static const char STRIP[] = "[](){}<>:;,.!'\"|=/-_#*";

static int stripped(Py_UCS4 ch) { return ch < 128 && ch != 0 && strchr(STRIP, (int)ch) != NULL; }

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
static PyObject *py_level_positions(PyObject *module, PyObject *tokens) {
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

/* --- MinerCore ---------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *units; /* OrderedDict: unit -> Unit, least recently seen first */
    Py_ssize_t cache_limit, max_tokens, max_templates;
} MinerCore;

static int core_traverse(MinerCore *m, visitproc visit, void *arg) {
    Py_VISIT(m->units); /* (a heap subclass's type is visited and released by Python's subtype slots) */
    return 0;
}

static int core_clear(MinerCore *m) {
    Py_CLEAR(m->units);
    return 0;
}

static void core_dealloc(MinerCore *m) {
    PyObject_GC_UnTrack(m);
    core_clear(m);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int move_to_end(PyObject *od, PyObject *key) {
    PyObject *args[2] = {od, key};
    PyObject *r = PyObject_VectorcallMethod(s_move_to_end, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

/* A cache hit: count the line, make the cluster the unit's most recently seen. */
static int seen(Unit *u, Cluster *c) {
    c->count++;
    return move_to_end(u->clusters, c->id);
}

static int cache(PyObject *dict, PyObject *key, PyObject *c, Py_ssize_t limit) {
    if (PyDict_GET_SIZE(dict) >= limit) PyDict_Clear(dict);
    return PyDict_SetItem(dict, key, c);
}

/* A live cluster cached under key, as a borrowed reference; NULL with no error set when there is none. */
static Cluster *cached(PyObject *dict, PyObject *key) {
    PyObject *c = PyDict_GetItemWithError(dict, key);
    if (c == NULL) return NULL;
    if (!Py_IS_TYPE(c, &ClusterType)) {
        PyErr_SetString(PyExc_TypeError, "a template cache holds something that is no Cluster");
        return NULL;
    }
    return ((Cluster *)c)->alive ? (Cluster *)c : NULL;
}

static PyObject *template_of(Cluster *c) {
    if (c->template == NULL) {
        PyErr_SetString(PyExc_AttributeError, "a cluster without a template");
        return NULL;
    }
    Py_INCREF(c->template);
    return c->template;
}

/* A Template(cid, text) as the frozen dataclass's __init__ makes it (its slots set past its __setattr__). */
static PyObject *new_template(PyObject *cid, PyObject *text) {
    if (template_cls == NULL || !PyType_Check(template_cls)) {
        PyErr_SetString(PyExc_RuntimeError, "_drain.setup() was not called");
        return NULL;
    }
    PyTypeObject *tt = (PyTypeObject *)template_cls;
    PyObject *t = tt->tp_new(tt, empty_tuple, NULL);
    if (t == NULL) return NULL;
    if (PyObject_GenericSetAttr(t, s_id, cid) < 0 || PyObject_GenericSetAttr(t, s_text, text) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

/* drain.merge: the template generalised by a line (a new list), or NULL with no error when it covers the line */
static PyObject *merged(PyObject *template, PyObject *tokens) {
    Py_ssize_t n = PyList_GET_SIZE(template), widen = 0;
    if (n != PyList_GET_SIZE(tokens)) {
        PyErr_SetString(PyExc_ValueError, "a cluster's tokens differ in number from the line's");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(template, i);
        int eq = same(t, PyList_GET_ITEM(tokens, i));
        if (eq < 0) return NULL;
        if (eq) continue;
        if ((eq = same(t, s_wildcard)) < 0) return NULL;
        widen += !eq;
    }
    if (!widen) return NULL;
    PyObject *out = PyList_New(n);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(template, i);
        int eq = same(t, PyList_GET_ITEM(tokens, i));
        if (eq < 0) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *v = eq ? t : s_wildcard;
        Py_INCREF(v);
        PyList_SET_ITEM(out, i, v);
    }
    return out;
}

/* A new cluster of these tokens in the unit: its id (a hash of unit and text, salted past the ids in use) unless
 * given, its path in the tree unless given; then the unit's least recently seen clusters beyond the limit go. */
static PyObject *create(MinerCore *self, PyObject *unit, Unit *u, PyObject *tokens, PyObject *levels, PyObject *cid,
                        PyObject *path) {
    if (!PyList_Check(tokens)) {
        PyErr_SetString(PyExc_TypeError, "tokens must be a list");
        return NULL;
    }
    Cluster *c = NULL;
    PyObject *text = PyUnicode_Join(s_space, tokens), *roots = NULL;
    if (text == NULL) return NULL;
    if (cid == NULL || cid == Py_None) {
        PyObject *a[3] = {unit, text, NULL};
        cid = PyObject_Vectorcall(template_id_fn, a, 2, NULL);
        for (long salt = 1; cid != NULL; salt++) {
            int in = PySequence_Contains(u->clusters, cid);
            if (in <= 0) {
                if (in < 0) Py_CLEAR(cid);
                break;
            }
            Py_DECREF(cid);
            if ((a[2] = PyLong_FromLong(salt)) == NULL) break;
            cid = PyObject_Vectorcall(template_id_fn, a, 3, NULL);
            Py_CLEAR(a[2]);
        }
        if (cid == NULL) goto fail;
    } else {
        Py_INCREF(cid);
    }
    if (path == NULL || path == Py_None) {
        PyObject *depth = NULL, *max_children = NULL;
        if ((roots = PyObject_GetAttr(u->tree, s_roots)) == NULL || (depth = PyObject_GetAttr(u->tree, s_levels)) == NULL ||
            (max_children = PyObject_GetAttrString(u->tree, "max_children")) == NULL) {
            Py_XDECREF(depth);
            goto fail;
        }
        PyObject *a[4] = {roots, depth, max_children, tokens};
        path = py_path_for(NULL, a, 4);
        Py_DECREF(depth);
        Py_DECREF(max_children);
        if (path == NULL) goto fail;
    } else {
        Py_INCREF(path);
    }
    c = (Cluster *)PyType_GenericAlloc(&ClusterType, 0);
    if (c == NULL) {
        Py_DECREF(path);
        goto fail;
    }
    Py_INCREF(tokens);
    Py_INCREF(levels);
    c->id = cid;
    c->tokens = tokens;
    c->levels = levels;
    c->path = path;
    c->text = text;
    text = cid = NULL;
    c->count = 1;
    c->alive = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) {
        int eq = same(PyList_GET_ITEM(tokens, i), s_wildcard);
        if (eq < 0) goto fail;
        c->nparams += eq;
    }
    if ((c->template = new_template(c->id, c->text)) == NULL) goto fail;
    if (roots == NULL && (roots = PyObject_GetAttr(u->tree, s_roots)) == NULL) goto fail;
    PyObject *ia[2] = {roots, (PyObject *)c};
    PyObject *r = py_insert(NULL, ia, 2);
    if (r == NULL) goto fail;
    Py_DECREF(r);
    if (PyObject_SetItem(u->clusters, c->id, (PyObject *)c) < 0) goto fail;
    while (PyObject_Length(u->clusters) > self->max_templates) {
        PyObject *a[2] = {u->clusters, Py_False};
        PyObject *pair = PyObject_VectorcallMethod(s_popitem, a, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (pair == NULL) goto fail;
        PyObject *old = PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2 ? PyTuple_GET_ITEM(pair, 1) : NULL;
        if (old == NULL || !Py_IS_TYPE(old, &ClusterType)) {
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "a unit's clusters hold something that is no Cluster");
            goto fail;
        }
        ((Cluster *)old)->alive = 0;
        PyObject *ra[2] = {u->tree, old};
        r = PyObject_VectorcallMethod(s_remove, ra, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(pair);
        if (r == NULL) goto fail;
        Py_DECREF(r);
    }
    Py_DECREF(roots);
    return (PyObject *)c;
fail:
    Py_XDECREF(text);
    Py_XDECREF(cid);
    Py_XDECREF(roots);
    Py_XDECREF(c);
    return NULL;
}

/* _create(unit, u, tokens, levels, cid=None, path=None) -> Cluster: see create() (restore() gives cid and path) */
static PyObject *core_create(MinerCore *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"unit", "u", "tokens", "levels", "cid", "path", NULL};
    PyObject *unit, *u, *tokens, *levels, *cid = Py_None, *path = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O!O|OO:_create", kwlist, &unit, &UnitType, &u, &PyList_Type,
                                     &tokens, &levels, &cid, &path))
        return NULL;
    return create(self, unit, (Unit *)u, tokens, levels, cid, path);
}

/* A masked line no cache holds: the unit's tree finds its cluster (generalised by the line, counted, moved to
 * most recently seen) or TemplateMiner._create makes one. A new reference to the Cluster. */
static PyObject *tree_learn(MinerCore *self, PyObject *unit, Unit *u, PyObject *key) {
    PyObject *tokens = PyUnicode_GET_LENGTH(key) ? PyUnicode_Split(key, s_space, -1) : PyList_New(0);
    if (tokens == NULL) return NULL;
    PyObject *levels = NULL, *roots = NULL, *depth = NULL, *similarity = NULL, *settled = NULL, *c = NULL;
    if ((levels = py_level_positions(NULL, tokens)) == NULL || (roots = PyObject_GetAttr(u->tree, s_roots)) == NULL ||
        (depth = PyObject_GetAttr(u->tree, s_levels)) == NULL ||
        (similarity = PyObject_GetAttr(u->tree, s_similarity)) == NULL ||
        (settled = PyObject_GetAttr(u->tree, s_settled)) == NULL)
        goto done;
    PyObject *fargs[6] = {roots, depth, tokens, levels, similarity, settled};
    c = py_find(NULL, fargs, 6);
    if (c == NULL) goto done;
    if (c == Py_None) {
        Py_DECREF(c);
        c = create(self, unit, u, tokens, levels, NULL, NULL);
        goto done;
    }
    Cluster *cl = (Cluster *)c;
    PyObject *out = merged(cl->tokens, tokens);
    if (out == NULL && PyErr_Occurred()) goto fail;
    if (out != NULL) {
        PyObject *text = PyUnicode_Join(s_space, out);
        if (text == NULL) {
            Py_DECREF(out);
            goto fail;
        }
        Py_ssize_t nparams = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(out); i++) {
            int eq = same(PyList_GET_ITEM(out, i), s_wildcard);
            if (eq < 0) {
                Py_DECREF(out);
                Py_DECREF(text);
                goto fail;
            }
            nparams += eq;
        }
        Py_SETREF(cl->tokens, out);
        Py_SETREF(cl->text, text);
        cl->nparams = nparams;
        PyObject *t = new_template(cl->id, cl->text);
        if (t == NULL) goto fail;
        Py_XSETREF(cl->template, t);
    }
    cl->count++;
    if (move_to_end(u->clusters, cl->id) < 0) goto fail;
    goto done;
fail:
    Py_CLEAR(c);
done:
    Py_DECREF(tokens);
    Py_XDECREF(levels);
    Py_XDECREF(roots);
    Py_XDECREF(depth);
    Py_XDECREF(similarity);
    Py_XDECREF(settled);
    return c;
}

/* add(unit, message): learn from this line and return its template (miner.py says how) */
static PyObject *core_add(MinerCore *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "add() takes 2 arguments (unit, message), %zd given", nargs);
        return NULL;
    }
    PyObject *unit = args[0], *message = args[1];
    if (self->units == NULL || !PyDict_Check(self->units)) {
        PyErr_SetString(PyExc_TypeError, "the miner's units are not set up");
        return NULL;
    }
    PyObject *found = PyDict_GetItemWithError(self->units, unit);
    Unit *u;
    if (found == NULL) {
        if (PyErr_Occurred()) return NULL;
        PyObject *a[2] = {(PyObject *)self, unit};
        found = PyObject_VectorcallMethod(s_new_unit, a, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (found == NULL) return NULL;
    } else {
        Py_INCREF(found);
        if (move_to_end(self->units, unit) < 0) goto fail_found;
    }
    if (!Py_IS_TYPE(found, &UnitType)) {
        PyErr_SetString(PyExc_TypeError, "the miner's units hold something that is no Unit");
        goto fail_found;
    }
    u = (Unit *)found;
    Cluster *c = cached(u->exact, message);
    if (c != NULL) {
        Py_INCREF(c);
        PyObject *t = seen(u, c) < 0 ? NULL : template_of(c);
        Py_DECREF(c);
        Py_DECREF(found);
        return t;
    }
    if (PyErr_Occurred()) goto fail_found;
    PyObject *margs[2] = {message, NULL};
    margs[1] = PyLong_FromSsize_t(self->max_tokens);
    if (margs[1] == NULL) goto fail_found;
    PyObject *key = PyObject_Vectorcall(masked_key_fn, margs, 2, NULL);
    Py_DECREF(margs[1]);
    if (key == NULL) goto fail_found;
    PyObject *learnt; /* the cluster, a new reference */
    c = cached(u->masked, key);
    if (c != NULL) {
        Py_INCREF(c);
        learnt = (PyObject *)c;
        if (seen(u, c) < 0) goto fail_learnt;
    } else {
        if (PyErr_Occurred()) goto fail_key;
        learnt = tree_learn(self, unit, u, key);
        if (learnt == NULL) goto fail_key;
        if (cache(u->masked, key, learnt, self->cache_limit) < 0) goto fail_learnt;
    }
    Py_DECREF(key);
    key = NULL;
    if (cache(u->exact, message, learnt, self->cache_limit) < 0) goto fail_learnt;
    PyObject *t = template_of((Cluster *)learnt);
    Py_DECREF(learnt);
    if (t == NULL) goto fail_found;
    Py_DECREF(found);
    return t;
fail_learnt:
    Py_DECREF(learnt);
fail_key:
    Py_XDECREF(key);
fail_found:
    Py_DECREF(found);
    return NULL;
}

static PyMethodDef core_methods[] = {
    {"_create", (PyCFunction)(void (*)(void))core_create, METH_VARARGS | METH_KEYWORDS,
     "_create(unit, u, tokens, levels, cid=None, path=None) -> a new Cluster in the unit (evicting beyond the limit)"},
    {"add", (PyCFunction)(void (*)(void))core_add, METH_FASTCALL,
     "add(unit, message) -> Template: learn from this line and return its template"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef core_members[] = {
    {"_units", T_OBJECT_EX, offsetof(MinerCore, units), 0, "unit -> Unit, least recently seen first"},
    {"_cache_limit", T_PYSSIZET, offsetof(MinerCore, cache_limit), 0, "cached lines per unit and cache"},
    {"max_tokens", T_PYSSIZET, offsetof(MinerCore, max_tokens), 0, "lines are cut to this many tokens"},
    {"max_templates_per_unit", T_PYSSIZET, offsetof(MinerCore, max_templates), 0, "clusters kept per unit"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject MinerCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.engine.templates._drain.MinerCore",
    .tp_doc = "The base of miner.TemplateMiner: add() and the fields it reads.",
    .tp_basicsize = sizeof(MinerCore),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)core_dealloc,
    .tp_traverse = (traverseproc)core_traverse,
    .tp_clear = (inquiry)core_clear,
    .tp_methods = core_methods,
    .tp_members = core_members,
};

/* --- module ------------------------------------------------------------------------------------------- */

static PyObject *py_setup(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 3 || !PyCallable_Check(args[0]) || !PyType_Check(args[1]) || !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "setup(masked_key: callable, template: type, template_id: callable)");
        return NULL;
    }
    Py_INCREF(args[0]);
    Py_XSETREF(masked_key_fn, args[0]);
    Py_INCREF(args[1]);
    Py_XSETREF(template_cls, args[1]);
    Py_INCREF(args[2]);
    Py_XSETREF(template_id_fn, args[2]);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"find", (PyCFunction)(void (*)(void))py_find, METH_FASTCALL,
     "find(roots, depth_levels, tokens, levels, similarity, settled) -> the best Cluster or None (drain.Tree.find)"},
    {"path_for", (PyCFunction)(void (*)(void))py_path_for, METH_FASTCALL,
     "path_for(roots, depth_levels, max_children, tokens) -> the keys a new cluster hangs under"},
    {"insert", (PyCFunction)(void (*)(void))py_insert, METH_FASTCALL, "insert(roots, cluster): hang it in the tree"},
    {"template", (PyCFunction)(void (*)(void))py_template, METH_FASTCALL,
     "template(cid, text) -> miner.Template(cid, text)"},
    {"level_positions", py_level_positions, METH_O,
     "level_positions(tokens) -> ((index, token), ...) of every token that is a level word"},
    {"setup", (PyCFunction)(void (*)(void))py_setup, METH_FASTCALL,
     "setup(masked_key, Template, template_id): how MinerCore keys its masked cache, makes templates and their ids"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_drain", "The template miner's hot path (see miner.py)",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__drain(void) {
    s_move_to_end = PyUnicode_InternFromString("move_to_end");
    s_new_unit = PyUnicode_InternFromString("_new_unit");
    s_remove = PyUnicode_InternFromString("remove");
    s_popitem = PyUnicode_InternFromString("popitem");
    s_wildcard = PyUnicode_InternFromString("<*>");
    s_space = PyUnicode_InternFromString(" ");
    s_id = PyUnicode_InternFromString("id");
    s_text = PyUnicode_InternFromString("text");
    s_roots = PyUnicode_InternFromString("roots");
    s_levels = PyUnicode_InternFromString("levels");
    s_similarity = PyUnicode_InternFromString("similarity");
    s_settled = PyUnicode_InternFromString("settled");
    empty_tuple = PyTuple_New(0);
    if (!s_move_to_end || !s_new_unit || !s_wildcard || !s_space || !s_id || !s_text || !s_roots ||
        !s_levels || !s_similarity || !s_settled || !empty_tuple || !s_remove || !s_popitem)
        return NULL;
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL) return NULL;
    s_ordered_dict = PyObject_GetAttrString(collections, "OrderedDict");
    Py_DECREF(collections);
    if (s_ordered_dict == NULL) return NULL;
    if (PyType_Ready(&ClusterType) < 0 || PyType_Ready(&NodeType) < 0 || PyType_Ready(&UnitType) < 0 ||
        PyType_Ready(&MinerCoreType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddType(m, &ClusterType) < 0 || PyModule_AddType(m, &NodeType) < 0 ||
        PyModule_AddType(m, &UnitType) < 0 || PyModule_AddType(m, &MinerCoreType) < 0)
        goto fail;
    /* the tables is_level() uses, for the test that holds them to tokens.LEVEL_WORDS and tokens.STRIP */
    Py_ssize_t nwords = 0;
    while (LEVEL_WORDS[nwords]) nwords++;
    PyObject *words = PyTuple_New(nwords);
    if (words == NULL) goto fail;
    for (Py_ssize_t i = 0; i < nwords; i++) {
        PyObject *w = PyUnicode_FromString(LEVEL_WORDS[i]);
        if (w == NULL) {
            Py_DECREF(words);
            goto fail;
        }
        PyTuple_SET_ITEM(words, i, w);
    }
    if (PyModule_AddObject(m, "level_words", words) < 0) {
        Py_DECREF(words);
        goto fail;
    }
    if (PyModule_AddStringConstant(m, "strip_chars", STRIP) < 0) goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
