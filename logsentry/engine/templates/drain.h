/* Shared by the template miner's C files (_drain.c: the module; drain_types.c: Cluster, Node, Unit, Template;
 * drain_search.c: the tree's search, paths, merge and level words; drain_miner.c: MinerCore, its add and create;
 * drain_id.c: a template's id). */

#ifndef LOGSENTRY_DRAIN_H
#define LOGSENTRY_DRAIN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *id, *tokens, *levels, *path, *text, *template;
    Py_ssize_t nparams, count;
    char alive;
} Cluster;

typedef struct {
    PyObject_HEAD
    PyObject *children; /* dict: key -> Node */
    PyObject *clusters; /* list of Cluster */
} Node;

typedef struct {
    PyObject_HEAD
    PyObject *tree;     /* drain.Tree */
    PyObject *clusters; /* OrderedDict: id -> Cluster, least recently seen first */
    PyObject *exact;    /* dict: message -> Cluster */
    PyObject *masked;   /* dict: masked line -> Cluster */
    PyObject *last;     /* the cluster last moved to the end of clusters (its move can be skipped), or None */
} Unit;

typedef struct {
    PyObject_HEAD
    PyObject *units;     /* OrderedDict: unit -> Unit, least recently seen first */
    PyObject *last_unit; /* the unit last moved to the end of units, or None: miner.py resets it when it moves one */
    Py_ssize_t cache_limit, max_tokens, max_templates;
    Py_ssize_t total, max_total; /* clusters over all units; past max_total (if > 0) create() calls _trim(unit) */
} MinerCore;

extern PyTypeObject ClusterType, NodeType, UnitType, MinerCoreType;

/* interned names and objects, set once at import (_drain.c) */
extern PyObject *s_move_to_end, *s_new_unit, *s_wildcard, *s_space, *s_ordered_dict, *s_id, *s_text, *s_roots,
    *s_levels, *s_similarity, *s_settled, *empty_tuple, *masked_key_fn, *template_cls, *s_remove,
    *s_popitem, *od_move_to_end, *s_trim;

extern const char *const LEVEL_WORDS[];
extern const char STRIP[];
extern const char WRAP[];
extern unsigned char strip_table[128];

PyObject *drain_node_new(PyTypeObject *type, PyObject *args, PyObject *kwds);
int drain_same(PyObject *a, PyObject *b);
int drain_is_param(PyObject *tok);
PyObject *drain_find(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *drain_path_for(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *drain_insert(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *drain_level_positions(PyObject *module, PyObject *tokens);
PyObject *drain_merged(PyObject *template, PyObject *tokens);
PyObject *drain_new_template(PyObject *cid, PyObject *text);
PyObject *drain_template(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *drain_template_id(PyObject *unit, PyObject *text, long salt);
PyObject *drain_template_id_fn(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#endif
