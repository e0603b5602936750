//! Which functions go to which chunk ([`Chunking`]), and where each
//! chunk's dispatchers go in [`super::CHUNKS`].

use std::ops::Range;

use super::{Callee, Shape};

/// Which chunk each defined function goes to, and its position there.
pub(super) struct Chunking {
    /// Per chunk, its defined functions (as indices into the module).
    pub chunks: Vec<Vec<u32>>,
    /// Per chunk, the types of its dispatchers, in slot order.
    pub dispatchers: Vec<Vec<u32>>,
    /// How many slots [`super::CHUNKS`] has.
    pub slots: u32,
    /// Defined function -> (chunk, position among the chunk's functions
    /// of its type, that type's dispatcher among the chunk's); `None` for
    /// a resident function.
    place: Vec<Option<(u32, u32, u32)>>,
    /// Per chunk, the slot of its first dispatcher (the others follow).
    first_slot: Vec<u32>,
}

impl Chunking {
    /// Consecutive functions of `shape` but the resident ones, about
    /// `piece` bytes of code per chunk.
    pub fn of(shape: &Shape<'_>, piece: usize) -> Chunking {
        let first = shape.imported.len() as u32;
        let mut chunking = Chunking {
            chunks: Vec::new(),
            dispatchers: Vec::new(),
            slots: 0,
            place: vec![None; shape.defined.len()],
            first_slot: Vec::new(),
        };
        let mut bytes = piece;
        // Per dispatcher of the chunk being filled, how many functions
        // it has so far.
        let mut counts: Vec<u32> = Vec::new();
        for (d, range) in shape.bodies.iter().enumerate() {
            let f = first + d as u32;
            if shape.resident.binary_search(&f).is_ok() {
                continue;
            }
            if bytes >= piece {
                chunking.chunks.push(Vec::new());
                chunking.dispatchers.push(Vec::new());
                counts.clear();
                bytes = 0;
            }
            bytes += range.len();
            let c = chunking.chunks.len() - 1;
            let ty = shape.defined[d];
            let types = &mut chunking.dispatchers[c];
            let k = match types.iter().position(|&t| t == ty) {
                Some(k) => k,
                None => {
                    types.push(ty);
                    counts.push(0);
                    types.len() - 1
                }
            };
            let position = counts[k];
            counts[k] += 1;
            chunking.chunks[c].push(f);
            chunking.place[d] = Some((c as u32, position, k as u32));
        }
        for types in &chunking.dispatchers {
            chunking.first_slot.push(chunking.slots);
            chunking.slots += types.len() as u32;
        }
        chunking
    }

    /// The slots of chunk `c`'s dispatchers.
    pub fn slots_of(&self, c: usize) -> Range<u32> {
        let first = self.first_slot[c];
        first..first + self.dispatchers[c].len() as u32
    }

    /// How a piece calls defined function `f` of `shape` through its
    /// chunk's dispatcher; `None` for a function in no chunk.
    pub fn callee(&self, shape: &Shape<'_>, f: u32) -> Option<Callee> {
        let d = f.checked_sub(shape.imported.len() as u32)? as usize;
        let (c, position, k) = (*self.place.get(d)?)?;
        Some(Callee::Chunk {
            position,
            slot: self.first_slot[c as usize] + k,
            ty: shape.type_of(f),
        })
    }
}
