//! Stand-ins for functions whose definitions are not instantiated yet
//! (forward references between modules that import each other). Each is a
//! tiny wasm function that tail-calls through a table slot filled in when
//! the definition arrives, so such calls stay in wasm instead of crossing
//! into the host on every call.

use std::fmt::Write;

use wasmtime::{Func, Instance, Module, StoreContextMut};

use crate::modinfo::Sig;
use crate::process::Process;

fn wat_type(t: &wasmparser::ValType) -> &'static str {
    match t {
        wasmparser::ValType::I32 => "i32",
        wasmparser::ValType::I64 => "i64",
        wasmparser::ValType::F32 => "f32",
        wasmparser::ValType::F64 => "f64",
        wasmparser::ValType::V128 => "v128",
        wasmparser::ValType::Ref(r) if r.is_func_ref() => "funcref",
        wasmparser::ValType::Ref(_) => "externref",
    }
}

/// The text of a module exporting `f0..fN`, each calling through its slot.
pub fn module_text(entries: &[(Sig, u32)]) -> String {
    let mut text = String::from("(module (import \"env\" \"table\" (table 0 funcref))\n");
    for (k, (sig, slot)) in entries.iter().enumerate() {
        let params: Vec<&str> = sig.params.iter().map(wat_type).collect();
        let results: Vec<&str> = sig.results.iter().map(wat_type).collect();
        let ty = format!(
            "(param {}) (result {})",
            params.join(" "),
            results.join(" ")
        );
        let _ = writeln!(text, "(type $t{k} (func {ty}))");
        let _ = write!(text, "(func (export \"f{k}\") (type $t{k})");
        for i in 0..params.len() {
            let _ = write!(text, " local.get {i}");
        }
        let _ = writeln!(text, " i32.const {slot} return_call_indirect (type $t{k}))");
    }
    text.push(')');
    text
}

/// Instantiates one stand-in per entry (signature, table slot).
pub fn stand_ins(
    cx: &mut StoreContextMut<'_, Process>,
    entries: &[(Sig, u32)],
) -> wasmtime::Result<Vec<Func>> {
    let text = module_text(entries);
    let module = match cx.data().plt_modules.get(&text) {
        Some(m) => m.clone(),
        None => {
            let m = Module::new(cx.engine(), &text)?;
            cx.data_mut().plt_modules.insert(text, m.clone());
            m
        }
    };
    let table = cx.data().table();
    let instance = Instance::new(&mut *cx, &module, &[table.into()])?;
    (0..entries.len())
        .map(|k| {
            instance
                .get_func(&mut *cx, &format!("f{k}"))
                .ok_or_else(|| wasmtime::format_err!("stand-in f{k} missing"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::ValType;

    #[test]
    fn stand_in_text_forwards_every_parameter_through_its_slot() {
        let sig = Sig {
            params: vec![ValType::I32, ValType::I64],
            results: vec![ValType::F64],
        };
        let text = module_text(&[(sig, 17)]);
        assert!(text.contains("(param i32 i64) (result f64)"));
        assert!(text.contains("local.get 0 local.get 1 i32.const 17 return_call_indirect"));
        wat::parse_str(&text).unwrap();
    }
}
