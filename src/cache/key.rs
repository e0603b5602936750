//! The secret that entries and stamps are authenticated with, kept in the
//! cache directory where only dlrun reaches it.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;

/// The file in the cache directory holding the key entries are
/// authenticated with.
pub const KEY_FILE: &str = "key";

/// Bytes of the key.
const KEY_LEN: usize = 32;

/// Length of an authentication code.
pub(super) const SUM: usize = 32;

/// The cache's key.
pub(super) type Key = [u8; KEY_LEN];

/// An authentication code under `key` in the making: BLAKE3 in its keyed
/// mode, a MAC, and faster than HMAC-SHA256, which sealing `big`'s 9 MB of
/// code with was 2% of its first run.
pub(super) fn mac(key: &Key) -> blake3::Hasher {
    blake3::Hasher::new_keyed(key)
}

/// Whether `sum` is the authentication code `mac` has made, compared in
/// constant time.
pub(super) fn verifies(mac: &blake3::Hasher, sum: &[u8]) -> bool {
    <[u8; SUM]>::try_from(sum).is_ok_and(|sum| mac.finalize() == blake3::Hash::from_bytes(sum))
}

/// Reads the cache's key, or makes one (the directory too) when there is
/// none or it is malformed. Two processes making one at once agree: the
/// first link wins and the other reads it.
pub(super) fn read_or_make(dir: &Path) -> Option<Key> {
    let path = dir.join(KEY_FILE);
    if let Some(key) = read(&path) {
        return Some(key);
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .ok()?;
    let mut key = [0u8; KEY_LEN];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").ok()?, &mut key).ok()?;
    let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&key));
    let placed = written.and_then(|()| match std::fs::hard_link(&tmp, &path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(&path) {
            Some(_) => Ok(()),
            None => std::fs::rename(&tmp, &path),
        },
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    placed.ok()?;
    read(&path)
}

fn read(path: &Path) -> Option<Key> {
    std::fs::read(path).ok()?.try_into().ok()
}
