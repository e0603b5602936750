//! The `dlrun` command line: parse arguments, run (or inspect), map the
//! outcome to an exit status.
//!
//! `dlrun main.wasm ARGS`, `dlrun run main.wasm ARGS`,
//! `dlrun --invoke FUNC main.wasm ARGS`,
//! `dlrun inspect [--json] FILE`, `dlrun ldd [--bindings] [--json] [-L DIR] FILE`,
//! `dlrun cache info|list|clean|prune`, `dlrun completions SHELL`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use dlrun::cache::Cache;
use dlrun::note;

/// Run a WebAssembly main module and its shared libraries.
#[derive(Parser, Debug)]
#[command(
    name = "dlrun",
    version,
    about,
    // `dlrun main.wasm inspect` runs main.wasm with the argument "inspect".
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: Option<RunArgs>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program (the same as without `run`).
    Run(Box<RunArgs>),
    /// Show what a module asks of the loader (dylink.0, imports, exports).
    Inspect(InspectArgs),
    /// Show how a module's NEEDED libraries resolve.
    Ldd(LddArgs),
    /// Compile a program's modules into the cache ahead of a run.
    #[command(after_help = COMPILE_HELP)]
    Compile(CompileArgs),
    /// Show or clean up the compiled-module cache.
    #[command(after_help = CACHE_HELP)]
    Cache(CacheArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Grant the program a host directory, optionally under another guest path (HOST[::GUEST]).
    #[arg(long = "dir", value_name = "HOSTDIR[::GUESTDIR]")]
    dirs: Vec<String>,
    /// Set an environment variable for the program; KEY alone passes on dlrun's own value (as wasmtime does).
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,
    /// Add a directory to the library search path.
    #[arg(short = 'L', value_name = "DIR")]
    lib_dirs: Vec<PathBuf>,
    /// Add colon-separated directories to the library search path (after -L).
    #[arg(long = "library-path", value_name = "DIRS")]
    library_path: Vec<String>,
    /// Keep compiled modules in DIR (default: $XDG_CACHE_HOME/dlrun or ~/.cache/dlrun; at most DLRUN_CACHE_MAX_SIZE, default 1G).
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
    /// Most entries the function table may hold.
    #[arg(long = "max-table", value_name = "N", default_value_t = dlrun::Limits::default().table_elements)]
    max_table: u32,
    /// Most modules loaded at once, the main module included.
    #[arg(long = "max-libraries", value_name = "N", default_value_t = dlrun::Limits::default().libraries)]
    max_libraries: usize,
    /// Most threads a program built with threads may run at once besides
    /// its first (pthread_create fails with EAGAIN past it)
    #[arg(long = "max-threads", value_name = "N", default_value_t = dlrun::Limits::default().threads)]
    max_threads: usize,
    /// Stop the program after this long (e.g. 10s, 500ms, 2m; plain numbers are seconds); exit status 124.
    #[arg(long = "timeout", value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Stop the program (as a trap, exit status 134) after it executes this much wasm fuel: a deterministic bound.
    #[arg(long = "fuel", value_name = "N")]
    fuel: Option<u64>,
    /// Report on stderr: libs, symbols or bindings, dl, or all, comma-separated (also DLRUN_DEBUG).
    #[arg(long = "trace", value_name = "WHAT")]
    trace: Option<String>,
    /// Which compiler makes code the cache does not hold: auto (Winch, and the optimized code is made in the background for later runs; the default, or DLRUN_COMPILER), cranelift or winch.
    #[arg(long = "compiler", value_name = "WHICH", value_parser = parse_compiler)]
    compiler: Option<dlrun::engine::Tier>,
    /// Call exported function FUNC (after constructors, instead of main) with ARGS; print its results.
    #[arg(long = "invoke", value_name = "FUNC")]
    invoke: Option<String>,
    /// The main module.
    main: PathBuf,
    /// Arguments passed to the program (with --invoke, to FUNC).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

const EXAMPLES: &str = "\
Examples:
  dlrun main.wasm arg1 arg2                 run a program and the libraries it needs
  dlrun --dir data::/data main.wasm         let it use ./data as /data (nothing else)
  dlrun -L plugins --env HOME=/ main.wasm   search plugins/ for libraries; set HOME
  dlrun --trace libs,dl main.wasm           show libraries loaded and dlopen/dlsym calls
  dlrun --timeout 10s --max-memory 256M main.wasm
  dlrun ldd --json main.wasm                its NEEDED libraries as they would resolve
  dlrun ldd --bindings main.wasm            where each import binds
  dlrun compile main.wasm plugin.so         compile ahead of a run, into the cache
  dlrun cache info                          where compiled modules are kept, how much

Exit status: the program's own; 1 if it cannot be loaded; 127 on a symbol lookup
error; 134 on abort, trap or uncaught C++ exception; 124 after --timeout; 2 on bad
options.";

fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dlrun", &mut script);
    emit(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

const COMPILE_HELP: &str = "\
Compiles MAIN, the libraries it needs (as `dlrun ldd` resolves them) and each
LIB with the optimizing compiler into the cache, so that a later run starts
warm. Code is compiled for runs with or without --timeout and --fuel as given
here (their values do not matter). After a run that found no optimized code
for its main, dlrun runs this itself in the background.";

#[derive(Args, Debug)]
struct CompileArgs {
    /// The cache directory (default: $XDG_CACHE_HOME/dlrun or ~/.cache/dlrun).
    #[arg(long = "cache-dir", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Add a directory to the library search path.
    #[arg(short = 'L', value_name = "DIR")]
    lib_dirs: Vec<PathBuf>,
    /// Compile for runs with --timeout.
    #[arg(long = "timeout", value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Compile for runs with --fuel.
    #[arg(long = "fuel", value_name = "N")]
    fuel: Option<u64>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Do nothing if another `dlrun compile --if-idle` is compiling into the same cache, and
    /// compile at a low priority (what a run starts in the background).
    #[arg(long = "if-idle")]
    if_idle: bool,
    /// The main module.
    main: PathBuf,
    /// More libraries to compile (ones the program dlopens, say).
    libs: Vec<PathBuf>,
}

fn parse_compiler(s: &str) -> Result<dlrun::engine::Tier, String> {
    match s {
        "auto" => Ok(dlrun::engine::Tier::Auto),
        "cranelift" => Ok(dlrun::engine::Tier::Optimized),
        "winch" => Ok(dlrun::engine::Tier::Baseline),
        _ => Err(format!("'{s}': expected auto, cranelift or winch")),
    }
}

/// `dlrun compile`: main, its NEEDED libraries and the given ones, into
/// the cache with the optimizing compiler.
fn compile(args: CompileArgs) -> ExitCode {
    let cache = match cache_in(args.cache_dir) {
        Ok(c) => c,
        Err(e) => return bad_usage(format!("dlrun: {e}")),
    };
    let config = dlrun::RunConfig {
        main: args.main,
        lib_dirs: args.lib_dirs,
        cache,
        limits: dlrun::Limits {
            timeout: args.timeout,
            fuel: args.fuel,
            ..dlrun::Limits::default()
        },
        tier: dlrun::engine::Tier::Ahead,
        ..dlrun::RunConfig::default()
    };
    // One background compile per cache at a time, behind foreground work:
    // a burst of first runs (a test suite) must not start one compiler
    // each. The lock goes with the process.
    let _lock = if args.if_idle {
        match config.cache.dir().map(compile_lock) {
            Some(Some(lock)) => {
                // SAFETY: nice only lowers this process's priority.
                unsafe {
                    libc::nice(10);
                }
                Some(lock)
            }
            _ => return ExitCode::SUCCESS,
        }
    } else {
        None
    };
    let started = std::time::Instant::now();
    let compiled = dlrun::Program::new(&config).and_then(|p| p.compile_libraries(&args.libs));
    match compiled {
        Ok(libs) => {
            if !args.quiet {
                emit(&format!(
                    "compiled {} and {} librar{} in {:.2} s\n",
                    config.main.display(),
                    libs.len(),
                    if libs.len() == 1 { "y" } else { "ies" },
                    started.elapsed().as_secs_f64()
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => report(e),
    }
}

/// The cache's background-compile lock, if no other process holds it.
fn compile_lock(dir: &std::path::Path) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("compile.lock"))
        .ok()?;
    // SAFETY: flock on a descriptor this function owns.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    locked.then_some(file)
}

/// Starts `dlrun compile` of a run's modules in a process of its own that
/// outlives this one: the run that took Winch's code does not wait for the
/// optimized code, and the next one finds it in the cache.
fn compile_later(program: &dlrun::Program, config: &dlrun::RunConfig) {
    use std::os::unix::process::CommandExt;
    let (Ok(exe), Some(dir)) = (std::env::current_exe(), config.cache.dir()) else {
        return;
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("compile")
        .args(["--quiet", "--if-idle", "--cache-dir"])
        .arg(dir);
    if config.limits.timeout.is_some() {
        cmd.args(["--timeout", "1"]);
    }
    if config.limits.fuel.is_some() {
        cmd.args(["--fuel", "1"]);
    }
    for d in &config.lib_dirs {
        cmd.arg("-L").arg(d);
    }
    cmd.args(program.module_paths());
    // A process group of its own: the terminal's Ctrl-C, meant for the
    // run, does not end it.
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    // Not starting it only leaves the next run to take Winch's code again.
    let _ = cmd.spawn();
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// A main or side module.
    file: PathBuf,
}

#[derive(Args, Debug)]
struct LddArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Show where each import of each library binds, as a run would bind it.
    #[arg(long)]
    bindings: bool,
    /// Add a directory to the library search path.
    #[arg(short = 'L', value_name = "DIR")]
    lib_dirs: Vec<PathBuf>,
    /// The program's environment, for LD_LIBRARY_PATH.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// A main or side module.
    file: PathBuf,
}

/// The command line's `cache` subcommand: `--cache-dir` goes before or
/// after the action.
#[derive(Args, Debug)]
struct CacheArgs {
    /// The cache directory (default: $XDG_CACHE_HOME/dlrun or ~/.cache/dlrun).
    #[arg(long = "cache-dir", value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    action: CacheAction,
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// Show the cache's directory, size, entry count and size limit.
    Info,
    /// List the entries, least recently used first: size, last use, name.
    List,
    /// Remove every entry.
    Clean,
    /// Remove the least recently used entries until the rest fit in the limit.
    Prune,
}

const CACHE_HELP: &str = "\
The cache keeps at most DLRUN_CACHE_MAX_SIZE bytes of compiled modules (suffixes
K, M, G; default 1G): storing a new one removes the least recently used beyond
that. Removing entries is safe while other dlrun processes run.";

/// The compiled-module cache in `dir` (else the default location), bounded
/// by DLRUN_CACHE_MAX_SIZE when it is set.
fn cache_in(dir: Option<PathBuf>) -> Result<Cache, String> {
    let cache = dir.map_or_else(Cache::default_location, Cache::at);
    let var = dlrun::cache::MAX_SIZE_VAR;
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => {
            let max = v
                .to_str()
                .ok_or_else(|| format!("'{}' is not a size", v.to_string_lossy()))
                .and_then(parse_size)
                .map_err(|e| format!("{var}: {e}"))?;
            Ok(cache.with_max_size(max))
        }
        _ => Ok(cache),
    }
}

/// `dlrun cache ACTION`.
fn cache(cli: CacheArgs) -> ExitCode {
    let cache = match cache_in(cli.cache_dir) {
        Ok(c) => c,
        Err(e) => return bad_usage(format!("dlrun: {e}")),
    };
    let Some(dir) = cache.dir() else {
        note!(
            "dlrun: no cache directory: neither XDG_CACHE_HOME nor HOME is set (give --cache-dir)"
        );
        return ExitCode::from(1);
    };
    let done = match cli.action {
        CacheAction::Info => cache.entries().map(|entries| {
            let size: u64 = entries.iter().map(|e| e.size).sum();
            let records = entries
                .iter()
                .filter(|e| e.kind == dlrun::cache::EntryKind::Record)
                .count();
            format!(
                "directory: {}\nentries:   {}\nrecords:   {records}\nsize:      {}\nlimit:     {}\n",
                dir.display(),
                entries.len() - records,
                human_size(size),
                human_size(cache.max_size())
            )
        }),
        CacheAction::List => cache.entries().map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let used = jiff::Timestamp::try_from(e.last_used)
                        .and_then(|t| t.round(jiff::Unit::Second))
                        .map_or_else(|_| "-".to_string(), |t| t.to_string());
                    format!("{:>9}  {used:<20}  {}\n", human_size(e.size), e.shown())
                })
                .collect()
        }),
        CacheAction::Clean => cache.clean().map(|r| format!("removed {}\n", removed(r))),
        CacheAction::Prune => cache.prune().map(|r| {
            format!(
                "removed {} (limit {})\n",
                removed(r),
                human_size(cache.max_size())
            )
        }),
    };
    match done {
        Ok(text) => {
            emit(&text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            note!("dlrun: {e}");
            ExitCode::from(1)
        }
    }
}

