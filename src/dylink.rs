//! The `dylink.0` custom section (and the flat `dylink` section of builds
//! older than Emscripten 2.0.30): what a relocatable module asks of the
//! loader before it can be instantiated.

use wasmparser::{
    CustomSectionReader, Dylink0Subsection, KnownCustom, Parser, Payload, SymbolFlags,
};

/// Loader metadata of one main or side module.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DylinkInfo {
    /// Bytes of static data (data + bss) the module needs at `__memory_base`.
    pub mem_size: u32,
    /// log2 of the alignment `__memory_base` must have.
    pub mem_align: u32,
    /// Table slots the module's element segments fill at `__table_base`.
    pub table_size: u32,
    /// log2 of the alignment `__table_base` must have.
    pub table_align: u32,
    /// Libraries this one was linked against, in link order.
    pub needed: Vec<String>,
    /// Directories to search for `needed` (may contain `$ORIGIN`).
    pub runtime_paths: Vec<String>,
    /// Exports that carry flags (TLS, weak definitions).
    #[serde(with = "crate::modinfo::stored::export_flags")]
    pub export_flags: Vec<(String, SymbolFlags)>,
    /// Imports that carry flags (weak undefined symbols), as (module, field).
    #[serde(with = "crate::modinfo::stored::import_flags")]
    pub import_flags: Vec<(String, String, SymbolFlags)>,
}

impl DylinkInfo {
    /// Whether the import `module.field` is declared weak (may stay undefined).
    pub fn is_weak_import(&self, module: &str, field: &str) -> bool {
        self.import_flags.iter().any(|(m, f, flags)| {
            f == field && (m == module || m == "env") && flags.contains(SymbolFlags::BINDING_WEAK)
        })
    }

    /// Whether the export `name` is a thread-local symbol (its value is an
    /// offset from the module's `__tls_base`).
    pub fn is_tls_export(&self, name: &str) -> bool {
        self.export_flags
            .iter()
            .any(|(n, flags)| n == name && flags.contains(SymbolFlags::TLS))
    }

    /// Whether the export `name` is a weak definition.
    pub fn is_weak_export(&self, name: &str) -> bool {
        self.export_flags
            .iter()
            .any(|(n, flags)| n == name && flags.contains(SymbolFlags::BINDING_WEAK))
    }
}

/// Why a module's dylink metadata could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DylinkError {
    /// The bytes are not a WebAssembly binary module.
    #[error("not a WebAssembly module")]
    NotWasm,
    /// The module has neither `dylink.0` nor `dylink`.
    #[error(
        "no dylink.0 section: this is not a main or side module (build it with -sMAIN_MODULE/-sSIDE_MODULE, or -shared/-pie)"
    )]
    Missing,
    /// The section exists but is malformed.
    #[error("malformed {section} section: {reason}")]
    Malformed {
        /// Which section (`dylink.0` or `dylink`).
        section: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Reads the dylink metadata of a module.
pub fn parse(bytes: &[u8]) -> Result<DylinkInfo, DylinkError> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(DylinkError::NotWasm);
    }
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| DylinkError::Malformed {
            section: "module",
            reason: e.to_string(),
        })?;
        if let Payload::CustomSection(reader) = payload
            && let Some(info) = from_custom(&reader)
        {
            return info;
        }
    }
    Err(DylinkError::Missing)
}

/// Reads `reader` if it is a `dylink.0` or `dylink` section; `None` for any
/// other custom section.
pub fn from_custom(reader: &CustomSectionReader<'_>) -> Option<Result<DylinkInfo, DylinkError>> {
    match (reader.name(), reader.as_known()) {
        ("dylink.0", KnownCustom::Dylink0(sections)) => Some(parse_dylink0(sections)),
        ("dylink", _) => Some(parse_legacy(reader.data())),
        _ => None,
    }
}

fn malformed0(e: impl ToString) -> DylinkError {
    DylinkError::Malformed {
        section: "dylink.0",
        reason: e.to_string(),
    }
}

fn parse_dylink0(
    sections: wasmparser::Dylink0SectionReader<'_>,
) -> Result<DylinkInfo, DylinkError> {
    let mut info = DylinkInfo::default();
    for sub in sections {
        match sub.map_err(malformed0)? {
            Dylink0Subsection::MemInfo(m) => {
                info.mem_size = m.memory_size;
                info.mem_align = m.memory_alignment;
                info.table_size = m.table_size;
                info.table_align = m.table_alignment;
            }
            Dylink0Subsection::Needed(names) => {
                info.needed.extend(names.iter().map(|s| s.to_string()))
            }
            Dylink0Subsection::RuntimePath(paths) => info
                .runtime_paths
                .extend(paths.iter().map(|s| s.to_string())),
            Dylink0Subsection::ExportInfo(exports) => info
                .export_flags
                .extend(exports.iter().map(|e| (e.name.to_string(), e.flags))),
            Dylink0Subsection::ImportInfo(imports) => info.import_flags.extend(
                imports
                    .iter()
                    .map(|i| (i.module.to_string(), i.field.to_string(), i.flags)),
            ),
            Dylink0Subsection::Unknown { .. } => {}
        }
    }
    check_alignments(&info)?;
    Ok(info)
}

