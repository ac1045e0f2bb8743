//! The app without a terminal: keys in, screen text out, on a manual clock.
//! Tests and the script runner drive the app through exactly this.
//!
//! Each key (and each `advance`, `tick` and screen read) runs to idle: every
//! request it caused is answered and fed through `update` before the call
//! returns, one request at a time — so a script replays byte for byte, as
//! helix's test harness runs its editor to idle. [`Headless::send_key`] and
//! [`Headless::pump`] step around that, for tests of a UI that waits.

use crate::clock::{Clock, ManualClock};
use crate::context::{Config, Context};
use crate::demo;
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::jobs::{AuditSink, Jobs, MemorySink, audit_log_sink};
use crate::tui::action::Msg;
use crate::tui::app::{App, AppInfo};
use crate::tui::update::update;
use crate::tui::worker::Workers;
use crate::tui::{handle_key, view};
use chrono::Duration;
use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyEvent;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Headless {
    pub app: App,
    /// The background tick, run by `advance` and `tick` on this thread.
    pub jobs: Jobs,
    pub clock: Arc<ManualClock>,
    workers: Workers,
    /// The harness's own connection, for tests, `verify` and `sql-expect`.
    inspect: Desk,
    terminal: Terminal<TestBackend>,
    /// A folder made for this run's exports (a fresh database only), removed with it.
    run_dir: Option<PathBuf>,
}

/// Where a headless app's data lives, and how it shows in the status bar.
struct Place<'a> {
    /// Opens one more connection to the database, as this actor.
    open: &'a dyn Fn(&str) -> Result<Desk>,
    /// The clerk's actor: their writes are audited as this.
    clerk: String,
    data_dir: PathBuf,
    /// The file's JSON audit log folder (None: audit ships to memory).
    audit_log_dir: Option<PathBuf>,
    /// A script on a shared file: its clock is its own, so its jobs sweep
    /// only its clerk's rows and take no lease, record no run, never prune.
    own_rows_only: bool,
    /// This run's own export folder (removed when the app is dropped).
    run_dir: bool,
}

impl Headless {
    /// The app on `place`'s database, seeded with the demo events if empty.
    /// Times show in UTC so output replays anywhere.
    fn start(
        place: Place<'_>,
        clock: Arc<ManualClock>,
        tick_sink: Box<dyn AuditSink>,
        manual_sink: Box<dyn AuditSink>,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        let desk = (place.open)(&place.clerk)?;
        let mut tick = Jobs::new((place.open)("job:tick")?, tick_sink);
        let mut manual = Jobs::new((place.open)("job:manual")?, manual_sink);
        if place.own_rows_only {
            tick.only_rows_made_by(&place.clerk);
            manual.only_rows_made_by(&place.clerk);
        }
        // The clerk's reads run as the clerk too: resuming a sale finds their own hold.
        let read = (place.open)(&place.clerk)?;
        // The Door screen's scans: the clerk's too, on a connection that
        // checkpoints after answering.
        let door = (place.open)(&place.clerk)?;
        let inspect = (place.open)("test:inspect")?;
        demo::seed_if_empty(&desk)?;
        // A run that never signs in acts as the demo supervisor, where the file has one.
        if let Ok(session) = desk.sign_in(crate::domain::staff::DEMO_SUPERVISOR, crate::domain::staff::DEMO_PIN) {
            read.act_as(Some(session.clone()));
            // The harness's own desk (tests set data up with it) acts as them too.
            inspect.act_as(Some(session));
        }
        let info = AppInfo {
            db_label: "script".into(),
            audit_log_dir: place.audit_log_dir,
            data_dir_label: place.run_dir.then(|| "<run>".to_string()),
            gate: false,
            data_dir: place.data_dir.clone(),
        };
        let ctx = desk.ctx().clone();
        let workers = Workers::spawn(desk, read, Some(door), Some(manual), true)?;
        let terminal = Terminal::new(TestBackend::new(width, height))
            .map_err(|e| Error::Storage(format!("cannot create a {width}x{height} screen: {e}")))?;
        let run_dir = place.run_dir.then_some(place.data_dir);
        let mut app = App::new(ctx, info);
        app.clerk = inspect.clerk();
        let mut h = Headless { app, jobs: tick, clock, workers, inspect, terminal, run_dir };
        h.settle();
        Ok(h)
    }

    /// A fresh in-memory database with the demo events, on a manual clock at
    /// `start` with ids seeded by `seed`: the same inputs give the same screens.
    pub fn demo(start: DateTime<Utc>, seed: u64, width: u16, height: u16) -> Result<Headless> {
        Headless::demo_with(Config::default(), start, seed, width, height)
    }

