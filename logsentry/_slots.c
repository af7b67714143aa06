/* logsentry._slots: frozen slotted dataclasses made without their __init__.

   The engine makes a few frozen objects per candidate line (model.Entry in the readers, model.Incident for every
   hit of an open incident, model.Hit, events.MatchEvent): their generated __init__ costs 1-6 us each
   (object.__setattr__ per field), the single largest share of a candidate's cost after matching. One small
   module of its own, used by sources and engine alike. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

/* A frozen dataclass's __init__ sets each field through object.__setattr__ (its own __setattr__ refuses),
   a slot-wrapper call each: model.Entry's ten cost about 4 us (measured), most of what a candidate costs
   the follower. SlotMaker(cls, names) checks that `names` are every slot `cls` has (member descriptors of
   `cls` itself, no __dict__, no base with slots of its own), each once; calling it with one value per name
   makes an instance holding exactly those values, as cls(*values) would when its __post_init__ changes
   nothing for them (the caller's business: sources/values.py). */
typedef struct {
    PyObject_HEAD
    PyTypeObject *type;
    Py_ssize_t n;
    Py_ssize_t offsets[32];
} SlotMaker;

static int SlotMaker_init(SlotMaker *m, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"cls", "names", NULL};
    PyObject *cls, *names;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!", keywords, &PyType_Type, &cls, &PyTuple_Type, &names))
        return -1;
    PyTypeObject *type = (PyTypeObject *)cls;
    Py_ssize_t n = PyTuple_GET_SIZE(names), slots = 0;
    if (n > (Py_ssize_t)(sizeof m->offsets / sizeof m->offsets[0]) || type->tp_dictoffset != 0 ||
        type->tp_base != &PyBaseObject_Type || type->tp_itemsize != 0) {
        PyErr_Format(PyExc_TypeError, "SlotMaker: %s is not a plain class with at most 32 slots", type->tp_name);
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t at = 0, offsets[sizeof m->offsets / sizeof m->offsets[0]]; /* m's own only once all are good */
    while (PyDict_Next(type->tp_dict, &at, &key, &value))
        slots += Py_IS_TYPE(value, &PyMemberDescr_Type);
    if (slots != n) {
        PyErr_Format(PyExc_ValueError, "SlotMaker: %s has %zd slots, %zd names given", type->tp_name, slots, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        PyObject *descr = PyUnicode_Check(name) ? PyDict_GetItemWithError(type->tp_dict, name) : NULL;
        if (!descr && PyErr_Occurred())
            return -1;
        PyMemberDef *member = descr && Py_IS_TYPE(descr, &PyMemberDescr_Type) ? ((PyMemberDescrObject *)descr)->d_member
                                                                              : NULL;
        if (!member || ((PyDescrObject *)descr)->d_type != type || member->type != T_OBJECT_EX ||
            (member->flags & READONLY)) {
            PyErr_Format(PyExc_ValueError, "SlotMaker: %R is not a slot of %s", name, type->tp_name);
            return -1;
        }
        for (Py_ssize_t j = 0; j < i; j++)
            if (offsets[j] == member->offset) {
                PyErr_Format(PyExc_ValueError, "SlotMaker: %R is named twice", name);
                return -1;
            }
        offsets[i] = member->offset;
    }
    memcpy(m->offsets, offsets, (size_t)n * sizeof offsets[0]);
    Py_INCREF(type);
    Py_XSETREF(m->type, type);
    m->n = n;
    return 0;
}

static PyObject *SlotMaker_call(SlotMaker *m, PyObject *args, PyObject *kwargs) {
    if (!m->type || (kwargs && PyDict_GET_SIZE(kwargs)) || PyTuple_GET_SIZE(args) != m->n) {
        PyErr_Format(PyExc_TypeError, "SlotMaker takes %zd positional values", m->n);
        return NULL;
    }
    PyObject *made = m->type->tp_alloc(m->type, 0);
    if (!made)
        return NULL;
    for (Py_ssize_t i = 0; i < m->n; i++) {
        PyObject *value = PyTuple_GET_ITEM(args, i);
        Py_INCREF(value);
        *(PyObject **)((char *)made + m->offsets[i]) = value;
    }
    return made;
}

static void SlotMaker_dealloc(SlotMaker *m) {
    Py_XDECREF(m->type);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static PyTypeObject SlotMakerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "logsentry._slots.SlotMaker",
    .tp_basicsize = sizeof(SlotMaker),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "SlotMaker(cls, names)(*values): an instance of a frozen slotted class holding the values.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SlotMaker_init,
    .tp_call = (ternaryfunc)SlotMaker_call,
    .tp_dealloc = (destructor)SlotMaker_dealloc,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_slots", "Frozen slotted dataclasses made without their __init__.", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__slots(void) {
    if (PyType_Ready(&SlotMakerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&SlotMakerType);
    if (PyModule_AddObject(m, "SlotMaker", (PyObject *)&SlotMakerType) < 0) {
        Py_DECREF(&SlotMakerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
