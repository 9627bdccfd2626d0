// The init function is declared but never defined.
#include <Python.h>

PyMODINIT_FUNC PyInit__demo_cap(void);
