//! The `boxoffice` command: the clerk's app, plus `verify` (and friends).

use boxoffice::domain::{SettingKey, Source};
use boxoffice::report::DateArg;
use boxoffice::store::{self, Durability};
use boxoffice::{Config, Context, Desk, Error};
use chrono::Offset;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "boxoffice",
    version,
    about = "A keyboard-driven terminal box office on one SQLite file",
    after_help = "The venue's policy (hold and payment minutes, refund percent, time zone …) is stored in the file: \
                  see `boxoffice settings`. --hold-minutes, --payment-minutes and --refund-percent (or their \
                  BOXOFFICE_* variables) override it for this process only, for scripts and tests; every other \
                  counter keeps the file's values.\n\nBOXOFFICE_GROUP=NAME lets that group read and write the \
                  data (several counters run by different users); without it the files are the owner's only."
)]
struct Cli {
    /// The database file [default: $BOXOFFICE_DB, else boxoffice.db in the user's data dir]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Start with an empty database instead of the demo events
    #[arg(long, global = true)]
    no_demo: bool,
    /// Override, for this process only, the venue's hold_minutes (minutes a hold keeps its seats)
    #[arg(long, global = true, env = "BOXOFFICE_HOLD_MINUTES", value_parser = clap::value_parser!(u32).range(1..=1440))]
    hold_minutes: Option<u32>,
    /// Override, for this process only, the venue's payment_minutes (minutes a booking waits for payment)
    #[arg(long, global = true, env = "BOXOFFICE_PAYMENT_MINUTES", value_parser = clap::value_parser!(u32).range(1..=1440))]
    payment_minutes: Option<u32>,
    /// Override, for this process only, the venue's refund_percent (refunded on cancelling a paid booking)
    #[arg(long, global = true, env = "BOXOFFICE_REFUND_PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    refund_percent: Option<u8>,
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
    /// List a booking's tickets and their states; --pdf also writes them for an
    /// 80 mm ticket printer (audited). Exit 0, or 2 on unusable input
    Tickets(TicketsArgs),
    /// Check a ticket code in at a door: exit 0 admitted, 1 refused (the reason
    /// is printed), 2 unusable input
    Checkin(CheckinArgs),
    /// Clerk accounts: add (supervisors; a file's first supervisor needs no
    /// sign-in), list, disable
    #[command(subcommand)]
    Clerk(ClerkCommand),
    /// The cash-up (Z report) of a shift, a clerk's newest shift or a day:
    /// sales and refunds by method, tickets, expected and counted cash.
    /// A clerk sees their own shifts; a supervisor everyone's
    Cashup(CashupArgs),
    /// The venue's settings stored in the file: list them all with where each
    /// value comes from (file, default or this process's override), or get/set one
    Settings(SettingsArgs),
    /// Write a consistent, verified copy of the file to DEST while counters keep
    /// selling (exit 1 if the copy does not verify, 2 if it cannot be made)
    Backup(BackupArgs),
    /// Replace the file with the backup SRC: refused while any other process has
    /// the file open; SRC is verified first, the replaced file kept beside it
    Restore(RestoreArgs),
    /// Customers' personal data
    Customer(CustomerArgs),
    /// Copy a whole box office into an empty database: an SQLite file into
    /// PostgreSQL (--to postgres://…), or back (--from postgres://… --to FILE).
    /// The source is only read; the target gets every row in one transaction
    Copy(CopyArgs),
}

#[derive(clap::Args, Debug)]
struct CopyArgs {
    /// The box office to copy: a file, or postgres://user@host[:port]/dbname
    /// (read only; it must be at this boxoffice's schema version)
    #[arg(long, value_name = "FILE|URL")]
    from: String,
    /// Where it goes: a new (or empty) file, or an empty PostgreSQL database
    #[arg(long, value_name = "FILE|URL")]
    to: String,
}

/// Who runs a command that needs a signed-in clerk: `--as NAME` (or
/// $BOXOFFICE_CLERK), the PIN from $BOXOFFICE_PIN or typed at the prompt.
#[derive(clap::Args, Debug)]
struct SignInArgs {
    /// Sign in as this clerk (the PIN from $BOXOFFICE_PIN, else asked on the terminal without echo)
    #[arg(long = "as", value_name = "NAME", env = "BOXOFFICE_CLERK")]
    as_clerk: Option<String>,
}

