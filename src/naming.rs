//! How messages name modules. dlrun's user reads host paths (in load
//! errors, `--trace`, the error a failed program ends with); the program
//! must not: the host's directory layout is none of its business. So a
//! message about a module holds a [`ModuleName`] with both names, and is
//! rendered for one reader or the other only when it is printed.
//!
//! Errors travel as `wasmtime::Error` chains, whose context links cannot be
//! reached by type from outside; the reader is therefore a rendering mode,
//! chosen by [`as_guest_sees`] around the formatting of a message, that
//! every [`ModuleName`] in it obeys.

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};

thread_local! {
    /// Whether module names render as the program sees them.
    static GUEST_VIEW: Cell<bool> = const { Cell::new(false) };
}

/// A module as messages name it: by its host path for dlrun's user, by
/// the name the program knows it by for the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleName {
    /// Canonical host path of the file.
    pub host: PathBuf,
    /// What the program calls it: the path it gave (a path in its own file
    /// system) or the bare library name; never a host path it was not
    /// given.
    pub guest: String,
}

impl ModuleName {
    /// The names of the file at host path `host`, known to the program as
    /// `guest`.
    pub fn new(host: &Path, guest: &str) -> ModuleName {
        ModuleName {
            host: host.to_path_buf(),
            guest: guest.to_string(),
        }
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if guest_view() {
            f.write_str(&self.guest)
        } else {
            write!(f, "{}", self.host.display())
        }
    }
}

/// A failure of one module: "MODULE: what went wrong". `what` holds no
/// host path: a failure involving two modules chains two of these.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{module}: {what}")]
pub struct About {
    /// The module the failure is about.
    pub module: ModuleName,
    /// What went wrong.
    pub what: String,
}

impl About {
    /// A failure of `module`, described by `what`.
    pub fn new(module: &ModuleName, what: impl Into<String>) -> About {
        About {
            module: module.clone(),
            what: what.into(),
        }
    }
}

/// Whether a message being formatted now is for the program: a message
/// with more to say than names (where dlrun searched) says it only to the
/// user.
pub fn guest_view() -> bool {
    GUEST_VIEW.get()
}

/// Runs `render` (formatting a message) with every [`ModuleName`] shown as
/// the program knows it.
pub fn as_guest_sees<R>(render: impl FnOnce() -> R) -> R {
    /// Puts the previous view back, even if `render` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            GUEST_VIEW.set(self.0);
        }
    }
    let _restore = Restore(GUEST_VIEW.replace(true));
    render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_the_module_for_its_reader() {
        let lib = ModuleName::new(Path::new("/home/u/build/root/libx.so"), "/data/libx.so");
        let e = wasmtime::Error::msg("wasm trap").context(About::new(&lib, "constructor failed"));
        assert_eq!(
            format!("{e:#}"),
            "/home/u/build/root/libx.so: constructor failed: wasm trap"
        );
        let seen = as_guest_sees(|| format!("{e:#}"));
        assert_eq!(seen, "/data/libx.so: constructor failed: wasm trap");
        assert_eq!(
            format!("{e:#}"),
            format!("{lib}: constructor failed: wasm trap")
        );
        assert!(
            format!("{lib}").starts_with("/home"),
            "the host view is back"
        );
    }
}
