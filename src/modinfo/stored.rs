//! A module's metadata as the cache keeps it, in a record beside the
//! module's file (see `cache/record.rs`): reading, hashing and parsing a
//! large main on every run was a quarter of a warm start. The form is
//! postcard's, of [`ModuleInfo`]'s own fields, with adapters for the
//! wasmparser types that have no serde form; what `parse` derives from
//! other fields is derived again when it is read.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wasmparser::{RefType, SymbolFlags, ValType};

use super::{ModuleInfo, Sig};

/// Names the form [`ModuleInfo::to_stored`] writes, and with it what the
/// parse puts in each field. Raise it with any change to the fields of
/// [`ModuleInfo`] (or the types in them), to how one is written, or to
/// what the parse derives for one, or a record written by another build of
/// dlrun would be misread; the test `the_stored_form_is_pinned` fails
/// until it is for the first two, nothing for the third.
pub const FORM: u32 = 2;

impl ModuleInfo {
    /// The metadata in the form [`ModuleInfo::from_stored`] reads; None
    /// for a module with a value type the form has no code for.
    pub fn to_stored(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(self).ok()
    }

    /// The metadata [`ModuleInfo::to_stored`] wrote into `bytes`, or None
    /// when they hold anything else.
    pub fn from_stored(bytes: &[u8]) -> Option<ModuleInfo> {
        let (mut info, rest): (ModuleInfo, _) = postcard::take_from_bytes(bytes).ok()?;
        if !rest.is_empty() {
            return None;
        }
        info.index_exports();
        Some(info)
    }
}

/// A value type's code in the binary format.
fn code_of(t: &ValType) -> Option<u8> {
    Some(match *t {
        ValType::I32 => 0x7f,
        ValType::I64 => 0x7e,
        ValType::F32 => 0x7d,
        ValType::F64 => 0x7c,
        ValType::V128 => 0x7b,
        ValType::Ref(RefType::FUNCREF) => 0x70,
        ValType::Ref(RefType::EXTERNREF) => 0x6f,
        ValType::Ref(_) => return None,
    })
}

fn type_of(code: u8) -> Option<ValType> {
    Some(match code {
        0x7f => ValType::I32,
        0x7e => ValType::I64,
        0x7d => ValType::F32,
        0x7c => ValType::F64,
        0x7b => ValType::V128,
        0x70 => ValType::FUNCREF,
        0x6f => ValType::EXTERNREF,
        _ => return None,
    })
}

fn codes_of<E: serde::ser::Error>(types: &[ValType]) -> Result<Vec<u8>, E> {
    types
        .iter()
        .map(|t| code_of(t).ok_or_else(|| E::custom(format!("no code for type {t}"))))
        .collect()
}

/// One value type, as its code.
pub mod val_type {
    use super::*;

    /// Writes `t` as its code.
    pub fn serialize<S: Serializer>(t: &ValType, s: S) -> Result<S::Ok, S::Error> {
        code_of(t)
            .ok_or_else(|| S::Error::custom(format!("no code for type {t}")))?
            .serialize(s)
    }

    /// Reads a value type's code.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ValType, D::Error> {
        let code = u8::deserialize(d)?;
        type_of(code).ok_or_else(|| D::Error::custom(format!("no value type {code:#x}")))
    }
}

/// Value types, as their codes.
pub mod val_types {
    use super::*;

    /// Writes `types` as their codes.
    pub fn serialize<S: Serializer>(types: &[ValType], s: S) -> Result<S::Ok, S::Error> {
        codes_of(types)?.serialize(s)
    }

    /// Reads value types' codes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ValType>, D::Error> {
        Vec::<u8>::deserialize(d)?
            .into_iter()
            .map(|c| type_of(c).ok_or_else(|| D::Error::custom(format!("no value type {c:#x}"))))
            .collect()
    }
}

/// Every function's signature, where functions share the few signatures
/// of the type section: each distinct one once, then one number per
/// function, so that they are shared again when read.
pub mod shared_sigs {
    use super::*;

