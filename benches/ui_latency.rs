//! UI latency on a big file: a benchmark, not a test (`harness = false`).
//!
//! ```sh
//! cargo bench --bench ui_latency                                  # builds the big file in a temp dir
//! BENCH_KEEP=/tmp/big.db cargo bench --bench ui_latency           # keeps (and reuses) it
//! cargo bench --bench ui_latency -- --keys 4000                   # more keys (default 3,000)
//! cargo bench --bench ui_latency -- --trace     # where each key of the first round lands (stderr)
//! ```
//!
//! The big file is `examples/common/bigfile.rs`'s (10,000 events, 50,000
//! customers, 1,000,000 bookings, ~5.7 million audit rows; the one
//! `query_bench` times every read on), the small demo database the baseline,
//! both on a manual clock at the end of the big file's history.
//!
//! On each it measures (a) start to first frame: opening the connections and
//! starting the database workers, `App::new`, the first draw on a 120×40
//! `TestBackend` (an empty frame: the lists are still being read), and then
//! the first frame with the lists drawn; and, over a key script walked round
//! every screen until `--keys` keys (Events and its filter typed letter by
//! letter, a sale on a seat map from hold to receipt, a general-admission
//! quantity, a hold released, Bookings with every status filter, a customer
//! search typed letter by letter, a phone and a detail with its audit trail,
//! Reports for all events in every window and per event, Audit and its
//! filters, Jobs, the help):
//! (b) key → frame: `handle_key` + sending its requests + draw, on the UI
//! thread: what the clerk waits for before the screen answers (the database
//! work runs on the workers meanwhile), and that frame's CPU time on the UI
//! thread (steady where a busy machine makes wall time wait for a core);
//! (c) key → settled frame: the same,
//! then every request the key caused answered, applied and drawn again (the
//! result on screen). Median, p99 and max in ms, the big/demo ratio, per
//! screen on the big file, and the slowest keys (screen, key, ms).

#[path = "../examples/common/bigfile.rs"]
mod bigfile;

use boxoffice::domain::NewTicketType;
use boxoffice::script::parse::{char_event, parse_key};
use boxoffice::tui::app::{App, AppInfo};
use boxoffice::tui::worker::Workers;
use boxoffice::tui::{handle_key, view};
use boxoffice::{Config, Context, Desk};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyEvent;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Frame budget: p99 under one frame at 60 Hz, max under two.
const P99_TARGET: f64 = 16.0;
const MAX_TARGET: f64 = 33.0;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: a
    // plain test run builds no big file.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let keys = args
        .iter()
        .position(|a| a == "--keys")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000usize)
        .max(1);
    let tmp = tempfile::tempdir().expect("temp dir");
    let big = std::env::var_os("BENCH_KEEP").map_or_else(|| tmp.path().join("big.db"), PathBuf::from);
    if big.exists() {
        println!("reusing {}", big.display());
    } else {
        let t = Instant::now();
        bigfile::build(&big);
        println!("built {} in {:.1} s", big.display(), t.elapsed().as_secs_f64());
    }
    let demo = tmp.path().join("demo.db");
    {
        let desk = Desk::open(&demo, context(), "bench").expect("demo db");
        boxoffice::demo::seed_if_empty(&desk).expect("demo events");
    }

    let trace = args.iter().any(|a| a == "--trace");
    let load_before = load_average();
    let d = measure(&demo, keys, trace);
    let b = measure(&big, keys, trace);
    println!("\nload average (1, 5, 15 min) before: {load_before}, after: {}", load_average());
    println!("{:<34} {:>12} {:>12} {:>8}", "120x40, release", "demo DB", "big DB", "ratio");
    let row = |name: &str, x: f64, y: f64| println!("{name:<34} {x:>9.3} ms {y:>9.3} ms {:>7.1}x", y / x.max(1e-9));
    row("start → first frame (empty)", d.first_frame, b.first_frame);
    row("start → first frame with lists", d.first_loaded, b.first_loaded);
    let (df, bf) = (Latency::of(&d.keys, |k| k.frame), Latency::of(&b.keys, |k| k.frame));
    let (ds, bs) = (Latency::of(&d.keys, |k| k.settled), Latency::of(&b.keys, |k| k.settled));
    row("key → frame, median", df.median, bf.median);
    row("key → frame, p99", df.p99, bf.p99);
    row("key → frame, max", df.max, bf.max);
    let (dc, bc) = (Latency::of(&d.keys, |k| k.frame_cpu), Latency::of(&b.keys, |k| k.frame_cpu));
    row("key → frame, UI thread CPU, median", dc.median, bc.median);
    row("key → frame, UI thread CPU, p99", dc.p99, bc.p99);
    row("key → frame, UI thread CPU, max", dc.max, bc.max);
    row("key → settled frame, median", ds.median, bs.median);
    row("key → settled frame, p99", ds.p99, bs.p99);
    row("key → settled frame, max", ds.max, bs.max);
    let verdict = |l: &Latency| if l.p99 < P99_TARGET && l.max < MAX_TARGET { "met" } else { "NOT met" };
    println!(
        "({keys} keys each; target on the big DB, p99 < {P99_TARGET} ms and max < {MAX_TARGET} ms: \
         key → frame {}, its UI thread CPU {}, key → settled frame {})",
        verdict(&bf),
        verdict(&bc),
        verdict(&bs)
    );

    println!("\nper screen on the big DB, ms, p99 / max of: key → frame; its UI thread CPU; key → settled frame");
    let mut screens: BTreeMap<&str, Vec<&Key>> = BTreeMap::new();
    for k in &b.keys {
        screens.entry(k.screen.as_str()).or_default().push(k);
    }
    for (screen, ks) in &screens {
        let owned: Vec<Key> = ks.iter().map(|k| (*k).clone()).collect();
        let (f, c, s) = (
            Latency::of(&owned, |k| k.frame),
            Latency::of(&owned, |k| k.frame_cpu),
            Latency::of(&owned, |k| k.settled),
        );
        println!(
            "  {screen:<28} {:>5} keys  {:>8.3} {:>8.3}  {:>8.3} {:>8.3}  {:>8.3} {:>8.3}",
            ks.len(),
            f.p99,
            f.max,
            c.p99,
            c.max,
            s.p99,
            s.max
        );
    }
    slowest("key → frame", &b.keys, |k| k.frame);
    slowest("key → frame, UI thread CPU", &b.keys, |k| k.frame_cpu);
    slowest("key → settled frame", &b.keys, |k| k.settled);
}

