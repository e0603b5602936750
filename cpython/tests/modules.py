# Every stdlib extension module built as a side module imports (through
# dlopen and dlsym of PyInit_NAME) and works.
import importlib.machinery
import sys

shared = ["_json", "math", "cmath", "array", "_struct", "_csv", "_random", "_bisect",
          "_heapq", "_datetime", "_pickle", "_statistics", "_queue", "_zoneinfo", "_sqlite3"]
suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
for name in shared:
    mod = importlib.import_module(name)
    print(name, "shared" if mod.__file__.endswith(suffixes) else "builtin?")

import json, math, cmath, array, struct, csv, io, random, bisect, heapq, datetime, pickle, statistics, queue

print(json.dumps({"b": [1, 2.5, None], "a": "\u00e9"}, sort_keys=True))
print(json.loads('{"x": [1, 2, {"y": "z"}]}'))
print(json.decoder.c_scanstring is not None)
print(math.factorial(20), math.gcd(84, 36), round(math.sqrt(2), 12), math.isclose(math.pi, 3.141592653589793))
print(cmath.sqrt(-4))
a = array.array("i", range(5)); a.append(7); print(a.tolist(), a.itemsize)
print(struct.pack("<iHq", -2, 513, 2**40).hex(), struct.unpack(">d", struct.pack(">d", 1.5)))
rows = list(csv.reader(io.StringIO('a,"b,c",d\n1,2,3\n')))
print(rows)
r = random.Random(42); print([r.randrange(100) for _ in range(5)])
xs = [1, 3, 5, 7]; bisect.insort(xs, 4); print(xs, bisect.bisect_left(xs, 5))
h = [5, 1, 4, 2]; heapq.heapify(h); print([heapq.heappop(h) for _ in range(4)])
print(datetime.date(2024, 2, 28) + datetime.timedelta(days=2), datetime.datetime(2020, 1, 1, 12).isoformat())
print(pickle.loads(pickle.dumps({"k": (1, 2), "s": {3}})))
print(statistics.mean([1, 2, 3, 4]), statistics.median([5, 1, 3]))
q = queue.SimpleQueue(); q.put(1); q.put(2); print(q.get(), q.get())
print(sorted(m for m in sys.modules if m in shared))