    /// Writes the distinct signatures, then each function's.
    pub fn serialize<S: Serializer>(sigs: &[Arc<Sig>], s: S) -> Result<S::Ok, S::Error> {
        let mut numbers: HashMap<*const Sig, u32> = HashMap::new();
        let mut distinct: Vec<&Sig> = Vec::new();
        let of_each: Vec<u32> = sigs
            .iter()
            .map(|sig| {
                *numbers.entry(Arc::as_ptr(sig)).or_insert_with(|| {
                    distinct.push(sig);
                    distinct.len() as u32 - 1
                })
            })
            .collect();
        (distinct, of_each).serialize(s)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Arc<Sig>>, D::Error> {
        let (distinct, of_each) = <(Vec<Sig>, Vec<u32>)>::deserialize(d)?;
        let distinct: Vec<Arc<Sig>> = distinct.into_iter().map(Arc::new).collect();
        of_each
            .into_iter()
            .map(|n| {
                distinct
                    .get(n as usize)
                    .cloned()
                    .ok_or_else(|| D::Error::custom(format!("no signature {n}")))
            })
            .collect()
    }
}

/// Exports, whose names are read as slices of one shared text: through
/// serde's own `Arc<str>` each was allocated and copied twice, and a
/// large main exports thousands.
pub mod exports {
    use super::*;
    use crate::modinfo::{ExportKind, Name};

