//! What `--trace` (or `DLRUN_DEBUG`) prints to stderr, like glibc's
//! `LD_DEBUG`: libraries as they load, symbol bindings, dlopen/dlsym calls.
//! Off by default; each site checks one flag.

/// The categories asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trace {
    /// Each library found and loaded, with its bases.
    pub libs: bool,
    /// Each import bound, and to what.
    pub bindings: bool,
    /// Each dlopen/dlsym/dlclose call and its result.
    pub dl: bool,
}

impl Trace {
    /// Parses a comma-separated list (`libs,bindings,dl`, `symbols` as an
    /// alias of `bindings`, `all`).
    pub fn parse(spec: &str) -> Result<Trace, String> {
        let mut t = Trace::default();
        for word in spec.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "libs" => t.libs = true,
                "bindings" | "symbols" => t.bindings = true,
                "dl" => t.dl = true,
                "all" => {
                    t = Trace {
                        libs: true,
                        bindings: true,
                        dl: true,
                    }
                }
                other => {
                    return Err(format!(
                        "unknown trace category '{other}' (use libs, symbols, bindings, dl or all)"
                    ));
                }
            }
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_categories_and_refuses_unknown_ones() {
        let t = Trace::parse("libs, dl").unwrap();
        assert!(t.libs && t.dl && !t.bindings);
        assert!(Trace::parse("symbols").unwrap().bindings);
        assert_eq!(
            Trace::parse("all").unwrap(),
            Trace {
                libs: true,
                bindings: true,
                dl: true
            }
        );
        assert!(Trace::parse("bogus").is_err());
    }
}
