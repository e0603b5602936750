use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use wasmtime::{Engine, Module};

use super::stamp::{Identity, Pending};
use super::*;

/// A cache directory not made yet, in a temporary directory that is
/// removed when the test ends.
fn cache_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    (tmp, dir)
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == suffix));
    v.sort();
    v
}

/// The name a cache gives the entry of `source` compiled by `engine`.
fn entry_name(engine: &Engine, source: &[&[u8]]) -> String {
    Cache::disabled().entry_name(engine, source)
}

fn module(result: i32) -> Vec<u8> {
    wat::parse_str(format!(
        "(module (func (export \"f\") (result i32) i32.const {result}))"
    ))
    .unwrap()
}

/// What `f` of module `m` returns.
fn f(engine: &Engine, m: &Module) -> i32 {
    let mut store = wasmtime::Store::new(engine, ());
    let i = wasmtime::Instance::new(&mut store, m, &[]).unwrap();
    i.get_typed_func::<(), i32>(&mut store, "f")
        .unwrap()
        .call(&mut store, ())
        .unwrap()
}

fn id(path: &Path) -> Identity {
    Identity::of(&std::fs::metadata(path).unwrap())
}

/// Waits until the clock of `dir`'s file system has moved past the last
/// change of `path`: only then can a check of `path` be stamped. The
/// condition is the file system's own, however coarse its clock.
pub(crate) fn until_clock_passes(dir: &Path, path: &Path) {
    use std::os::unix::fs::MetadataExt as _;
    let ctime = |p: &Path| {
        let md = std::fs::metadata(p).unwrap();
        (md.ctime(), md.ctime_nsec())
    };
    let probe = dir.join("probe");
    loop {
        std::fs::write(&probe, b"").unwrap();
        let passed = ctime(&probe) > ctime(path);
        std::fs::remove_file(&probe).unwrap();
        if passed {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A cache holding entry `bytes`, checked once and stamped: the entry's
/// name and artifact path.
fn stamped(engine: &Engine, cache: &Cache, bytes: &[u8]) -> (String, PathBuf) {
    let dir = cache.dir().unwrap();
    cache.module(engine, bytes).unwrap();
    let name = entry_name(engine, &[bytes]);
    let path = entry::path(dir, &name);
    until_clock_passes(dir, &path);
    assert!(entry::load(engine, &cache.key().unwrap(), dir, &name).is_some());
    assert!(
        stamp::path(dir, &name).exists(),
        "a checked entry is stamped"
    );
    (name, path)
}

#[test]
fn second_load_comes_from_the_cache_and_corrupt_entries_are_replaced() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let bytes = module(7);
    cache.module(&engine, &bytes).unwrap();
    let entries = files(&dir, "cwasm");
    assert_eq!(entries.len(), 1);
    let entry = entries[0].clone();
    let key = cache.key().unwrap();
    let name = entry_name(&engine, &[&bytes]);
    assert!(entry::load(&engine, &key, &dir, &name).is_some());

    let mut data = std::fs::read(&entry).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    std::fs::write(&entry, &data).unwrap();
    assert!(
        entry::load(&engine, &key, &dir, &name).is_none(),
        "a flipped byte must not be trusted"
    );
    Cache::at(dir.clone()).module(&engine, &bytes).unwrap();
    assert!(
        entry::load(&engine, &key, &dir, &name).is_some(),
        "the bad entry was rewritten"
    );

    std::fs::write(&entry, b"short").unwrap();
    assert!(Cache::at(dir.clone()).module(&engine, &bytes).is_ok());
}

#[test]
fn the_key_is_private_and_kept_across_runs() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_tmp, dir) = cache_dir();
    let first = Cache::at(dir.clone()).key().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.join(KEY_FILE)), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(Cache::at(dir.clone()).key().unwrap(), first);
    std::fs::write(dir.join(KEY_FILE), b"too short").unwrap();
    let fresh = Cache::at(dir.clone()).key().unwrap();
    assert_ne!(fresh, first, "a malformed key is replaced");
}

/// What a program that could write the cache did: one program's entry
/// copied over another's, and an entry sealed with a plain hash anyone
/// can compute. Neither may be trusted.
#[test]
fn entries_anyone_could_have_made_are_recompiled() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let (a, b) = (module(1), module(2));
    cache.module(&engine, &a).unwrap();
    cache.module(&engine, &b).unwrap();
    let (name_a, name_b) = (entry_name(&engine, &[&a]), entry_name(&engine, &[&b]));
    let (path_a, path_b) = (entry::path(&dir, &name_a), entry::path(&dir, &name_b));
    let key = cache.key().unwrap();
    std::fs::copy(&path_b, &path_a).unwrap();
    assert!(entry::load(&engine, &key, &dir, &name_a).is_none());

    let artifact = Module::new(&engine, &b).unwrap().serialize().unwrap();
    let mut old = artifact.clone();
    old.extend_from_slice(blake3::hash(&artifact).as_bytes());
    std::fs::write(&path_a, &old).unwrap();
    assert!(entry::load(&engine, &key, &dir, &name_a).is_none());

    assert_eq!(
        f(
            &engine,
            &Cache::at(dir.clone()).module(&engine, &a).unwrap()
        ),
        1
    );
}