/// A manual clock at the end of the big file's history, and ids seeded anew
/// each time: a kept big file already has the last run's.
fn context() -> Context {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64);
    Context::manual(bigfile::now(), seed, Config::default()).0
}

/// The slowest keys on the big DB, each (screen, key) once, slowest first.
fn slowest(what: &str, keys: &[Key], by: fn(&Key) -> f64) {
    let mut sorted: Vec<&Key> = keys.iter().collect();
    sorted.sort_by(|a, b| by(b).total_cmp(&by(a)));
    sorted.dedup_by(|a, b| a.screen == b.screen && a.key == b.key);
    let mut seen = Vec::new();
    println!("\nslowest keys, {what}, big DB (screen, key, ms):");
    for k in sorted {
        if seen.contains(&(&k.screen, &k.key)) {
            continue;
        }
        seen.push((&k.screen, &k.key));
        println!("  {:<28} {:<36} {:>8.3}", k.screen, k.key, by(k));
        if seen.len() == 10 {
            break;
        }
    }
}

struct Figures {
    first_frame: f64,
    first_loaded: f64,
    keys: Vec<Key>,
}

/// One key pressed: where, which, and how long until each frame.
#[derive(Clone)]
struct Key {
    screen: String,
    key: String,
    frame: f64,
    /// The UI thread's own CPU time for the frame: the same work without the
    /// waits for a core that a busy machine adds.
    frame_cpu: f64,
    settled: f64,
}

struct Latency {
    median: f64,
    p99: f64,
    max: f64,
}

impl Latency {
    fn of(keys: &[Key], by: fn(&Key) -> f64) -> Latency {
        let mut sorted: Vec<f64> = keys.iter().map(by).collect();
        sorted.sort_by(f64::total_cmp);
        let pct = |p: f64| sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1];
        Latency { median: pct(0.5), p99: pct(0.99), max: sorted[sorted.len() - 1] }
    }
}

/// The machine's load (Linux): timings on a shared machine mean little without it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Where the key lands: the screen, and the sale stage or overlay on it.
fn place(app: &App) -> String {
    let focus = app.focus();
    let mut s = format!("{:?}", focus.screen);
    if let Some(stage) = focus.stage.filter(|_| focus.screen == boxoffice::tui::screen::Screen::Sell) {
        s.push_str(&format!(" {stage:?}"));
    }
    if let Some(overlay) = focus.overlay {
        s.push_str(&format!(" ({overlay})"));
    } else if focus.typing {
        s.push_str(" (typing)");
    }
    s
}