#[derive(Subcommand, Debug)]
enum ClerkCommand {
    /// Add a clerk; the new PIN (4-12 digits) is typed twice at the terminal
    /// without echo, or read from the first line of stdin with --pin-stdin
    Add {
        name: String,
        /// clerk (sells) or supervisor (also events, clerks, refunds, jobs, others' cash-ups)
        #[arg(long, value_enum, default_value_t = RoleArg::Clerk)]
        role: RoleArg,
        /// Read the new clerk's PIN from the first line of standard input
        #[arg(long)]
        pin_stdin: bool,
        #[command(flatten)]
        signed: SignInArgs,
    },
    /// List the clerks: name, role, and whether they can sign in now
    List {
        #[arg(long, value_enum, default_value_t = TicketFormat::Table)]
        format: TicketFormat,
    },
    /// Disable a clerk: they can no longer sign in (the last supervisor stays)
    Disable {
        name: String,
        #[command(flatten)]
        signed: SignInArgs,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum RoleArg {
    Clerk,
    Supervisor,
}

#[derive(clap::Args, Debug)]
struct CashupArgs {
    /// This clerk's shifts (their newest, or with --date that day's)
    #[arg(long, value_name = "NAME")]
    clerk: Option<String>,
    /// One shift: its id or the last 8+ characters
    #[arg(long, value_name = "ID")]
    shift: Option<String>,
    /// The shifts opened on this day in the venue's time zone, YYYY-MM-DD (a supervisor's: everyone's)
    #[arg(long, value_name = "DAY")]
    date: Option<chrono::NaiveDate>,
    /// table (readable), json (one object: shifts, totals) or csv
    /// (shift_id,clerk,opened_at,closed_at,currency,metric,method,value)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    signed: SignInArgs,
}

#[derive(clap::Args, Debug)]
struct SettingsArgs {
    #[command(subcommand)]
    action: Option<SettingsAction>,
}

#[derive(Subcommand, Debug)]
enum SettingsAction {
    /// Print one setting's value, as this process uses it
    Get { key: String },
    /// Store a new value in the file (checked: exit 2 and nothing changed on a bad
    /// key or value); audited, and every counter uses it from its next sale.
    /// Supervisors only
    Set {
        key: String,
        value: String,
        #[command(flatten)]
        signed: SignInArgs,
    },
}

#[derive(clap::Args, Debug)]
struct BackupArgs {
    /// A new file (or a folder: the copy is named boxoffice-YYYYMMDD-HHMMSS.db in it)
    dest: PathBuf,
}

#[derive(clap::Args, Debug)]
struct RestoreArgs {
    /// The backup to restore
    src: PathBuf,
}

#[derive(clap::Args, Debug)]
struct CustomerArgs {
    #[command(subcommand)]
    action: CustomerAction,
}

#[derive(Subcommand, Debug)]
enum CustomerAction {
    /// Erase a customer's name, email and phone (their bookings, amounts and
    /// tickets stay); audited by id only. Supervisors only
    Erase {
        /// The customer's full id, email or phone
        who: String,
        #[command(flatten)]
        signed: SignInArgs,
    },
}

#[derive(clap::Args, Debug)]
struct TicketsArgs {
    /// The booking: its full id or the last 8+ characters (the short id screens show)
    booking: String,
    /// Also write the tickets (valid and used ones) to this PDF, one per page
    #[arg(long, value_name = "FILE")]
    pdf: Option<PathBuf>,
    /// table (readable) or json
    #[arg(long, value_enum, default_value_t = TicketFormat::Table)]
    format: TicketFormat,
}

#[derive(clap::Args, Debug)]
struct CheckinArgs {
    /// The ticket code as scanned or typed (case, dashes and spaces do not matter)
    code: String,
    /// The event this door admits (its full id); another event's ticket is refused
    #[arg(long, value_name = "ID")]
    event: Option<String>,
    /// The door's name, recorded with the scan
    #[arg(long, value_name = "NAME", default_value = "main")]
    door: String,
    /// table (readable) or json
    #[arg(long, value_enum, default_value_t = TicketFormat::Table)]
    format: TicketFormat,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum TicketFormat {
    Table,
    Json,
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
    /// Sign in as this clerk before the first line (the PIN from $BOXOFFICE_PIN);
    /// without it the script acts as the demo supervisor, where the file has one
    #[arg(long, value_name = "NAME")]
    clerk: Option<String>,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// Only this event (its full id)
    #[arg(long, value_name = "ID")]
    event: Option<String>,
    /// Bookings made from this time: YYYY-MM-DD (start of that day in the venue's time zone) or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = DateArg::parse)]
    from: Option<DateArg>,
    /// Bookings made before this time: YYYY-MM-DD (that whole day in the venue's zone included) or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = DateArg::parse)]
    to: Option<DateArg>,
    /// The health window: this many hours before now
    #[arg(long, value_name = "N", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=i64::from(boxoffice::domain::MAX_HOURS)))]
    hours: u32,
    /// Report as of this time instead of now (health window end): YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = DateArg::parse)]
    now: Option<DateArg>,
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

/// Who the audit trail says did it: the clerk's user and terminal process.
fn clerk_name() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "clerk".into());
    format!("clerk:{user}@{}", std::process::id())
}

/// Who a command-line desk is when no clerk is signed in at it.
fn cli_name() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "user".into());
    format!("cli:{user}@{}", std::process::id())
}