#[test]
fn different_modules_get_different_names() {
    let engine = Engine::default();
    assert_ne!(entry_name(&engine, &[b"a"]), entry_name(&engine, &[b"b"]));
    assert_eq!(entry_name(&engine, &[b"a"]), entry_name(&engine, &[b"a"]));
}

#[test]
fn each_engine_names_its_own_entries_however_often_asked() {
    let cache = Cache::disabled();
    let mut config = wasmtime::Config::new();
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    let (speed, none) = (Engine::default(), Engine::new(&config).unwrap());
    let names = || [&speed, &none, &speed.clone()].map(|e| cache.entry_name(e, &[b"a"]));
    let first = names();
    assert_ne!(first[0], first[1]);
    assert_eq!(first[0], first[2]);
    assert_eq!(names(), first);
    assert_eq!(first[1], entry_name(&none, &[b"a"]));
}

/// Names are a 256-bit hash in lowercase hex, as `dlrun cache` lists them.
#[test]
fn names_are_the_hash_in_lowercase_hex() {
    let name = entry_name(&Engine::default(), &[b"a"]);
    assert_eq!(name.len(), 64, "{name}");
    assert!(
        name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{name}"
    );
}

/// The stamped path maps the artifact file as it is, authentication code
/// and all: the module must come out whole.
#[test]
fn a_stamped_entry_loads_and_runs() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let (name, path) = stamped(&engine, &cache, &module(5));
    let key = cache.key().unwrap();
    assert!(stamp::vouches(&key, &dir, &name, &id(&path)));
    let m = entry::load(&engine, &key, &dir, &name).unwrap();
    assert_eq!(f(&engine, &m), 5);
}

/// Large artifacts are mapped, authentication code and all.
#[test]
fn a_large_stamped_entry_loads_and_runs() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let data = "x".repeat(entry::MAP_FROM as usize);
    let bytes = wat::parse_str(format!(
        "(module (memory 17) (data (i32.const 0) \"{data}\")
           (func (export \"f\") (result i32) i32.const 0 i32.load8_u))"
    ))
    .unwrap();
    let (name, path) = stamped(&engine, &cache, &bytes);
    assert!(std::fs::metadata(&path).unwrap().len() >= entry::MAP_FROM);
    let m = entry::load(&engine, &cache.key().unwrap(), &dir, &name).unwrap();
    assert_eq!(f(&engine, &m), i32::from(b'x'));
}

/// A stamp left by the file an entry replaced goes with it.
#[test]
fn storing_an_entry_drops_the_old_stamp() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let (name, _) = stamped(&engine, &cache, &module(1));
    let artifact = Module::new(&engine, module(1))
        .unwrap()
        .serialize()
        .unwrap();
    assert!(entry::store(&cache.key().unwrap(), &dir, &name, &artifact));
    assert!(!stamp::path(&dir, &name).exists());
}

/// Whatever replaces or rewrites a stamped artifact, even with contents of
/// the same size, the stamp no longer vouches for it and the full check
/// refuses it.
#[test]
fn a_stamp_does_not_vouch_for_a_changed_file() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let key = cache.key().unwrap();
    let (name, path) = stamped(&engine, &cache, &module(1));
    let mut data = std::fs::read(&path).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    std::fs::write(&path, &data).unwrap();
    assert!(!stamp::vouches(&key, &dir, &name, &id(&path)));
    assert!(entry::load(&engine, &key, &dir, &name).is_none());

    let (name, path) = stamped(&engine, &cache, &module(2));
    let (_, other) = stamped(&engine, &cache, &module(3));
    std::fs::rename(&other, &path).unwrap();
    assert!(!stamp::vouches(&key, &dir, &name, &id(&path)));
    assert!(entry::load(&engine, &key, &dir, &name).is_none());
    assert_eq!(f(&engine, &cache.module(&engine, &module(2)).unwrap()), 2);
}

