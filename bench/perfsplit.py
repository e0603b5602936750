#!/usr/bin/env python3
"""Splits a `perf script -F comm,tid,ip,sym` dump (recorded with call
graphs) of dlrun runs into phases, as a markdown table.

Each sample is walked from its leaf towards the root; the first frame that
names a known phase decides where the sample goes, so a memcpy done while
deserializing counts as deserializing, and the same memcpy while reading a
file counts as reading. Samples of guest code have no symbol (wasmtime's
JIT code is anonymous memory) and are told by their caller.

usage: perfsplit.py DUMP [TOP]   (TOP: how many functions to list, default 12)
"""
import collections
import re
import sys

GUEST = "guest wasm code"
# (phase, pattern on one frame's symbol), tried in order on each frame.
PHASES = [
    ("SHA-256 (cache key and entry checksum)", r"^sha2::"),
    ("compile (Cranelift)", r"cranelift|Module::new|build_artifacts|wasmtime::compile::"),
    ("deserialize compiled module (wasmtime)", r"Module::deserialize|Module::from_parts|serde|wasmtime_environ::.*deserialize|CodeMemory::publish|CodeMemory::new"),
    ("read files (main.wasm, libraries, cache entries)", r"^std::fs::read|^std::io::default_read_to_end|^std::fs::File::open"),
    ("parse wasm metadata (dlrun modinfo)", r"^dlrun::modinfo::"),
    ("instantiate (wasmtime)", r"Instance::new|InstancePre|wasmtime::runtime::vm::instance::"),
    ("link (dlrun loader: symbols, imports, slots, stand-ins)", r"^dlrun::(loader|symbols|plt|process|dlfcn|dylink)::"),
    ("host functions (dlrun libc ABI)", r"^dlrun::abi::"),
    ("cache lookup (other)", r"^dlrun::cache::"),
    (GUEST, r"^<wasm|^wasm\[|^dlrun::abi::emscripten::call_main|^dlrun::abi::wasi::call_start|array_call_trampoline|host_to_wasm"),
    ("tear down (drop the store, unmap memory)", r"drop_in_place<wasmtime|drop_in_place<dlrun|__run_exit_handlers|^exit$"),
    ("ld.so (loading the dlrun binary)", r"^_dl_|^dl_main$|^_dl_start"),
    ("process start/exit (kernel: exec, page tables)", r"^(begin_new_exec|load_elf_binary|do_exit|exit_mmap|__x64_sys_exit_group)$"),
]
COMPILED = [(name, re.compile(p)) for name, p in PHASES]
OTHER_RUN = "other, within dlrun::run"
LIBC = "libc malloc/free/memcpy/munmap, caller not unwound"
LIBC_RX = re.compile(r"malloc|free|memcpy|memmove|memset|munmap|unlink_chunk|^_int_|^__GI_")
OTHER = "other (process startup, kernel)"


def samples(path):
    comm, frames = None, []
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                if comm is not None:
                    yield comm, frames
                comm, frames = None, []
            elif not line[0].isspace():
                comm = line.split()[0]
            else:
                parts = line.strip().split(None, 1)
                frames.append(parts[1] if len(parts) > 1 else "[unknown]")
    if comm is not None:
        yield comm, frames


def phase(frames):
    # A user-space leaf without a symbol is JIT code: perf cannot unwind
    # through it, so its callers are often lost.
    if frames[0] == "[unknown]":
        return GUEST
    for sym in frames:
        for name, rx in COMPILED:
            if rx.search(sym):
                return name
    if any(s == "dlrun::run" or s.startswith("dlrun::run ") for s in frames):
        return OTHER_RUN
    # perf's DWARF unwinder often stops inside libc's assembly routines.
    if any(LIBC_RX.search(s) for s in frames):
        return LIBC
    return OTHER


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    phases = collections.Counter()
    leaves = collections.Counter()
    owners = collections.Counter()
    total = 0
    for comm, frames in samples(path):
        if comm != "dlrun" or not frames:
            continue
        total += 1
        phases[phase(frames)] += 1
        leaves[re.sub(r" \(inlined\)$", "", frames[0])[:90]] += 1
        own = next((f for f in frames if f.startswith("dlrun::")), None)
        if own:
            owners[re.sub(r" \(inlined\)$", "", own)[:90]] += 1
    if not total:
        print("(no samples)")
        return
    print(f"{total} samples of dlrun (cpu-clock).\n")
    print("| phase | share of samples |\n| --- | ---: |")
    for name, n in phases.most_common():
        print(f"| {name} | {100 * n / total:.1f}% |")
    def listing(title, counter):
        print(f"\n{title}\n\n| function | share |\n| --- | ---: |")
        for sym, n in counter.most_common(top):
            print(f"| `{sym.replace('|', '/')}` | {100 * n / total:.1f}% |")

    listing("Innermost dlrun function on the stack (with what it calls outside dlrun):", owners)
    listing("Hottest leaf functions:", leaves)


if __name__ == "__main__":
    main()
