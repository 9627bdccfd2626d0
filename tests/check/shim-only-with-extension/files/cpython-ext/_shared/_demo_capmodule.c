// `_demo_cap`: crc32 computed by whatever component exports pyforge:demo/checksum.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "gen/demo_cap_import.h"

static PyObject *
demo_crc32(PyObject *module, PyObject *args)
{
    Py_buffer buf;
    unsigned int value = 0;
    if (!PyArg_ParseTuple(args, "y*|I", &buf, &value)) {
        return NULL;
    }
    // The list is borrowed by the import: point it at the buffer, never free it here.
    demo_cap_import_list_u8_t data = { (uint8_t *)buf.buf, (size_t)buf.len };
    uint32_t result = pyforge_demo_checksum_crc32(&data, value);
    PyBuffer_Release(&buf);
    return PyLong_FromUnsignedLong(result);
}

static PyMethodDef demo_methods[] = {
    {"crc32", demo_crc32, METH_VARARGS, "crc32(data, value=0) -> int"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef demo_module = {
    PyModuleDef_HEAD_INIT, "_demo_cap", NULL, 0, demo_methods,
};

PyMODINIT_FUNC
PyInit__demo_cap(void)
{
    return PyModule_Create(&demo_module);
}
