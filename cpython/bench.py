# The CPython workload of `make bench`: JSON, SQLite, struct/array/math and
# plain bytecode, most of its time in C extension modules loaded as side
# modules. Prints a digest of its results, so that every runner can be
# checked to compute the same thing. argv[1]: a scale (default 1).
import array
import hashlib
import json
import math
import random
import sqlite3
import struct
import sys

scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rng = random.Random(1234)
digest = hashlib.sha256()

# JSON: documents built, dumped and parsed again.
docs = [{"id": i, "name": "item-%d" % i, "tags": [rng.choice("abcdef") for _ in range(5)],
         "price": round(rng.random() * 100, 2), "nested": {"k": list(range(i % 10))}}
        for i in range(2000)]
for _ in range(10 * scale):
    text = json.dumps(docs, sort_keys=True)
    docs = json.loads(text)
digest.update(text.encode())

# SQLite: inserts in a transaction, an index, grouped queries.
db = sqlite3.connect(":memory:")
db.execute("create table sales (id integer primary key, region text, item int, qty int, price real)")
with db:
    db.executemany("insert into sales (region, item, qty, price) values (?, ?, ?, ?)",
                   ((rng.choice(["n", "s", "e", "w"]), rng.randrange(500), rng.randrange(1, 20),
                     rng.random() * 50) for _ in range(40000 * scale)))
db.execute("create index by_item on sales (item)")
for region, total in db.execute("select region, round(sum(qty * price), 2) from sales group by region order by region"):
    digest.update(("%s %.2f" % (region, total)).encode())
for item in range(0, 500, 5):
    (n,) = db.execute("select count(*) from sales where item = ?", (item,)).fetchone()
    digest.update(str(n).encode())

# struct, array and math over a block of numbers.
values = array.array("d", (math.sin(i) * 1000 for i in range(100000 * scale)))
packed = struct.pack("<%dd" % len(values), *values)
total = sum(struct.unpack_from("<d", packed, 8 * i)[0] for i in range(0, len(values), 7))
digest.update(("%.3f" % total).encode())
digest.update(("%.6f" % math.fsum(math.sqrt(abs(v)) for v in values)).encode())

# Plain bytecode: a sieve and string work.
limit = 200000 * scale
sieve = bytearray([1]) * limit
sieve[0:2] = b"\0\0"
for i in range(2, int(limit ** 0.5) + 1):
    if sieve[i]:
        sieve[i * i::i] = bytes(len(range(i * i, limit, i)))
words = " ".join("w%d" % (i % 997) for i in range(100000 * scale)).split()
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
digest.update(("%d %d" % (sum(sieve), max(counts.values()))).encode())

print(digest.hexdigest())
