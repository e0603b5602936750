//! End-to-end checks of `dlrun cache` and of the cache's size bound
//! (DLRUN_CACHE_MAX_SIZE) across runs.

mod common;

use std::path::Path;
use std::process::Command;

use common::{dlrun, main_wat, seven_program, workdir, write_wat};

/// main.wasm returning what `seven()` of its NEEDED libseven.so returns
/// (7), and a main returning 3 with no library.
fn programs(dir: &Path) {
    seven_program(dir);
    write_wat(dir, "three.wasm", &main_wat(&[], "", "i32.const 3"));
}

/// Runs dlrun in `dir` with DLRUN_CACHE_MAX_SIZE set to `max`: (exit
/// status, stdout, stderr).
fn dlrun_bounded(dir: &Path, max: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("DLRUN_CACHE_MAX_SIZE", max)
        .env("DLRUN_COMPILER", "cranelift")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The value `info` prints on the line starting with `field`.
fn info_field(dir: &Path, args: &[&str], field: &str) -> String {
    let (status, out, err) = dlrun(dir, args);
    assert_eq!(status, 0, "{err}");
    out.lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {field} in {out}"))
}

/// The names of the entries of code `cache list` prints, least recently
/// used first.
fn listed(dir: &Path, args: &[&str]) -> Vec<String> {
    listed_all(dir, args)
        .into_iter()
        .filter(|name| !name.ends_with(".record"))
        .collect()
}

/// Every name `cache list` prints, records' (`NAME.record`) too.
fn listed_all(dir: &Path, args: &[&str]) -> Vec<String> {
    let (status, out, err) = dlrun(dir, args);
    assert_eq!(status, 0, "{err}");
    out.lines()
        .map(|l| l.split_whitespace().last().unwrap().to_string())
        .collect()
}

#[test]
fn info_list_and_clean_show_and_empty_the_cache() {
    let dir = workdir("cache-sub");
    programs(&dir);
    assert_eq!(dlrun(&dir, &["--cache-dir", "c", "main.wasm"]).0, 7);
    let info = ["cache", "info", "--cache-dir", "c"];
    let count: usize = info_field(&dir, &info, "entries:").parse().unwrap();
    assert!(count >= 2, "main and its library: {count}");
    assert_eq!(info_field(&dir, &info, "directory:"), "c");
    assert_eq!(info_field(&dir, &info, "limit:"), "1G");
    let names = listed(&dir, &["cache", "--cache-dir", "c", "list"]);
    assert_eq!(names.len(), count);
    for name in &names {
        assert!(
            dir.join("c").join(format!("{name}.cwasm")).exists(),
            "{name}"
        );
    }
    let records: usize = info_field(&dir, &info, "records:").parse().unwrap();
    let all = listed_all(&dir, &["cache", "--cache-dir", "c", "list"]);
    assert_eq!(all.len(), count + records);
    for record in all.iter().filter(|n| n.ends_with(".record")) {
        assert!(dir.join("c").join(record).exists(), "{record}");
    }

    let (status, out, err) = dlrun(&dir, &["cache", "clean", "--cache-dir", "c"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains(&format!("removed {count} entries")), "{out}");
    assert_eq!(info_field(&dir, &info, "entries:"), "0");
    assert!(dir.join("c/key").exists(), "the key stays");
    assert_eq!(dlrun(&dir, &["--cache-dir", "c", "main.wasm"]).0, 7);
    assert_eq!(
        listed(&dir, &["cache", "list", "--cache-dir", "c"]).len(),
        count
    );
}

#[test]
fn the_default_location_is_used_without_cache_dir() {
    let dir = workdir("cache-default");
    programs(&dir);
    assert_eq!(dlrun(&dir, &["three.wasm"]).0, 3);
    let shown = info_field(&dir, &["cache", "info"], "directory:");
    assert_eq!(Path::new(&shown), dir.join(".cache/dlrun"));
    assert!(!listed(&dir, &["cache", "list"]).is_empty());
}

#[test]
fn the_size_bound_evicts_on_store_and_prune_applies_it() {
    let dir = workdir("cache-bound");
    programs(&dir);
    assert_eq!(dlrun(&dir, &["main.wasm"]).0, 7);
    let before = listed(&dir, &["cache", "list"]);
    // One byte holds nothing but the entry just stored, which stays.
    assert_eq!(dlrun_bounded(&dir, "1", &["three.wasm"]).0, 3);
    let after = listed(&dir, &["cache", "list"]);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(
        !before.contains(&after[0]),
        "three.wasm's entry is the one kept"
    );
    assert_eq!(
        dlrun(&dir, &["main.wasm"]).0,
        7,
        "evicted entries compile again"
    );

    let (status, out, err) = dlrun_bounded(&dir, "1K", &["cache", "prune"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("limit 1K"), "{out}");
    assert!(listed(&dir, &["cache", "list"]).is_empty());
}

#[test]
fn a_bad_size_bound_is_refused_naming_the_variable() {
    let dir = workdir("cache-badbound");
    programs(&dir);
    for args in [&["three.wasm"][..], &["cache", "info"]] {
        let (status, _, err) = dlrun_bounded(&dir, "lots", args);
        assert_eq!(status, 2, "{args:?}");
        assert!(err.contains("DLRUN_CACHE_MAX_SIZE"), "{err}");
    }
    assert_eq!(dlrun_bounded(&dir, "2G", &["three.wasm"]).0, 3);
    assert_eq!(
        dlrun_bounded(&dir, "lots", &["--no-cache", "three.wasm"]).0,
        3,
        "no cache, no bound to read"
    );
}

#[test]
fn cache_has_its_own_help_and_wants_an_action() {
    let dir = workdir("cache-help");
    let (status, out, _) = dlrun(&dir, &["cache", "--help"]);
    assert_eq!(status, 0);
    for action in ["info", "list", "clean", "prune", "DLRUN_CACHE_MAX_SIZE"] {
        assert!(out.contains(action), "{action}: {out}");
    }
    assert_eq!(dlrun(&dir, &["cache"]).0, 2);
    assert_eq!(dlrun(&dir, &["cache", "bogus"]).0, 2);
}

#[test]
fn without_a_cache_directory_cache_says_why() {
    let dir = workdir("cache-nodir");
    let out = Command::new(env!("CARGO_BIN_EXE_dlrun"))
        .args(["cache", "info"])
        .current_dir(&dir)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--cache-dir"), "{err}");
}

/// Which compiler's code `--trace libs` says main ran with.
fn code_of_main(dir: &Path, compiler: &str) -> String {
    let (status, _, err) = dlrun(
        dir,
        &[
            "--compiler",
            compiler,
            "--trace",
            "libs",
            "--cache-dir",
            "c",
            "main.wasm",
        ],
    );
    assert_eq!(status, 7, "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("loaded main.wasm"))
        .unwrap_or_else(|| panic!("no main in {err}"));
    line.rsplit("code=").next().unwrap().trim().to_string()
}

/// Waits (two minutes at most) until `ready`: until the background
/// compile a run left has put its optimized code in the cache.
fn until_optimized_code_comes(mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "no optimized code came"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_first_run_takes_winch_and_later_runs_the_optimized_code_made_after_it() {
    let dir = workdir("cache-tier");
    programs(&dir);
    assert_eq!(code_of_main(&dir, "auto"), "winch");
    // The run left `dlrun compile` making Cranelift's code of main and its
    // library in the background (inlining, since nobody waits for it); a
    // run takes it once it is there.
    until_optimized_code_comes(|| code_of_main(&dir, "auto") == "cranelift-inlining");
    assert_eq!(code_of_main(&dir, "winch"), "winch");
}

/// Which compiler's code `--trace libs` says each module ran with, in
/// load order.
fn code_of_each(dir: &Path) -> Vec<String> {
    let args = ["--compiler", "auto", "--trace", "libs", "--cache-dir", "c"];
    let (status, _, err) = dlrun(dir, &[&args[..], &["main.wasm"]].concat());
    assert_eq!(status, 7, "{err}");
    err.lines()
        .filter(|l| l.contains(": loaded "))
        .map(|l| l.rsplit("code=").next().unwrap().trim().to_string())
        .collect()
}

/// `libseven.so` rebuilt: the same code with a custom section of `pad`
/// bytes more, so that the cache holds no code of it.
fn rebuild_seven(dir: &Path, pad: usize) {
    pad_module(&dir.join("libseven.so"), pad);
}

/// The module at `path` with a custom section of `pad` bytes more.
fn pad_module(path: &Path, pad: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let name = b"rebuilt";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.resize(payload.len() + pad, 0);
    let mut size = payload.len();
    let mut section = vec![0u8];
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        section.push(if size == 0 { byte } else { byte | 0x80 });
        if size == 0 {
            break;
        }
    }
    section.extend(payload);
    bytes.extend(section);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_large_rebuilt_library_takes_winch_for_the_program_and_a_small_one_cranelift() {
    let dir = workdir("cache-rebuilt");
    programs(&dir);
    let (status, _, err) = dlrun(&dir, &["compile", "--cache-dir", "c", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    let optimized = vec!["cranelift-inlining".to_string(); 2];
    assert_eq!(code_of_each(&dir), optimized);
    // Compiling a small library with Cranelift costs less than switching.
    rebuild_seven(&dir, 16);
    assert_eq!(code_of_each(&dir), optimized);
    // A large one would keep the run waiting for Cranelift: the whole
    // program runs Winch's code, and the optimized code of the library is
    // made in the background for the runs after.
    rebuild_seven(&dir, 300 << 10);
    assert_eq!(code_of_each(&dir), vec!["winch".to_string(); 2]);
    until_optimized_code_comes(|| code_of_each(&dir) == optimized);
}

#[test]
fn compile_fills_the_cache_ahead_of_a_run() {
    let dir = workdir("cache-compile");
    programs(&dir);
    let (status, out, err) = dlrun(&dir, &["compile", "--cache-dir", "c", "main.wasm"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("and 1 library"), "libseven.so, NEEDED: {out}");
    assert_eq!(code_of_main(&dir, "auto"), "cranelift-inlining");
    // A run that asks for Cranelift compiles without inlining, to start
    // sooner: that code is another cache entry.
    assert_eq!(code_of_main(&dir, "cranelift"), "cranelift");

    let (status, _, err) = dlrun(
        &dir,
        &["compile", "--cache-dir", "c", "main.wasm", "missing.so"],
    );
    assert_eq!(status, 1);
    assert!(err.contains("missing.so"), "{err}");
}

#[test]
fn a_background_compile_gives_way_to_one_already_running() {
    use std::os::fd::AsRawFd;
    let dir = workdir("cache-idle");
    programs(&dir);
    std::fs::create_dir_all(dir.join("c")).unwrap();
    let lock = std::fs::File::create(dir.join("c/compile.lock")).unwrap();
    // SAFETY: flock on a file this test owns.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let args = ["compile", "--if-idle", "--cache-dir", "c", "main.wasm"];
    let (status, out, err) = dlrun(&dir, &args);
    assert_eq!((status, out.as_str()), (0, ""), "{err}");
    assert!(listed(&dir, &["cache", "list", "--cache-dir", "c"]).is_empty());
    // Unlocked rather than closed: a child another test is spawning holds a
    // copy of the descriptor until it execs, and the lock with it.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_UN) }, 0);
    let (status, out, err) = dlrun(&dir, &args);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("compiled main.wasm"), "{out}");
    assert!(!listed(&dir, &["cache", "list", "--cache-dir", "c"]).is_empty());
}

#[test]
fn an_invoke_run_leaves_the_optimized_code_to_be_made_too() {
    let dir = workdir("cache-invoke");
    programs(&dir);
    let invoke = |compiler: &str, cache: &str| {
        let args = [
            "--compiler",
            compiler,
            "--cache-dir",
            cache,
            "--invoke",
            "main",
        ];
        let (status, out, err) = dlrun(&dir, &[&args[..], &["main.wasm", "0", "0"]].concat());
        assert_eq!((status, out.trim()), (0, "7"), "{err}");
    };
    // Winch's code alone, as the first run makes it, with nothing after it.
    invoke("winch", "w");
    let winch_only = listed(&dir, &["cache", "list", "--cache-dir", "w"]).len();
    invoke("auto", "a");
    until_optimized_code_comes(|| {
        listed(&dir, &["cache", "list", "--cache-dir", "a"]).len() > winch_only
    });
}

#[test]
fn a_main_changed_in_place_is_read_again_not_taken_from_its_record() {
    let dir = workdir("cache-record");
    programs(&dir);
    // Only large modules are recorded.
    let large = |result: &str| {
        write_wat(&dir, "three.wasm", &main_wat(&[], "", result));
        pad_module(&dir.join("three.wasm"), 100 << 10);
    };
    large("i32.const 3");
    let run = || dlrun(&dir, &["--cache-dir", "c", "three.wasm"]).0;
    // The second run at the latest finds the file older than its read,
    // and records it; the third takes the record.
    for _ in 0..3 {
        assert_eq!(run(), 3);
    }
    let all = listed_all(&dir, &["cache", "list", "--cache-dir", "c"]);
    assert!(all.iter().any(|n| n.ends_with(".record")), "{all:?}");
    // Rewritten in place, to the same size.
    large("i32.const 4");
    assert_eq!(run(), 4);
    assert_eq!(run(), 4);
    // One record of the one file, counted apart from the code.
    let (status, out, err) = dlrun(&dir, &["cache", "clean", "--cache-dir", "c"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains(" and 1 record ("), "{out}");
}

/// A side module of `count` functions `f{k}` of about 200 bytes each
/// (`x = (x ^ k) * 3`, thirty times; `edited` uses `k + 1` in its place),
/// and `run(x)` passing x through each in turn.
fn large_side(count: u32, edited: Option<u32>) -> String {
    let mut funcs = String::new();
    let mut calls = String::new();
    for k in 0..count {
        let c = if edited == Some(k) { k + 1 } else { k };
        let step = format!("(i32.const {c}) i32.xor (i32.const 3) i32.mul ");
        funcs.push_str(&format!(
            "(func $f{k} (param i32) (result i32) local.get 0 {})\n",
            step.repeat(30)
        ));
        calls.push_str(&format!("call $f{k} "));
    }
    common::side_wat(
        "",
        &format!(
            r#"{funcs}
            (func (export "run") (param i32) (result i32) local.get 0 {calls})"#
        ),
    )
}

/// What `run(1)` of [`large_side`] returns, as an exit status.
fn large_side_status(count: u32, edited: Option<u32>) -> i32 {
    let mut x: u32 = 1;
    for k in 0..count {
        let c = if edited == Some(k) { k + 1 } else { k };
        for _ in 0..30 {
            x = (x ^ c).wrapping_mul(3);
        }
    }
    (x & 0x7f) as i32
}

/// The compiled code files in cache directory `dir`.
fn code_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_large_library_rebuilt_with_one_function_edited_compiles_only_its_piece() {
    // Winch's code of a library of 256 KiB or more is compiled in pieces
    // of about 256 KiB of code, each cached by its bytes (src/split.rs).
    let dir = workdir("cache-pieces");
    let count = 1500;
    write_wat(
        &dir,
        "main.wasm",
        &main_wat(
            &["liblarge.so"],
            r#"(import "env" "run" (func $run (param i32) (result i32)))"#,
            "(i32.and (call $run (i32.const 1)) (i32.const 0x7f))",
        ),
    );
    write_wat(&dir, "liblarge.so", &large_side(count, None));
    assert!(std::fs::metadata(dir.join("liblarge.so")).unwrap().len() >= 256 << 10);
    let run = || {
        let args = ["--compiler", "winch", "--cache-dir", "c", "main.wasm"];
        let (status, _, err) = dlrun(&dir, &args);
        (status, err)
    };
    let (status, err) = run();
    assert_eq!(status, large_side_status(count, None), "{err}");
    let args = [
        "--compiler",
        "winch",
        "--trace",
        "libs",
        "--cache-dir",
        "c",
        "main.wasm",
    ];
    let (_, _, err) = dlrun(&dir, &args);
    let loaded = err.lines().find(|l| l.contains("loaded liblarge.so"));
    // The core and two chunks (the library has no data segment).
    assert!(loaded.is_some_and(|l| l.contains(" pieces=3 ")), "{err}");
    let before = code_files(&dir.join("c"));
    // Main, the library's core and its chunks (whole, the library would
    // be one file beside main's).
    assert!(before.len() >= 4, "{before:?}");
    write_wat(&dir, "liblarge.so", &large_side(count, Some(700)));
    let (status, err) = run();
    assert_eq!(status, large_side_status(count, Some(700)), "{err}");
    let after = code_files(&dir.join("c"));
    let new: Vec<_> = after.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(new.len(), 1, "only the edited function's chunk: {new:?}");
}
