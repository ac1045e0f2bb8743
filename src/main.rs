//! The `boxoffice` command: the clerk's app, plus `verify` (and friends).

use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Desk, Error};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "boxoffice", version, about = "A keyboard-driven terminal box office on one SQLite file")]
struct Cli {
    /// The database file [default: $BOXOFFICE_DB, else boxoffice.db in the user's data dir]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Start with an empty database instead of the demo events
    #[arg(long, global = true)]
    no_demo: bool,
    /// Minutes a hold keeps its seats
    #[arg(long, global = true, env = "BOXOFFICE_HOLD_MINUTES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1440))]
    hold_minutes: u32,
    /// Minutes a booking waits for payment
    #[arg(long, global = true, env = "BOXOFFICE_PAYMENT_MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1440))]
    payment_minutes: u32,
    /// Percent of a confirmed booking refunded on cancellation
    #[arg(long, global = true, env = "BOXOFFICE_REFUND_PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    refund_percent: u8,
    /// Commit durability: full (a paid sale survives a power cut) or normal (faster)
    #[arg(long, global = true, env = "BOXOFFICE_SYNCHRONOUS", default_value = "full")]
    synchronous: Durability,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the file (SQLite's integrity and foreign-key checks) and every invariant;
    /// exit 0 when all hold, 1 otherwise (each problem printed). Opens read-only.
    Verify,
    /// Print the booking summary and the health metrics (exit 2 on bad input)
    Report(ReportArgs),
    /// Run a tester's script of keys and clock moves headless: exit 0 passed, 1 an
    /// expectation failed, 2 the script does not parse
    Script(ScriptArgs),
    /// Bring the file's schema up to date, printing each step applied
    /// (the app does this on open too)
    Migrate(MigrateArgs),
}

#[derive(clap::Args, Debug)]
struct MigrateArgs {
    /// Only print the file's version and the pending steps, without writing:
    /// exit 0 up to date, 1 steps pending
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args, Debug)]
struct ScriptArgs {
    /// The script file
    file: PathBuf,
    /// Write `snapshot NAME` screens to DIR/NAME.txt (skipped without it)
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
    /// Screen size, e.g. 120x40 (wins over the script's `size` line)
    #[arg(long, value_name = "WxH")]
    size: Option<String>,
    /// Seed for ids (default: 0 in memory, random on a --db file)
    #[arg(long)]
    seed: Option<u64>,
    /// Let a script's `clock` line run on a --db file (its jobs then touch only its own sales)
    #[arg(long)]
    allow_clock: bool,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// Only this event (its full id)
    #[arg(long, value_name = "ID")]
    event: Option<String>,
    /// Bookings made from this time: YYYY-MM-DD (start of that UTC day) or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = parse_from)]
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Bookings made before this time: YYYY-MM-DD (that whole UTC day included) or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = parse_to)]
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// The health window: this many hours before now
    #[arg(long, value_name = "N", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=i64::from(boxoffice::domain::MAX_HOURS)))]
    hours: u32,
    /// Report as of this time instead of now (health window end): YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = parse_from)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// table (readable), json (one object: summary, health) or csv (section,event_id,event_name,metric,value)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Csv,
}

fn parse_from(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    boxoffice::report::parse_date(s, false)
}

fn parse_to(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    boxoffice::report::parse_date(s, true)
}

/// Who the audit trail says did it: the clerk's user and terminal process.
fn clerk_name() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "clerk".into());
    format!("clerk:{user}@{}", std::process::id())
}

