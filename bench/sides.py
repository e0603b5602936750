#!/usr/bin/env python3
"""Builds many small Emscripten side modules fast: in DIR, fK.c -> libK.so
for K < N, as `emcc -O2 -sSIDE_MODULE=1 fK.c -o libK.so` would.

emcc spends most of a small build starting Python and itself, so running
it 1000 times takes minutes. Instead, all objects are compiled by a few emcc
calls, lib0.so is linked by emcc with -v to learn the exact tool commands it
runs (wasm-ld, wasm-emscripten-finalize, wasm-opt), and every other library
is linked by running those commands with the file names changed. The replay
is checked: lib0.so rebuilt that way must be byte-identical to emcc's, else
every library is linked by emcc itself.

usage: sides.py DIR N [EMCC-FLAGS...]   (default flags: -O2)
"""
import concurrent.futures as cf
import os
import shlex
import subprocess
import sys


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"sides.py: {shlex.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stderr


def main():
    d, n, flags = sys.argv[1], int(sys.argv[2]), sys.argv[3:] or ["-O2"]
    emcc = ["emcc", *flags, "-sSIDE_MODULE=1"]
    jobs = os.cpu_count() or 2
    with cf.ThreadPoolExecutor(jobs) as pool:
        # Objects, in chunks: one emcc per chunk compiles each file with clang.
        srcs = [f"f{k}.c" for k in range(n)]
        chunk = max(1, (n + jobs * 4 - 1) // (jobs * 4))
        list(pool.map(lambda i: run(emcc + ["-c"] + srcs[i:i + chunk], d), range(0, n, chunk)))

        # The reference link, and what it ran.
        log = run(emcc + ["-v", "f0.o", "-o", "lib0.so"], d)
        cmds = [shlex.split(line) for line in log.splitlines() if line.startswith(' "')]

        def replay(k, out):
            for c in cmds:
                run([{"f0.o": f"f{k}.o", "lib0.so": out}.get(t, t) for t in c], d)

        ok = bool(cmds) and any("f0.o" in c for c in cmds)
        if ok:
            replay(0, "replay0.so")
            with open(os.path.join(d, "lib0.so"), "rb") as a, open(os.path.join(d, "replay0.so"), "rb") as b:
                ok = a.read() == b.read()
            os.remove(os.path.join(d, "replay0.so"))
        if not ok:
            print("sides.py: replaying emcc's link differs; linking each library with emcc", file=sys.stderr)
            link = lambda k: run(emcc + [f"f{k}.o", "-o", f"lib{k}.so"], d)
        else:
            link = lambda k: replay(k, f"lib{k}.so")
        list(pool.map(link, range(1, n)))


if __name__ == "__main__":
    main()
