// `_fixture`: a plain C extension (no WIT world, no caps) linked into python.wasm by
// `pyforge build` in the tests.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
fixture_add(PyObject *module, PyObject *args)
{
    long long a, b;
    if (!PyArg_ParseTuple(args, "LL", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLongLong(a + b);
}

static PyObject *
fixture_greet(PyObject *module, PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "greet() expects a str");
        return NULL;
    }
    return PyUnicode_FromFormat("hello, %U (from C)", name);
}

static PyMethodDef fixture_methods[] = {
    {"add", fixture_add, METH_VARARGS, "add(a, b) -> a + b"},
    {"greet", fixture_greet, METH_O, "greet(name) -> str"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fixture_module = {
    PyModuleDef_HEAD_INIT, "_fixture", "A C extension linked by pyforge build.", 0, fixture_methods,
};

PyMODINIT_FUNC
PyInit__fixture(void)
{
    return PyModule_Create(&fixture_module);
}