/// The application log goes to a daily file beside the database, never to the
/// terminal the UI owns. `RUST_LOG` sets the level (default info).
fn init_app_log(dir: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::daily(dir, "boxoffice.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => boxoffice::output::fail("boxoffice", &e),
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let config = Config {
        hold_window: chrono::Duration::minutes(i64::from(cli.hold_minutes)),
        payment_window: chrono::Duration::minutes(i64::from(cli.payment_minutes)),
        refund_percent: cli.refund_percent,
        durability: cli.synchronous,
        ..Config::default()
    };
    let db = cli.db.clone().unwrap_or_else(boxoffice::paths::default_db);
    match cli.command {
        Some(Command::Script(args)) => {
            let outcome = boxoffice::script::cli::run_script(boxoffice::script::cli::ScriptRun {
                file: &args.file,
                db: cli.db.as_deref(),
                snapshots: args.snapshots.as_deref(),
                size: args.size.as_deref(),
                seed: args.seed,
                allow_clock: args.allow_clock,
                config,
            });
            // The verdict first (stderr), so a full stdout cannot hide it.
            boxoffice::output::stderr(&outcome.stderr);
            boxoffice::output::stdout(&outcome.stdout)?;
            Ok(ExitCode::from(outcome.code))
        }
        Some(Command::Verify) => {
            let conn = store::open_read_only(&db)?;
            // A damaged b-tree can hide rows from the invariant queries: check it first.
            let damage = store::integrity::damage(&conn).map_err(|e| store::at(&db, e))?;
            if !damage.is_empty() {
                let mut text: String = damage.iter().map(|d| format!("{d}\n")).collect();
                text.push_str(&format!(
                    "{} problem(s): {} is damaged; restore it from a backup\n",
                    damage.len(),
                    db.display()
                ));
                boxoffice::output::stdout(&text)?;
                return Ok(ExitCode::from(1));
            }
            let desk = Desk::from_read_only(conn, Context::system(config), "cli:verify");
            let violations = desk.verify().map_err(|e| store::at(&db, e))?;
            // A reader gone early (`verify | head -c0`) leaves the verdict as it is.
            if violations.is_empty() {
                boxoffice::output::stdout(&format!("ok: every invariant holds ({})\n", db.display()))?;
                Ok(ExitCode::SUCCESS)
            } else {
                let mut text: String = violations.iter().map(|v| format!("{v}\n")).collect();
                text.push_str(&format!("{} violation(s) in {}\n", violations.len(), db.display()));
                boxoffice::output::stdout(&text)?;
                Ok(ExitCode::from(1))
            }
        }
        Some(Command::Report(args)) => {
            let conn = store::open_read_only(&db)?;
            let ctx = match args.now {
                Some(at) => Context::manual(at, 0, config).0,
                None => Context::system(config),
            };
            let desk = Desk::from_read_only(conn, ctx, "cli:report");
            let filter = boxoffice::domain::ReportFilter {
                event_id: args.event.clone(),
                from: args.from,
                to: args.to,
                hours: args.hours,
            };
            let report = desk.report(&filter).map_err(|e| match e {
                // A bad filter is the user's input, not the file's fault.
                e @ (Error::Invalid(_) | Error::NotFound { .. }) => e,
                e => store::at(&db, e),
            })?;
            let mut out = std::io::stdout().lock();
            let failed = |e| Error::io("cannot write the report", e);
            let written = match args.format {
                Format::Json => serde_json::to_writer_pretty(&mut out, &report)
                    .map_err(|e| failed(e.into()))
                    .and_then(|()| writeln!(out).map_err(failed)),
                Format::Csv => boxoffice::export::report_csv(&report, &mut out),
                Format::Table => write!(out, "{}", report.table()).map_err(failed),
            };
            match written {
                Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
                other => other.map(|()| ExitCode::SUCCESS),
            }
        }
        Some(Command::Migrate(args)) if args.check => {
            let (found, pending) = store::schema_status(&db)?;
            let mut text = format!("{}: schema version {}\n", db.display(), found.version());
            text.push_str(&format!("this boxoffice: schema version {}\n", store::migrate::LATEST));
            if pending.is_empty() {
                text.push_str("up to date\n");
            }
            for step in pending {
                text.push_str(&format!("pending: {step}\n"));
            }
            boxoffice::output::stdout(&text)?;
            Ok(if pending.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Some(Command::Migrate(_)) => {
            let done = store::migrate_file(&db, config.durability)?;
            let text = if done.applied.is_empty() {
                format!("{}: already at schema version {}; nothing to do\n", db.display(), done.to)
            } else {
                let mut text: String = done.applied.iter().map(|step| format!("applied: {step}\n")).collect();
                text.push_str(&format!(
                    "{}: migrated from schema version {} to {}\n",
                    db.display(),
                    done.from,
                    done.to
                ));
                text
            };
            boxoffice::output::stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            // Refuse a file that is not ours before anything (the log folder) is made beside it.
            store::check_file(&db)?;
            let log_dir = boxoffice::paths::log_dir_for(&db);
            let _log = init_app_log(&log_dir);
            let ctx = Context::system(config);
            let desk = Desk::open(&db, ctx.clone(), clerk_name())?;
            if cli.no_demo {
                boxoffice::demo::decline(&desk)?;
            } else if boxoffice::demo::seed_if_empty(&desk)? {
                tracing::info!(db = %db.display(), "seeded the demo events");
            }
            boxoffice::tui::terminal::run(&db, &log_dir, ctx, desk)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
