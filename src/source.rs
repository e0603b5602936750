//! A module file as a load takes it: the digest its cached code is named
//! after, its parsed metadata, and its bytes only when something must
//! compile them. Reading, hashing and parsing a 1 MB Emscripten main was a
//! quarter of a warm start, so an unchanged file is taken from the cache's
//! record of it (`cache/record.rs`) instead, and a file read is recorded
//! for the next runs.

use std::time::Instant;

use crate::cache::Cache;
use crate::modinfo::ModuleInfo;
use crate::naming::{About, ModuleName};
use crate::search::Located;

/// A module's bytes, or what stands for them until they are needed.
pub struct Source {
    /// BLAKE3 digest of the bytes: what cache entries of the module's code
    /// are named after.
    pub digest: [u8; 32],
    /// The module's size in bytes.
    pub size: u64,
    bytes: Option<Vec<u8>>,
    /// The file the bytes are read from, when they have not been (boxed:
    /// a source travels in every load's plan, most of them read).
    unread: Option<Box<Located>>,
}

impl Source {
    /// A module of `bytes`, given rather than read from a file.
    pub fn of(bytes: Vec<u8>) -> Source {
        Source {
            digest: *blake3::hash(&bytes).as_bytes(),
            size: bytes.len() as u64,
            bytes: Some(bytes),
            unread: None,
        }
    }

    /// The module's bytes: read now when only the cache's record was taken,
    /// an error if the file no longer holds what the record says.
    pub fn bytes(&mut self) -> wasmtime::Result<&[u8]> {
        if let Some(located) = self.unread.take() {
            let bytes = located.bytes(None)?;
            if *blake3::hash(&bytes).as_bytes() != self.digest {
                wasmtime::bail!(About::new(
                    &located.name(),
                    "the file changed while it was being loaded"
                ));
            }
            self.bytes = Some(bytes);
        }
        Ok(self.bytes.as_deref().unwrap_or_default())
    }
}

/// Module `bytes` given or read, with their metadata (which must include
/// dylink metadata if `require_dylink`); an error names the module as
/// `names` does.
pub fn given(
    bytes: Vec<u8>,
    require_dylink: bool,
    names: &ModuleName,
) -> wasmtime::Result<(Source, ModuleInfo)> {
    let info = ModuleInfo::parse_with(&bytes, require_dylink)
        .map_err(|e| About::new(names, e.to_string()))?;
    Ok((Source::of(bytes), info))
}

/// Modules this large or larger are recorded. Recalling a record costs
/// opening one more file, which for a small library is more than reading,
/// hashing and parsing it (the 100-library dlopen run took 1.06× as long
/// with every library recorded); a 1 MB main takes a millisecond to read.
const RECORD_FROM: u64 = 64 << 10;

/// What a record of a module file holds, in which form: a main module's
/// metadata may lack dylink metadata, a library's may not.
fn recorded_as(require_dylink: bool) -> String {
    let role = if require_dylink { "library" } else { "main" };
    format!("module info {} as {role}", crate::modinfo::stored::FORM)
}