fn measure(path: &Path, keys: usize, trace: bool) -> Figures {
    let info = AppInfo {
        db_label: path.display().to_string(),
        audit_log_dir: None,
        data_dir: std::env::temp_dir(),
        data_dir_label: None,
        gate: false,
    };
    let ctx = context();
    // A clerk of this run only: opening an event resumes the clerk's own
    // sale, and the big file's clerk (or a run stopped midway) left some.
    let clerk = format!("clerk:ui-{}", std::process::id());
    sellable(&Desk::open(path, ctx.clone(), &clerk).expect("open"));
    let t0 = Instant::now();
    let desk = Desk::open(path, ctx.clone(), &clerk).expect("open");
    let read = Desk::open(path, ctx.clone(), &clerk).expect("open");
    let mut workers = Workers::spawn(desk, read, None, None, false).expect("workers");
    let mut app = App::new(ctx, info);
    workers.dispatch(&mut app);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let first_frame = t0.elapsed();
    workers.settle(&mut app);
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let first_loaded = t0.elapsed();

    let script = key_script();
    let mut out = Vec::with_capacity(keys);
    for (event, name) in script.iter().cycle().take(keys) {
        let screen = place(&app);
        let cpu = thread_cpu();
        let t = Instant::now();
        handle_key(&mut app, *event);
        workers.dispatch(&mut app);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        let frame = ms(t.elapsed());
        let frame_cpu = ms(thread_cpu().saturating_sub(cpu));
        // The key's work, answered and drawn (the next key acts on it, as a
        // clerk's would once they see it).
        workers.settle(&mut app);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        if trace && out.len() < script.len() {
            let said = app.message.as_ref().map(|m| m.text.as_str()).unwrap_or_default();
            eprintln!("{screen:<28} {name:<24} → {:<28} {said}", place(&app));
        }
        out.push(Key { screen, key: name.clone(), frame, frame_cpu, settled: ms(t.elapsed()) });
    }
    Figures { first_frame: ms(first_frame), first_loaded: ms(first_loaded), keys: out }
}

/// The big file predates ticket types, and a booking needs one: the events
/// the script sells from (the first upcoming, the first Hamlet) get a
/// Standard type at their price, as migration 0004 gives older files.
fn sellable(desk: &Desk) {
    let mut events = desk.events("", 3).expect("events");
    events.extend(desk.events("hamlet", 3).expect("events"));
    for e in events {
        if desk.ticket_types(&e.id).expect("types").is_empty() {
            desk.add_ticket_type(&e.id, NewTicketType::new("Standard", e.price)).expect("ticket type");
        }
    }
}

/// One round trip through every screen, repeated until `--keys` keys; each
/// key with the name the slowest-keys list gives it. Each part starts from
/// the Events list with no filter, so a step that finds nothing on the demo
/// file does not leave the rest of the round on the wrong screen.
fn key_script() -> Vec<(KeyEvent, String)> {
    let mut s = Script(Vec::new());
    // Events: move, then a filter typed letter by letter and cleared.
    s.keys("Esc Esc Home Down*6 Up*3 PageDown PageUp End Home");
    s.keys("/");
    s.typed("hamlet 0100");
    s.keys("Backspace*4 Enter Esc");
    // A sale on a seat map (the first upcoming Hamlet: reserved seating):
    // look around, hold the best seat, the customer form, book, pay.
    s.keys("/");
    s.typed("hamlet");
    s.keys("Enter Enter Right Right Down Left Down Up Enter Enter");
    s.typed("Priya Sharma\t");
    s.typed("priya.sharma@example.in\t");
    s.typed("9812345678");
    s.keys("Enter s Esc Esc");
    // General admission (the first upcoming event): a quantity, a hold
    // released, and back.
    s.keys("Home Enter 2 Up Down Backspace 1 Enter r y Esc");
    // Bookings: move, open one, its audit trail and back; every status filter.
    s.keys("Tab Down*8 PageDown Up Enter a Esc Esc f f f f f f Down Down Esc");
    // A customer search typed letter by letter, one found and opened; then a
    // phone, an accented name and a booking id's start.
    s.keys("/");
    s.typed("priya sharma");
    s.keys("Enter Down Enter Esc /");
    s.keys("Ctrl-u");
    s.typed("98765 43210");
    s.keys("Ctrl-u");
    s.typed("zoë");
    s.keys("Ctrl-u");
    s.typed("0190");
    s.keys("Esc Esc");
    // Reports, all events: every window, then event by event and back.
    s.keys("Tab w w w w W w e e e Right Left E E E");
    // Audit: move, each field, a filter typed.
    s.keys("Tab Down*5 PageDown Home f f f f /");
    s.typed("expired");
    s.keys("Enter Esc f");
    // Jobs, then the help scrolled, and back to Events.
    s.keys("Tab Down*3 Up*3 ? Down*3 PageDown End Home Esc Tab");
    s.0
}

struct Script(Vec<(KeyEvent, String)>);

impl Script {
    /// Key tokens as scripts write them (`Down*6`, `Ctrl-u`, `Enter`).
    fn keys(&mut self, tokens: &str) {
        for token in tokens.split_whitespace() {
            let press = parse_key(token).expect("key token");
            let name = token.split('*').next().unwrap_or(token);
            for _ in 0..press.repeat {
                self.0.push((press.event, name.to_string()));
            }
        }
    }

    /// Text typed a character at a time, each named by the text so far.
    fn typed(&mut self, text: &str) {
        let mut so_far = String::new();
        for c in text.chars() {
            so_far.push(c);
            let name = if c == '\t' { "Tab (next field)".to_string() } else { format!("type {so_far:?}") };
            if c == '\t' {
                so_far.clear();
            }
            self.0.push((char_event(c), name));
        }
    }
}