/// A stamp binds its entry's name and the key: one copied to another
/// entry, or made without the key, vouches for nothing; a stamp that does
/// not vouch costs a full check, which makes a sound one again.
#[test]
fn stamps_made_elsewhere_or_without_the_key_vouch_for_nothing() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let key = cache.key().unwrap();
    let (name_a, path_a) = stamped(&engine, &cache, &module(1));
    let name_b = entry_name(&engine, &[&module(2)]);
    std::fs::copy(stamp::path(&dir, &name_a), stamp::path(&dir, &name_b)).unwrap();
    assert!(!stamp::vouches(&key, &dir, &name_b, &id(&path_a)));
    assert!(!stamp::vouches(&[7; 32], &dir, &name_a, &id(&path_a)));

    let mut data = std::fs::read(stamp::path(&dir, &name_a)).unwrap();
    let last = data.len() - 1;
    data[last] ^= 1;
    std::fs::write(stamp::path(&dir, &name_a), &data).unwrap();
    assert!(!stamp::vouches(&key, &dir, &name_a, &id(&path_a)));
    std::fs::write(stamp::path(&dir, &name_a), b"short").unwrap();
    assert!(!stamp::vouches(&key, &dir, &name_a, &id(&path_a)));
    assert!(entry::load(&engine, &key, &dir, &name_a).is_some());
    assert!(stamp::vouches(&key, &dir, &name_a, &id(&path_a)));
}

/// A file whose last change is no older than the check could have been
/// written after it within one tick of a coarse clock: no stamp for it.
#[test]
fn no_stamp_for_a_file_changed_since_the_check_began() {
    let (_tmp, dir) = cache_dir();
    let key = Cache::at(dir.clone()).key().unwrap();
    let pending = Pending::begin(&dir, "x").unwrap();
    let later = dir.join("later");
    std::fs::write(&later, b"data").unwrap();
    pending.finish(&key, &dir, "x", &id(&later));
    assert!(!stamp::path(&dir, "x").exists());
    assert!(files(&dir, "tmp").is_empty(), "the temporary file is gone");
}

/// Sets when entry `name` was last used.
fn used_at(dir: &Path, name: &str, when: SystemTime) {
    let file = std::fs::File::open(entry::path(dir, name)).unwrap();
    file.set_modified(when).unwrap();
}

fn days_ago(n: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(n * 86400)
}

#[test]
fn using_an_entry_records_when() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let (name, _) = stamped(&engine, &cache, &module(1));
    let stamp = std::fs::File::open(stamp::path(&dir, &name)).unwrap();
    stamp.set_modified(days_ago(3)).unwrap();
    cache.module(&engine, &module(1)).unwrap();
    let entries = cache.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].last_used > days_ago(1), "{entries:?}");
}

#[test]
fn a_process_looks_at_the_whole_cache_again_only_once_its_stores_pass_the_bound() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    cache.module(&engine, &module(1)).unwrap();
    let size = cache.entries().unwrap()[0].size;
    let bounded = Cache::at(dir.clone()).with_max_size(size * 5 / 2);
    // Its first store looks: the entry and its own fit.
    bounded.module(&engine, &module(2)).unwrap();
    assert_eq!(bounded.entries().unwrap().len(), 2);
    // An entry another process stores meanwhile is not looked for ...
    let old = entry_name(&engine, &[&module(1)]);
    used_at(&dir, &old, days_ago(3));
    Cache::at(dir.clone()).module(&engine, &module(3)).unwrap();
    assert_eq!(bounded.entries().unwrap().len(), 3);
    // ... until this process's own stores pass the bound: then the least
    // recently used go until the rest fit.
    bounded.module(&engine, &module(4)).unwrap();
    let left: Vec<String> = bounded
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&old));
    assert!(left.contains(&entry_name(&engine, &[&module(4)])));
}

#[test]
fn storing_past_the_bound_evicts_the_least_recently_used() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    for (n, age) in [(1, 5), (2, 9), (3, 2)] {
        cache.module(&engine, &module(n)).unwrap();
        used_at(&dir, &entry_name(&engine, &[&module(n)]), days_ago(age));
    }
    let sizes: Vec<u64> = cache.entries().unwrap().iter().map(|e| e.size).collect();
    let names =
        |c: &Cache| -> Vec<String> { c.entries().unwrap().into_iter().map(|e| e.name).collect() };
    // Room for the newest and one more: the one used 9 days ago goes.
    let bound = sizes.iter().max().unwrap() * 5 / 2;
    let bounded = Cache::at(dir.clone()).with_max_size(bound);
    bounded.module(&engine, &module(4)).unwrap();
    let left = names(&bounded);
    assert_eq!(
        left,
        [3, 4].map(|n| entry_name(&engine, &[&module(n)])),
        "{left:?}"
    );
    assert!(dir.join(KEY_FILE).exists());

    // The entry just stored stays, even alone past the bound.
    let tiny = Cache::at(dir.clone()).with_max_size(1);
    tiny.module(&engine, &module(5)).unwrap();
    assert_eq!(names(&tiny), [entry_name(&engine, &[&module(5)])]);
}

