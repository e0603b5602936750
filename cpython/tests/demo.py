# The project's own extension module: a function, a type, and exceptions
# raised from C.
import dlrundemo

print(dlrundemo.__doc__)
print(dlrundemo.checksum(b"Wikipedia"))
c = dlrundemo.Counter()
c.add(3).add(4).add(8)
print(c, c.mean())
try:
    dlrundemo.checksum(b"")
except dlrundemo.DemoError as e:
    print("DemoError:", e, isinstance(e, RuntimeError))
try:
    c.add(-1)
except ValueError as e:
    print("ValueError:", e)
try:
    dlrundemo.Counter().mean()
except RuntimeError as e:
    print(type(e).__name__ + ":", e)
class Sub(dlrundemo.Counter):
    pass
print(Sub().add(10).mean())