/// Reads the pre-2.0.30 `dylink` section: four LEBs then the needed list.
fn parse_legacy(data: &[u8]) -> Result<DylinkInfo, DylinkError> {
    let malformed = |e: wasmparser::BinaryReaderError| DylinkError::Malformed {
        section: "dylink",
        reason: e.to_string(),
    };
    let mut r = wasmparser::BinaryReader::new(data, 0);
    let mut info = DylinkInfo {
        mem_size: r.read_var_u32().map_err(malformed)?,
        mem_align: r.read_var_u32().map_err(malformed)?,
        table_size: r.read_var_u32().map_err(malformed)?,
        table_align: r.read_var_u32().map_err(malformed)?,
        ..Default::default()
    };
    let count = r.read_var_u32().map_err(malformed)?;
    for _ in 0..count {
        info.needed
            .push(r.read_string().map_err(malformed)?.to_string());
    }
    check_alignments(&info)?;
    Ok(info)
}

/// Alignments are log2 values; anything past 2^16 is nonsense no linker emits
/// and would make base computations overflow.
fn check_alignments(info: &DylinkInfo) -> Result<(), DylinkError> {
    for (what, value) in [("memory", info.mem_align), ("table", info.table_align)] {
        if value > 16 {
            return Err(DylinkError::Malformed {
                section: "dylink.0",
                reason: format!("{what} alignment 2^{value} is out of range"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leb(v: u32, out: &mut Vec<u8>) {
        wasm_encoder::Encode::encode(&v, out);
    }

    fn string(s: &str, out: &mut Vec<u8>) {
        leb(s.len() as u32, out);
        out.extend_from_slice(s.as_bytes());
    }

    fn module_with_custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        string(name, &mut body);
        body.extend_from_slice(payload);
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.push(0);
        leb(body.len() as u32, &mut m);
        m.extend(body);
        m
    }

    fn subsection(id: u8, content: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(content.len() as u32, out);
        out.extend_from_slice(content);
    }

    #[test]
    fn reads_every_subsection_and_skips_unknown_ones() {
        let mut p = Vec::new();
        let mut mem = Vec::new();
        for v in [300, 4, 7, 0] {
            leb(v, &mut mem);
        }
        subsection(1, &mem, &mut p);
        let mut needed = Vec::new();
        leb(2, &mut needed);
        string("liba.so", &mut needed);
        string("libb.so", &mut needed);
        subsection(2, &needed, &mut p);
        subsection(0x7e, b"whatever", &mut p);
        let mut exports = Vec::new();
        leb(1, &mut exports);
        string("tls_var", &mut exports);
        leb(0x100, &mut exports);
        subsection(3, &exports, &mut p);
        let mut imports = Vec::new();
        leb(1, &mut imports);
        string("env", &mut imports);
        string("maybe", &mut imports);
        leb(1, &mut imports);
        subsection(4, &imports, &mut p);
        let mut rpath = Vec::new();
        leb(1, &mut rpath);
        string("$ORIGIN/lib", &mut rpath);
        subsection(5, &rpath, &mut p);

        let info = parse(&module_with_custom("dylink.0", &p)).unwrap();
        assert_eq!((info.mem_size, info.mem_align), (300, 4));
        assert_eq!((info.table_size, info.table_align), (7, 0));
        assert_eq!(info.needed, ["liba.so", "libb.so"]);
        assert_eq!(info.runtime_paths, ["$ORIGIN/lib"]);
        assert!(info.is_tls_export("tls_var"));
        assert!(!info.is_weak_export("tls_var"));
        assert!(info.is_weak_import("env", "maybe"));
        assert!(!info.is_weak_import("env", "other"));
    }

    #[test]
    fn reads_the_legacy_section() {
        let mut p = Vec::new();
        for v in [16, 2, 1, 0, 1] {
            leb(v, &mut p);
        }
        string("libold.so", &mut p);
        let info = parse(&module_with_custom("dylink", &p)).unwrap();
        assert_eq!(info.mem_size, 16);
        assert_eq!(info.needed, ["libold.so"]);
    }

    #[test]
    fn refuses_modules_without_metadata() {
        assert_eq!(parse(b"\0asm\x01\0\0\0"), Err(DylinkError::Missing));
        assert_eq!(parse(b"hello world"), Err(DylinkError::NotWasm));
    }

    #[test]
    fn refuses_truncated_and_absurd_sections() {
        let truncated = module_with_custom("dylink.0", &[1, 10, 0x80]);
        assert!(matches!(
            parse(&truncated),
            Err(DylinkError::Malformed { .. })
        ));
        let mut p = Vec::new();
        let mut mem = Vec::new();
        for v in [16, 40, 0, 0] {
            leb(v, &mut mem);
        }
        subsection(1, &mem, &mut p);
        assert!(matches!(
            parse(&module_with_custom("dylink.0", &p)),
            Err(DylinkError::Malformed { .. })
        ));
    }
}
