//! What the split reads of a module ([`Shape`]), in one pass.

use std::collections::HashMap;
use std::ops::Range;

use wasmparser::{Operator, Payload, TypeRef};

use crate::sections::{At, entries_of, extend};

/// What the split needs to know of the module, read in one pass.
#[derive(Default)]
pub(super) struct Shape<'a> {
    /// The type section's entries, as `(params, results)`.
    pub types: Vec<(Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)>,
    /// Imported functions' types, in order.
    pub imported: Vec<u32>,
    /// Defined functions' types, in order.
    pub defined: Vec<u32>,
    /// Every table's type, imports first.
    pub tables: Vec<wasmparser::TableType>,
    /// Every memory's type, imports first.
    pub memories: Vec<wasmparser::MemoryType>,
    /// Every global's type, imports first.
    pub globals: Vec<wasmparser::GlobalType>,
    /// Defined functions something outside the code refers to.
    pub roots: Vec<u32>,
    /// Defined functions that stay in the core with their bodies: the
    /// dispatchers trimming added ([`crate::trim`]).
    pub resident: Vec<u32>,
    /// The start function.
    pub start: Option<u32>,
    /// Each defined function's body.
    pub bodies: Vec<Range<usize>>,
    /// Where the type section's contents are.
    pub types_at: Range<usize>,
    /// Where the data section's contents are.
    pub data_at: Option<Range<usize>>,
    /// Function names, from the name section, for backtraces.
    pub names: HashMap<u32, &'a str>,
    /// The module, for the bodies' ranges.
    pub wasm: &'a [u8],
}