#[test]
fn clean_and_prune_leave_the_key_and_files_being_written() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    stamped(&engine, &cache, &module(1));
    cache.module(&engine, &module(2)).unwrap();
    let writing = dir.join(".x.cwasm.1.0.tmp");
    let dead = dir.join(".y.cwasm.2.0.tmp");
    std::fs::write(&writing, b"partial").unwrap();
    std::fs::write(&dead, b"partial").unwrap();
    std::fs::File::open(&dead)
        .unwrap()
        .set_modified(days_ago(1))
        .unwrap();

    let size: u64 = cache.entries().unwrap().iter().map(|e| e.size).sum();
    let removed = cache.clone().with_max_size(size).prune().unwrap();
    assert_eq!(removed, Removed::default(), "within the bound already");
    assert!(!dead.exists(), "a writer that died left it");
    assert!(writing.exists());

    let removed = cache.clean().unwrap();
    assert_eq!(removed.entries, 2);
    assert_eq!(removed.bytes, size);
    assert!(cache.entries().unwrap().is_empty());
    assert!(files(&dir, "stamp").is_empty());
    assert!(dir.join(KEY_FILE).exists() && writing.exists());
    assert_eq!(f(&engine, &cache.module(&engine, &module(2)).unwrap()), 2);
}

#[test]
fn a_disabled_or_missing_cache_holds_nothing() {
    assert!(Cache::disabled().entries().unwrap().is_empty());
    assert_eq!(Cache::disabled().clean().unwrap(), Removed::default());
    let (_tmp, dir) = cache_dir();
    assert!(Cache::at(dir.clone()).entries().unwrap().is_empty());
    assert_eq!(Cache::at(dir).prune().unwrap(), Removed::default());
}

/// Many users of one cache at once, storing, checking, stamping and
/// evicting under a bound that holds one entry: every module they get is
/// the one they asked for.
#[test]
fn concurrent_users_always_get_their_own_module() {
    let engine = Engine::default();
    let (_tmp, dir) = cache_dir();
    let size = {
        let probe = Cache::at(dir.clone());
        probe.module(&engine, &module(0)).unwrap();
        probe.entries().unwrap()[0].size
    };
    std::thread::scope(|s| {
        for t in 0..6 {
            let (engine, dir) = (&engine, &dir);
            s.spawn(move || {
                for round in 0..8 {
                    let n = (t + round) % 3;
                    let cache = Cache::at(dir.clone()).with_max_size(size);
                    let m = cache.module(engine, &module(n)).unwrap();
                    assert_eq!(f(engine, &m), n);
                }
            });
        }
    });
    assert!(files(&dir, "tmp").is_empty(), "no temporary file is left");
}

/// A module file `name` in `tmp` holding `bytes`, old enough to be
/// recorded in the cache at `dir`.
fn module_file(tmp: &Path, dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = tmp.join(name);
    std::fs::write(&path, bytes).unwrap();
    until_clock_passes(dir, &path);
    path
}

/// Records `made` of the file at `path` as a reader would: begun before
/// the read, kept after it.
fn record(cache: &Cache, path: &Path, made: &[u8]) {
    let file = std::fs::File::open(path).unwrap();
    let recording = cache
        .record(path, "test", &file.metadata().unwrap())
        .unwrap();
    let digest = *blake3::hash(&std::fs::read(path).unwrap()).as_bytes();
    recording.keep(&file, &digest, made);
}

fn recall(cache: &Cache, path: &Path) -> Option<Recalled> {
    cache.recall(path, "test", &std::fs::metadata(path).unwrap())
}

