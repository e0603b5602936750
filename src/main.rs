//! The `dlrun` command line: parse arguments, run, map the outcome to an
//! exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Run a WebAssembly main module and its shared libraries.
#[derive(Parser, Debug)]
#[command(name = "dlrun", version, about, trailing_var_arg = true)]
struct Cli {
    /// Grant the program a host directory, optionally under another guest path (HOST[::GUEST]).
    #[arg(long = "dir", value_name = "HOSTDIR[::GUESTDIR]")]
    dirs: Vec<String>,
    /// Set an environment variable for the program.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Add a directory to the library search path.
    #[arg(short = 'L', value_name = "DIR")]
    lib_dirs: Vec<PathBuf>,
    /// Keep compiled modules in DIR (default: $XDG_CACHE_HOME/dlrun or ~/.cache/dlrun).
    #[arg(long = "cache-dir", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile every module afresh; read and write no cache.
    #[arg(long = "no-cache")]
    no_cache: bool,
    /// The main module.
    main: PathBuf,
    /// Arguments passed to the program.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    for e in &cli.env {
        if !e.contains('=') {
            eprintln!("dlrun: --env {e}: expected KEY=VALUE");
            return ExitCode::from(2);
        }
    }
    let mut dirs = Vec::new();
    for d in &cli.dirs {
        match dlrun::vfs::Preopen::parse(d) {
            Ok(p) => dirs.push(p),
            Err(e) => {
                eprintln!("dlrun: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let config = dlrun::RunConfig {
        main: cli.main,
        args: cli.args,
        env: cli.env,
        lib_dirs: cli.lib_dirs,
        dirs,
        cache: match (cli.no_cache, cli.cache_dir) {
            (true, _) => dlrun::cache::Cache::disabled(),
            (false, Some(dir)) => dlrun::cache::Cache::at(dir),
            (false, None) => dlrun::cache::Cache::default_location(),
        },
    };
    match dlrun::run(&config) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e @ dlrun::Error::Runtime(_)) => {
            eprintln!("{e}");
            ExitCode::from(dlrun::unwind::ABORT_STATUS as u8)
        }
        Err(e @ dlrun::Error::Lookup(_)) => {
            eprintln!("dlrun: {e}");
            ExitCode::from(dlrun::unwind::LOOKUP_STATUS as u8)
        }
        Err(e) => {
            eprintln!("dlrun: {e}");
            ExitCode::from(1)
        }
    }
}