    pub fn demo_with(config: Config, start: DateTime<Utc>, seed: u64, width: u16, height: u16) -> Result<Headless> {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!("boxoffice-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let (ctx, clock) = Context::manual(start, seed, config);
        let open = |actor: &str| Desk::open_shared_memory(&name, ctx.clone(), actor);
        Headless::demo_on(&open, &name, clock, width, height)
    }

    /// The demo on the empty PostgreSQL database at `url` (its schema built,
    /// the demo events made): as [`Headless::demo_with`], the script's clock
    /// the only one, exports in a folder of this run, the audit log in
    /// memory. Tests run the shipped scripts on a server through it.
    pub fn demo_on_url(
        url: &str,
        config: Config,
        start: DateTime<Utc>,
        seed: u64,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!("boxoffice-pg-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let (ctx, clock) = Context::manual(start, seed, config);
        let open = |actor: &str| Desk::open_postgres(url, ctx.clone(), actor);
        Headless::demo_on(&open, &name, clock, width, height)
    }

    /// The demo on what `open` opens, as `name`'s run.
    fn demo_on(
        open: &dyn Fn(&str) -> Result<Desk>,
        name: &str,
        clock: Arc<ManualClock>,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        // Exports go to a folder of this run (the name is unique to the
        // process and the app): a shared one would make a second run's file
        // `-2`, and its message differ.
        let place = Place {
            open,
            clerk: "clerk:script".into(),
            data_dir: std::env::temp_dir().join(format!("{name}-exports")),
            audit_log_dir: None,
            own_rows_only: false,
            run_dir: true,
        };
        let sink = MemorySink::default();
        Headless::start(place, clock, Box::new(sink.clone()), Box::new(sink), width, height)
    }

    /// The app on a database file (created, with the demo events, if new), on
    /// a manual clock: several of these on one file are clerks at several counters.
    pub fn on_file(path: &Path, start: DateTime<Utc>, seed: u64, width: u16, height: u16) -> Result<Headless> {
        Headless::on_file_with(Config::default(), path, start, seed, width, height)
    }

    pub fn on_file_with(
        config: Config,
        path: &Path,
        start: DateTime<Utc>,
        seed: u64,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        Headless::at(config, path, &crate::paths::export_dir_for(path), start, seed, (width, height), false)
    }

    /// The app on the PostgreSQL database at `url` (its schema built, and the
    /// demo events made, if it is empty), on a manual clock; `folder` is this
    /// host's for it (the audit log in `folder/logs`, exports): several of
    /// these on one database are counters on several hosts.
    pub fn on_url(
        url: &str,
        folder: &Path,
        start: DateTime<Utc>,
        seed: u64,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        Headless::at(Config::default(), Path::new(url), folder, start, seed, (width, height), false)
    }

    /// A tester's script on a database file or a PostgreSQL URL: as
    /// [`Headless::on_file_with`], but the script's clock is its own, so its
    /// jobs sweep only its clerk's rows and never take a lease, record a run
    /// or prune on the shared database. A URL's log and exports go to this
    /// host's folder for it (`paths::server_dir`), as the app's do.
    pub fn script_on_file(
        config: Config,
        path: &Path,
        start: DateTime<Utc>,
        seed: u64,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        Headless::at(config, path, &crate::paths::export_dir_for(path), start, seed, (width, height), true)
    }

    /// On `target` (a file, or a URL in a path), with `folder` for its log and exports.
    fn at(
        config: Config,
        target: &Path,
        folder: &Path,
        start: DateTime<Utc>,
        seed: u64,
        (width, height): (u16, u16),
        own_rows_only: bool,
    ) -> Result<Headless> {
        let (ctx, clock) = Context::manual(start, seed, config);
        let open = |actor: &str| Desk::open_target(target, ctx.clone(), actor);
        // Refuse a database that is not ours before its log folder is made.
        drop(open("clerk:probe")?);
        // The database's audit log, as the app ships it: a run moves the
        // database's shipping cursor, so its rows must reach that log.
        let log = folder.join("logs");
        let (tick_sink, manual_sink) = (audit_log_sink(&log)?, audit_log_sink(&log)?);
        let place = Place {
            open: &open,
            clerk: format!("clerk:script{seed}"),
            // Exports go beside the database file (a URL's: its folder), as in the real app.
            data_dir: folder.to_path_buf(),
            audit_log_dir: Some(log),
            own_rows_only,
            run_dir: false,
        };
        Headless::start(place, clock, tick_sink, manual_sink, width, height)
    }

    /// Signs the clerk in through the app's write worker (as its sign-in
    /// does); a refusal is on the message line. Run to idle.
    pub fn sign_in(&mut self, name: &str, pin: &str) {
        if !self.app.write_refused() {
            let write = crate::tui::request::Write::SignIn { name: name.to_string(), pin: pin.to_string() };
            self.app.write(write, format!("signing {name} in"));
        }
        self.settle();
        // The harness's own desk acts as whoever the app has signed in.
        self.inspect.act_as(self.app.clerk.clone());
    }

    /// A connection of the harness's own, for looking at the data (never the app's).
    pub fn desk(&self) -> &Desk {
        &self.inspect
    }

    /// One key, run to idle.
    pub fn key(&mut self, key: KeyEvent) {
        handle_key(&mut self.app, key);
        self.settle();
    }

    /// One key, without waiting for what it asked of the database.
    pub fn send_key(&mut self, key: KeyEvent) {
        handle_key(&mut self.app, key);
        self.workers.dispatch(&mut self.app);
    }

    /// Feeds a message through `update`, without waiting for what it asks.
    pub fn send(&mut self, msg: Msg) {
        update(&mut self.app, msg);
        self.workers.dispatch(&mut self.app);
    }

    /// Waits until every request is answered and shown.
    pub fn settle(&mut self) {
        self.workers.settle(&mut self.app);
    }

    /// Shows the answers that have arrived, without waiting for the rest.
    pub fn pump(&mut self) {
        self.workers.pump(&mut self.app);
    }

    /// Requests sent and not answered yet.
    pub fn outstanding(&self) -> usize {
        self.workers.outstanding()
    }

    /// Types each character of `text` as a key.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(c)));
        }
    }

