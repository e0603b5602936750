/* The project's own CPython extension module, built outside CPython's tree
 * the way a third-party one is: a function, a type with state and methods,
 * and an exception of its own raised from C. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *DemoError;

/* checksum(bytes) -> int: Adler-32, so the result can be checked against
 * zlib's by hand. Raises DemoError on empty input. */
static PyObject *demo_checksum(PyObject *self, PyObject *args) {
  Py_buffer buf;
  if (!PyArg_ParseTuple(args, "y*", &buf))
    return NULL;
  if (buf.len == 0) {
    PyBuffer_Release(&buf);
    PyErr_SetString(DemoError, "checksum of nothing");
    return NULL;
  }
  unsigned long a = 1, b = 0;
  const unsigned char *p = buf.buf;
  for (Py_ssize_t i = 0; i < buf.len; i++) {
    a = (a + p[i]) % 65521;
    b = (b + a) % 65521;
  }
  PyBuffer_Release(&buf);
  return PyLong_FromUnsignedLong((b << 16) | a);
}

typedef struct {
  PyObject_HEAD
  long long total;
  long count;
} Counter;

static PyObject *counter_add(Counter *self, PyObject *args) {
  long long n;
  if (!PyArg_ParseTuple(args, "L", &n))
    return NULL;
  if (n < 0) {
    PyErr_Format(PyExc_ValueError, "cannot add %lld", n);
    return NULL;
  }
  self->total += n;
  self->count++;
  Py_INCREF(self);
  return (PyObject *)self;
}

static PyObject *counter_mean(Counter *self, PyObject *unused) {
  if (self->count == 0) {
    PyErr_SetString(DemoError, "mean of no values");
    return NULL;
  }
  return PyFloat_FromDouble((double)self->total / self->count);
}

static PyObject *counter_repr(Counter *self) {
  return PyUnicode_FromFormat("Counter(total=%lld, count=%ld)", self->total, self->count);
}

static PyMethodDef counter_methods[] = {
    {"add", (PyCFunction)counter_add, METH_VARARGS, "Add a non-negative number; returns self."},
    {"mean", (PyCFunction)counter_mean, METH_NOARGS, "The mean of the numbers added."},
    {NULL},
};

static PyTypeObject CounterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dlrundemo.Counter",
    .tp_basicsize = sizeof(Counter),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Sums and counts integers.",
    .tp_new = PyType_GenericNew,
    .tp_repr = (reprfunc)counter_repr,
    .tp_methods = counter_methods,
};

static PyMethodDef demo_methods[] = {
    {"checksum", demo_checksum, METH_VARARGS, "Adler-32 of a bytes-like object."},
    {NULL},
};

static struct PyModuleDef demo_module = {
    PyModuleDef_HEAD_INIT, "dlrundemo", "dlrun's demonstration extension module.", -1, demo_methods,
};

PyMODINIT_FUNC PyInit_dlrundemo(void) {
  if (PyType_Ready(&CounterType) < 0)
    return NULL;
  PyObject *m = PyModule_Create(&demo_module);
  if (m == NULL)
    return NULL;
  DemoError = PyErr_NewException("dlrundemo.DemoError", PyExc_RuntimeError, NULL);
  Py_INCREF(DemoError);
  Py_INCREF(&CounterType);
  if (PyModule_AddObject(m, "DemoError", DemoError) < 0 ||
      PyModule_AddObject(m, "Counter", (PyObject *)&CounterType) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
