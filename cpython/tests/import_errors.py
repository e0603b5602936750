# A missing or broken extension module raises ImportError every time it is
# imported, and a failed load leaves no trace: the next import tries again,
# and good modules still import. argv[1]: a directory holding the broken
# modules built by cpython/build; argv[2]: a writable directory.
import importlib.machinery
import os
import re
import sys

broken, scratch = sys.argv[1], sys.argv[2]
suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
with open(os.path.join(scratch, "garbage" + suffix), "wb") as f:
    f.write(b"\0asm\x01\0\0\0 this is not a module")
with open(os.path.join(scratch, "empty" + suffix), "wb") as f:
    pass
sys.path[:0] = [broken, scratch]

def attempt(name, show):
    for _ in range(2):
        try:
            __import__(name)
            print(name, "imported?!")
        except ImportError as e:
            print(name, type(e).__name__, "name=" + str(e.name), name in sys.modules, show(str(e)))

# The loader's message names the file (its wording for a bad file is the
# loader's own), and the symbol it misses as glibc words it.
names_file = lambda name: lambda msg: "names the file" if name + suffix in msg else msg
without_dirs = lambda msg: re.sub(r"\S*/", "", msg).replace(suffix, ".so")
attempt("no_such_module", str)
attempt("garbage", names_file("garbage"))
attempt("empty", names_file("empty"))
attempt("undefsym", without_dirs)
attempt("noinit", without_dirs)
import _json
print(_json.__name__, "imported after the failures")
os.remove(os.path.join(scratch, "garbage" + suffix))
os.remove(os.path.join(scratch, "empty" + suffix))
