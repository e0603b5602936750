# dlrun: `make setup` once on a fresh Debian machine, then `make test`.
.PHONY: setup build test test-rust test-readme test-c check-node python test-python bench fuzz clean

setup:
	toolchain/setup

build:
	cargo build

test: build test-rust test-readme test-c test-python

test-rust:
	cargo test

# Runs the README's tutorial as written, in a fresh environment, and checks
# what it prints, so that README and behaviour cannot drift apart.
test-readme: build
	tests/readme-examples

# Twice: with Cranelift's code, which every warm run has, and with Winch's,
# which a first run has.
test-c: build
	c-tests/run
	DLRUN_COMPILER=winch c-tests/run

# Runs every C test under node with Emscripten's own JS loader, to check that
# the expected outputs are what node prints (tests marked glibc are skipped).
check-node:
	c-tests/run --node

# CPython 3.11 from Debian's source package, with emcc (stdlib extension
# modules as side modules) and natively with gcc, into build/python/
# (cpython/build; ~6 minutes the first time, then only what changed).
python:
	cpython/build

# CPython's behaviour under dlrun: imports through dlopen, import errors,
# exceptions out of C, exit statuses, networking in a sandbox. Part of
# `make test`: on a fresh clone it takes about 7 minutes, the emcc build of
# CPython included; the native one, for comparison, is left to `make python`
# and `make bench` (CI: about 24 minutes in all on two cores).
test-python: build
	cpython/build wasm
	cpython/test

# Builds dlrun and examples/reload in release mode and the bench fixtures
# (into build/bench/), runs the dlopen/dlclose soak test and the thread
# benchmarks, measures dlrun
# against node and native code and in-process loads (examples/reload), and
# writes BENCHMARKS.md; then prints its table of targets.
bench:
	cargo build --release --bin dlrun --example reload
	bench/soak
	bench/threads
	bench/run
	sed -n '/^## Where we stand/,/^<!-- analysis -->/{/^<!--/d;p}' BENCHMARKS.md

# Fuzzes each target of fuzz/ (the dylink parsers, the load path, the dlfcn
# host calls) for FUZZ_SECONDS, one process each, after seeding the corpora
# from the C tests' modules (when make test has built them). cargo-fuzz is
# installed on first use; RUSTC_BOOTSTRAP lets a stable toolchain take the
# nightly flags it passes. A crash stops here, its input in fuzz/artifacts/.
# dlfcn's inputs are call lists: long ones from the start, or libFuzzer
# spends the run on a few calls.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= dylink load dlfcn
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	fuzz/seed
	for t in $(FUZZ_TARGETS); do \
	  case $$t in dlfcn) long="-len_control=0 -max_len=2048" ;; *) long= ;; esac; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $$t fuzz/corpus/$$t \
	    $$(ls -d fuzz/seeds/$$t 2>/dev/null) -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 $$long </dev/null || exit 1; \
	done

clean:
	rm -rf build target fuzz/target