#[test]
fn a_recorded_file_is_recalled_while_unchanged() {
    let (tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let path = module_file(tmp.path(), &dir, "m.wasm", &module(1));
    assert_eq!(recall(&cache, &path), None);
    record(&cache, &path, b"parsed");
    let recalled = recall(&cache, &path).unwrap();
    assert_eq!(recalled.digest, *blake3::hash(&module(1)).as_bytes());
    assert_eq!(recalled.made(), b"parsed");
    assert_eq!(
        cache.recall(&path, "other", &std::fs::metadata(&path).unwrap()),
        None,
        "a record is of what was made"
    );

    // Rewritten in place with the same size: a new change time.
    std::fs::write(&path, module(2)).unwrap();
    assert_eq!(recall(&cache, &path), None);
    // Replaced by another file: a new inode.
    let other = module_file(tmp.path(), &dir, "n.wasm", &module(1));
    record(&cache, &path, b"parsed");
    std::fs::rename(&other, &path).unwrap();
    assert_eq!(recall(&cache, &path), None);
}

#[test]
fn records_made_elsewhere_or_without_the_key_are_not_recalled() {
    let (tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let a = module_file(tmp.path(), &dir, "a.wasm", &module(1));
    let b = module_file(tmp.path(), &dir, "b.wasm", &module(1));
    record(&cache, &a, b"parsed a");
    let recorded = files(&dir, "record");
    let [file] = &recorded[..] else {
        panic!("one record: {recorded:?}");
    };
    // Another file's record, even of the same bytes.
    let b_record = record::path(&dir, &record::name(&b, "test"));
    std::fs::copy(file, &b_record).unwrap();
    assert_eq!(recall(&cache, &b), None);
    // Another key.
    let foreign = Cache::at(tmp.path().join("foreign"));
    std::fs::create_dir_all(foreign.dir().unwrap()).unwrap();
    std::fs::copy(
        file,
        record::path(foreign.dir().unwrap(), &record::name(&a, "test")),
    )
    .unwrap();
    assert_eq!(recall(&foreign, &a), None);
    // A byte of what was made changed.
    let mut data = std::fs::read(file).unwrap();
    let n = data.len();
    data[n - 33] ^= 1;
    std::fs::write(file, &data).unwrap();
    assert_eq!(recall(&cache, &a), None);
    std::fs::write(file, b"short").unwrap();
    assert_eq!(recall(&cache, &a), None);
}

#[test]
fn no_record_of_a_file_changed_while_it_was_read() {
    let (tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    let path = module_file(tmp.path(), &dir, "m.wasm", &module(1));
    let file = std::fs::File::open(&path).unwrap();
    let recording = cache
        .record(&path, "test", &file.metadata().unwrap())
        .unwrap();
    std::fs::write(&path, module(2)).unwrap();
    recording.keep(&file, &[0; 32], b"parsed");
    assert!(files(&dir, "record").is_empty());
    assert!(files(&dir, "tmp").is_empty(), "the temporary file is gone");

    // Changed just before the read began: its change time may be the
    // clock's now, which a later write could keep.
    let fresh = tmp.path().join("fresh.wasm");
    std::fs::write(&fresh, module(3)).unwrap();
    let file = std::fs::File::open(&fresh).unwrap();
    let recording = cache
        .record(&fresh, "test", &file.metadata().unwrap())
        .unwrap();
    use std::os::unix::fs::MetadataExt as _;
    let md = file.metadata().unwrap();
    let temp = files(&dir, "tmp");
    let began = std::fs::metadata(&temp[0]).unwrap();
    recording.keep(&file, &[0; 32], b"parsed");
    let recorded = !files(&dir, "record").is_empty();
    assert_eq!(
        recorded,
        (md.ctime(), md.ctime_nsec()) < (began.ctime(), began.ctime_nsec())
    );
}

#[test]
fn records_are_listed_evicted_and_cleaned_with_the_code() {
    let engine = Engine::default();
    let (tmp, dir) = cache_dir();
    let cache = Cache::at(dir.clone());
    cache.module(&engine, &module(1)).unwrap();
    let path = module_file(tmp.path(), &dir, "m.wasm", &module(1));
    record(&cache, &path, &[7; 1000]);
    let name = record::name(&path, "test");
    let entries = cache.entries().unwrap();
    let listed: Vec<(EntryKind, u64)> = entries.iter().map(|e| (e.kind, e.size)).collect();
    assert!(
        listed.contains(&(
            EntryKind::Record,
            std::fs::metadata(record::path(&dir, &name)).unwrap().len()
        )),
        "{entries:?}"
    );
    std::fs::File::open(record::path(&dir, &name))
        .unwrap()
        .set_modified(days_ago(3))
        .unwrap();
    // Room for the code alone: the record, least recently used, goes.
    let code = entries.iter().find(|e| e.kind == EntryKind::Code).unwrap();
    let removed = cache.clone().with_max_size(code.size).prune().unwrap();
    assert_eq!((removed.entries, removed.records), (0, 1));
    assert_eq!(recall(&cache, &path), None);

    record(&cache, &path, b"parsed");
    assert!(recall(&cache, &path).is_some(), "touched by its use");
    let removed = cache.clean().unwrap();
    assert_eq!((removed.entries, removed.records), (1, 1));
    assert!(files(&dir, "record").is_empty());
}
