//! A store's state as its constructors left it, and putting a store back
//! into that state after a session ran in it: the memory, every mutable
//! global, the table, and the loader's own books.

use wasmtime::{Extern, Global, Mutability, Ref, Store, Val};

use crate::finalize::ExitHandlers;
use crate::process::Process;

/// Bytes per page the image is kept and compared in (the host's page, so
/// that discarding memory and copying pages back match).
const PAGE: usize = 4096;

/// The state of one store after the start-up link and constructors.
pub struct Image {
    /// Runs of pages that are not all zero: (offset, bytes).
    memory: Vec<(usize, Box<[u8]>)>,
    /// Every mutable global of the store's instances and of the loader,
    /// with its value.
    globals: Vec<(Global, Val)>,
    /// Every entry of the shared table.
    table: Vec<Ref>,
    /// dlopen counts of the libraries.
    opens: Vec<u32>,
    exit_handlers: ExitHandlers,
    shape: Shape,
}

/// What a session may change only by growing it: while these are as the
/// image has them, everything else in the loader's books is too (they
/// are only ever added to).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    libs: usize,
    slots: usize,
    reserved: usize,
    unresolved: usize,
    waiting: usize,
    host_funcs: usize,
    globals: usize,
    memory: usize,
    table: u64,
}

impl Shape {
    fn of(store: &mut Store<Process>) -> wasmtime::Result<Shape> {
        let memory = store.data().memory()?;
        let table = store.data().table()?;
        let d = store.data();
        Ok(Shape {
            libs: d.libs.len(),
            slots: d.slots.len(),
            reserved: d.reserved.len(),
            unresolved: d.unresolved_slots.len(),
            waiting: d.waiting.len(),
            host_funcs: d.host_funcs.len(),
            globals: d.made_globals.len(),
            memory: memory.data_size(&*store),
            table: table.size(&*store),
        })
    }
}

impl Image {
    /// The state of `store` now.
    pub fn capture(store: &mut Store<Process>) -> wasmtime::Result<Image> {
        let shape = Shape::of(store)?;
        let memory = store.data().memory()?;
        let bytes = memory.data(&*store);
        let mut runs: Vec<(usize, Box<[u8]>)> = Vec::new();
        let mut run: Option<usize> = None;
        for (k, page) in bytes.chunks(PAGE).enumerate() {
            let used = page.iter().any(|&b| b != 0);
            match (used, run) {
                (true, None) => run = Some(k * PAGE),
                (false, Some(start)) => {
                    runs.push((start, bytes[start..k * PAGE].into()));
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(start) = run {
            runs.push((start, bytes[start..].into()));
        }
        let mut globals = Vec::new();
        let d = store.data();
        let made: Vec<Global> = d
            .made_globals
            .iter()
            .copied()
            .chain(d.stack_pointer.and_then(crate::stack::StackPointer::global))
            .chain(d.heap_base)
            .collect();
        let instances: Vec<_> = store
            .data()
            .libs
            .iter()
            .filter_map(|l| l.instance)
            .collect();
        let mut exported = Vec::new();
        for instance in instances {
            for export in instance.exports(&mut *store) {
                if let Extern::Global(g) = export.into_extern() {
                    exported.push(g);
                }
            }
        }
        for g in made.into_iter().chain(exported) {
            if g.ty(&*store).mutability() == Mutability::Var {
                let value = g.get(&mut *store);
                globals.push((g, value));
            }
        }
        let table = store.data().table()?;
        let size = table.size(&*store);
        let entries = (0..size)
            .map(|k| {
                table
                    .get(&mut *store, k)
                    .ok_or_else(|| wasmtime::format_err!("table entry {k} vanished"))
            })
            .collect::<wasmtime::Result<Vec<Ref>>>()?;
        let d = store.data();
        Ok(Image {
            memory: runs,
            globals,
            table: entries,
            opens: d.libs.iter().map(|l| l.opens).collect(),
            exit_handlers: d.exit_handlers.clone(),
            shape,
        })
    }

    /// Whether a session left `store` in a shape the image can be put back
    /// into (it loaded no library, grew neither memory nor table).
    pub fn fits(&self, store: &mut Store<Process>) -> bool {
        Shape::of(store).is_ok_and(|s| s == self.shape)
    }

    /// Puts `store` back into the image's state; it must [`fit`](Self::fits).
    pub fn restore(&self, store: &mut Store<Process>) -> wasmtime::Result<()> {
        let memory = store.data().memory()?;
        let bytes = memory.data_mut(&mut *store);
        // The image's pages are written over (they stay mapped from one
        // session to the next); only the pages between them are given
        // back to the kernel.
        let mut end = 0;
        for (at, run) in &self.memory {
            discard(&mut bytes[end..*at]);
            bytes[*at..*at + run.len()].copy_from_slice(run);
            end = *at + run.len();
        }
        discard(&mut bytes[end..]);
        for (g, value) in &self.globals {
            g.set(&mut *store, *value)?;
        }
        let table = store.data().table()?;
        for (k, entry) in self.table.iter().enumerate() {
            table.set(&mut *store, k as u64, entry.clone())?;
        }
        let data = store.data_mut();
        for (lib, &opens) in data.libs.iter_mut().zip(&self.opens) {
            lib.opens = opens;
        }
        data.exit_handlers = self.exit_handlers.clone();
        Ok(())
    }
}

/// Zeroes `bytes` (page aligned, as the image's runs are) by giving its
/// pages back to the kernel: pages never touched cost nothing, where
/// writing zeros would touch every one.
fn discard(bytes: &mut [u8]) {
    if bytes.is_empty() {
        return;
    }
    let whole = bytes.len() / PAGE * PAGE;
    // SAFETY: `bytes` is part of the store's linear memory, which the
    // loader made with `Memory::new` (a template needs a main that imports
    // its memory): a private anonymous mapping, which reads as zeros after
    // MADV_DONTNEED. It starts on a page (checked) and only its whole pages
    // are given back. No other reference to it is alive while we hold the
    // `&mut`.
    let aligned = (bytes.as_ptr() as usize).is_multiple_of(PAGE);
    let done = whole > 0
        && aligned
        && unsafe { libc::madvise(bytes.as_mut_ptr().cast(), whole, libc::MADV_DONTNEED) } == 0;
    if done {
        bytes[whole..].fill(0);
    } else {
        bytes.fill(0);
    }
}
