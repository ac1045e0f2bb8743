//! The database workers: the only threads of the app that wait on SQLite or
//! the disk. As in gitui's `asyncgit`, the UI thread hands them requests and
//! is told the outcome by message; it never blocks on them.
//!
//! - The **write** worker owns the clerk's connection (and the Jobs screen's
//!   job runner): hold, release, customer, book, pay, cancel, new event,
//!   exports, jobs run now. One write at a time, in order.
//! - The **read** worker owns a second connection: lists, seat maps, details,
//!   the back office, and the periodic "anything changed?" check (SQLite's
//!   `PRAGMA data_version`, PostgreSQL's change notices). A writer never
//!   blocks it (WAL mode; MVCC on the server), so the screens keep refreshing
//!   while a write waits for the lock.
//!
//! Each request carries a cancel flag. The worker sets it as its thread's
//! "stop waiting" flag (`store::stop_waiting_when`), which every lock wait on
//! that thread looks at: Esc ends the wait within milliseconds, and the
//! transaction that never began changes nothing.
//!
//! [`Workers`] is also the driver's side of the conversation: it sends what
//! `update` put in the app's outbox, keeps count of what is on its way, and
//! (headless) runs the app to idle: every answer fed through `update` before
//! the next key, one request at a time, so scripts replay byte for byte.

use crate::domain::Session;
use crate::engine::Desk;
use crate::error::{Error, Result};
use crate::export;
use crate::jobs::{self, Jobs};
use crate::store;
use crate::store::changes::{Changes, Interrupt};
use crate::tui::action::Msg;
use crate::tui::app::App;
use crate::tui::request::{
    Answer, Command, Detail, Done, EventTypes, ExportRows, Found, LoadSpec, Loaded, OfficeFound, OfficeSpec, Read,
    RequestId, Resume, Sale, SellFound, Snapshot, Write,
};
use crate::tui::screen::LIST_LIMIT;
use crate::tui::update::update;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Who is signed in: set by the write worker when a clerk signs in, read by
/// both workers before each request, so every connection acts as that clerk.
type SignedIn = Arc<Mutex<Option<Session>>>;

