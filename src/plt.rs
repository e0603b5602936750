//! Stand-ins for functions whose definitions are not instantiated yet
//! (forward references between modules that import each other). Each is a
//! tiny wasm function that tail-calls through a slot of its own private
//! table, filled in when the definition arrives, so such calls stay in wasm
//! instead of crossing into the host on every call. The private table keeps
//! stand-ins out of the program's function-pointer space.

use std::fmt::Write;

use wasmtime::{Func, Instance, StoreContextMut, Table};

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

/// The text of a module exporting `f0..fN`, function k calling through
/// slot k of the exported table `slots`: a tail call unless `plain` (Winch
/// has no tail calls).
pub fn module_text(sigs: &[Sig], plain: bool) -> String {
    let call = if plain {
        "call_indirect"
    } else {
        "return_call_indirect"
    };
    let mut text = format!(
        "(module (table $slots (export \"slots\") {} funcref)\n",
        sigs.len()
    );
    for (k, sig) in sigs.iter().enumerate() {
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
        let _ = writeln!(text, " i32.const {k} {call} $slots (type $t{k}))");
    }
    text.push(')');
    text
}

/// Instantiates one stand-in per signature; returns them and the table
/// whose slot k the definition of stand-in k goes into.
pub fn stand_ins(
    cx: &mut StoreContextMut<'_, Process>,
    sigs: &[Sig],
) -> wasmtime::Result<(Vec<Func>, Table)> {
    let text = module_text(sigs, cx.data().modules.baseline());
    let module = cx.data().modules.stand_in(&text)?;
    let instance = Instance::new(&mut *cx, &module, &[])?;
    let table = instance
        .get_table(&mut *cx, "slots")
        .ok_or_else(|| wasmtime::format_err!("stand-in table missing"))?;
    let funcs = (0..sigs.len())
        .map(|k| {
            instance
                .get_func(&mut *cx, &format!("f{k}"))
                .ok_or_else(|| wasmtime::format_err!("stand-in f{k} missing"))
        })
        .collect::<wasmtime::Result<_>>()?;
    Ok((funcs, table))
}

/// The text of a module exporting `f0..fN` of the signatures `sigs`,
/// function k calling the imported `host.fail` with k (which does not
/// return).
pub fn failing_text(sigs: &[Sig]) -> String {
    let mut text = String::from("(module (import \"host\" \"fail\" (func $fail (param i32)))\n");
    for (k, sig) in sigs.iter().enumerate() {
        let params: Vec<&str> = sig.params.iter().map(wat_type).collect();
        let results: Vec<&str> = sig.results.iter().map(wat_type).collect();
        let _ = writeln!(
            text,
            "(func (export \"f{k}\") (param {}) (result {}) i32.const {k} call $fail unreachable)",
            params.join(" "),
            results.join(" ")
        );
    }
    text.push(')');
    text
}

/// The functions of a module [`failing_text`] wrote, in order, calling
/// `fail`. Being wasm functions, they bring their own trampolines: host
/// functions of signatures no module has would be searched for one in
/// every module instantiated after them.
pub fn failing(
    cx: &mut StoreContextMut<'_, Process>,
    module: &wasmtime::Module,
    fail: Func,
) -> wasmtime::Result<Vec<Func>> {
    let instance = Instance::new(&mut *cx, module, &[fail.into()])?;
    let funcs: Vec<Func> = instance
        .exports(&mut *cx)
        .filter_map(|e| e.into_func())
        .collect();
    Ok(funcs)
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
        let text = module_text(&[sig.clone(), sig.clone()], false);
        assert!(text.contains("(param i32 i64) (result f64)"));
        assert!(text.contains("local.get 0 local.get 1 i32.const 1 return_call_indirect $slots"));
        wat::parse_str(&text).unwrap();
        let plain = module_text(&[sig.clone(), sig], true);
        assert!(plain.contains("local.get 0 local.get 1 i32.const 1 call_indirect $slots"));
        wat::parse_str(&plain).unwrap();
    }

    #[test]
    fn failing_text_is_a_valid_module() {
        let sigs = [
            Sig {
                params: vec![ValType::I32, ValType::F64],
                results: vec![ValType::I64],
            },
            Sig {
                params: vec![],
                results: vec![],
            },
        ];
        let text = failing_text(&sigs);
        assert!(text.contains("(param i32 f64) (result i64) i32.const 0 call $fail"));
        wasmparser::Validator::new()
            .validate_all(&wat::parse_str(&text).unwrap())
            .unwrap();
    }
}
