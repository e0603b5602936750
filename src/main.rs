//! The `dlrun` command line: parse arguments, run (or inspect), map the
//! outcome to an exit status.
//!
//! `dlrun main.wasm ARGS`, `dlrun run main.wasm ARGS`,
//! `dlrun inspect [--json] FILE`, `dlrun ldd [--json] [-L DIR] FILE`.

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
    /// Load LIB before the program's own libraries; its symbols win (like LD_PRELOAD).
    #[arg(long = "preload", value_name = "LIB")]
    preload: Vec<String>,
    /// Most memory the program may use, in bytes (suffixes K, M, G).
    #[arg(long = "max-memory", value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Report on stderr: libs, symbols (bindings), dl, or all, comma-separated (also DLRUN_DEBUG).
    #[arg(long = "trace", value_name = "WHAT")]
    trace: Option<String>,
    /// The main module.
    main: PathBuf,
    /// Arguments passed to the program.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Show what a module asks of the loader.
#[derive(Parser, Debug)]
#[command(name = "dlrun inspect")]
struct InspectCli {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// A main or side module.
    file: PathBuf,
}

/// Show how a module's NEEDED libraries resolve.
#[derive(Parser, Debug)]
#[command(name = "dlrun ldd")]
struct LddCli {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Add a directory to the library search path.
    #[arg(short = 'L', value_name = "DIR")]
    lib_dirs: Vec<PathBuf>,
    /// The program's environment, for LD_LIBRARY_PATH.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// A main or side module.
    file: PathBuf,
}

/// Parses `64M`-style sizes.
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("'{s}' is not a size"))?;
    let mult = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("'{s}': unknown unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))
}

fn read_info(file: &std::path::Path) -> Result<dlrun::modinfo::ModuleInfo, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    dlrun::modinfo::ModuleInfo::parse_with(&bytes, false)
        .map_err(|e| format!("{}: {e}", file.display()))
}

fn inspect(args: Vec<String>) -> ExitCode {
    let cli = InspectCli::parse_from(args);
    match read_info(&cli.file) {
        Ok(info) => {
            let report = dlrun::inspect::inspect(&info);
            if cli.json {
                println!("{}", report.render());
            } else {
                print!("{}", dlrun::inspect::text(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dlrun: {e}");
            ExitCode::from(1)
        }
    }
}

fn ldd(args: Vec<String>) -> ExitCode {
    let cli = LddCli::parse_from(args);
    let info = match read_info(&cli.file) {
        Ok(info) => info,
        Err(e) => {
            eprintln!("dlrun: {e}");
            return ExitCode::from(1);
        }
    };
    let path = std::fs::canonicalize(&cli.file).unwrap_or(cli.file.clone());
    let search = dlrun::search::SearchPath::new(&path, &cli.lib_dirs, &cli.env);
    let tree = dlrun::inspect::ldd(&path, &info, &search);
    if cli.json {
        println!("{}", dlrun::inspect::ldd_json(&tree).render());
    } else {
        print!("{}", dlrun::inspect::ldd_text(&tree));
    }
    if tree.iter().any(|n| n.path.is_none()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("inspect") => return inspect(args.split_off(1)),
        Some("ldd") => return ldd(args.split_off(1)),
        Some("run") => {
            args.remove(1);
        }
        _ => {}
    }
    let cli = Cli::parse_from(args);
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
    let trace_spec = cli
        .trace
        .clone()
        .or_else(|| std::env::var("DLRUN_DEBUG").ok())
        .unwrap_or_default();
    let trace = match dlrun::trace::Trace::parse(&trace_spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("dlrun: --trace: {e}");
            return ExitCode::from(2);
        }
    };
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
        trace,
        max_memory: cli.max_memory,
        preload: cli.preload,
        fuel: None,
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