fn act_as(desk: &Desk, who: &SignedIn) {
    desk.act_as(who.lock().map(|s| s.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone()));
}
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Thread names (the app's panic hook and logs tell them apart by these).
pub const READ_THREAD: &str = "boxoffice-read";
pub const WRITE_THREAD: &str = "boxoffice-write";

struct Job<R> {
    id: RequestId,
    request: R,
    cancel: Arc<AtomicBool>,
}

enum Queued {
    Read(Job<Read>),
    Write(Job<Write>),
}

impl Queued {
    fn id(&self) -> RequestId {
        match self {
            Queued::Read(j) => j.id,
            Queued::Write(j) => j.id,
        }
    }
}

/// The two worker threads and the requests on their way.
pub struct Workers {
    reads: Option<mpsc::Sender<Job<Read>>>,
    writes: Option<mpsc::Sender<Job<Write>>>,
    answers: UnboundedReceiver<Msg>,
    /// Sent and not answered yet: their cancel flags.
    out: HashMap<RequestId, Arc<AtomicBool>>,
    /// Not sent yet (serial mode sends one at a time).
    queue: VecDeque<Queued>,
    serial: bool,
    read_interrupt: Interrupt,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts the workers on their own connections: `write` (the clerk's:
    /// audit rows name its actor), `read` (any connection to the same file),
    /// `door` (the Door screen's check-ins, as the clerk; `None`: on `write`)
    /// and the Jobs screen's runner. `serial`: send one request at a time
    /// (headless: answers then come in one order only).
    pub fn spawn(write: Desk, read: Desk, door: Option<Desk>, jobs: Option<Jobs>, serial: bool) -> Result<Workers> {
        let (answer_tx, answers) = unbounded_channel();
        let read_interrupt = Interrupt::of(read.db());
        let (read_tx, read_rx) = mpsc::channel();
        let (write_tx, write_rx) = mpsc::channel();
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(f)
                .map_err(|e| Error::io(format!("cannot start the {name} thread"), e))
        };
        let tx = answer_tx.clone();
        let who: SignedIn = Arc::new(Mutex::new(write.clerk()));
        let read_who = who.clone();
        let changes = Changes::watch(read.db())?;
        let reader = spawn(READ_THREAD, Box::new(move || read_loop(read, changes, read_who, read_rx, tx)))?;
        let writer = spawn(WRITE_THREAD, Box::new(move || write_loop(write, door, who, jobs, write_rx, answer_tx)))?;
        Ok(Workers {
            reads: Some(read_tx),
            writes: Some(write_tx),
            answers,
            out: HashMap::new(),
            queue: VecDeque::new(),
            serial,
            read_interrupt,
            threads: vec![reader, writer],
        })
    }

    /// Requests sent and not answered, or not sent yet.
    pub fn outstanding(&self) -> usize {
        self.out.len() + self.queue.len()
    }

    /// Takes the app's outbox: requests go to their worker, a cancel sets the
    /// request's flag (at once, even while it waits for the lock).
    pub fn dispatch(&mut self, app: &mut App) {
        for command in app.outbox.drain(..) {
            let cancel = Arc::new(AtomicBool::new(false));
            match command {
                Command::Read(id, request) => self.queue.push_back(Queued::Read(Job { id, request, cancel })),
                Command::Write(id, request) => self.queue.push_back(Queued::Write(Job { id, request, cancel })),
                Command::Cancel(id) => {
                    if let Some(flag) = self.out.get(&id) {
                        flag.store(true, Ordering::Relaxed);
                    }
                    for q in &self.queue {
                        match q {
                            Queued::Write(j) if j.id == id => j.cancel.store(true, Ordering::Relaxed),
                            Queued::Read(j) if j.id == id => j.cancel.store(true, Ordering::Relaxed),
                            _ => {}
                        }
                    }
                }
            }
        }
        self.send_queued();
    }

    fn send_queued(&mut self) {
        while !self.serial || self.out.is_empty() {
            let Some(q) = self.queue.pop_front() else { return };
            let id = q.id();
            let (flag, sent) = match q {
                Queued::Read(j) => (j.cancel.clone(), self.reads.as_ref().is_some_and(|s| s.send(j).is_ok())),
                Queued::Write(j) => (j.cancel.clone(), self.writes.as_ref().is_some_and(|s| s.send(j).is_ok())),
            };
            // A worker that is gone (it panicked) answers nothing; the app
            // hears of it from `next` ending, not by waiting for ever here.
            if sent {
                self.out.insert(id, flag);
            }
        }
    }

    /// Notes that an answer arrived (call before handing it to `update`).
    pub fn received(&mut self, msg: &Msg) {
        let id = match msg {
            Msg::Loaded(l) => l.id,
            Msg::Done(d) => d.id,
            _ => return,
        };
        self.out.remove(&id);
        self.send_queued();
    }

    /// The next answer, waiting for it; `None` if the workers are gone.
    pub async fn next(&mut self) -> Option<Msg> {
        self.answers.recv().await
    }

    /// An answer that has already arrived, without waiting.
    pub fn try_next(&mut self) -> Option<Msg> {
        self.answers.try_recv().ok()
    }

    /// Runs the app to idle: sends its requests, feeds every answer through
    /// `update` (which may ask for more), until nothing is on its way.
    pub fn settle(&mut self, app: &mut App) {
        loop {
            self.dispatch(app);
            if self.outstanding() == 0 {
                return;
            }
            let Some(msg) = self.answers.blocking_recv() else {
                app.error("the database workers stopped; restart the app");
                return;
            };
            self.received(&msg);
            update(app, msg);
        }
    }

    /// Feeds the answers that have arrived through `update`, without waiting.
    pub fn pump(&mut self, app: &mut App) {
        self.dispatch(app);
        while let Some(msg) = self.try_next() {
            self.received(&msg);
            update(app, msg);
            self.dispatch(app);
        }
    }

    /// Stops the workers: every lock wait ends, a long read is interrupted, a
    /// write in flight commits or rolls back, and the threads are joined.
    pub fn shutdown(&mut self) {
        for flag in self.out.values() {
            flag.store(true, Ordering::Relaxed);
        }
        self.queue.clear();
        self.reads = None;
        self.writes = None;
        self.read_interrupt.fire();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// ---- the write worker ------------------------------------------------------------

fn write_loop(
    desk: Desk,
    door: Option<Desk>,
    who: SignedIn,
    mut jobs: Option<Jobs>,
    rx: mpsc::Receiver<Job<Write>>,
    tx: UnboundedSender<Msg>,
) {
    // A door answers first and checkpoints after (`Desk::defer_checkpoints`):
    // its own connection, so the counter's writes keep SQLite's rhythm.
    let door = door.filter(|d| match d.defer_checkpoints() {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(%e, "the door's connection cannot defer checkpoints; scans use the clerk's");
            false
        }
    });
    while let Ok(job) = rx.recv() {
        let _stop = store::stop_waiting_when(job.cancel.clone());
        let scan = matches!(job.request, Write::CheckIn { .. });
        act_as(&desk, &who);
        if let Some(d) = &door {
            act_as(d, &who);
        }
        let answer = write(&desk, door.as_ref().unwrap_or(&desk), jobs.as_mut(), job.request);
        if let Answer::SignedIn(Ok((session, _))) = &answer {
            match who.lock() {
                Ok(mut w) => *w = Some(session.clone()),
                Err(poisoned) => *poisoned.into_inner() = Some(session.clone()),
            }
        }
        let stopped = job.cancel.load(Ordering::Relaxed);
        if tx.send(Msg::Done(Done { id: job.id, stopped, answer })).is_err() {
            return;
        }
        // The answer is out: now the door may tidy (a checkpoint every so many scans).
        if scan
            && let Some(d) = &door
            && let Err(e) = d.tidy()
        {
            tracing::warn!(%e, "the door's checkpoint failed; SQLite runs one later");
        }
    }
}

/// Runs `f` unless the clerk already stopped waiting (then it never begins).
/// A panic inside is an error answer (its transaction rolled back while
/// unwinding), so the app is always answered and the worker lives on.
fn attempt<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    if store::waits_cancelled() {
        return Err(Error::Busy);
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| Err(internal(panic)))
}

fn internal(panic: Box<dyn std::any::Any + Send>) -> Error {
    let why = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    tracing::error!(%why, "a database request panicked");
    Error::Storage(format!("internal error ({why}); nothing was changed"))
}

fn write(desk: &Desk, door: &Desk, jobs: Option<&mut Jobs>, request: Write) -> Answer {
    match request {
        Write::Hold(req) => Answer::Hold(attempt(|| desk.hold(req))),
        Write::Release { hold_id } => Answer::Release(attempt(|| desk.release(&hold_id))),
        Write::Extend { hold_id, key } => Answer::Extend(attempt(|| desk.extend_hold(&hold_id, Some(&key)))),
        Write::Customer(new) => Answer::Customer(attempt(|| desk.customer(new))),
        Write::Book { hold_id, customer_id, counts } => {
            let key = format!("book-{hold_id}");
            Answer::Book(attempt(|| match &counts {
                Some(counts) => desk.book_types(&hold_id, &customer_id, counts, Some(&key)),
                None => desk.book(&hold_id, &customer_id, Some(&key)),
            }))
        }
        Write::Pay { booking_id, tender, key, on } => {
            Answer::Pay { on, result: attempt(|| desk.pay_with(&booking_id, tender, &key).map(Box::new)) }
        }
        Write::Cancel { booking, admitted, refund } => Answer::Cancel {
            overridden: refund.is_some(),
            result: attempt(|| match &refund {
                Some(o) => desk.cancel_overriding(&booking.id, Some(booking.status), admitted, o),
                None => desk.cancel_admitted(&booking.id, Some(booking.status), admitted),
            }),
            booking_id: booking.id,
        },
        Write::CreateEvent(new, types) if types.is_empty() => Answer::Event(attempt(|| desk.create_event(new))),
        Write::CreateEvent(new, types) => Answer::Event(attempt(|| desk.create_event_with_types(new, types))),
        Write::Print { booking_id, path } => Answer::Print(attempt(|| {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot make {}", dir.display()), e))?;
            }
            crate::print::print_tickets(desk, &booking_id, &path)
        })),
        Write::CheckIn { code, event_id, door: name } => {
            Answer::CheckIn { result: attempt(|| door.check_in(&code, Some(&event_id), &name)), code }
        }
        Write::Undo { code, reason } => Answer::Undo(attempt(|| door.undo_admission(&code, &reason))),
        Write::AddType { event_id, new } => {
            Answer::Type { what: "added", result: attempt(|| desk.add_ticket_type(&event_id, new)) }
        }
        Write::EditType { type_id, new } => {
            Answer::Type { what: "changed", result: attempt(|| desk.edit_ticket_type(&type_id, new)) }
        }
        Write::RetireType { type_id } => {
            Answer::Type { what: "retired", result: attempt(|| desk.retire_ticket_type(&type_id)) }
        }
        Write::Export { rows, dir, now } => {
            Answer::Export { what: rows.what(), result: attempt(|| write_export(&rows, &dir, now)) }
        }
        Write::Recovery => Answer::Recovery(jobs.map(|j| attempt(|| j.by_hand(&signed_in(desk)?, Jobs::recover)))),
        Write::Sweeps => Answer::Sweeps(jobs.map(|j| attempt(|| j.by_hand(&signed_in(desk)?, Jobs::run_sweeps)))),
        Write::SignIn { name, pin } => Answer::SignedIn(attempt(|| with_lock(desk, desk.sign_in(&name, &pin)?))),
        Write::FirstSupervisor { name, pin } => {
            Answer::SignedIn(attempt(|| with_lock(desk, desk.create_first_supervisor(&name, &pin)?)))
        }
        Write::OpenShift { float } => Answer::ShiftOpened(attempt(|| desk.open_shift(float).map(Box::new))),
        Write::CloseShift { shift_id, counted } => {
            Answer::ShiftClosed(attempt(|| desk.close_shift(&shift_id, counted).map(Box::new)))
        }
        Write::SetSetting { key, value } => Answer::Setting(attempt(|| desk.set_setting(key.as_str(), &value))),
        Write::EraseCustomer { customer_id } => Answer::Erase(attempt(|| desk.erase_customer(&customer_id))),
        Write::AddClerk { name, role, pin } => Answer::ClerkAdded(attempt(|| desk.add_clerk(&name, role, &pin))),
        Write::DisableClerk { name } => Answer::ClerkDisabled(attempt(|| desk.disable_clerk(&name))),
        Write::MayOverride { booking } => Answer::MayOverride {
            result: attempt(|| desk.permit(crate::domain::Role::Supervisor, "override the refund percentage")),
            booking,
        },
    }
}

