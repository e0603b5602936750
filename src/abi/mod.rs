//! The host ABIs programs are built against.

pub mod emscripten;
pub mod mem;
