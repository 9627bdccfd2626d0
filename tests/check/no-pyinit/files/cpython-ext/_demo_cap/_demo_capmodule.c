// The init function is named for another module than the manifest's `module_name`.
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_demo", NULL, 0, NULL};

PyMODINIT_FUNC
PyInit__demo(void)
{
    return PyModule_Create(&module);
}