/// A session signed in, with the venue's idle-lock minutes read now.
fn with_lock(desk: &Desk, session: Session) -> Result<(Session, u32)> {
    Ok((session, desk.policy()?.idle_lock_minutes))
}

/// The clerk this desk acts as, for work that needs one (jobs run by hand).
fn signed_in(desk: &Desk) -> Result<Session> {
    desk.clerk().ok_or_else(|| Error::refused("sign in first: only a signed-in supervisor may run jobs by hand"))
}

/// Writes the rows to a new CSV in `dir`; a half-written file is removed.
fn write_export(
    rows: &ExportRows,
    dir: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(std::path::PathBuf, usize)> {
    let (path, mut file) = export::create_export(dir, rows.what(), now)?;
    let written = match rows {
        ExportRows::Bookings(r) => export::bookings_csv(r, &mut file),
        ExportRows::Audit(r) => export::audit_csv(r, &mut file),
    };
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok((path, rows.len()))
}

// ---- the read worker -------------------------------------------------------------

fn read_loop(desk: Desk, changes: Changes, who: SignedIn, rx: mpsc::Receiver<Job<Read>>, tx: UnboundedSender<Msg>) {
    // The change count at the last load (`Changes`): another value means another
    // connection (the clerk's writes, the tick, another terminal) committed.
    let mut seen = None;
    while let Ok(job) = rx.recv() {
        if job.cancel.load(Ordering::Relaxed) {
            return; // only a shutdown cancels a read
        }
        let _stop = store::stop_waiting_when(job.cancel.clone());
        act_as(&desk, &who);
        let request = job.request.clone();
        let found =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&desk, &changes, job.request, &mut seen)))
                .unwrap_or_else(|panic| failed(request, internal(panic)));
        if tx.send(Msg::Loaded(Loaded { id: job.id, found })).is_err() {
            return;
        }
    }
}

