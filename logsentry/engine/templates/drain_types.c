/* The template miner's types: Cluster (one template), Node (of a unit's prefix tree), Unit (a unit's tree
 * and caches), and a miner.Template made without its Python __init__. See _drain.c. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#include "drain.h"

/* --- Cluster ------------------------------------------------------------------------------------------ */



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
        PyObject *tok = PyList_GET_ITEM(tokens, i);
        if (!PyUnicode_Check(tok)) {
            PyErr_SetString(PyExc_TypeError, "a cluster's tokens are str");
            return -1;
        }
        nparams += drain_is_param(tok);
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

PyTypeObject ClusterType = {
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

PyObject *drain_node_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
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

PyTypeObject NodeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry.engine.templates._drain.Node",
    .tp_doc = "One node of a unit's prefix tree: its children by key, the clusters of a leaf.",
    .tp_basicsize = sizeof(Node),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = drain_node_new,
    .tp_dealloc = (destructor)node_dealloc,
    .tp_traverse = (traverseproc)node_traverse,
    .tp_clear = (inquiry)node_clear,
    .tp_members = node_members,
};

/* --- Unit --------------------------------------------------------------------------------------------- */



static int unit_traverse(Unit *u, visitproc visit, void *arg) {
    Py_VISIT(u->tree);
    Py_VISIT(u->clusters);
    Py_VISIT(u->exact);
    Py_VISIT(u->masked);
    Py_VISIT(u->last);
    return 0;
}

static int unit_clear(Unit *u) {
    Py_CLEAR(u->tree);
    Py_CLEAR(u->clusters);
    Py_CLEAR(u->exact);
    Py_CLEAR(u->masked);
    Py_CLEAR(u->last);
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
    {"_last", T_OBJECT, offsetof(Unit, last), 0, "the cluster last moved to the end (None after a move elsewhere)"},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject UnitType = {
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

/* --- Template ---------------------------------------------------------------------------------------- */

/* A Template(cid, text) as the frozen dataclass's __init__ makes it (its slots set past its __setattr__). */
PyObject *drain_new_template(PyObject *cid, PyObject *text) {
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

/* template(cid, text): miner.Template(cid, text), made as new_template does */
PyObject *drain_template(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "template(cid, text)");
        return NULL;
    }
    return drain_new_template(args[0], args[1]);
}