/// A PIN typed at the terminal without echo (`rpassword` reads /dev/tty).
fn prompt_pin(prompt: &str) -> Result<String, Error> {
    rpassword::prompt_password(prompt).map(|p| p.trim().to_string()).map_err(|e| {
        Error::io("cannot read a PIN from the terminal (none here?); put it in BOXOFFICE_PIN or use --pin-stdin", e)
    })
}

/// Signs the command's clerk in at `desk`: `--as NAME` / $BOXOFFICE_CLERK,
/// the PIN from $BOXOFFICE_PIN or the terminal.
fn sign_in_cli(desk: &Desk, args: &SignInArgs) -> Result<boxoffice::domain::Session, Error> {
    let Some(name) = args.as_clerk.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(Error::refused(
            "sign in first: --as NAME (or BOXOFFICE_CLERK), with the PIN in BOXOFFICE_PIN or typed",
        ));
    };
    let pin = match std::env::var("BOXOFFICE_PIN") {
        Ok(pin) if !pin.trim().is_empty() => pin.trim().to_string(),
        _ => prompt_pin(&format!("PIN for {name}: "))?,
    };
    desk.sign_in(name, &pin)
}

/// `boxoffice clerk add|list|disable`.
fn clerk_command(db: &std::path::Path, config: Config, command: &ClerkCommand) -> Result<ExitCode, Error> {
    use boxoffice::domain::Role;
    match command {
        ClerkCommand::List { format } => {
            let desk = open_reading(db, Context::system(config), "cli:clerks")?;
            let now = desk.now();
            let clerks = desk.clerks()?;
            let state = |c: &boxoffice::domain::Clerk| {
                if !c.has_pin {
                    "never signs in (sales before clerks)".to_string()
                } else if c.disabled_at.is_some() {
                    "disabled".to_string()
                } else if let Some(until) = c.locked_until.filter(|u| *u > now) {
                    format!("locked until {} UTC", until.format("%H:%M:%S"))
                } else {
                    "active".to_string()
                }
            };
            let text = match format {
                TicketFormat::Json => {
                    let rows: Vec<_> = clerks
                        .iter()
                        .map(|c| {
                            serde_json::json!({"id": c.id, "name": c.name, "role": c.role.as_str(), "state": state(c),
                                               "created_at": c.created_at})
                        })
                        .collect();
                    format!("{:#}\n", serde_json::Value::Array(rows))
                }
                TicketFormat::Table => {
                    let mut out = format!("{:<32} {:<10} STATE\n", "NAME", "ROLE");
                    for c in &clerks {
                        out.push_str(&format!("{:<32} {:<10} {}\n", c.name, c.role, state(c)));
                    }
                    if clerks.is_empty() {
                        out.push_str("no clerks yet: `boxoffice clerk add NAME --role supervisor` adds the first\n");
                    }
                    out
                }
            };
            boxoffice::output::stdout(&text)?;
        }
        ClerkCommand::Add { name, role, pin_stdin, signed } => {
            let desk = open_existing(db, config, cli_name())?;
            let role = match role {
                RoleArg::Clerk => Role::Clerk,
                RoleArg::Supervisor => Role::Supervisor,
            };
            let first = desk.needs_first_supervisor()?;
            if first && role != Role::Supervisor {
                return Err(Error::refused("the file has no clerks yet: add its first supervisor (--role supervisor)"));
            }
            if !first {
                sign_in_cli(&desk, signed)?;
            }
            let pin = if *pin_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| Error::io("cannot read the PIN from stdin", e))?;
                line.trim().to_string()
            } else {
                let pin = prompt_pin(&format!("PIN for the new clerk {name} (4-12 digits): "))?;
                if prompt_pin("The same PIN again: ")? != pin {
                    return Err(Error::refused("the two PINs differ; nothing was added"));
                }
                pin
            };
            let text = if first {
                let s = desk.create_first_supervisor(name, &pin)?;
                format!("added {} as the file's first supervisor\n", s.name())
            } else {
                let c = desk.add_clerk(name, role, &pin)?;
                format!("added {} ({})\n", c.name, c.role)
            };
            boxoffice::output::stdout(&text)?;
        }
        ClerkCommand::Disable { name, signed } => {
            let desk = open_existing(db, config, cli_name())?;
            sign_in_cli(&desk, signed)?;
            let c = desk.disable_clerk(name)?;
            boxoffice::output::stdout(&format!("disabled {} ({}): they can no longer sign in\n", c.name, c.role))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `boxoffice cashup [--clerk NAME] [--shift ID] [--date DAY] [--format …]`.
fn cashup_command(db: &std::path::Path, config: Config, args: &CashupArgs) -> Result<ExitCode, Error> {
    let desk = open_existing(db, config, cli_name())?;
    sign_in_cli(&desk, &args.signed)?;
    let query =
        boxoffice::engine::CashupQuery { shift_id: args.shift.clone(), clerk: args.clerk.clone(), date: args.date };
    let ups = desk.cashups(&query)?;
    let mut out = std::io::stdout().lock();
    let failed = |e| Error::io("cannot write the cash-up", e);
    let written = match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &boxoffice::cashup::json(&ups))
            .map_err(|e| failed(e.into()))
            .and_then(|()| writeln!(out).map_err(failed)),
        Format::Csv => boxoffice::export::cashup_csv(&ups, &mut out),
        Format::Table => {
            // Times in the venue's zone, as the Till screen shows them.
            let at = ups.first().map_or_else(|| desk.now(), |u| u.shift.opened_at);
            let offset = at.with_timezone(&desk.zone()?).offset().fix();
            write!(out, "{}", boxoffice::cashup::table(&ups, offset)).map_err(failed)
        }
    };
    match written {
        Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
        other => other.map(|()| ExitCode::SUCCESS),
    }
}