fn read(desk: &Desk, changes: &Changes, request: Read, seen: &mut Option<i64>) -> Found {
    match request {
        Read::Screens { spec, generation, if_changed } => {
            let version = changes.version(desk.db()).ok();
            if if_changed && version.is_some() && version == *seen {
                return Found::Unchanged { generation };
            }
            *seen = version;
            let result = screens(desk, &spec).map(Box::new);
            Found::Screens { generation, spec, result }
        }
        Read::Sale { event } => {
            let result = desk.seat_map(&event).and_then(|map| {
                let types = desk.types_on_sale(&event.id)?;
                Ok(Box::new(Sale { map, types, resume: resume(desk, &event.id) }))
            });
            Found::Sale { event: Box::new(event), result }
        }
        Read::Detail { booking_id } => Found::Detail(detail(desk, &booking_id).map(Box::new)),
        Read::Customer { email, phone } => {
            Found::Customer(desk.find_customer(email.as_deref(), phone.as_deref()).ok().flatten())
        }
        Read::Clerks => Found::Clerks(desk.clerks_to_manage()),
    }
}

/// The answer to a read that panicked: its error, where the answer has one.
fn failed(request: Read, e: Error) -> Found {
    match request {
        Read::Screens { spec, generation, .. } => Found::Screens { generation, spec, result: Err(e) },
        Read::Sale { event } => Found::Sale { event: Box::new(event), result: Err(e) },
        Read::Detail { .. } => Found::Detail(Err(e)),
        Read::Customer { .. } => Found::Customer(None),
        Read::Clerks => Found::Clerks(Err(e)),
    }
}

