//! The app on a real terminal: tokio drives crossterm's key stream, a
//! render/refresh timer and wake-ups from the tick thread.

use crate::context::Context;
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::jobs::{Jobs, TickThread, audit_log_sink};
use crate::tui::app::{App, AppInfo};
use crate::tui::{handle_key, view};
use chrono::{Local, Offset, TimeZone};
use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use std::path::Path;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Runs the app until the clerk quits. The terminal is restored on quit, on
/// error and on panic (ratatui's init installs the panic hook).
pub fn run(db: &Path, log_dir: &Path, ctx: Context, desk: Desk) -> Result<()> {
    let offset = Local.offset_from_utc_datetime(&ctx.now().naive_utc()).fix();
    let info = AppInfo {
        db_label: db.display().to_string(),
        offset,
        audit_log_dir: Some(log_dir.to_path_buf()),
        data_dir: crate::paths::export_dir_for(db),
    };
    // The Jobs screen's "run now" keys use their own connection and owner.
    let manual = Jobs::new(Desk::open(db, ctx.clone(), "job:manual")?, audit_log_sink(log_dir)?);
    let (wake_tx, mut wake_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let tick = TickThread::spawn(db.to_path_buf(), ctx, audit_log_sink(log_dir)?, move || {
        let _ = wake_tx.send(());
    })?;
    let mut app = App::new(desk, info)?;
    app.heartbeat = Some(tick.heartbeat.clone());
    app.jobs = Some(manual);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the event loop", e))?;
    let mut terminal = ratatui::try_init().map_err(|e| Error::io("cannot open the terminal", e))?;
    // ratatui's hook restores the terminal on a panic; a panic on the tick
    // thread is caught there and shown in the status bar, so it must not
    // restore the terminal under a UI that is still running.
    let restore_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(crate::jobs::TICK_THREAD) {
            tracing::error!(%info, "tick thread panic");
        } else {
            restore_hook(info);
        }
    }));
    let result = runtime.block_on(async {
        let mut keys = EventStream::new();
        let mut hangup = signal(SignalKind::hangup());
        let mut terminate = signal(SignalKind::terminate());
        let mut timer = tokio::time::interval(Duration::from_millis(250));
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            terminal.draw(|f| view::draw(f, &app)).map_err(|e| Error::io("cannot draw", e))?;
            if app.quit {
                return Ok(());
            }
            tokio::select! {
                event = keys.next() => match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => handle_key(&mut app, key),
                    Some(Ok(_)) => {} // resize and the rest: the next draw adapts
                    Some(Err(e)) => return Err(Error::io("cannot read the terminal", e)),
                    None => return Ok(()),
                },
                _ = timer.tick() => app.refresh(),
                Some(()) = wake_rx.recv() => app.refresh(),
                // A closed terminal window or a kill: leave as cleanly as on q.
                _ = recv(&mut hangup) => return Ok(()),
                _ = recv(&mut terminate) => return Ok(()),
            }
        }
    });
    ratatui::restore();
    drop(tick);
    result
}

/// Waits for a signal; if its handler could not be installed, waits for ever.
async fn recv(sig: &mut std::io::Result<Signal>) {
    match sig {
        Ok(s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}