/// The path of an existing database (never created by these commands).
fn open_existing_path(db: &std::path::Path) -> Result<std::path::PathBuf, Error> {
    if store::check_file(db)? == store::file::OnDisk::Missing {
        return Err(Error::Storage(format!("no database at {}; check --db or $BOXOFFICE_DB", db.display())));
    }
    Ok(db.to_path_buf())
}

/// The application log goes to a daily file beside the database, never to the
/// terminal the UI owns; the newest `days` files are kept. `RUST_LOG` sets
/// the level (default info).
fn init_app_log(
    dir: &std::path::Path,
    access: &boxoffice::paths::Access,
    days: u32,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    access.create_dir(dir).ok()?;
    // Log files made by an earlier version (world-readable) become private.
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let _ = access.tighten(&entry.path());
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("boxoffice.log")
        .max_log_files(days.max(1) as usize)
        .build(dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).try_init().ok()?;
    Some(guard)
}

/// An existing database (never created here), opened for writing and
/// migrated, acting as `who` (no clerk signs in: a door, the command line).
fn open_existing(db: &std::path::Path, config: Config, who: String) -> Result<Desk, Error> {
    // A URL names a PostgreSQL database: its deadlines go by the server's clock.
    if store::db::is_postgres_url(&db.to_string_lossy()) {
        return Desk::open_postgres(&db.to_string_lossy(), Context::system(config), who);
    }
    Desk::open(&open_existing_path(db)?, Context::system(config), who)
}

/// A desk that only reads an existing database: a file opened read-only, or
/// a server's database on a read-only connection (judged by the server's
/// clock unless `ctx` has a manual one).
fn open_reading(db: &std::path::Path, ctx: Context, who: &str) -> Result<Desk, Error> {
    let target = db.to_string_lossy();
    if store::db::is_postgres_url(&target) {
        return Desk::read_postgres(&target, ctx, who);
    }
    Ok(Desk::from_read_only(store::open_read_only(db)?, ctx, who))
}