/// Everything the screens show for `spec`.
fn screens(desk: &Desk, spec: &LoadSpec) -> Result<Snapshot> {
    let events = spec.events.then(|| desk.events(&spec.event_filter, LIST_LIMIT)).transpose()?;
    let filter = crate::domain::BookingFilter {
        status: spec.status,
        event_id: None,
        search: spec.search.clone(),
        limit: LIST_LIMIT,
    };
    let bookings = spec.bookings.then(|| desk.bookings(&filter)).transpose()?;
    let sell = match &spec.sell {
        None => None,
        Some(s) => {
            let event = desk.event(&s.event_id)?;
            let map = desk.seat_map(&event)?;
            let hold = s.hold_id.as_deref().map(|id| desk.get_hold(id)).transpose()?;
            let booking = s.booking_id.as_deref().map(|id| desk.get_booking(id)).transpose()?;
            let (refund, tickets) = match &booking {
                Some(b) => (desk.refund(&b.id)?, desk.tickets(&b.id)?),
                None => (None, Vec::new()),
            };
            let types = desk.types_on_sale(&event.id)?;
            Some(SellFound { event, map, hold, booking, refund, types, tickets })
        }
    };
    let detail = spec.detail.as_deref().map(|id| detail(desk, id)).transpose()?;
    let office = match &spec.office {
        OfficeSpec::None => OfficeFound::None,
        OfficeSpec::Reports { event_id, hours, type_top } => {
            let events: Vec<(String, String)> =
                desk.events("", LIST_LIMIT)?.into_iter().map(|e| (e.id, e.name)).collect();
            // An event that is gone from the list reports as all events.
            let event_id = event_id.as_deref().filter(|id| events.iter().any(|(e, _)| e == id)).map(str::to_string);
            let filter = crate::domain::ReportFilter { event_id, hours: *hours, ..Default::default() };
            // A page of event rows (more than the screen can show), every figure
            // the whole report's: on 10,000 events the others are never read.
            // The same for the "by type" rows: a page from a little above the first shown.
            let from = (*type_top as usize).saturating_sub(TYPE_ROWS / 4);
            OfficeFound::Reports {
                report: Box::new(desk.report_page(&filter, 0, REPORT_ROWS)?),
                types: desk.type_sales_page(&filter, from, TYPE_ROWS)?,
                events,
            }
        }
        OfficeSpec::Audit { field, text } => OfficeFound::Audit {
            rows: desk.audit_search(*field, text, LIST_LIMIT)?,
            backlog: jobs::ship_backlog_of(desk)?,
        },
        OfficeSpec::Jobs => OfficeFound::Jobs(jobs::job_statuses(desk)?),
        OfficeSpec::Till => match desk.clerk() {
            None => OfficeFound::Till { cashup: None, live: Vec::new() },
            Some(_) => OfficeFound::Till {
                cashup: desk.cashups(&crate::engine::CashupQuery::default())?.pop().map(Box::new),
                live: desk.own_live_sales()?,
            },
        },
        // The engine's refusal is shown (the screen closes), not a failed load.
        OfficeSpec::Clerks => OfficeFound::Clerks(desk.clerks_to_manage().map_err(|e| e.to_string())),
    };
    let prompt = spec.prompt.as_deref().map(|id| desk.get_booking(id)).transpose()?;
    let door = spec.event.as_deref().map(|id| desk.door_counts(id)).transpose()?;
    let types = spec.event.as_deref().map(|id| every_type(desk, id)).transpose()?;
    // Every load: the zone and the policy are on every screen, and a change
    // at another counter reaches this one with the next poll.
    let venue = desk.settings()?;
    // The status bar's "shift open", on every screen.
    let shift_open = desk.current_shift()?.is_some();
    Ok(Snapshot { events, bookings, sell, detail, office, prompt, door, types, venue, shift_open })
}

