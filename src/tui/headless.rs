//! The app without a terminal: keys in, screen text out, on a manual clock.
//! Tests and the script runner drive the app through exactly this.

use crate::clock::{Clock, ManualClock};
use crate::context::{Config, Context};
use crate::demo;
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::jobs::{AuditSink, Jobs, MemorySink, audit_log_sink};
use crate::tui::app::{App, AppInfo};
use crate::tui::{handle_key, view};
use chrono::Duration;
use chrono::{DateTime, Offset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyEvent;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Headless {
    pub app: App,
    pub jobs: Jobs,
    pub clock: Arc<ManualClock>,
    terminal: Terminal<TestBackend>,
}

impl Headless {
    /// `desk` is the clerk's connection and `jobs_desk` the tick's own; both
    /// must share `clock`'s context. Times show in UTC so output replays anywhere.
    pub fn new(
        desk: Desk,
        jobs_desk: Desk,
        clock: Arc<ManualClock>,
        sink: Box<dyn AuditSink>,
        width: u16,
        height: u16,
    ) -> Result<Headless> {
        let info = AppInfo {
            db_label: "script".into(),
            offset: Utc.fix(),
            audit_log_dir: None,
            data_dir: std::env::temp_dir().join("boxoffice-script-exports"),
        };
        let app = App::new(desk, info)?;
        let terminal = Terminal::new(TestBackend::new(width, height))
            .map_err(|e| Error::Storage(format!("cannot create a {width}x{height} screen: {e}")))?;
        Ok(Headless { app, jobs: Jobs::new(jobs_desk, sink), clock, terminal })
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
        let desk = Desk::open_shared_memory(&name, ctx.clone(), "clerk:script")?;
        let jobs = Desk::open_shared_memory(&name, ctx.clone(), "job:tick")?;
        let manual = Desk::open_shared_memory(&name, ctx, "job:manual")?;
        demo::seed_if_empty(&desk)?;
        let sink = MemorySink::default();
        let mut h = Headless::new(desk, jobs, clock, Box::new(sink.clone()), width, height)?;
        h.app.jobs = Some(Jobs::new(manual, Box::new(sink)));
        Ok(h)
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
        let (ctx, clock) = Context::manual(start, seed, config);
        let desk = Desk::open(path, ctx.clone(), format!("clerk:script{seed}"))?;
        let jobs = Desk::open(path, ctx.clone(), "job:tick")?;
        let manual = Desk::open(path, ctx, "job:manual")?;
        demo::seed_if_empty(&desk)?;
        // The file's audit log, as the app ships it: a run on a file moves the
        // file's shipping cursor, so its rows must reach the file's log.
        let log = crate::paths::log_dir_for(path);
        let mut h = Headless::new(desk, jobs, clock, audit_log_sink(&log)?, width, height)?;
        h.app.jobs = Some(Jobs::new(manual, audit_log_sink(&log)?));
        h.app.info.audit_log_dir = Some(log);
        // Exports go beside the database file, as in the real app.
        h.app.info.data_dir = crate::paths::export_dir_for(path);
        Ok(h)
    }

    pub fn key(&mut self, key: KeyEvent) {
        handle_key(&mut self.app, key);
    }

    /// Types each character of `text` as a key.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(c)));
        }
    }

    /// Renders and returns the screen, one string per row, trailing spaces trimmed.
    pub fn screen(&mut self) -> Vec<String> {
        self.app.refresh();
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
                    self.app.error(format!("tick failed: {e}"));
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

    pub fn tick(&mut self) {
        if let Err(e) = self.jobs.tick() {
            self.app.error(format!("tick failed: {e}"));
        }
        self.app.refresh();
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
