# dlrun: `make setup` once on a fresh Debian machine, then `make test`.
.PHONY: setup build test test-rust test-c check-node bench clean

setup:
	toolchain/setup

build:
	cargo build

test: build test-rust test-c

test-rust:
	cargo test

test-c: build
	c-tests/run

# Runs every C test under node with Emscripten's own JS loader, to check that
# the expected outputs are what node prints (tests marked glibc are skipped).
check-node:
	c-tests/run --node

# Builds dlrun in release mode and its bench fixtures (into build/bench/),
# runs the dlopen/dlclose soak test, measures dlrun against node and native
# code, and writes BENCHMARKS.md.
bench:
	cargo build --release
	bench/soak
	bench/run

clean:
	rm -rf build target