/// "3 entries (4.5M)", "3 entries and 2 records (4.6M)".
fn removed(r: dlrun::cache::Removed) -> String {
    let s = if r.entries == 1 { "y" } else { "ies" };
    let records = match r.records {
        0 => String::new(),
        1 => " and 1 record".to_string(),
        n => format!(" and {n} records"),
    };
    format!("{} entr{s}{records} ({})", r.entries, human_size(r.bytes))
}

/// `bytes` in the units `parse_size` reads: "512", "13.5K", "4.3M", "1G".
fn human_size(bytes: u64) -> String {
    let units = [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")];
    let Some((scale, unit)) = units.into_iter().find(|(scale, _)| bytes >= *scale) else {
        return bytes.to_string();
    };
    let tenths = (bytes * 10 + scale / 2) / scale;
    match tenths % 10 {
        0 => format!("{}{unit}", tenths / 10),
        d => format!("{}.{d}{unit}", tenths / 10),
    }
}

/// Says what was wrong with the command line; exit status 2.
fn bad_usage(what: String) -> ExitCode {
    note!("{what}");
    ExitCode::from(2)
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

/// Parses `10s`-style durations.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("'{s}' is not a duration"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("'{s}': unknown unit (use ms, s, m or h)")),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| format!("'{s}' is out of range"))
}

/// Writes `text` to stdout. A closed pipe (`| head`) is the reader's
/// choice, not an error to report (and never a panic).
fn emit(text: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
}

fn read_info(file: &std::path::Path) -> Result<dlrun::modinfo::ModuleInfo, String> {
    let bytes = dlrun::search::read_module_file(file).map_err(|e| format!("{e:#}"))?;
    dlrun::modinfo::ModuleInfo::parse_with(&bytes, false)
        .map_err(|e| format!("{}: {e}", file.display()))
}

fn inspect(cli: InspectArgs) -> ExitCode {
    match read_info(&cli.file) {
        Ok(info) => {
            let report = dlrun::inspect::inspect(&info);
            if cli.json {
                emit(&format!("{}\n", dlrun::inspect::json(&report)));
            } else {
                emit(&dlrun::inspect::text(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            note!("dlrun: {e}");
            ExitCode::from(1)
        }
    }
}

fn ldd(cli: LddArgs) -> ExitCode {
    let info = match read_info(&cli.file) {
        Ok(info) => info,
        Err(e) => {
            note!("dlrun: {e}");
            return ExitCode::from(1);
        }
    };
    let path = std::fs::canonicalize(&cli.file).unwrap_or(cli.file.clone());
    let search = dlrun::search::SearchPath::new(&path, &cli.lib_dirs, &cli.env);
    let tree = dlrun::inspect::ldd(&path, &info, &search);
    if cli.bindings {
        let libs = dlrun::inspect::ldd_bindings(&path, &info, &search);
        if cli.json {
            emit(&format!("{}\n", dlrun::inspect::json(&libs)));
        } else {
            emit(&dlrun::inspect::bindings_text(&libs));
        }
    } else if cli.json {
        emit(&format!("{}\n", dlrun::inspect::json(&tree)));
    } else {
        emit(&dlrun::inspect::ldd_text(&tree));
    }
    if tree.iter().any(|n| n.path.is_none()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--invoke FUNC`: calls FUNC with the arguments read as its parameter
/// types, then ends the program as `exit(0)` would, so that its output is
/// written before the results are printed.
fn invoke(config: &dlrun::RunConfig, func: &str) -> ExitCode {
    let program = match dlrun::Program::new(config) {
        Ok(p) => p,
        Err(e) => return report(e),
    };
    let called = || -> Result<(Vec<dlrun::Val>, i32), dlrun::Error> {
        let mut session = program.load()?;
        let args = session
            .signature(func)?
            .parse_args(func, &config.args)
            .map_err(dlrun::Error::Call)?;
        let results = session.call(func, &args)?;
        Ok((results, session.finish()?))
    };
    let called = called();
    if program.tiered() {
        compile_later(&program, config);
    }
    match called {
        Ok((results, status)) => {
            for r in results {
                emit(&format!("{r}\n"));
            }
            ExitCode::from(status as u8)
        }
        Err(e) => report(e),
    }
}

/// The message and exit status for a run that did not end normally.
fn report(e: dlrun::Error) -> ExitCode {
    match e {
        dlrun::Error::Exit(status) => ExitCode::from(status as u8),
        e @ dlrun::Error::Runtime(_) => {
            note!("{e}");
            ExitCode::from(dlrun::unwind::ABORT_STATUS as u8)
        }
        e @ dlrun::Error::Lookup(_) => {
            note!("dlrun: {e}");
            ExitCode::from(dlrun::unwind::LOOKUP_STATUS as u8)
        }
        e @ dlrun::Error::Timeout(_) => {
            note!("dlrun: {e}");
            ExitCode::from(dlrun::TIMEOUT_STATUS as u8)
        }
        e @ dlrun::Error::Call(_) => {
            note!("dlrun: {e}");
            ExitCode::from(2)
        }
        e => {
            note!("dlrun: {e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match (cli.command, cli.run) {
        (Some(Command::Inspect(args)), _) => inspect(args),
        (Some(Command::Ldd(args)), _) => ldd(args),
        (Some(Command::Cache(args)), _) => cache(args),
        (Some(Command::Compile(args)), _) => compile(args),
        (Some(Command::Completions { shell }), _) => completions(shell),
        (Some(Command::Run(args)), _) => run(*args),
        (None, Some(args)) => run(args),
        // Without a subcommand, clap requires the main module.
        (None, None) => unreachable!("no main module"),
    }
}

/// Runs a program (or `--invoke`s a function of it) as `args` say.
fn run(cli: RunArgs) -> ExitCode {
    let mut env = Vec::new();
    for e in &cli.env {
        if e.is_empty() || e.starts_with('=') {
            return bad_usage(format!("dlrun: --env '{e}': expected KEY=VALUE or KEY"));
        }
        if e.contains('=') {
            env.push(e.clone());
        } else if let Ok(value) = std::env::var(e) {
            env.push(format!("{e}={value}"));
        }
    }
    let mut dirs = Vec::new();
    for d in &cli.dirs {
        match dlrun::vfs::Preopen::parse(d) {
            Ok(p) => dirs.push(p),
            Err(e) => return bad_usage(format!("dlrun: {e}")),
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
            return bad_usage(format!("dlrun: --trace: {e}"));
        }
    };
    let tier = match cli.compiler {
        Some(tier) => tier,
        None => match std::env::var("DLRUN_COMPILER") {
            Ok(v) => match parse_compiler(&v) {
                Ok(tier) => tier,
                Err(e) => {
                    return bad_usage(format!("dlrun: DLRUN_COMPILER: {e}"));
                }
            },
            Err(_) => dlrun::engine::Tier::Auto,
        },
    };
    let cache = match (cli.no_cache, cache_in(cli.cache_dir)) {
        (true, _) => Cache::disabled(),
        (false, Ok(c)) => c,
        (false, Err(e)) => {
            return bad_usage(format!("dlrun: {e}"));
        }
    };
    let config = dlrun::RunConfig {
        main: cli.main,
        args: cli.args,
        env,
        lib_dirs: cli
            .lib_dirs
            .into_iter()
            .chain(
                cli.library_path
                    .iter()
                    .flat_map(|p| p.split(':'))
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from),
            )
            .collect(),
        dirs,
        cache,
        trace,
        max_memory: cli.max_memory,
        preload: cli.preload,
        limits: dlrun::Limits {
            table_elements: cli.max_table,
            libraries: cli.max_libraries,
            timeout: cli.timeout,
            fuel: cli.fuel,
            threads: cli.max_threads,
            exit_process: true,
        },
        tier,
    };
    if let Some(func) = &cli.invoke {
        return invoke(&config, func);
    }
    let program = match dlrun::Program::new(&config) {
        Ok(p) => p,
        Err(e) => return report(e),
    };
    let result = program.run();
    if program.tiered() {
        compile_later(&program, &config);
    }
    // The process ends now: unmapping the compiled code and freeing the
    // symbol tables one by one would be a tenth of a warm start.
    std::mem::forget(program);
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => report(e),
    }
}