    /// Brings the app to the clock's time (reading the screens again if the
    /// file changed), then renders and returns the screen, one string per
    /// row, trailing spaces trimmed.
    pub fn screen(&mut self) -> Vec<String> {
        self.refresh();
        self.render()
    }

    /// Brings the app to the clock's time, reading the screens again if the
    /// file changed (another terminal, the tick).
    pub fn refresh(&mut self) {
        update(&mut self.app, Msg::Tick { now: self.clock.now() });
        self.settle();
    }

    /// The screen as it is now: no tick, nothing read.
    pub fn render(&mut self) -> Vec<String> {
        let app = &self.app;
        if self.terminal.draw(|f| view::draw(f, app)).is_err() {
            return vec!["(render failed)".into()];
        }
        buffer_lines(self.terminal.backend().buffer())
    }

    pub fn screen_text(&mut self) -> String {
        self.screen().join("\n")
    }

    /// Moves the clock forward `d`, running the background tick at every whole
    /// second crossed that has work due — and only those: between deadlines the
    /// clock jumps, so `advance 365d` costs one tick per deadline, not per second.
    pub fn advance(&mut self, d: Duration) {
        let start = self.clock.now();
        let end = start + Duration::seconds(d.num_seconds().max(0));
        let mut t = start;
        while t < end {
            t += Duration::seconds(1);
            self.clock.set(t);
            self.tick();
            // Skip to the second before the next deadline (or the end); the
            // loop's next step ticks on the first second at or after it.
            let next = match self.jobs.next_deadline() {
                Ok(next) => next,
                Err(e) => {
                    update(&mut self.app, Msg::TickFailed(e.to_string()));
                    None
                }
            };
            let target = match next.filter(|n| *n <= end) {
                Some(n) => start + Duration::seconds(((n - start).num_milliseconds() + 999).div_euclid(1000)),
                None => end,
            } - Duration::seconds(1);
            if target > t {
                t = target;
                self.clock.set(t);
            }
        }
    }

    /// One background tick now, then the app brought up to date.
    pub fn tick(&mut self) {
        match self.jobs.tick() {
            Err(e) => update(&mut self.app, Msg::TickFailed(e.to_string())),
            // As the app's tick thread wakes the screen after work: on
            // PostgreSQL the change notice may still be on its way.
            Ok(report) if !report.is_idle() => update(&mut self.app, Msg::DataChanged),
            Ok(_) => {}
        }
        update(&mut self.app, Msg::Tick { now: self.clock.now() });
        self.settle();
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        if let Some(dir) = &self.run_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A buffer as text rows (wide characters' continuation cells skipped).
pub fn buffer_lines(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    let area = buf.area;
    let mut out = Vec::with_capacity(area.height as usize);
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if let Some(cell) = buf.cell((x, y)) {
                let sym = cell.symbol();
                line.push_str(sym);
                skip = unicode_width(sym).saturating_sub(1);
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(s).width()
}
