/* The template miner's hot path in C: what every line pays (the exact-line and masked-line caches, the Drain
 * tree's leaf search and similarity, the level words), so that a new line costs about its masking.
 *
 * Types: Cluster (one template), Node (one node of a unit's prefix tree), Unit (a unit's tree and caches) and
 * MinerCore, the base class of miner.TemplateMiner, whose add() runs both caches, the tree and a new cluster's
 * making (its id included) here and calls back into Python only for a new unit (TemplateMiner._new_unit) and
 * an evicted cluster's pruning (Tree.remove). Files: drain_types.c (the types but MinerCore), drain_search.c
 * (the tree's search, paths, level words), drain_miner.c (MinerCore), drain_id.c (a template's id), this one (the
 * module). The rules are drain.py's and miner.py's docstrings'; tests/templates_reference.py is the pure-Python
 * reference that tests/test_templates_differential.py holds these files to (ids, texts, counts, order, snapshots).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#include "drain.h"

PyObject *s_move_to_end, *s_new_unit, *s_wildcard, *s_space, *s_ordered_dict, *s_id, *s_text, *s_roots, *s_levels,
    *s_similarity, *s_settled, *empty_tuple, *masked_key_fn, *template_cls, *s_remove, *s_popitem, *s_trim,
    *od_move_to_end;

/* --- module ------------------------------------------------------------------------------------------- */

static PyObject *py_setup(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2 || !PyCallable_Check(args[0]) || !PyType_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "setup(masked_key: callable, template: type)");
        return NULL;
    }
    Py_INCREF(args[0]);
    Py_XSETREF(masked_key_fn, args[0]);
    Py_INCREF(args[1]);
    Py_XSETREF(template_cls, args[1]);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"find", (PyCFunction)(void (*)(void))drain_find, METH_FASTCALL,
     "find(roots, depth_levels, tokens, levels, similarity, settled) -> the best Cluster or None (drain.Tree.find)"},
    {"path_for", (PyCFunction)(void (*)(void))drain_path_for, METH_FASTCALL,
     "path_for(roots, depth_levels, max_children, tokens) -> the keys a new cluster hangs under"},
    {"insert", (PyCFunction)(void (*)(void))drain_insert, METH_FASTCALL, "insert(roots, cluster): hang it in the tree"},
    {"template", (PyCFunction)(void (*)(void))drain_template, METH_FASTCALL,
     "template(cid, text) -> miner.Template(cid, text)"},
    {"level_positions", drain_level_positions, METH_O,
     "level_positions(tokens) -> ((index, token), ...) of every token that is a level word"},
    {"template_id", (PyCFunction)(void (*)(void))drain_template_id_fn, METH_FASTCALL,
     "template_id(unit, text, salt=0) -> a template's id (drain_id.c)"},
    {"setup", (PyCFunction)(void (*)(void))py_setup, METH_FASTCALL,
     "setup(masked_key, Template): how MinerCore keys its masked cache and makes templates"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_drain", "The template miner's hot path (see miner.py)",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__drain(void) {
    s_move_to_end = PyUnicode_InternFromString("move_to_end");
    s_new_unit = PyUnicode_InternFromString("_new_unit");
    s_remove = PyUnicode_InternFromString("remove");
    s_popitem = PyUnicode_InternFromString("popitem");
    s_trim = PyUnicode_InternFromString("_trim");
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
        !s_levels || !s_similarity || !s_settled || !empty_tuple || !s_remove || !s_popitem || !s_trim)
        return NULL;
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL) return NULL;
    s_ordered_dict = PyObject_GetAttrString(collections, "OrderedDict");
    Py_DECREF(collections);
    if (s_ordered_dict == NULL || !PyType_Check(s_ordered_dict)) return NULL;
    od_move_to_end = PyObject_GetAttr(s_ordered_dict, s_move_to_end);
    if (od_move_to_end == NULL) return NULL;
    for (const char *ch = STRIP; *ch; ch++) strip_table[(unsigned char)*ch] = 1;
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
