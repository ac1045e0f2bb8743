//! The app on a real terminal: tokio selects over crossterm's key stream, a
//! timer, wake-ups from the tick thread and the database workers' answers,
//! each turned into a message for `update`. Nothing here waits on the
//! database: the workers do.
//!
//! Keys typed ahead are dropped when what they were typed for goes away
//! under the clerk ([`Focus::drops_typeahead`]): at the moment a form closes
//! or a filter stops taking text (the rest of a fast-typed email must not run
//! as commands), and whenever an answer from the database, the clock or
//! another terminal changes the screen, the sale's stage, the overlay or the
//! text focus. Dropped means the key events already waiting in crossterm's
//! stream at that moment are read and discarded; keys typed after it act.
//! Headless runs (scripts, tests) have no queue: each key runs to idle.

use crate::context::Context;
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::jobs::{Jobs, TickThread, audit_log_sink};
use crate::tui::action::Msg;
use crate::tui::app::{App, AppInfo, Focus};
use crate::tui::update::update;
use crate::tui::worker::{self, Workers};
use crate::tui::{handle_key, view};
use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use std::path::Path;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Runs the app until the clerk quits, on `db` (a file or a PostgreSQL URL;
/// on a server, `ctx`'s clock is the server's, shared by every connection). The terminal is restored on quit, on
/// error and on panic (ratatui's init installs the panic hook).
pub fn run(db: &Path, log_dir: &Path, ctx: Context, desk: Desk) -> Result<()> {
    let label = db.display().to_string();
    let info = AppInfo {
        db_label: if crate::store::db::is_postgres_url(&label) { crate::store::pg::redact(&label) } else { label },
        audit_log_dir: Some(log_dir.to_path_buf()),
        data_dir: crate::paths::export_dir_for(db),
        data_dir_label: None,
        gate: true,
    };
    let venue = desk.settings()?;
    // The Jobs screen's "run now" keys use their own connection and owner.
    let manual = Jobs::new(Desk::open_target(db, ctx.clone(), "job:manual")?, audit_log_sink(log_dir)?);
    // The clerk's reads run as the clerk too: resuming a sale finds their own hold.
    let read = Desk::open_target(db, ctx.clone(), desk.actor())?;
    let desk_clerk = desk.clerk();
    read.act_as(desk_clerk.clone());
    // The app opens on the sign-in: a demo file's shows its demo supervisor.
    let needs_first_supervisor = desk.needs_first_supervisor()?;
    let demo_sign_in = desk.demo_sign_in_shown()?;
    // The Door screen's scans, as the clerk, on a connection that checkpoints after answering.
    let door = Desk::open_target(db, ctx.clone(), desk.actor())?;
    let (wake_tx, mut wake_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let tick = TickThread::spawn(db.to_path_buf(), ctx.clone(), audit_log_sink(log_dir)?, move || {
        let _ = wake_tx.send(());
    })?;
    let actor = desk.actor().to_string();
    let mut workers = Workers::spawn(desk, read, Some(door), Some(manual), false)?;
    let mut app = App::new(ctx.clone(), info);
    app.clerk = desk_clerk;
    app.needs_first_supervisor = needs_first_supervisor;
    app.demo_sign_in = demo_sign_in;
    // The venue's zone and policy before the first draw (the first load reads them again).
    app.venue = venue;
    app.heartbeat = Some(tick.heartbeat.clone());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the event loop", e))?;
    // The hook a panic on the UI thread ends in: the terminal restored, then
    // the standard message. Not ratatui's own hook: its `restore` prints a
    // failure with `eprintln!`, which panics when the terminal is gone (a
    // closed window, SIGHUP), and a panic inside the hook aborts the process
    // before any connection closes — leaving every sale in the -wal file.
    let default_hook = std::panic::take_hook();
    let mut terminal =
        ratatui::try_init().map_err(|e| Error::io("cannot open the terminal (over SSH, connect with `ssh -t`)", e))?;
    // A panic on the tick thread is caught there and shown in the status bar,
    // and one in a database worker's request comes back as that request's
    // error, so neither may restore the terminal under a UI that is still running.
    std::panic::set_hook(Box::new(move |info| {
        let name = std::thread::current().name().map(str::to_string);
        if let Some(name @ (crate::jobs::TICK_THREAD | worker::READ_THREAD | worker::WRITE_THREAD)) = name.as_deref() {
            tracing::error!(%info, thread = name, "background thread panic");
        } else {
            let _ = ratatui::try_restore();
            default_hook(info);
        }
    }));
    let result = runtime.block_on(async {
        let mut keys = EventStream::new();
        let mut hangup = signal(SignalKind::hangup());
        let mut terminate = signal(SignalKind::terminate());
        let mut timer = tokio::time::interval(Duration::from_millis(250));
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut workers_gone = false;
        loop {
            workers.dispatch(&mut app);
            terminal.draw(|f| view::draw(f, &app)).map_err(|e| Error::io("cannot draw", e))?;
            if app.quit {
                return Ok(());
            }
            let msg = tokio::select! {
                event = keys.next() => match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                        let before = app.focus();
                        handle_key(&mut app, key);
                        if Focus::drops_typeahead(before, app.focus(), true) {
                            drain(&mut keys).await;
                        }
                        continue;
                    }
                    Some(Ok(_)) => continue, // resize and the rest: the next draw adapts
                    Some(Err(e)) => return Err(Error::io("cannot read the terminal", e)),
                    None => return Ok(()),
                },
                answer = workers.next(), if !workers_gone => match answer {
                    Some(msg) => {
                        workers.received(&msg);
                        msg
                    }
                    None => {
                        workers_gone = true;
                        app.error("the database workers stopped (see the log); restart the app");
                        continue;
                    }
                },
                _ = timer.tick() => Msg::Tick { now: ctx.now() },
                Some(()) = wake_rx.recv() => Msg::DataChanged,
                // A closed terminal window or a kill: leave as cleanly as on q.
                _ = recv(&mut hangup) => return Ok(()),
                _ = recv(&mut terminate) => return Ok(()),
            };
            let before = app.focus();
            update(&mut app, msg);
            if Focus::drops_typeahead(before, app.focus(), false) {
                drain(&mut keys).await;
            }
        }
    });
    // Leave as on `q` even when the terminal is gone (SIGHUP: every write to
    // it fails): nothing here may panic, so the workers and the tick stop,
    // their connections close, and the last one checkpoints the WAL into the file.
    if let Err(e) = ratatui::try_restore() {
        tracing::info!(error = %e, "the terminal could not be restored (closed?)");
    }
    if terminal.show_cursor().is_err() {
        // Its drop would retry and `eprintln!` the failure to a terminal that
        // is gone, which panics; there is nothing left to restore.
        std::mem::forget(terminal);
    }
    // A write on its way stops waiting for the lock and commits or rolls back.
    workers.shutdown();
    drop(tick);
    sign_out(db, ctx, &actor, app.clerk.take());
    result
}

