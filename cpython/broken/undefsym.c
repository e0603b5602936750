/* An extension module that needs a symbol nothing defines: loading it
 * fails (Python dlopens with RTLD_NOW) and import raises ImportError. */
#include <Python.h>

extern int dlrun_nowhere_defined(int);

static PyObject *call(PyObject *self, PyObject *arg) {
  return PyLong_FromLong(dlrun_nowhere_defined(1));
}

static PyMethodDef methods[] = {{"call", call, METH_NOARGS, NULL}, {NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "undefsym", NULL, -1, methods};

PyMODINIT_FUNC PyInit_undefsym(void) { return PyModule_Create(&module); }
