// A second extension built from the same WIT world (only its module name differs).
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_demo2_cap", NULL, 0, NULL};

PyMODINIT_FUNC
PyInit__demo2_cap(void)
{
    return PyModule_Create(&module);
}