/// How long closing the app waits for the lock to audit the clerk's sign-out.
const SIGN_OUT_WAIT: Duration = Duration::from_secs(1);

/// The clerk's session ends with the app (`q`, a closed window, a kill), and
/// the trail says so. A quit never waits long on a file another process has
/// locked: after [`SIGN_OUT_WAIT`] the sign-out gives up (logged) and the app
/// leaves anyway. (Scripts and one-shot commands are no session: they sign in
/// for what they do and leave no sign-out.)
fn sign_out(db: &Path, ctx: Context, actor: &str, clerk: Option<crate::domain::Session>) {
    let Some(clerk) = clerk else { return };
    let give_up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _stop = crate::store::stop_waiting_when(give_up.clone());
    let _timer = std::thread::Builder::new().name("boxoffice-sign-out".into()).spawn(move || {
        std::thread::sleep(SIGN_OUT_WAIT);
        give_up.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let done = Desk::open_target(db, ctx, actor).and_then(|desk| {
        desk.act_as(Some(clerk));
        desk.sign_out()
    });
    if let Err(e) = done {
        tracing::warn!(%e, "the clerk's sign-out could not be audited");
    }
}

/// Reads and discards the events already waiting in the stream (typed ahead
/// of a change), without waiting for more. Polled with the loop's own task,
/// so the next key still wakes it.
async fn drain(keys: &mut EventStream) -> usize {
    std::future::poll_fn(|cx| {
        let mut dropped = 0;
        loop {
            match keys.poll_next_unpin(cx) {
                std::task::Poll::Ready(Some(_)) => dropped += 1,
                std::task::Poll::Ready(None) | std::task::Poll::Pending => {
                    if dropped > 0 {
                        tracing::debug!(dropped, "keys typed ahead of a change dropped");
                    }
                    return std::task::Poll::Ready(dropped);
                }
            }
        }
    })
    .await
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