/// Every type of an event, retired ones too, with what the limits of those
/// on sale leave, and what each has sold.
fn every_type(desk: &Desk, event_id: &str) -> Result<EventTypes> {
    let on_sale = desk.types_on_sale(event_id)?;
    let filter = crate::domain::ReportFilter { event_id: Some(event_id.to_string()), ..Default::default() };
    let sales = desk.type_sales(&filter)?;
    let types = desk
        .ticket_types(event_id)?
        .into_iter()
        .map(|t| {
            let left = on_sale.iter().find(|o| o.ticket_type.id == t.id).and_then(|o| o.left);
            crate::engine::TypeOnSale { ticket_type: t, left }
        })
        .collect();
    Ok(EventTypes { types, sales })
}

/// Event rows the Reports screen reads: more than its gauges can show at any size.
const REPORT_ROWS: usize = 60;

/// "By type" rows the Reports screen reads at a time: more than it shows at any size.
const TYPE_ROWS: usize = 80;

fn detail(desk: &Desk, booking_id: &str) -> Result<Detail> {
    let booking = desk.get_booking(booking_id)?;
    Ok(Detail {
        event: desk.event(&booking.event_id).ok(),
        customer: desk.get_customer(&booking.customer_id).ok(),
        hold: desk.get_hold(&booking.hold_id).ok(),
        attempts: desk.attempts(&booking.id)?,
        refund: desk.refund(&booking.id)?,
        audit: desk.audit(&crate::domain::AuditFilter {
            correlation_id: Some(booking.correlation_id.clone()),
            limit: 200,
            ..Default::default()
        })?,
        tickets: desk.tickets(&booking.id)?,
        pay_seq: 0,
        last_pay_key: None,
        booking,
    })
}

/// The clerk's own newest live hold on the event, to pick the sale up again
/// (its booking awaiting payment too). Read trouble just means no resume.
fn resume(desk: &Desk, event_id: &str) -> Option<Resume> {
    let holds = desk.active_holds(event_id).ok()?;
    let me = desk.clerk()?;
    let hold = holds.into_iter().rev().find(|h| h.clerk_id.as_deref() == Some(me.id()))?;
    let hold = desk.get_hold(&hold.id).ok()?;
    let booking = desk.booking_for_hold(&hold.id).ok().flatten();
    let customer = booking.as_ref().and_then(|b| desk.get_customer(&b.customer_id).ok());
    let items = booking.as_ref().and_then(|b| desk.booking_items(&b.id).ok()).unwrap_or_default();
    Some(Resume { hold, booking, customer, items })
}
