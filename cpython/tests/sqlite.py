# _sqlite3, with SQLite linked into the side module: SQL, types, and
# errors raised from C.
import sqlite3

print(sqlite3.sqlite_version)
db = sqlite3.connect(":memory:")
db.execute("create table t (id integer primary key, name text unique, score real)")
db.executemany("insert into t (name, score) values (?, ?)", [("ann", 3.5), ("bob", 2.0), ("cy", 4.25)])
print(db.execute("select count(*), sum(score), max(name) from t").fetchone())
print(db.execute("select name from t where score > ? order by score desc", (3,)).fetchall())
try:
    db.execute("insert into t (name, score) values ('ann', 1)")
except sqlite3.IntegrityError as e:
    print("IntegrityError:", e)
try:
    db.execute("select nope from t")
except sqlite3.OperationalError as e:
    print("OperationalError:", e)
db.create_function("twice", 1, lambda x: 2 * x)
print(db.execute("select twice(score) from t where id = 2").fetchone())
row = db.execute("select json_object('n', name) from t where id = 1").fetchone()
print(row)
db.close()
try:
    db.execute("select 1")
except sqlite3.ProgrammingError as e:
    print("ProgrammingError:", e)
