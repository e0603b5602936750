//! The values a host passes to and gets from guest functions: the four
//! numeric wasm types, which is all a C function's scalar arguments and
//! results lower to. Kept apart from wasmtime's `Val` so that the embedding
//! API does not change when wasmtime does, and so that floats are floats
//! (wasmtime carries them as bit patterns).

use std::fmt;

/// A wasm number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    /// `i32`: C's `int`, pointers, `bool`, `char`.
    I32(i32),
    /// `i64`: C's `long long`.
    I64(i64),
    /// `f32`: C's `float`.
    F32(f32),
    /// `f64`: C's `double`.
    F64(f64),
}

/// The type of a [`Val`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

/// A function's parameter and result types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types, in order.
    pub results: Vec<ValType>,
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }

    pub(crate) fn to_wasmtime(self) -> wasmtime::Val {
        match self {
            Val::I32(v) => wasmtime::Val::I32(v),
            Val::I64(v) => wasmtime::Val::I64(v),
            Val::F32(v) => wasmtime::Val::F32(v.to_bits()),
            Val::F64(v) => wasmtime::Val::F64(v.to_bits()),
        }
    }

    /// The value, or `None` for types C scalars never lower to (vectors,
    /// references).
    pub(crate) fn from_wasmtime(v: &wasmtime::Val) -> Option<Val> {
        Some(match *v {
            wasmtime::Val::I32(v) => Val::I32(v),
            wasmtime::Val::I64(v) => Val::I64(v),
            wasmtime::Val::F32(v) => Val::F32(f32::from_bits(v)),
            wasmtime::Val::F64(v) => Val::F64(f64::from_bits(v)),
            _ => return None,
        })
    }
}

/// Prints the number alone (`5`, `-1`, `2.5`), as `wasmtime --invoke`
/// prints results.
impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(v) => write!(f, "{v}"),
            Val::F64(v) => write!(f, "{v}"),
        }
    }
}

impl ValType {
    /// The type, or `None` for types C scalars never lower to.
    pub(crate) fn from_wasmtime(t: &wasmtime::ValType) -> Option<ValType> {
        Some(match t {
            wasmtime::ValType::I32 => ValType::I32,
            wasmtime::ValType::I64 => ValType::I64,
            wasmtime::ValType::F32 => ValType::F32,
            wasmtime::ValType::F64 => ValType::F64,
            _ => return None,
        })
    }

    /// Reads `text` as a value of this type: decimal integers (negative
    /// ones too; an `i32` also takes 0..=u32::MAX, wrapping, as C's
    /// unsigned int does), `0x` hexadecimal, and Rust's float syntax
    /// (`inf`, `NaN` included) for floats.
    ///
    /// ```
    /// use dlrun::{Val, ValType};
    /// assert_eq!(ValType::I32.parse("-5"), Ok(Val::I32(-5)));
    /// assert_eq!(ValType::I64.parse("0xff"), Ok(Val::I64(255)));
    /// assert_eq!(ValType::F64.parse("2.5"), Ok(Val::F64(2.5)));
    /// assert!(ValType::I32.parse("five").is_err());
    /// ```
    pub fn parse(self, text: &str) -> Result<Val, String> {
        let bad = || format!("'{text}' is not a valid {self}");
        match self {
            ValType::I32 => parse_int(text)
                .and_then(|v| {
                    i32::try_from(v)
                        .ok()
                        .or_else(|| u32::try_from(v).ok().map(|u| u as i32))
                })
                .map(Val::I32)
                .ok_or_else(bad),
            ValType::I64 => parse_int(text)
                .and_then(|v| {
                    i64::try_from(v)
                        .ok()
                        .or_else(|| u64::try_from(v).ok().map(|u| u as i64))
                })
                .map(Val::I64)
                .ok_or_else(bad),
            ValType::F32 => text.parse().map(Val::F32).map_err(|_| bad()),
            ValType::F64 => text.parse().map(Val::F64).map_err(|_| bad()),
        }
    }
}

impl Signature {
    /// Checks that `args` fit the parameters of function `what`.
    pub fn check(&self, what: &str, args: &[Val]) -> Result<(), String> {
        self.check_count(what, args.len())?;
        for (k, (arg, want)) in args.iter().zip(&self.params).enumerate() {
            if arg.ty() != *want {
                return Err(format!(
                    "{what} {self}: argument {} is {}, expected {want}",
                    k + 1,
                    arg.ty()
                ));
            }
        }
        Ok(())
    }

    /// Reads `args` as the parameters of function `what`, each as its
    /// parameter's type (see [`ValType::parse`]).
    pub fn parse_args<S: AsRef<str>>(&self, what: &str, args: &[S]) -> Result<Vec<Val>, String> {
        self.check_count(what, args.len())?;
        args.iter()
            .zip(&self.params)
            .enumerate()
            .map(|(k, (arg, ty))| {
                ty.parse(arg.as_ref())
                    .map_err(|e| format!("{what} {self}: argument {}: {e}", k + 1))
            })
            .collect()
    }