/// The module file `located` as the loader takes it, with its metadata
/// (which must include dylink metadata if `require_dylink`): from the
/// record `cache` holds of this version of the file, else read (a read
/// that passes `deadline` ends the program) and parsed, and recorded when
/// it is large.
pub fn open(
    located: Located,
    require_dylink: bool,
    cache: &Cache,
    deadline: Option<Instant>,
) -> wasmtime::Result<(Source, ModuleInfo)> {
    let what = recorded_as(require_dylink);
    let recorded = located.size() >= RECORD_FROM;
    if recorded
        && let Some(recalled) = cache.recall(&located.path, &what, located.metadata())
        && let Some(info) = ModuleInfo::from_stored(recalled.made())
    {
        let source = Source {
            digest: recalled.digest,
            size: located.size(),
            bytes: None,
            unread: Some(Box::new(located)),
        };
        return Ok((source, info));
    }
    let recording = recorded
        .then(|| cache.record(&located.path, &what, located.metadata()))
        .flatten();
    let (source, info) = given(located.bytes(deadline)?, require_dylink, &located.name())?;
    if let Some(recording) = recording
        && let Some(made) = info.to_stored()
    {
        recording.keep(located.file(), &source.digest, &made);
    }
    Ok((source, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const SIDE: &str = r#"(module
        (@dylink.0 (mem-info (memory 4 2)))
        (import "env" "memory" (memory 1))
        (func (export "f") (result i32) i32.const 7))"#;

    /// A library large enough to be recorded, `tag` in its padding.
    fn large(tag: u8) -> Vec<u8> {
        use wasm_encoder::Section as _;
        let mut wasm = wat::parse_str(SIDE).unwrap();
        let pad = wasm_encoder::CustomSection {
            name: "pad".into(),
            data: vec![tag; RECORD_FROM as usize].into(),
        };
        pad.append_to(&mut wasm);
        wasm
    }

    /// The module file at `path`, open, after the clock of the cache's file
    /// system has passed its last change (only then can it be recorded).
    fn located(path: &Path, cache: &Cache) -> Located {
        let dir = cache.dir().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        crate::cache::until_clock_passes(dir, path);
        Located::open(path, "libm.so".into()).unwrap()
    }

    #[test]
    fn an_unchanged_file_is_taken_from_its_record_unread() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().join("cache"));
        let path = tmp.path().join("libm.so");
        let wasm = large(0);
        std::fs::write(&path, &wasm).unwrap();

        let (read, info) = open(located(&path, &cache), true, &cache, None).unwrap();
        assert!(read.bytes.is_some() && read.unread.is_none());
        let (mut recalled, again) = open(located(&path, &cache), true, &cache, None).unwrap();
        assert!(recalled.bytes.is_none(), "nothing read");
        assert_eq!(again, info);
        assert_eq!(
            (recalled.digest, recalled.size),
            (read.digest, wasm.len() as u64)
        );
        assert_eq!(recalled.bytes().unwrap(), wasm, "read when asked for");

        let (main, _) = open(located(&path, &cache), false, &cache, None).unwrap();
        assert!(
            main.bytes.is_some(),
            "read as a main, it has a record of its own"
        );

        // A small library is cheaper to read than its record.
        std::fs::write(&path, wat::parse_str(SIDE).unwrap()).unwrap();
        open(located(&path, &cache), true, &cache, None).unwrap();
        let (small, _) = open(located(&path, &cache), true, &cache, None).unwrap();
        assert!(small.bytes.is_some());
    }

    #[test]
    fn bytes_that_are_not_the_recorded_ones_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().join("cache"));
        let path = tmp.path().join("libm.so");
        std::fs::write(&path, large(0)).unwrap();
        open(located(&path, &cache), true, &cache, None).unwrap();
        let (mut recalled, _) = open(located(&path, &cache), true, &cache, None).unwrap();
        // Changed after the record was taken: what the loader planned with
        // is no longer what the file holds.
        std::fs::write(&path, large(1)).unwrap();
        let err = recalled.bytes().unwrap_err();
        assert!(
            format!("{err:#}").contains("changed while it was being loaded"),
            "{err:#}"
        );
    }

    #[test]
    fn a_file_that_is_no_module_is_named_in_the_error() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().join("cache"));
        let path = tmp.path().join("libm.so");
        std::fs::write(&path, b"\0asm\x01\0\0\0\x05").unwrap();
        let Err(err) = open(located(&path, &cache), true, &cache, None) else {
            panic!("a truncated module opened");
        };
        assert!(format!("{err:#}").contains("libm.so"), "{err:#}");
        assert!(
            !tmp.path()
                .join("cache")
                .read_dir()
                .unwrap()
                .any(|e| { e.unwrap().path().extension().is_some_and(|x| x == "record") }),
            "nothing recorded"
        );
    }
}