impl<'a> Shape<'a> {
    /// The shape of `wasm`, or `None` for a module this split does not
    /// handle (one with tags or non-function types).
    pub fn of(wasm: &'a [u8]) -> Result<Option<Shape<'a>>, String> {
        let err = |e: wasmparser::BinaryReaderError| e.to_string();
        let mut shape = Shape {
            wasm,
            ..Shape::default()
        };
        let mut exported = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(s) => {
                    shape.types_at = s.range();
                    for ty in s.into_iter_err_on_gc_types() {
                        let Ok(ty) = ty else { return Ok(None) };
                        shape
                            .types
                            .push((ty.params().to_vec(), ty.results().to_vec()));
                    }
                }
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        match import.map_err(err)?.ty {
                            TypeRef::Func(t) => shape.imported.push(t),
                            TypeRef::Table(t) => shape.tables.push(t),
                            TypeRef::Memory(t) => shape.memories.push(t),
                            TypeRef::Global(t) => shape.globals.push(t),
                            _ => return Ok(None),
                        }
                    }
                }
                Payload::FunctionSection(s) => {
                    for t in s {
                        shape.defined.push(t.map_err(err)?);
                    }
                }
                Payload::TableSection(s) => {
                    for t in s {
                        shape.tables.push(t.map_err(err)?.ty);
                    }
                }
                Payload::MemorySection(s) => {
                    for t in s {
                        shape.memories.push(t.map_err(err)?);
                    }
                }
                Payload::TagSection(_) => return Ok(None),
                Payload::GlobalSection(s) => {
                    for g in s {
                        let g = g.map_err(err)?;
                        shape.globals.push(g.ty);
                        shape.roots.extend(referred(&g.init_expr)?);
                    }
                }
                Payload::ExportSection(s) => {
                    for e in s {
                        let e = e.map_err(err)?;
                        if e.kind == wasmparser::ExternalKind::Func {
                            exported.push((e.name, e.index));
                        }
                    }
                }
                Payload::StartSection { func, .. } => shape.start = Some(func),
                Payload::ElementSection(s) => {
                    for elem in s {
                        match elem.map_err(err)?.items {
                            wasmparser::ElementItems::Functions(r) => {
                                for f in r {
                                    shape.roots.push(f.map_err(err)?);
                                }
                            }
                            wasmparser::ElementItems::Expressions(_, r) => {
                                for e in r {
                                    shape.roots.extend(referred(&e.map_err(err)?)?);
                                }
                            }
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => shape.bodies.push(body.range()),
                Payload::DataSection(s) => shape.data_at = Some(s.range()),
                Payload::CustomSection(c) => {
                    if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                        shape.names = function_names(names);
                    }
                }
                _ => {}
            }
        }
        let first = shape.imported.len() as u32;
        for (name, index) in exported {
            if name.starts_with(crate::trim::DISPATCH) {
                shape.resident.push(index);
            } else {
                shape.roots.push(index);
            }
        }
        shape.roots.extend(shape.start);
        shape.roots.retain(|&f| f >= first);
        shape.roots.sort_unstable();
        shape.roots.dedup();
        shape.resident.retain(|&f| f >= first);
        shape.resident.sort_unstable();
        shape.resident.dedup();
        shape
            .roots
            .retain(|f| shape.resident.binary_search(f).is_err());
        if shape.bodies.len() != shape.defined.len() {
            return Err("function and code sections disagree".into());
        }
        // The module is not validated yet: what the pieces look up by
        // index must be there.
        let types = shape.types.len() as u32;
        if let Some(t) = shape
            .imported
            .iter()
            .chain(&shape.defined)
            .find(|&&t| t >= types)
        {
            return Err(format!("function type {t} out of range"));
        }
        let functions = first + shape.defined.len() as u32;
        let referred = shape.roots.iter().chain(&shape.resident);
        if let Some(f) = referred.chain(&shape.start).find(|&&f| f >= functions) {
            return Err(format!("function {f} out of range"));
        }
        Ok(Some(shape))
    }

    /// The type of function `f`.
    pub fn type_of(&self, f: u32) -> u32 {
        let first = self.imported.len();
        match (f as usize).checked_sub(first) {
            Some(d) => self.defined[d],
            None => self.imported[f as usize],
        }
    }

    /// The index, among types, of the dispatcher type of type `t`: each
    /// function type's parameters and an i32 (the position), its results.
    pub fn dispatcher_type(&self, t: u32) -> u32 {
        self.types.len() as u32 + t
    }

    /// Appends to `out` a name section naming the functions `named` gives
    /// (index in the piece, index in the module), when the module named
    /// any of them.
    pub fn append_names(&self, out: &mut Vec<u8>, named: impl Iterator<Item = (u32, u32)>) {
        let mut map = wasm_encoder::NameMap::new();
        let mut any = false;
        for (index, f) in named {
            if let Some(name) = self.names.get(&f) {
                map.append(index, name);
                any = true;
            }
        }
        if any {
            let mut names = wasm_encoder::NameSection::new();
            names.functions(&map);
            wasm_encoder::Section::append_to(&names, out);
        }
    }

    /// The type section's entries followed by each type's dispatcher
    /// type, as a whole section appended to `out`.
    pub fn types_with_dispatchers(&self, out: &mut Vec<u8>) -> Result<(), String> {
        let mut added = wasm_encoder::TypeSection::new();
        for (params, results) in &self.types {
            let mut p = crate::sections::encoded(params);
            p.push(wasm_encoder::ValType::I32);
            added.ty().function(p, crate::sections::encoded(results));
        }
        extend(
            out,
            1,
            &self.wasm[self.types_at.clone()],
            self.types.len() as u32,
            &entries_of(&added),
            At::End,
        )
    }
}

/// The function names of name section `names`; a damaged one names
/// nothing (names only serve backtraces).
fn function_names(names: wasmparser::NameSectionReader<'_>) -> HashMap<u32, &str> {
    let mut found = HashMap::new();
    for name in names.into_iter().flatten() {
        if let wasmparser::Name::Function(map) = name {
            found.extend(map.into_iter().flatten().map(|n| (n.index, n.name)));
        }
    }
    found
}

/// The defined functions constant expression `expr` refers to.
fn referred(expr: &wasmparser::ConstExpr<'_>) -> Result<Vec<u32>, String> {
    let mut found = Vec::new();
    let mut ops = expr.get_operators_reader();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read().map_err(|e| e.to_string())? {
            found.push(function_index);
        }
    }
    Ok(found)
}