    fn check_count(&self, what: &str, given: usize) -> Result<(), String> {
        let want = self.params.len();
        if given == want {
            return Ok(());
        }
        let plural = if want == 1 { "" } else { "s" };
        Err(format!(
            "{what} {self} takes {want} argument{plural}, {given} given"
        ))
    }
}

/// A decimal or `0x` hexadecimal integer, optionally negative, wide enough
/// for every i64 and u64.
fn parse_int(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    // One sign at most: the parsers below would take another.
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) if hex.starts_with(|c: char| c.is_ascii_hexdigit()) => {
            i128::from_str_radix(hex, 16).ok()?
        }
        Some(_) => return None,
        None => digits.parse::<u64>().ok()?.into(),
    };
    Some(if negative { -magnitude } else { magnitude })
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        })
    }
}

/// `(i32, i32) -> i32`.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_signature(f, &self.params, &self.results)
    }
}

/// Writes a function type as C programmers read it, `(i64, i32) -> f32`:
/// the one way dlrun prints a signature.
pub(crate) fn write_signature<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    params: &[T],
    results: &[T],
) -> fmt::Result {
    let list = |types: &[T]| {
        types
            .iter()
            .map(T::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    write!(f, "({})", list(params))?;
    match results {
        [] => Ok(()),
        [one] => write!(f, " -> {one}"),
        more => write!(f, " -> ({})", list(more)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_signed_unsigned_and_hex() {
        assert_eq!(ValType::I32.parse("-7"), Ok(Val::I32(-7)));
        assert_eq!(ValType::I32.parse("4294967295"), Ok(Val::I32(-1)));
        assert_eq!(ValType::I32.parse("0x10"), Ok(Val::I32(16)));
        assert!(ValType::I32.parse("4294967296").is_err());
        assert!(ValType::I32.parse("-2147483649").is_err());
        assert_eq!(
            ValType::I64.parse("-9223372036854775808"),
            Ok(Val::I64(i64::MIN))
        );
        assert_eq!(ValType::I64.parse("18446744073709551615"), Ok(Val::I64(-1)));
        assert!(ValType::I64.parse("1.5").is_err());
        assert!(ValType::I32.parse("").is_err());
        assert!(ValType::I32.parse("-").is_err());
        assert!(ValType::I32.parse("-+5").is_err());
        assert!(ValType::I32.parse("0x-5").is_err());
    }

    #[test]
    fn floats_parse_and_print_plainly() {
        assert_eq!(ValType::F64.parse("2.5"), Ok(Val::F64(2.5)));
        assert_eq!(ValType::F32.parse("-1"), Ok(Val::F32(-1.0)));
        let err = ValType::F64.parse("two").unwrap_err();
        assert_eq!(err, "'two' is not a valid f64");
        assert_eq!(Val::F64(2.5).to_string(), "2.5");
        assert_eq!(Val::F32(3.0).to_string(), "3");
        assert_eq!(Val::I64(-4).to_string(), "-4");
    }

    #[test]
    fn signatures_print_like_c_prototypes_with_wasm_types() {
        let sig = Signature {
            params: vec![ValType::I32, ValType::F64],
            results: vec![ValType::I64],
        };
        assert_eq!(sig.to_string(), "(i32, f64) -> i64");
        let none = Signature {
            params: vec![],
            results: vec![],
        };
        assert_eq!(none.to_string(), "()");
    }

    #[test]
    fn arguments_are_counted_typed_and_parsed() {
        let sig = Signature {
            params: vec![ValType::I32, ValType::F64],
            results: vec![],
        };
        assert_eq!(
            sig.parse_args("f", &["-2", "0.5"]),
            Ok(vec![Val::I32(-2), Val::F64(0.5)])
        );
        assert_eq!(
            sig.parse_args("f", &["1"]).unwrap_err(),
            "f (i32, f64) takes 2 arguments, 1 given"
        );
        assert_eq!(
            sig.parse_args("f", &["1", "x"]).unwrap_err(),
            "f (i32, f64): argument 2: 'x' is not a valid f64"
        );
        assert!(sig.check("f", &[Val::I32(1), Val::F64(2.0)]).is_ok());
        assert_eq!(
            sig.check("f", &[Val::I32(1), Val::I32(2)]).unwrap_err(),
            "f (i32, f64): argument 2 is i32, expected f64"
        );
    }

    #[test]
    fn values_round_trip_through_wasmtime() {
        for v in [
            Val::I32(-3),
            Val::I64(1 << 40),
            Val::F32(0.5),
            Val::F64(-2.25),
        ] {
            assert_eq!(Val::from_wasmtime(&v.to_wasmtime()), Some(v));
        }
    }
}