    /// Writes the names of all exports as one string, then each export's
    /// name length and kind: read back, the names are checked as text once,
    /// where one string each cost a check each (7000 of them in a
    /// MAIN_MODULE=1 main, a sixth of reading its record).
    pub fn serialize<S: Serializer>(
        exports: &[(Name, ExportKind)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let names: String = exports.iter().map(|(name, _)| &**name).collect();
        let lengths: Vec<(u32, &ExportKind)> = exports
            .iter()
            .map(|(name, kind)| Ok((u32::try_from(name.len()).map_err(S::Error::custom)?, kind)))
            .collect::<Result<_, S::Error>>()?;
        (names, lengths).serialize(s)
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(Name, ExportKind)>, D::Error> {
        let (text, lengths) = <(&str, Vec<(u32, ExportKind)>)>::deserialize(d)?;
        Name::cut(
            text,
            lengths.into_iter().map(|(len, kind)| (len as usize, kind)),
        )
        .ok_or_else(|| D::Error::custom("export names cut"))
    }
}

/// Exports' symbol flags, as their bits.
pub mod export_flags {
    use super::*;

    /// Writes each name with its flags' bits.
    pub fn serialize<S: Serializer>(
        flags: &[(String, SymbolFlags)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(flags.iter().map(|(n, f)| (n, f.bits())))
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, SymbolFlags)>, D::Error> {
        let bits = Vec::<(String, u32)>::deserialize(d)?;
        Ok(bits
            .into_iter()
            .map(|(n, b)| (n, SymbolFlags::from_bits_retain(b)))
            .collect())
    }
}

/// Imports' symbol flags, as their bits.
pub mod import_flags {
    use super::*;

    /// Writes each (module, field) with its flags' bits.
    pub fn serialize<S: Serializer>(
        flags: &[(String, String, SymbolFlags)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(flags.iter().map(|(m, n, f)| (m, n, f.bits())))
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, String, SymbolFlags)>, D::Error> {
        let bits = Vec::<(String, String, u32)>::deserialize(d)?;
        Ok(bits
            .into_iter()
            .map(|(m, n, b)| (m, n, SymbolFlags::from_bits_retain(b)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dylink::DylinkInfo;
    use crate::modinfo::{ConstAddr, ExportKind, Import, ImportKind, Name};

    /// The module the parse's own tests read, with something in each
    /// field it leaves empty.
    fn parsed() -> ModuleInfo {
        let wasm = wat::parse_str(crate::modinfo::tests::SIDE).unwrap();
        let mut info = ModuleInfo::parse(&wasm).unwrap();
        info.dylink.export_flags = vec![("f".into(), SymbolFlags::BINDING_WEAK)];
        info.dylink.import_flags = vec![("env".into(), "puts".into(), SymbolFlags::BINDING_WEAK)];
        info.func_sigs.push(Arc::new(Sig {
            params: vec![ValType::V128, ValType::FUNCREF, ValType::EXTERNREF],
            results: vec![ValType::F32, ValType::F64],
        }));
        info.exports
            .push((Name::from("orig$f"), ExportKind::Func(2)));
        info.index_exports();
        info.tls_image = Some(Arc::from(&b"tdata"[..]));
        info.tls_base = Some(3);
        info.own_thread_locals = true;
        info.start_calls_ctors = true;
        info
    }

    #[test]
    fn metadata_reads_back_as_it_was_parsed() {
        let info = parsed();
        assert!(!info.global_inits.is_empty() && !info.table_positions.is_empty());
        assert!(!info.dylink.export_flags.is_empty() && !info.dylink.import_flags.is_empty());
        let back = ModuleInfo::from_stored(&info.to_stored().unwrap()).unwrap();
        assert_eq!(back, info);
        assert_eq!(back.export("g"), Some(ExportKind::Func(3)), "indexed again");
        assert!(back.orig_names.contains("f"));
        assert!(back.dylink.is_weak_import("env", "puts"));
    }

    #[test]
    fn functions_of_one_type_share_their_signature_when_read_back() {
        let wasm = wat::parse_str(
            r#"(module (type $t (func (param i32)))
                 (func (type $t)) (func (type $t)) (func (param i64)))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse_with(&wasm, false).unwrap();
        let back = ModuleInfo::from_stored(&info.to_stored().unwrap()).unwrap();
        assert_eq!(back.func_sigs, info.func_sigs);
        assert!(Arc::ptr_eq(&back.func_sigs[0], &back.func_sigs[1]));
        assert!(!Arc::ptr_eq(&back.func_sigs[0], &back.func_sigs[2]));
    }

    #[test]
    fn types_without_a_code_are_not_stored() {
        let info = ModuleInfo {
            func_sigs: vec![Arc::new(Sig {
                params: vec![ValType::Ref(RefType::FUNC)],
                results: vec![],
            })],
            ..ModuleInfo::default()
        };
        assert_eq!(info.to_stored(), None);
    }

    #[test]
    fn anything_else_reads_as_nothing() {
        let stored = parsed().to_stored().unwrap();
        assert!(ModuleInfo::from_stored(&stored[..stored.len() - 1]).is_none());
        assert!(ModuleInfo::from_stored(&[stored.clone(), vec![0]].concat()).is_none());
        assert!(ModuleInfo::from_stored(b"\0asm\x01\0\0\0").is_none());
        assert!(ModuleInfo::from_stored(&[]).is_none());
    }

    /// Fails when what is written changes: raise [`FORM`] (old records
    /// would be misread), then write down the new digest.
    #[test]
    fn export_names_are_cut_from_one_text_and_never_past_it() {
        #[derive(Deserialize)]
        struct Exports(#[serde(with = "exports")] Vec<(Name, ExportKind)>);
        let kinds = |lens: [u32; 2]| {
            vec![
                (lens[0], ExportKind::Func(0)),
                (lens[1], ExportKind::Global(1)),
            ]
        };
        let bytes = postcard::to_allocvec(&("abc", kinds([1, 2]))).unwrap();
        let Exports(read) = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(
            read,
            [
                (Name::from("a"), ExportKind::Func(0)),
                (Name::from("bc"), ExportKind::Global(1))
            ]
        );
        let bytes = postcard::to_allocvec(&("abc", kinds([1, 3]))).unwrap();
        assert!(postcard::from_bytes::<Exports>(&bytes).is_err());
        let bytes = postcard::to_allocvec(&("abc", kinds([u32::MAX, 1]))).unwrap();
        assert!(postcard::from_bytes::<Exports>(&bytes).is_err());
    }

    #[test]
    fn the_stored_form_is_pinned() {
        let sig = Arc::new(Sig {
            params: vec![ValType::I32, ValType::F64],
            results: vec![ValType::I64],
        });
        let info = ModuleInfo {
            dylink: DylinkInfo {
                mem_size: 1,
                mem_align: 2,
                table_size: 3,
                table_align: 4,
                needed: vec!["libn.so".into()],
                runtime_paths: vec!["$ORIGIN".into()],
                export_flags: vec![("e".into(), SymbolFlags::TLS)],
                import_flags: vec![("env".into(), "i".into(), SymbolFlags::BINDING_WEAK)],
            },
            imports: vec![Import {
                module: "env".into(),
                name: "g".into(),
                kind: ImportKind::Global {
                    ty: ValType::I32,
                    mutable: true,
                },
            }],
            exports: vec![(Name::from("e"), ExportKind::Func(0))],
            func_sigs: vec![sig.clone(), sig],
            global_inits: [(1, ConstAddr::Relative(8))].into_iter().collect(),
            table_positions: [(0, ConstAddr::Absolute(2))].into_iter().collect(),
            start: Some(5),
            relocatable: true,
            start_calls_ctors: true,
            tls_image: Some(Arc::from(&[9u8][..])),
            tls_base: Some(1),
            own_thread_locals: true,
            ..ModuleInfo::default()
        };
        let digest = blake3::hash(&info.to_stored().unwrap())
            .to_hex()
            .to_string();
        assert_eq!(
            (FORM, digest.as_str()),
            (
                2,
                "0d5c0733d44058cf114b65120c0daa668262d642701a25db528aa13694d7427a"
            ),
            "the stored form changed: raise FORM"
        );
    }
}
