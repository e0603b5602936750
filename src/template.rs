//! Pre-initialized programs, as Wizer does it for one module: the start-up
//! link and every constructor run once, and each new [`Session`] starts
//! from the state they left instead of linking and constructing again.
//!
//! A store a session used is not thrown away: when the session ends it
//! goes back to the template, and the next session gets it back put into
//! the image its constructors left (memory pages discarded and the
//! image's copied in, every mutable global, the table, the loader's books),
//! with a fresh host side (arguments, files, limits). A store the session
//! changed in ways the image cannot undo (it loaded a library, grew the
//! memory or the table) is dropped, and a new one linked and constructed.
//!
//! Constructors see the world once: what they read from the clock, the
//! environment or files at template time is what every session starts
//! with, and descriptors they opened are not carried over (each session
//! gets the program's files afresh). A template is for programs whose
//! constructors only set up their own state.

pub(crate) mod globals;
mod image;

use std::sync::{Arc, Mutex, PoisonError};

use wasmtime::Store;

use image::Image;

use crate::process::Process;
use crate::program::MainFrom;
use crate::{Error, Program, RunConfig, Session};

/// A program linked and constructed once, handing out sessions that start
/// from that state.
///
/// ```
/// # fn main() -> Result<(), dlrun::Error> {
/// use dlrun::Val;
/// // A constructor counts to 41; each session adds one more.
/// let wasm = wat::parse_str(r#"(module
///     (@dylink.0 (mem-info (memory 16 0)))
///     (import "env" "memory" (memory 256))
///     (import "env" "__indirect_function_table" (table 0 funcref))
///     (import "env" "__stack_pointer" (global (mut i32)))
///     (import "env" "__memory_base" (global i32))
///     (import "env" "__table_base" (global i32))
///     (import "GOT.mem" "__heap_base" (global (mut i32)))
///     (global $n (mut i32) (i32.const 0))
///     (func (export "__wasm_call_ctors") (global.set $n (i32.const 41)))
///     (func (export "next") (result i32)
///       (global.set $n (i32.add (global.get $n) (i32.const 1)))
///       (global.get $n))
///     (func (export "main") (param i32 i32) (result i32) i32.const 0))"#).unwrap();
/// let config = dlrun::RunConfig { main: "main.wasm".into(), ..Default::default() };
/// let template = dlrun::Template::from_bytes(wasm, &config)?;
/// for _ in 0..3 {
///     let mut session = template.session()?;
///     assert_eq!(session.call("next", &[])?, [Val::I32(42)]);
/// }
/// # Ok(())
/// # }
/// ```
pub struct Template {
    program: Program,
    pool: Arc<Pool>,
}

/// Stores sessions gave back, each with the image to put it back into.
#[derive(Default)]
pub(crate) struct Pool {
    idle: Mutex<Vec<(Store<Process>, Image)>>,
}

/// What a session from a template carries to give its store back.
pub(crate) struct Recycle {
    pool: Arc<Pool>,
    image: Image,
}

impl Recycle {
    /// Gives `store` back to its template.
    pub(crate) fn give_back(self, store: Store<Process>) {
        let mut idle = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        idle.push((store, self.image));
    }
}

impl Template {
    /// Reads and compiles `config.main` for templates, links it and runs
    /// its constructors once.
    pub fn new(config: &RunConfig) -> Result<Template, Error> {
        Template::compile(MainFrom::File, config)
    }

    /// Like [`Template::new`], with the main module's bytes given.
    pub fn from_bytes(bytes: Vec<u8>, config: &RunConfig) -> Result<Template, Error> {
        Template::compile(MainFrom::Bytes(bytes), config)
    }

    fn compile(from: MainFrom, config: &RunConfig) -> Result<Template, Error> {
        let program = Program::compile(from, config, true)?;
        if !program.flavour().host_memory() {
            return Err(Error::Load(format!(
                "{}: a template needs a main module that imports its memory (emcc -sMAIN_MODULE, or clang -pie)",
                config.main.display()
            )));
        }
        if program.uses_threads() {
            return Err(Error::Load(format!(
                "{}: built with threads, which a template cannot capture (its memory is shared with threads that outlive a session)",
                config.main.display()
            )));
        }
        let template = Template {
            program,
            pool: Arc::default(),
        };
        // The first session links and constructs: its failure is the
        // template's, and its store is the first one kept.
        drop(template.session()?);
        Ok(template)
    }

    /// A session in the state the constructors left, with the configured
    /// arguments.
    pub fn session(&self) -> Result<Session, Error> {
        let args = &self.program.config().args;
        loop {
            let kept = self
                .pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let Some((mut store, image)) = kept else {
                break;
            };
            if !image.fits(&mut store) {
                continue;
            }
            let fresh = self.program.process(args)?;
            store.data_mut().renew(fresh);
            self.program.arm(&mut store)?;
            image
                .restore(&mut store)
                .map_err(|e| Error::Load(format!("restoring the template: {e:#}")))?;
            return Ok(self.recycled(Session::new(store, self.program.flavour()), image));
        }
        let mut session = self.program.load_with_args(args)?;
        let libs = self.program.modules().startup_group().map(|g| g.len());
        let image = session.capture(libs)?;
        Ok(self.recycled(session, image))
    }

    fn recycled(&self, session: Session, image: Image) -> Session {
        session.recycle_into(Recycle {
            pool: self.pool.clone(),
            image,
        })
    }
}

impl Session {
    /// The image of this session's store, which must hold just the
    /// start-up libraries (`libs` of them).
    fn capture(&mut self, libs: Option<usize>) -> Result<Image, Error> {
        let store = self.store_mut();
        let loaded = store.data().libs.len();
        if Some(loaded) != libs {
            let extra: Vec<String> = store.data().libs[libs.unwrap_or(0)..]
                .iter()
                .map(|l| l.guest.clone())
                .collect();
            return Err(Error::Load(format!(
                "a constructor loaded {}: a template keeps only the start-up link",
                extra.join(", ")
            )));
        }
        Image::capture(store).map_err(|e| Error::Load(format!("capturing the template: {e:#}")))
    }
}
