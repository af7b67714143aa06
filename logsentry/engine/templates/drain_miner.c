/* MinerCore, the base of miner.TemplateMiner: add() (both caches, the tree) and _create(). See _drain.c. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#include "drain.h"

/* --- MinerCore ---------------------------------------------------------------------------------------- */


static int core_traverse(MinerCore *m, visitproc visit, void *arg) {
    Py_VISIT(m->units); /* (a heap subclass's type is visited and released by Python's subtype slots) */
    Py_VISIT(m->last_unit);
    return 0;
}

static int core_clear(MinerCore *m) {
    Py_CLEAR(m->units);
    Py_CLEAR(m->last_unit);
    return 0;
}

static void core_dealloc(MinerCore *m) {
    PyObject_GC_UnTrack(m);
    core_clear(m);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int move_to_end(PyObject *od, PyObject *key) {
    PyObject *args[2] = {od, key};
    PyObject *r = Py_IS_TYPE(od, (PyTypeObject *)s_ordered_dict)
                      ? PyObject_Vectorcall(od_move_to_end, args, 2, NULL) /* OrderedDict.move_to_end(od, key) */
                      : PyObject_VectorcallMethod(s_move_to_end, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

/* The cluster becomes the unit's most recently seen: moved to the end of its clusters unless it is there (the
 * last one moved: every other move of a cluster, in miner.py, forgets that). */
static int touch(Unit *u, Cluster *c) {
    if (u->last == (PyObject *)c) return 0;
    if (move_to_end(u->clusters, c->id) < 0) return -1;
    Py_INCREF(c);
    Py_XSETREF(u->last, (PyObject *)c);
    return 0;
}

/* A cache hit: count the line, make the cluster the unit's most recently seen. */
static int seen(Unit *u, Cluster *c) {
    c->count++;
    return touch(u, c);
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
        cid = drain_template_id(unit, text, 0);
        for (long salt = 1; cid != NULL; salt++) {
            int in = PySequence_Contains(u->clusters, cid);
            if (in <= 0) {
                if (in < 0) Py_CLEAR(cid);
                break;
            }
            Py_DECREF(cid);
            cid = drain_template_id(unit, text, salt);
        }
        if (cid == NULL) goto fail;
    } else {
        Py_INCREF(cid);
    }
    if (path == NULL || path == Py_None) {
        PyObject *depth = NULL, *max_children = NULL;
        if ((roots = PyObject_GetAttr(u->tree, s_roots)) == NULL ||
            (depth = PyObject_GetAttr(u->tree, s_levels)) == NULL ||
            (max_children = PyObject_GetAttrString(u->tree, "max_children")) == NULL) {
            Py_XDECREF(depth);
            goto fail;
        }
        PyObject *a[4] = {roots, depth, max_children, tokens};
        path = drain_path_for(NULL, a, 4);
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
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tokens); i++) c->nparams += drain_is_param(PyList_GET_ITEM(tokens, i));
    if ((c->template = drain_new_template(c->id, c->text)) == NULL) goto fail;
    if (roots == NULL && (roots = PyObject_GetAttr(u->tree, s_roots)) == NULL) goto fail;
    PyObject *ia[2] = {roots, (PyObject *)c};
    PyObject *r = drain_insert(NULL, ia, 2);
    if (r == NULL) goto fail;
    Py_DECREF(r);
    if (PyObject_SetItem(u->clusters, c->id, (PyObject *)c) < 0) goto fail;
    self->total++;
    Py_INCREF(c);
    Py_XSETREF(u->last, (PyObject *)c); /* new, so at the end (eviction takes from the front) */
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
        self->total--;
        PyObject *ra[2] = {u->tree, old};
        r = PyObject_VectorcallMethod(s_remove, ra, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(pair);
        if (r == NULL) goto fail;
        Py_DECREF(r);
    }
    if (self->max_total > 0 && self->total > self->max_total) { /* least recently seen units' clusters go */
        PyObject *ta[2] = {(PyObject *)self, unit};
        r = PyObject_VectorcallMethod(s_trim, ta, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
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
    if ((levels = drain_level_positions(NULL, tokens)) == NULL ||
        (roots = PyObject_GetAttr(u->tree, s_roots)) == NULL ||
        (depth = PyObject_GetAttr(u->tree, s_levels)) == NULL ||
        (similarity = PyObject_GetAttr(u->tree, s_similarity)) == NULL ||
        (settled = PyObject_GetAttr(u->tree, s_settled)) == NULL)
        goto done;
    PyObject *fargs[6] = {roots, depth, tokens, levels, similarity, settled};
    c = drain_find(NULL, fargs, 6);
    if (c == NULL) goto done;
    if (c == Py_None) {
        Py_DECREF(c);
        c = create(self, unit, u, tokens, levels, NULL, NULL);
        goto done;
    }
    Cluster *cl = (Cluster *)c;
    PyObject *out = drain_merged(cl->tokens, tokens);
    if (out == NULL && PyErr_Occurred()) goto fail;
    if (out != NULL) {
        PyObject *text = PyUnicode_Join(s_space, out);
        if (text == NULL) {
            Py_DECREF(out);
            goto fail;
        }
        Py_ssize_t nparams = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(out); i++) nparams += drain_is_param(PyList_GET_ITEM(out, i));
        Py_SETREF(cl->tokens, out);
        Py_SETREF(cl->text, text);
        cl->nparams = nparams;
        PyObject *t = drain_new_template(cl->id, cl->text);
        if (t == NULL) goto fail;
        Py_XSETREF(cl->template, t);
    }
    cl->count++;
    if (touch(u, cl) < 0) goto fail;
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
        Py_INCREF(unit);
        Py_XSETREF(self->last_unit, unit); /* added at the end (eviction takes from the front) */
    } else {
        Py_INCREF(found);
        /* moved to the end unless it is the unit last moved there (miner.py forgets that when it moves one) */
        int last = self->last_unit == NULL ? 0 : self->last_unit == unit ? 1 : drain_same(self->last_unit, unit);
        if (last < 0) goto fail_found;
        if (!last) {
            if (move_to_end(self->units, unit) < 0) goto fail_found;
            Py_INCREF(unit);
            Py_XSETREF(self->last_unit, unit);
        }
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
    {"_last_unit", T_OBJECT, offsetof(MinerCore, last_unit), 0, "the unit last moved to the end, or None"},
    {"max_templates_per_unit", T_PYSSIZET, offsetof(MinerCore, max_templates), 0, "clusters kept per unit"},
    {"max_templates", T_PYSSIZET, offsetof(MinerCore, max_total), 0, "clusters kept in all (0: no bound)"},
    {"_total", T_PYSSIZET, offsetof(MinerCore, total), 0, "clusters over all units (miner.py keeps it when it evicts)"},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject MinerCoreType = {
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