/// `boxoffice tickets BOOKING [--pdf FILE] [--format table|json]`.
fn tickets_command(db: &std::path::Path, config: Config, args: &TicketsArgs) -> Result<ExitCode, Error> {
    // Listing only reads; writing a PDF is audited, so it needs a writable file.
    let desk = match &args.pdf {
        Some(_) => open_existing(db, config, cli_name())?,
        None => open_reading(db, Context::system(config), "cli:tickets")?,
    };
    let booking = desk.find_booking(&args.booking)?;
    let printed = match &args.pdf {
        Some(path) => Some(boxoffice::print::print_tickets(&desk, &booking.id, path)?),
        None => None,
    };
    let sheet = desk.ticket_sheet(&booking.id)?;
    let zone = desk.settings()?.effective.time_zone;
    let text = match args.format {
        TicketFormat::Json => {
            let json = serde_json::json!({
                "booking_id": booking.id,
                "status": booking.status.as_str(),
                "event_id": booking.event_id,
                "event": sheet.event_name,
                "starts_at": sheet.starts_at,
                "customer": sheet.customer_name,
                "items": desk.booking_items(&booking.id)?,
                "tickets": sheet.tickets,
                "pdf": printed.as_ref().map(|p| p.path.display().to_string()),
            });
            format!("{json:#}\n")
        }
        TicketFormat::Table => tickets_table(&booking, &sheet, printed.as_ref(), zone),
    };
    boxoffice::output::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn tickets_table(
    booking: &boxoffice::domain::Booking,
    sheet: &boxoffice::domain::TicketSheet,
    printed: Option<&boxoffice::print::Printed>,
    zone: chrono_tz::Tz,
) -> String {
    use boxoffice::domain::Money;
    use std::fmt::Write as _;
    let mut out = String::new();
    let when = sheet.starts_at.with_timezone(&zone).format("%a %d %b %Y %H:%M");
    let _ = writeln!(out, "booking {} · {} · {} · {when}", booking.id, booking.status, sheet.event_name);
    if sheet.tickets.is_empty() {
        let _ = writeln!(out, "no tickets: they are issued when the booking is paid");
    } else {
        let _ = writeln!(
            out,
            "{:>3}  {:<5} {:<16} {:>12}  {:<6} {:<22} USED",
            "#", "SEAT", "TYPE", "PRICE", "STATUS", "CODE"
        );
    }
    for t in &sheet.tickets {
        let used = match (&t.used_at, &t.used_door) {
            (Some(at), Some(door)) => {
                format!("{} at {door}", at.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S"))
            }
            _ => String::new(),
        };
        let name: String = t.type_name.chars().take(16).collect();
        let _ = writeln!(
            out,
            "{:>3}  {:<5} {:<16} {:>12}  {:<6} {:<22} {used}",
            t.number,
            t.seat_text(),
            name,
            Money(t.price).format(&sheet.currency),
            t.status.as_str(),
            t.code.grouped()
        );
    }
    if let Some(p) = printed {
        let _ = writeln!(out, "wrote {} ticket(s) to {}", p.tickets, p.path.display());
    }
    out
}

/// `boxoffice checkin CODE [--event ID] [--door NAME] [--format table|json]`.
fn checkin_command(db: &std::path::Path, config: Config, args: &CheckinArgs) -> Result<ExitCode, Error> {
    // A door scanner is a door, not a clerk: its scans are audited as `door:NAME`.
    let desk = open_existing(db, config, format!("door:{}", args.door.trim()))?;
    // Answer first: the WAL checkpoint runs after the answer is printed.
    desk.defer_checkpoints()?;
    let answer = desk.check_in(&args.code, args.event.as_deref(), &args.door)?;
    let text = match args.format {
        TicketFormat::Json => {
            let mut json = serde_json::to_value(&answer).map_err(|e| Error::Storage(e.to_string()))?;
            json["admitted"] = answer.admitted().into();
            json["headline"] = answer.headline().into();
            json["detail"] = answer.detail().into();
            json["door"] = args.door.trim().into();
            format!("{json:#}\n")
        }
        TicketFormat::Table => {
            let event = match &answer {
                boxoffice::domain::DoorAnswer::Admitted { event_name, .. } => format!("\n          {event_name}"),
                _ => String::new(),
            };
            format!("{:<9} {}{event}\n", answer.headline(), answer.detail())
        }
    };
    boxoffice::output::stdout(&text)?;
    desk.tidy()?;
    Ok(ExitCode::from(if answer.admitted() { 0 } else { 1 }))
}

/// The venue's `log_days`, read without writing (the default if the file
/// cannot tell yet: new, or of an older schema).
fn log_days(db: &std::path::Path) -> u32 {
    open_reading(db, Context::system(Config::default()), "cli:log")
        .and_then(|desk| desk.policy())
        .map_or(boxoffice::domain::Settings::default().log_days, |s| s.log_days)
}

/// The computer's time zone: `$TZ` if it names an IANA zone, else the
/// system's setting (`/etc/localtime`), else UTC.
fn system_zone() -> chrono_tz::Tz {
    let from_tz =
        std::env::var("TZ").ok().and_then(|z| boxoffice::domain::settings::zone(z.trim_start_matches(':')).ok());
    from_tz
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|z| boxoffice::domain::settings::zone(&z).ok()))
        .unwrap_or(chrono_tz::Tz::UTC)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => boxoffice::output::fail("boxoffice", &e),
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    // Customers' data: what this process creates is the owner's only (or the
    // group's, with BOXOFFICE_GROUP), SQLite's -wal/-shm and the logs included.
    let access = boxoffice::paths::Access::from_env().map_err(|e| Error::Storage(e.to_string()))?;
    access.apply_umask();
    let config = Config {
        hold_minutes: cli.hold_minutes,
        payment_minutes: cli.payment_minutes,
        refund_percent: cli.refund_percent,
        durability: cli.synchronous,
        ..Config::default()
    };
    let db = cli.db.clone().unwrap_or_else(boxoffice::paths::default_db);
    if store::db::is_postgres_url(&db.to_string_lossy())
        && let Some(done) = on_postgres(&db.to_string_lossy(), cli.command.as_ref(), &config)
    {
        return done;
    }
    match cli.command {
        Some(Command::Copy(args)) => copy(&args),
        Some(Command::Script(args)) => {
            let outcome = boxoffice::script::cli::run_script(boxoffice::script::cli::ScriptRun {
                file: &args.file,
                db: cli.db.as_deref(),
                snapshots: args.snapshots.as_deref(),
                size: args.size.as_deref(),
                seed: args.seed,
                allow_clock: args.allow_clock,
                clerk: args.clerk.as_deref().map(|name| (name, std::env::var("BOXOFFICE_PIN").ok())),
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
            verdict(&violations, &db.display().to_string())
        }
        Some(Command::Report(args)) => {
            let mut desk = open_reading(&db, Context::system(config.clone()), "cli:report")?;
            // A bare date is a day in the venue's time zone.
            let zone = desk.zone().map_err(|e| store::at(&db, e))?;
            let resolve = |d: Option<DateArg>, end| d.map(|d| d.resolve(end, zone)).transpose().map_err(bad_input);
            if let Some(at) = resolve(args.now, false)? {
                desk = open_reading(&db, Context::manual(at, 0, config).0, "cli:report")?;
            }
            let filter = boxoffice::domain::ReportFilter {
                event_id: args.event.clone(),
                from: resolve(args.from, false)?,
                to: resolve(args.to, true)?,
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
                Format::Table => write!(out, "{}", report.table(zone)).map_err(failed),
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
        Some(Command::Tickets(args)) => tickets_command(&db, config, &args),
        Some(Command::Checkin(args)) => checkin_command(&db, config, &args),
        Some(Command::Clerk(command)) => clerk_command(&db, config, &command),
        Some(Command::Cashup(args)) => cashup_command(&db, config, &args),
        Some(Command::Settings(args)) => settings(&db, config, args.action),
        Some(Command::Backup(args)) => backup(&db, &args.dest),
        Some(Command::Restore(args)) => restore(&db, &args.src, config.durability),
        Some(Command::Customer(CustomerArgs { action: CustomerAction::Erase { who, signed } })) => {
            let desk = open_existing(&db, config, cli_name())?;
            sign_in_cli(&desk, &signed)?;
            let e = desk.erase_customer(&who)?;
            let id = boxoffice::ids::short(&e.customer_id);
            let text = if e.already {
                format!("customer {id} was already erased; nothing changed\n")
            } else {
                let wal = match e.old_copies {
                    boxoffice::engine::OldCopies::None => "the write-ahead log was emptied",
                    boxoffice::engine::OldCopies::Wal => {
                        "another process is reading: old copies stay in the -wal file until its next checkpoint"
                    }
                    boxoffice::engine::OldCopies::Server => {
                        "PostgreSQL keeps the old row version until VACUUM reclaims it (autovacuum, or \
                         `VACUUM customers` now), and its write-ahead log, archives and replicas keep it until \
                         they are recycled"
                    }
                };
                format!(
                    "erased customer {id} ({}): name, email and phone replaced; {} booking(s) kept; {wal}.\n\
                     Backups made before now still hold their details.\n",
                    e.customer_id, e.bookings
                )
            };
            boxoffice::output::stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            // Refuse a file that is not ours, or a server that does not
            // answer, before anything (the log folder) is made for it.
            let url = db.to_string_lossy();
            let first = if store::db::is_postgres_url(&url) {
                Some(Desk::open_postgres(&url, Context::system(config.clone()), clerk_name())?)
            } else {
                store::check_file(&db)?;
                None
            };
            let log_dir = boxoffice::paths::log_dir_for(&db);
            let _log = init_app_log(&log_dir, &access, log_days(&db));
            let desk = match first {
                Some(desk) => desk,
                None => Desk::open(&db, Context::system(config), clerk_name())?,
            };
            // On a server the desk's clock is the server's: every connection shares it.
            let ctx = desk.ctx().clone();
            if cli.no_demo {
                boxoffice::demo::decline(&desk)?;
            } else if boxoffice::demo::seed_venue_if_empty(&desk)? {
                tracing::info!(db = %db.display(), "seeded the demo venue and events");
            }
            // A file without a zone (new with --no-demo, or from an earlier
            // version, whose times the clerk saw in the computer's zone) gets
            // the computer's: from then on every counter shows the same times.
            let zone = system_zone();
            if desk.set_setting_if_unset(SettingKey::TimeZone, zone.name())? {
                tracing::info!(zone = zone.name(), "the venue's time zone was set to the computer's");
            }
            boxoffice::tui::terminal::run(&db, &log_dir, ctx, desk)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `verify`'s answer: ok (exit 0) or each violation (exit 1), naming `place`.
fn verdict(violations: &[String], place: &str) -> Result<ExitCode, Error> {
    // A reader gone early (`verify | head -c0`) leaves the verdict as it is.
    if violations.is_empty() {
        boxoffice::output::stdout(&format!("ok: every invariant holds ({place})\n"))?;
        Ok(ExitCode::SUCCESS)
    } else {
        let mut text: String = violations.iter().map(|v| format!("{v}\n")).collect();
        text.push_str(&format!("{} violation(s) in {place}\n", violations.len()));
        boxoffice::output::stdout(&text)?;
        Ok(ExitCode::from(1))
    }
}

/// The commands that work on a PostgreSQL URL besides `copy`: `migrate` (and
/// `--check`), `verify` (on a read-only connection; the server checks its
/// own pages, so there is no integrity pass as on a file), and
/// `backup`/`restore`, which say what to use instead.
fn on_postgres(url: &str, command: Option<&Command>, config: &Config) -> Option<Result<ExitCode, Error>> {
    let shown = store::pg::redact(url);
    Some(match command? {
        Command::Verify => (|| {
            let db = store::pg::open_read_only(url)?;
            let desk = Desk::from_read_only(db, Context::system(config.clone()), "cli:verify");
            verdict(&desk.verify()?, &shown)
        })(),
        Command::Migrate(args) if args.check => (|| {
            let (found, pending) = store::pg::schema_status(url)?;
            let mut text = format!("{shown}: schema version {}\n", found.version());
            text.push_str(&format!("this boxoffice: schema version {}\n", store::pg::migrate::LATEST));
            if pending.is_empty() {
                text.push_str("up to date\n");
            }
            for step in pending {
                text.push_str(&format!("pending: {step}\n"));
            }
            boxoffice::output::stdout(&text)?;
            Ok(if pending.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        })(),
        Command::Migrate(_) => (|| {
            let db = store::db::Db::Pg(store::pg::PgConn::connect(url)?);
            let done = store::pg::migrate::migrate(&db)?;
            let text = if done.applied.is_empty() {
                format!("{shown}: already at schema version {}; nothing to do\n", done.to)
            } else {
                let mut text: String = done.applied.iter().map(|step| format!("applied: {step}\n")).collect();
                text.push_str(&format!("{shown}: migrated from schema version {} to {}\n", done.from, done.to));
                text
            };
            boxoffice::output::stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        })(),
        Command::Backup(_) => Err(Error::Storage(format!(
            "{shown} is a PostgreSQL database, and `boxoffice backup` copies SQLite files; back it up with the \
             server's own tool (`pg_dump --format=custom --file venue.dump 'URL'`, restored with `pg_restore` into \
             an empty database), or copy it into a boxoffice file (`boxoffice copy --from URL --to FILE`). No copy \
             was made"
        ))),
        Command::Restore(_) => Err(Error::Storage(format!(
            "{shown} is a PostgreSQL database, and `boxoffice restore` replaces SQLite files; restore a `pg_dump` \
             with `pg_restore` into an empty database, or copy a boxoffice file into one (`boxoffice copy --from \
             FILE --to URL`). Nothing was changed"
        ))),
        _ => return None,
    })
}

/// `boxoffice copy --from A --to B`.
fn copy(args: &CopyArgs) -> Result<ExitCode, Error> {
    use store::copy::Place;
    let (from, to) = (Place::parse(&args.from), Place::parse(&args.to));
    let done = store::copy::copy(&from, &to)?;
    let mut text =
        format!("copied {} row(s) in {} table(s)\n  from {from}\n  to   {to}\n", done.rows(), done.tables.len());
    text.push_str(&format!(
        "  {} event(s), {} booking(s), {} ticket(s), {} audit row(s) (in order, each with its seq)\n",
        done.of("events"),
        done.of("bookings"),
        done.of("tickets"),
        done.of("audit_log")
    ));
    boxoffice::output::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Bad input on the command line: the message as it is, exit 2.
fn bad_input(why: String) -> Error {
    Error::Invalid(boxoffice::domain::Invalid::new("date", why))
}

/// `boxoffice settings [get KEY | set KEY VALUE]`.
fn settings(db: &std::path::Path, config: Config, action: Option<SettingsAction>) -> Result<ExitCode, Error> {
    let place = if store::db::is_postgres_url(&db.to_string_lossy()) { "database" } else { "file" };
    match action {
        None => {
            let view = open_reading(db, Context::system(config), "cli:settings")?.settings()?;
            let mut text = format!("{:<18} {:<8} VALUE\n", "SETTING", "FROM");
            for &key in SettingKey::ALL {
                let source = view.source(key);
                let mut value = view.effective.get(key);
                if value.is_empty() {
                    value = "(not set)".into();
                }
                if source == Source::Override {
                    value.push_str(&format!(
                        "   (this process's flag or BOXOFFICE_* variable; the {place} has {})",
                        view.file.get(key)
                    ));
                }
                text.push_str(&format!("{:<18} {:<8} {value}\n", key.as_str(), source.as_str()));
            }
            for problem in &view.problems {
                text.push_str(&format!("! {problem}\n"));
            }
            boxoffice::output::stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(SettingsAction::Get { key }) => {
            let key = SettingKey::named(&key)?;
            let view = open_reading(db, Context::system(config), "cli:settings")?.settings()?;
            boxoffice::output::stdout(&format!("{}\n", view.effective.get(key)))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(SettingsAction::Set { key, value, signed }) => {
            // Check before opening: a bad key or value changes nothing, not even the schema.
            let checked = SettingKey::named(&key)
                .and_then(|k| boxoffice::domain::Settings::default().set(k, &value).map(|()| k))?;
            let desk = open_existing(db, config, cli_name())?;
            sign_in_cli(&desk, &signed)?;
            let c = desk.set_setting(checked.as_str(), &value)?;
            let shown = |v: &str| if v.is_empty() { "(not set)".to_string() } else { v.to_string() };
            let mut text = if c.changed {
                format!(
                    "{}: {} → {} (audited; every counter on the {place} uses it from its next operation)\n",
                    c.key,
                    shown(&c.old),
                    shown(&c.new)
                )
            } else {
                format!("{} is already {}; nothing changed\n", c.key, c.new)
            };
            if c.overridden {
                text.push_str(&format!(
                    "note: this process overrides {} with a flag or BOXOFFICE_* variable; other counters use the {place}'s\n",
                    c.key
                ));
            }
            boxoffice::output::stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `boxoffice backup DEST`.
fn backup(db: &std::path::Path, dest: &std::path::Path) -> Result<ExitCode, Error> {
    if store::check_file(db)? != store::file::OnDisk::Sqlite {
        return Err(Error::Storage(format!("no database at {}; check --db or $BOXOFFICE_DB", db.display())));
    }
    let dest = if dest.is_dir() {
        dest.join(format!("boxoffice-{}.db", chrono::Utc::now().format("%Y%m%d-%H%M%S")))
    } else {
        dest.to_path_buf()
    };
    if dest.exists() {
        return Err(Error::Storage(format!(
            "{} already exists; name a new file (nothing was written)",
            dest.display()
        )));
    }
    let source = store::backup::connect_snapshot(db).map_err(|e| store::at(db, e))?;
    store::backup::snapshot(&source, &dest).map_err(|e| store::at(&dest, e))?;
    drop(source);
    store::backup::sync_dir(&dest);
    let checked = store::backup::check(&dest)?;
    let mut text = format!("backup: {}\n  {}\n", dest.display(), checked.figures);
    if checked.problems.is_empty() {
        text.push_str("  verified: SQLite's integrity checks and every invariant hold\n");
        boxoffice::output::stdout(&text)?;
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &checked.problems {
            text.push_str(&format!("  ! {p}\n"));
        }
        text.push_str(&format!(
            "  {} problem(s): the copy is as the file was; check it with `boxoffice verify`\n",
            checked.problems.len()
        ));
        boxoffice::output::stdout(&text)?;
        Ok(ExitCode::from(1))
    }
}

/// `boxoffice restore SRC`.
fn restore(db: &std::path::Path, src: &std::path::Path, durability: Durability) -> Result<ExitCode, Error> {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let done = store::backup::restore(db, src, durability, &stamp)?;
    tracing::info!(db = %db.display(), src = %src.display(), "restored from a backup");
    let mut text = format!("restored {} from {}\n  {}\n", db.display(), src.display(), done.after.figures);
    match &done.replaced {
        Some(kept) => text.push_str(&format!("  the replaced file is kept as {}\n", kept.display())),
        None => text.push_str("  there was no file to replace\n"),
    }
    if done.after.problems.is_empty() {
        text.push_str("  verified: SQLite's integrity checks and every invariant hold\n");
        boxoffice::output::stdout(&text)?;
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &done.after.problems {
            text.push_str(&format!("  ! {p}\n"));
        }
        boxoffice::output::stdout(&text)?;
        Ok(ExitCode::from(1))
    }
}
