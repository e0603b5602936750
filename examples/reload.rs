//! How long a fresh, fully linked instance of a program takes: the main
//! module and its libraries compiled once into a `Program`, then loaded
//! (linked, instantiated, constructors run) and finished (exit handlers)
//! again and again, as a server starting one instance per request would.
//!
//! `cargo run --release --example reload -- MAIN.wasm [RUNS] [--dir DIR]... [--template]`
//! prints the median, minimum and maximum microseconds of one load +
//! finish; with `--template`, of one session from a [`dlrun::Template`]
//! (put back into the state the constructors left) + finish. `make bench`
//! runs it on its start-up fixtures.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use dlrun::{Program, RunConfig, Template};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let main = PathBuf::from(
        args.next()
            .ok_or("usage: reload MAIN.wasm [RUNS] [--dir DIR]...")?,
    );
    let mut runs = 200usize;
    let mut dirs = Vec::new();
    let mut template = false;
    while let Some(a) = args.next() {
        if a == "--template" {
            template = true;
        } else if a == "--dir" {
            let d = args.next().ok_or("--dir needs a directory")?;
            dirs.push(dlrun::vfs::Preopen::parse(&d)?);
        } else {
            runs = a.parse()?;
        }
    }
    let config = RunConfig {
        main,
        dirs,
        cache: dlrun::cache::Cache::default_location(),
        ..RunConfig::default()
    };
    let mut micros = Vec::with_capacity(runs);
    let what = if template {
        let template = Template::new(&config)?;
        for _ in 0..runs {
            let start = Instant::now();
            let session = template.session()?;
            session.finish()?;
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
        "template session+finish"
    } else {
        let program = Program::new(&config)?;
        // The first load reads and compiles the libraries; later ones find
        // them in the program.
        program.load()?.finish()?;
        for _ in 0..runs {
            let start = Instant::now();
            let session = program.load()?;
            session.finish()?;
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
        "load+finish"
    };
    micros.sort_by(f64::total_cmp);
    let median = micros[micros.len() / 2];
    println!(
        "{what}: median {median:.0} us, min {:.0} us, max {:.0} us ({runs} runs)",
        micros[0],
        micros[micros.len() - 1]
    );
    Ok(())
}
