//! `update(app, msg)`: the only place the app's state changes. A key's
//! action changes the state and may ask the database workers for something
//! (the app's outbox); their answers come back here as messages (`reply.rs`),
//! as do the clock's ticks. Errors become the message line, never a panic.

use crate::domain::event::{self, seat_label};
use crate::domain::money;
use crate::domain::{
    BookingEvent, BookingStatus, EventKind, Money, NewCustomer, NewEvent, NewTicketType, PaymentOutcome, SeatState,
    TicketStatus,
};
use crate::engine::{HoldRequest, SeatPick};
use crate::ids::short;
use crate::tui::action::{Action, Edit, Msg};
use crate::tui::app::{App, Confirm, FormKind, Open, Overlay, Prompt, STATUS_FILTERS, Screen, Sell, Stage, Tab};
use crate::tui::backoffice;
use crate::tui::clerks;
use crate::tui::door;
use crate::tui::form::{Field, Form, FormInput};
use crate::tui::keymap;
use crate::tui::reply;
use crate::tui::request::{Command, Read, Write};
use crate::tui::{settings, types};
use chrono::NaiveDateTime;

pub fn update(app: &mut App, msg: Msg) {
    match msg {
        Msg::Action(action) => {
            app.last_key_at = app.now;
            act(app, action)
        }
        Msg::Tick { now } => {
            app.now = now;
            idle_check(app);
            app.poll();
        }
        Msg::DataChanged => app.want_load(),
        Msg::TickFailed(e) => app.error(format!("tick failed: {e}")),
        Msg::Loaded(loaded) => reply::loaded(app, loaded),
        Msg::Done(done) => reply::done(app, done),
    }
    keep_gate(app);
    // Codes scanned while a write was on its way go now, in order.
    door::pump(app);
    app.flush_load();
}

// ---- sign-in and the idle lock ----------------------------------------------------

/// The prompt the app must show now, if any: the sign-in (or the first
/// supervisor) while nobody is signed in, the unlock while locked. Only
/// where the app is gated (the real terminal; scripts sign in by directive).
fn gate(app: &App) -> Option<Prompt> {
    if !app.info.gate {
        return None;
    }
    match &app.clerk {
        None if app.needs_first_supervisor => Some(Prompt::FirstSupervisor),
        None => Some(Prompt::SignIn),
        Some(_) if app.locked => Some(Prompt::Unlock),
        Some(_) => None,
    }
}

/// Keeps the gate's prompt on top: whatever opened over it (a notice of a
/// hold that expired behind the lock) is shown once the clerk is back.
fn keep_gate(app: &mut App) {
    let Some(want) = gate(app) else { return };
    if let Some(Overlay::Prompt(kind, _)) = &app.overlay
        && *kind == want
    {
        return;
    }
    match app.overlay.take() {
        // A notice that came behind the lock joins one already waiting.
        Some(Overlay::Notice { title, lines }) => match app.under_lock.as_deref_mut() {
            Some(Overlay::Notice { lines: open, .. }) => open.extend(lines),
            _ => app.under_lock = Some(Box::new(Overlay::Notice { title, lines })),
        },
        Some(Overlay::Prompt(kind, _)) if !kind.closable() => {}
        Some(other) => app.under_lock = Some(Box::new(other)),
        None => {}
    }
    app.overlay = Some(Overlay::Prompt(want.clone(), gate_form(app, &want)));
}

fn gate_form(app: &App, kind: &Prompt) -> Form {
    let pin = || Field::new("PIN", "4 to 12 digits").secret().max(12);
    match kind {
        Prompt::FirstSupervisor => {
            let mut f = Form::new(
                "Sign in · a new file: its first supervisor",
                vec![
                    Field::new("Name", "your name, as the trail will show it").max(32),
                    pin(),
                    Field::new("PIN again", "the same PIN").secret().max(12),
                ],
            );
            f.note = Some("This file has no clerks yet: you become its supervisor.".into());
            f
        }
        Prompt::Unlock => {
            let mut f = Form::new("Screen locked", vec![pin()]);
            let name = app.clerk.as_ref().map_or("", |c| c.name());
            f.note = Some(format!("Locked after {} idle minute(s): {name}'s PIN unlocks", app.idle_lock_minutes));
            f
        }
        _ => {
            let demo = app.demo_sign_in;
            let name = Field::new("Name", "your clerk name").max(32);
            let name = if demo { name.with_value(crate::domain::staff::DEMO_SUPERVISOR) } else { name };
            let mut f = Form::new("Sign in", vec![name, pin()]);
            if demo {
                f.focus = 1;
                f.note = Some(format!(
                    "Demo file: sign in as {} with PIN {} (a supervisor; {}, PIN {}, is a clerk)",
                    crate::domain::staff::DEMO_SUPERVISOR,
                    crate::domain::staff::DEMO_PIN,
                    crate::domain::staff::DEMO_CLERK,
                    crate::domain::staff::DEMO_CLERK_PIN
                ));
            }
            f
        }
    }
}

/// Locks the screen once the clerk has pressed no key for the venue's idle
/// minutes. Holds keep counting down behind it.
fn idle_check(app: &mut App) {
    let minutes = i64::from(app.idle_lock_minutes);
    if app.info.gate
        && minutes > 0
        && app.clerk.is_some()
        && !app.locked
        && app.now - app.last_key_at >= chrono::Duration::minutes(minutes)
    {
        app.locked = true;
    }
}

/// A prompt's Enter: sign in, unlock, take cash, open or close a shift.
fn submit_prompt(app: &mut App, kind: Prompt, mut form: Form) {
    // The form's note (the demo's name and PIN) stays; field errors go.
    for f in &mut form.fields {
        f.error = None;
    }
    let again = |app: &mut App, kind: Prompt, form: Form| app.overlay = Some(Overlay::Prompt(kind, form));
    if app.write_refused() {
        return again(app, kind, form);
    }
    let write = match &kind {
        Prompt::SignIn | Prompt::FirstSupervisor | Prompt::Unlock => {
            let name = match &kind {
                Prompt::Unlock => app.clerk.as_ref().map(|c| c.name().to_string()).unwrap_or_default(),
                _ => form.value("Name").to_string(),
            };
            let pin = form.value("PIN").to_string();
            if name.is_empty() {
                form.fail("Name", "type your name");
                return again(app, kind, form);
            }
            if let Err(e) = crate::domain::staff::pin(&pin) {
                form.fail("PIN", e.rule);
                return again(app, kind, form);
            }
            if kind == Prompt::FirstSupervisor {
                if form.value("PIN again") != pin {
                    form.fail("PIN again", "the two PINs differ");
                    return again(app, kind, form);
                }
                Write::FirstSupervisor { name, pin }
            } else {
                Write::SignIn { name, pin }
            }
        }
        Prompt::Cash { booking_id, amount, currency } => match Money::parse_major(form.value("Tendered"), currency) {
            Err(why) => {
                form.fail("Tendered", why);
                return again(app, kind, form);
            }
            Ok(Money(tendered)) => {
                if let Err(e) = crate::domain::cash_change(*amount, tendered, currency) {
                    form.fail("Tendered", e.rule);
                    return again(app, kind, form);
                }
                let booking_id = booking_id.clone();
                return pay_tender(app, &booking_id, crate::domain::Tender::Cash { tendered });
            }
        },
        Prompt::OpenShift | Prompt::CloseShift { .. } => {
            let (label, currency) = ("Cash", app.venue.effective.currency.clone());
            let currency = app.office.till.cashup.as_ref().map_or(currency, |u| u.shift.currency.clone());
            let value = match Money::parse_major(form.value(label), &currency) {
                Ok(Money(v)) => v,
                Err(why) => {
                    form.fail(label, why);
                    return again(app, kind, form);
                }
            };
            match &kind {
                Prompt::CloseShift { shift_id } => Write::CloseShift { shift_id: shift_id.clone(), counted: value },
                _ => Write::OpenShift { float: value },
            }
        }
    };
    let what = match &write {
        Write::OpenShift { .. } => "opening the shift",
        Write::CloseShift { .. } => "closing the shift",
        _ => "signing in",
    };
    let gated = !kind.closable();
    let shown = Overlay::Prompt(kind, form);
    if gated {
        // The sign-in stays on screen while it is checked.
        app.overlay = Some(shown.clone());
    }
    app.write(write, what).form = Some(shown);
}

/// The simulator's outcome, by card or UPI as the clerk chose (`m`).
fn by_method(app: &App, outcome: PaymentOutcome) -> crate::domain::Tender {
    match app.pay_method {
        crate::domain::PaymentMethod::Upi => crate::domain::Tender::Upi(outcome),
        _ => crate::domain::Tender::Card(outcome),
    }
}

/// `c`: the cash prompt for the booking awaiting payment.
fn ask_cash(app: &mut App) {
    let Some(b) = pending_payment(app) else { return };
    let due = Money(b.amount).format(&b.currency);
    let mut form = Form::new("Cash", vec![Field::new("Tendered", "the amount handed over").max(20)]);
    form.note = Some(format!("Due {due}: the change is shown once taken"));
    app.overlay =
        Some(Overlay::Prompt(Prompt::Cash { booking_id: b.id, amount: b.amount, currency: b.currency }, form));
}

/// `o` on the Till: the float prompt; `z`: the counted cash (closing).
fn ask_shift(app: &mut App, open: bool) {
    if app.clerk.is_none() {
        return app.error("Sign in first: a shift is a signed-in clerk's");
    }
    let open_shift = app.office.till.cashup.as_ref().filter(|u| u.shift.is_open()).map(|u| u.shift.id.clone());
    let (kind, title, hint) = match (open, open_shift) {
        (true, None) => (Prompt::OpenShift, "Open a shift", "the float in the drawer, e.g. 2000"),
        (true, Some(_)) => return app.error("A shift is open already: z closes it"),
        (false, Some(shift_id)) => {
            (Prompt::CloseShift { shift_id }, "Close the shift", "the cash counted in the drawer")
        }
        (false, None) => return app.error("No shift is open: o opens one (a first payment opens one too)"),
    };
    app.overlay = Some(Overlay::Prompt(kind, Form::new(title, vec![Field::new("Cash", hint).max(20)])));
}

/// Whether the count keys set a ticket type's count (not the plain quantity).
fn types_panel(app: &App) -> bool {
    app.screen == Screen::Sell && app.sell.as_ref().is_some_and(Sell::types_panel)
}

fn act(app: &mut App, action: Action) {
    if !matches!(action, Action::Digit(_) | Action::DigitBack)
        && let Some(s) = app.sell.as_mut()
    {
        s.typing_quantity = false;
    }
    if !matches!(
        action,
        Action::Edit(_) | Action::ScrollHelp(_) | Action::Up | Action::Down | Action::Left | Action::Right
    ) {
        // A new command clears the last result; moving around keeps it readable.
        if !matches!(action, Action::Refresh) {
            app.message = None;
        }
    }
    match action {
        Action::Quit => quit(app),
        Action::QuitKeeping => app.quit = true,
        Action::QuitReleasing => quit_releasing(app),
        Action::Dismiss => app.overlay = None,
        Action::ToggleHelp => {
            app.overlay = match app.overlay {
                Some(Overlay::Help { .. }) => None,
                _ => Some(Overlay::Help { scroll: 0 }),
            }
        }
        Action::ScrollHelp(lines) => {
            let max = keymap::help_max_scroll(app) as i64;
            if let Some(Overlay::Help { scroll }) = app.overlay.as_mut() {
                *scroll = (*scroll as i64).saturating_add(i64::from(lines)).clamp(0, max) as usize;
            }
        }
        Action::Refresh => app.want_load(),
        Action::StopWaiting => stop_waiting(app),
        Action::Back => back(app),
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let j = if action == Action::NextTab { (i + 1) % n } else { (i + n - 1) % n };
            show_tab(app, Tab::ALL[j]);
        }
        Action::Up | Action::Down | Action::Left | Action::Right => move_cursor(app, &action),
        Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => jump(app, &action),
        Action::Open => open(app),
        Action::Edit(edit) => text(app, edit),
        Action::StartFilter => match app.screen {
            Screen::Events => app.event_filter.active = true,
            Screen::Bookings => app.booking_search.active = true,
            Screen::Audit => app.office.audit.filter.active = true,
            _ => {}
        },
        Action::NewEvent => app.overlay = Some(Overlay::EventForm(event_form(app))),
        Action::ToggleSeat => toggle_seat(app),
        Action::Quantity(d) if types_panel(app) => types::step(app, d),
        Action::Quantity(d) => step_quantity(app, d),
        Action::Digit(d) if types_panel(app) => types::digit(app, d),
        Action::DigitBack if types_panel(app) => types::digit_back(app),
        Action::Digit(d) => {
            let Some(s) = app.sell.as_mut() else { return };
            // Digits typed in a row make one number (1 0 0 → 100); any other
            // key ends it, so the next digit starts afresh.
            if s.typing_quantity && s.quantity >= 1000 {
                let typed = s.quantity;
                app.error(format!("{typed}{d}: the number of seats has at most 4 digits"));
                return;
            }
            let q = if s.typing_quantity { s.quantity * 10 + d } else { d };
            s.typing_quantity = true;
            set_quantity(app, q);
        }
        Action::DigitBack => {
            let Some(s) = app.sell.as_mut() else { return };
            s.typing_quantity = true;
            let q = s.quantity / 10;
            set_quantity(app, q);
        }
        Action::Hold => hold(app),
        Action::Release => ask_release(app),
        Action::ExtendHold => extend_hold(app),
        Action::SellAgain => sell_again(app),
        Action::Customer => customer(app),
        Action::Pay(PaymentOutcome::Failure) if pending_payment(app).is_some() => ask_fail(app),
        Action::Pay(outcome) => pay(app, by_method(app, outcome)),
        Action::PayCash => ask_cash(app),
        Action::CycleMethod => {
            app.pay_method = match app.pay_method {
                crate::domain::PaymentMethod::Card => crate::domain::PaymentMethod::Upi,
                _ => crate::domain::PaymentMethod::Card,
            };
            let name = if app.pay_method == crate::domain::PaymentMethod::Upi { "UPI" } else { "card" };
            app.note(format!("s/f/t now pay by {name}"));
        }
        Action::OpenShift => ask_shift(app, true),
        Action::CloseShift => ask_shift(app, false),
        Action::Cancel => ask_cancel(app),
        Action::Confirm(yes) => confirm(app, yes),
        Action::CycleStatus => {
            app.status_filter = (app.status_filter + 1) % STATUS_FILTERS.len();
            app.booking_sel = 0;
            app.want_load();
        }
        Action::CycleEvent(d) => backoffice::cycle_event(app, d),
        Action::CycleWindow(d) => backoffice::cycle_window(app, d),
        Action::CycleField => backoffice::cycle_field(app),
        Action::ShowTrail => backoffice::show_trail(app),
        Action::ShowOriginal => backoffice::show_original(app),
        Action::Export => backoffice::export(app),
        Action::RunRecovery => backoffice::run_recovery(app),
        Action::RunSweeps => backoffice::run_sweeps(app),
        Action::OpenSettings => settings::open(app),
        Action::EraseCustomer => settings::ask_erase(app),
        Action::NewSale => {
            // The load that follows reads the seat map as it is now.
            if let Some(s) = app.sell.take() {
                let mut next = Sell::new(s.event, s.map);
                next.set_types(s.types);
                app.sell = Some(next);
                app.want_load();
            }
        }
        Action::OpenDoor => door::open(app),
        Action::OpenTypes => types::open(app),
        Action::CheckIn => door::check_in(app),
        Action::UndoAdmission => door::ask_undo(app),
        Action::DoorName => door::ask_name(app),
        Action::PickType(d) => types::pick(app, d),
        Action::NextTicket(d) => next_ticket(app, d),
        Action::Print => print(app),
        Action::AddType => types::ask_add(app),
        Action::EditType => types::ask_edit(app),
        Action::RetireType => types::ask_retire(app),
        Action::OpenClerks => clerks::open(app),
        Action::AddClerk => clerks::ask_add(app),
        Action::DisableClerk => clerks::ask_disable(app),
        Action::OverrideRefund => clerks::ask_override(app),
    }
}

/// `→`/`←` on the receipt: the next or previous ticket and its QR code.
fn next_ticket(app: &mut App, delta: i32) {
    let Some(s) = app.sell.as_mut() else { return };
    let n = s.tickets.len() as i64;
    if n == 0 {
        return;
    }
    s.ticket_page = (s.ticket_page as i64 + i64::from(delta)).rem_euclid(n) as usize;
}

/// `p`: the booking's tickets to a PDF in the database's directory (a
/// script run's own folder without `--db`); printing again is allowed and
/// audited again.
fn print(app: &mut App) {
    let booking = match app.screen {
        Screen::Sell => app.sell.as_ref().and_then(|s| s.booking.as_ref()),
        Screen::Detail => app.detail.as_ref().map(|d| &d.booking),
        _ => None,
    };
    let Some(id) = booking.map(|b| b.id.clone()) else { return };
    if app.write_refused() {
        return;
    }
    let path = crate::print::pdf_path_in(&app.info.data_dir, &id);
    let write = Write::Print { booking_id: id.clone(), path };
    app.write(write, format!("printing the tickets of booking {}", short(&id)));
}

/// Esc while a write waits for the lock: the worker stops waiting. Its
/// answer (soon) says whether it had already gone through.
fn stop_waiting(app: &mut App) {
    let Some(p) = app.write.as_mut().filter(|p| !p.gave_up) else { return };
    p.gave_up = true;
    let (id, what) = (p.id, p.what.clone());
    app.outbox.push(Command::Cancel(id));
    app.info(format!("Stopped waiting for {what}…"));
}

fn show_tab(app: &mut App, tab: Tab) {
    app.tab = tab;
    // A jump from a booking to its trail ends when the clerk goes elsewhere.
    app.office.audit.back = None;
    app.screen = match tab {
        Tab::Events => {
            if app.sell.is_some() {
                Screen::Sell
            } else if app.door.open.is_some() {
                Screen::Door
            } else if app.types.is_some() {
                Screen::Types
            } else {
                Screen::Events
            }
        }
        Tab::Bookings => {
            if app.detail.is_some() {
                Screen::Detail
            } else {
                Screen::Bookings
            }
        }
        Tab::Reports => Screen::Reports,
        Tab::Audit => Screen::Audit,
        Tab::Jobs => Screen::Jobs,
        Tab::Till => Screen::Till,
    };
    app.want_load();
}

fn back(app: &mut App) {
    if app.overlay.take().is_some() {
        return;
    }
    match app.screen {
        Screen::Sell => {
            let live_hold = app.sell.as_ref().and_then(|s| s.hold.as_ref()).filter(|h| h.status.is_live()).cloned();
            let stage = app.sell.as_ref().map(|s| s.stage);
            app.sell = None;
            app.screen = Screen::Events;
            if let (Some(h), Some(Stage::Held)) = (live_hold, stage) {
                let at = app.local(h.expires_at).format("%H:%M:%S");
                app.info(format!("Hold {} kept: {} seat(s) until {at} unless released", short(&h.id), h.seats));
            }
            app.want_load();
        }
        Screen::Detail => {
            app.detail = None;
            app.screen = Screen::Bookings;
            app.want_load();
        }
        Screen::Door => door::back(app),
        Screen::Types => types::back(app),
        Screen::Events => {
            if !app.event_filter.text().is_empty() {
                app.event_filter.clear();
                app.want_load();
            }
        }
        Screen::Bookings => {
            if !app.booking_search.text().is_empty() || app.status_filter != 0 {
                app.booking_search.clear();
                app.status_filter = 0;
                app.want_load();
            }
        }
        Screen::Audit => backoffice::back(app),
        Screen::Settings => {
            app.screen = Screen::Events;
            app.want_load();
        }
        Screen::Clerks => {
            app.screen = Screen::Till;
            app.want_load();
        }
        Screen::Reports | Screen::Jobs | Screen::Till => {}
    }
}

fn move_cursor(app: &mut App, action: &Action) {
    let delta: i64 = match action {
        Action::Up | Action::Left => -1,
        _ => 1,
    };
    match app.screen {
        Screen::Events => app.event_sel = step(app.event_sel, delta, app.events.len()),
        Screen::Bookings => app.booking_sel = step(app.booking_sel, delta, app.bookings.len()),
        Screen::Sell => {
            let Some(s) = app.sell.as_mut() else { return };
            let Some(map) = &s.map else { return };
            let rows = map.rows.len();
            let cols = map.rows.first().map_or(0, Vec::len);
            match action {
                Action::Up | Action::Down => s.cursor.0 = step(s.cursor.0, delta, rows),
                _ => s.cursor.1 = step(s.cursor.1, delta, cols),
            }
        }
        Screen::Audit => app.office.audit.sel = step(app.office.audit.sel, delta, app.office.audit.rows.len()),
        Screen::Jobs => app.office.jobs.sel = step(app.office.jobs.sel, delta, app.office.jobs.rows.len()),
        Screen::Types => types::move_sel(app, delta),
        Screen::Settings => settings::move_sel(app, delta),
        Screen::Reports => backoffice::scroll_types(app, delta),
        Screen::Clerks => clerks::move_sel(app, delta),
        Screen::Detail | Screen::Door | Screen::Till => {}
    }
}

fn jump(app: &mut App, action: &Action) {
    let target = |len: usize, cur: usize| match action {
        Action::Top => 0,
        Action::Bottom => len.saturating_sub(1),
        Action::PageUp => cur.saturating_sub(10),
        _ => (cur + 10).min(len.saturating_sub(1)),
    };
    match app.screen {
        Screen::Events => app.event_sel = target(app.events.len(), app.event_sel),
        Screen::Bookings => app.booking_sel = target(app.bookings.len(), app.booking_sel),
        Screen::Audit => app.office.audit.sel = target(app.office.audit.rows.len(), app.office.audit.sel),
        Screen::Settings => app.settings.sel = target(crate::domain::SettingKey::ALL.len(), app.settings.sel),
        Screen::Reports => {
            let (total, top) = (app.office.reports.types.total as usize, app.office.reports.type_top);
            backoffice::scroll_types(app, target(total, top) as i64 - top as i64);
        }
        _ => {}
    }
}

fn step(cur: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as i64 + delta).clamp(0, len as i64 - 1) as usize
}

/// Enter on a list: the sale or the booking opens when the read worker has
/// its seat map or detail (`reply.rs`).
fn open(app: &mut App) {
    match app.screen {
        Screen::Events => {
            let Some(event) = app.selected_event().cloned() else {
                app.error("No event selected: press n to create one");
                return;
            };
            app.opening = Some(app.read(Read::Sale { event }));
        }
        Screen::Bookings => {
            let Some(id) = app.selected_booking().map(|b| b.id.clone()) else { return };
            app.opening = Some(app.read(Read::Detail { booking_id: id }));
        }
        Screen::Settings => settings::start_edit(app),
        _ => {}
    }
}

fn text(app: &mut App, key: Edit) {
    match app.overlay.take() {
        Some(Overlay::Prompt(kind, mut form)) => match form.input(key) {
            FormInput::Cancel if kind.closable() => {}
            FormInput::Submit => submit_prompt(app, kind, form),
            _ => app.overlay = Some(Overlay::Prompt(kind, form)),
        },
        Some(Overlay::EventForm(mut form)) => match form.input(key) {
            FormInput::Cancel => {}
            FormInput::Submit => submit_event(app, form),
            FormInput::Edited => app.overlay = Some(Overlay::EventForm(form)),
        },
        Some(Overlay::CustomerForm(mut form)) => match form.input(key) {
            FormInput::Cancel => {
                app.customer_draft = Some(form);
                app.note("Customer form closed: the hold is still yours, and what you typed is kept for it");
            }
            FormInput::Submit => submit_customer(app, form),
            FormInput::Edited => {
                note_existing_customer(app, &mut form);
                app.overlay = Some(Overlay::CustomerForm(form));
            }
        },
        Some(Overlay::Form(kind, mut form)) => match (form.input(key), kind) {
            (FormInput::Cancel, FormKind::RefundOverride { booking, was }) => clerks::keep_refund(app, booking, was),
            (FormInput::Cancel, _) => app.note("Closed: nothing was changed"),
            (FormInput::Edited, kind) => app.overlay = Some(Overlay::Form(kind, form)),
            (FormInput::Submit, kind) => match kind {
                FormKind::DoorName => door::submit_name(app, form),
                FormKind::UndoReason { code, what } => door::submit_reason(app, code, what, form),
                FormKind::AddType | FormKind::EditType { .. } => types::submit(app, kind, form),
                FormKind::AddClerk => clerks::submit_add(app, form),
                FormKind::RefundOverride { booking, was } => clerks::submit_override(app, booking, was, form),
            },
        },
        other => {
            app.overlay = other;
            match app.screen {
                Screen::Door => door::edit(app, key),
                Screen::Events => {
                    app.event_filter.input(key);
                    app.event_sel = 0;
                    app.want_load();
                }
                Screen::Bookings => {
                    app.booking_search.input(key);
                    app.booking_sel = 0;
                    app.want_load();
                }
                Screen::Audit => {
                    app.office.audit.filter.input(key);
                    app.office.audit.sel = 0;
                    app.want_load();
                }
                Screen::Settings => settings::edit(app, key),
                _ => {}
            }
        }
    }
}

// ---- events -------------------------------------------------------------------

fn event_form(app: &App) -> Form {
    let start = app.local(app.now + chrono::Duration::days(7)).format("%Y-%m-%d 19:30").to_string();
    Form::new(
        "New event",
        vec![
            Field::new("Name", "1–120 characters").max(120),
            Field::new("Description", "optional").max(2000),
            Field::new("Starts", format!("YYYY-MM-DD HH:MM, venue time: {}", app.zone().name())).with_value(start),
            Field::new("Seating", "R = reserved rows, G = general admission").with_value("R"),
            Field::new("Rows", "reserved: 1–26 (A–Z)").with_value("10"),
            Field::new("Seats per row", "reserved: 1–99").with_value("20"),
            Field::new("Capacity", "general admission: 1–1,000,000").with_value("100"),
            Field::new("Price", "per seat, e.g. 500 or 499.50 (no decimals for JPY)").with_value("500"),
            Field::new("Currency", "an ISO 4217 code: INR, USD, EUR, JPY…").with_value(app.policy().currency.clone()),
            Field::new("Types", "instead of Price: Adult 500; Child 250 limit 40"),
        ],
    )
}

fn submit_event(app: &mut App, mut form: Form) {
    if app.write_refused() {
        app.overlay = Some(Overlay::EventForm(form));
        return;
    }
    // The warning shown by the last Enter: the same again is the clerk's "yes".
    let warned = form.note.take();
    form.clear_errors();
    match parse_event_form(app, &form) {
        Err((field, msg)) => {
            form.fail(field, msg);
            app.error(format!("{field}: {}", form.fields[form.focus].error.clone().unwrap_or_default()));
            app.overlay = Some(Overlay::EventForm(form));
        }
        Ok((new, _)) if duplicate_warning(app, &new).is_some_and(|w| warned.as_ref() != Some(&w)) => {
            let warning = duplicate_warning(app, &new).unwrap_or_default();
            app.error(format!("Not created yet: {warning}"));
            form.note = Some(warning);
            app.overlay = Some(Overlay::EventForm(form));
        }
        Ok((new, types)) => {
            let what = format!("creating the event '{}'", new.name.trim());
            app.write(Write::CreateEvent(new, types), what).form = Some(Overlay::EventForm(form));
        }
    }
}

/// A warning, not a refusal: an event listed with the same name and start
/// (two showings of one play are fine; the same one typed twice is not).
/// Enter again with the warning on the form creates it anyway.
fn duplicate_warning(app: &App, new: &NewEvent) -> Option<String> {
    let same = app.events.iter().find(|e| event::same_event(&e.name, e.starts_at, &new.name, new.starts_at))?;
    let at = app.local(same.starts_at).format("%Y-%m-%d %H:%M");
    Some(format!("'{}' already starts at {at}: Enter again to create another, or change the name or start", same.name))
}

/// The event and its ticket types (none given: one Standard type at its price).
fn parse_event_form(app: &App, form: &Form) -> Result<(NewEvent, Vec<NewTicketType>), (&'static str, String)> {
    // Only "is it a number" here; the limits ("too large") are the event's rules.
    let number = |label: &'static str| -> Result<u32, (&'static str, String)> {
        event::parse_count(label, form.value(label)).map_err(|e| (label, e.rule))
    };
    let starts = NaiveDateTime::parse_from_str(form.value("Starts"), "%Y-%m-%d %H:%M")
        .map_err(|_| ("Starts", "must look like 2026-12-31 19:30".to_string()))?;
    // In the venue's zone, with that date's offset (DST); a time the clocks skip is refused.
    let starts_at = crate::domain::settings::local_instant(starts, app.zone()).map_err(|e| ("Starts", e.rule))?;
    event::check_start(starts_at, app.now).map_err(|e| ("Starts", e.rule))?;
    let kind = match form.value("Seating").to_ascii_uppercase().as_str() {
        "R" | "RESERVED" => EventKind::Reserved { rows: number("Rows")?, seats_per_row: number("Seats per row")? },
        "G" | "GA" => EventKind::GeneralAdmission { capacity: number("Capacity")? },
        _ => return Err(("Seating", "type R (reserved) or G (general admission)".into())),
    };
    // The currency first: it says how many decimals the price may have.
    let currency = form.value("Currency").to_ascii_uppercase();
    money::currency(&currency).map_err(|why| ("Currency", why))?;
    let types = types::parse_types(form.value("Types"), &currency).map_err(|why| ("Types", why))?;
    // With types given, the event's price is the first one's (the engine sets it so).
    let price = match types.first() {
        Some(t) => t.price,
        None => Money::parse_major(form.value("Price"), &currency).map_err(|why| ("Price", why))?.0,
    };
    let new = NewEvent {
        name: form.value("Name").to_string(),
        description: form.value("Description").to_string(),
        starts_at,
        kind,
        price,
        currency,
    };
    Ok((new, types))
}

// ---- selling ------------------------------------------------------------------

fn toggle_seat(app: &mut App) {
    let Some(s) = app.sell.as_mut() else { return };
    let Some(map) = &s.map else {
        app.info("General admission: set the number of seats with +/- or digits, then Enter");
        return;
    };
    let (r, c) = s.cursor;
    let seat = (r as u32, c as u32 + 1);
    match map.rows.get(r).and_then(|row| row.get(c)) {
        Some(SeatState::Free) if s.picked.remove(&seat) => {}
        Some(SeatState::Free) => {
            s.picked.insert(seat);
        }
        Some(SeatState::Held) => app.error(format!("{} is held by another sale", seat_label(seat.0, seat.1))),
        Some(SeatState::Sold) => app.error(format!("{} is sold", seat_label(seat.0, seat.1))),
        None => {}
    }
}

/// The quantity as typed, with a refusal (not a correction) when the event
/// cannot give that many: the clerk sees what they typed and why it is too many.
fn set_quantity(app: &mut App, q: u32) {
    let Some(s) = app.sell.as_mut() else { return };
    s.quantity = q;
    if let Some(why) = s.too_many() {
        app.error(why);
    }
}

/// `+`/`-`: one more or fewer, never past the limits (said, not done).
fn step_quantity(app: &mut App, d: i32) {
    let Some(s) = app.sell.as_mut() else { return };
    let most = s.most_seats();
    let q = i64::from(s.quantity) + i64::from(d);
    if q < 1 {
        app.error("At least 1 seat");
    } else if q > i64::from(most) && d > 0 {
        app.error(format!("No more: {most} is the most this sale can hold"));
    } else {
        set_quantity(app, q as u32);
    }
}

fn hold(app: &mut App) {
    if app.sell.is_none() || app.write_refused() {
        return;
    }
    let Some(s) = app.sell.as_ref() else { return };
    if s.picked.is_empty()
        && let Some(why) = s.too_many()
    {
        app.error(format!("Not held: {why}"));
        return;
    }
    if s.map.is_none()
        && s.sells_types()
        && let Some(why) = s.mix_problem()
    {
        app.error(format!("Not held: {why}"));
        return;
    }
    let pick = if s.picked.is_empty() {
        SeatPick::Count(i64::from(s.quantity))
    } else {
        SeatPick::Labels(s.picked.iter().map(|(r, n)| seat_label(*r, *n)).collect())
    };
    let what = match &pick {
        SeatPick::Count(n) => format!("holding {n} seat(s)"),
        SeatPick::Labels(l) => format!("holding {}", l.join(" ")),
    };
    let event_id = s.event.id.clone();
    // Trying again after giving up sends the same key: it cannot hold twice.
    let target = format!("{what} of {event_id}");
    let key = app.reuse_key(&target).unwrap_or_else(|| format!("hold-{}", app.ctx.new_id()));
    let req = HoldRequest { event_id, pick, idempotency_key: Some(key.clone()), correlation_id: None };
    app.write(Write::Hold(req), what).retry = Some((target, key));
}

/// `r`: releasing ends the sale, so it asks first, naming the seats.
fn ask_release(app: &mut App) {
    let Some(hold) = app.sell.as_ref().and_then(|s| s.live_hold()).cloned() else { return };
    app.overlay = Some(Overlay::Confirm(Confirm::Release { hold }));
}

fn release(app: &mut App, hold_id: String) {
    if !app.write_refused() {
        app.write(Write::Release { hold_id }, "releasing the hold");
    }
}

/// `+` in the hold stage: the deadline moves on by the hold period (the
/// engine refuses past the limit, once expired, or with a booking).
fn extend_hold(app: &mut App) {
    let Some(id) = app.sell.as_ref().and_then(|s| s.live_hold()).map(|h| h.id.clone()) else { return };
    if app.write_refused() {
        return;
    }
    // Trying again after giving up sends the same key: it cannot extend twice.
    let target = format!("extend {id}");
    let key = app.reuse_key(&target).unwrap_or_else(|| format!("extend-{}", app.ctx.new_id()));
    let write = Write::Extend { hold_id: id, key: key.clone() };
    app.write(write, "extending the hold").retry = Some((target, key));
}

/// After a declined payment: hold the same seats (or as many places) again,
/// in the same sale's story, then book them for the same customer.
fn sell_again(app: &mut App) {
    let Some(s) = app.sell.as_ref() else { return };
    let (Some(b), Some(h)) = (s.booking.clone(), s.hold.clone()) else { return };
    if b.status != BookingStatus::PaymentFailed {
        return;
    }
    let (customer, event_id) = (s.customer.clone(), s.event.id.clone());
    let Some(customer) = customer else {
        app.error("The customer of that booking is not known here: start the next sale with Enter");
        return;
    };
    if app.write_refused() {
        return;
    }
    let (pick, what) = if h.labels.is_empty() {
        (SeatPick::Count(i64::from(h.seats)), format!("{} seat(s)", h.seats))
    } else {
        (SeatPick::Labels(h.labels.clone()), h.labels.join(" "))
    };
    let req = HoldRequest {
        event_id,
        pick,
        idempotency_key: Some(format!("hold-{}", app.ctx.new_id())),
        correlation_id: Some(b.correlation_id.clone()),
    };
    let what = format!("holding {what} again for {}", customer.name);
    if let Some(s) = app.sell.as_mut() {
        s.resell = Some(customer);
    }
    app.write(Write::Hold(req), what);
}

/// The sale on screen that quitting would leave behind: a live hold, or a
/// booking still awaiting payment.
fn open_sale(app: &App) -> Option<Open> {
    let s = app.sell.as_ref()?;
    if let Some(b) = s.booking.as_ref() {
        return (b.status == BookingStatus::PaymentPending).then(|| Open::Booking(b.clone()));
    }
    s.live_hold().map(|h| Open::Hold(h.clone()))
}

/// `q`/`Ctrl-C`: with a sale open, ask what becomes of it first (`Ctrl-C`
/// again quits, keeping it).
fn quit(app: &mut App) {
    if matches!(app.overlay, Some(Overlay::Quit(_))) {
        app.quit = true;
        return;
    }
    match open_sale(app) {
        Some(open) => {
            // Ctrl-C over the customer form: what was typed is kept, as on Esc.
            if let Some(Overlay::CustomerForm(form)) = app.overlay.take() {
                app.customer_draft = Some(form);
            }
            app.overlay = Some(Overlay::Quit(open));
        }
        None => app.quit = true,
    }
}

/// The door's part of a cancel: "2 of 3 tickets already used at the door:
/// they will be voided", and how many, from the booking's tickets on screen
/// (the engine checks the count again: one admitted meanwhile is refused).
fn admitted_warning(app: &App, booking: &crate::domain::Booking) -> Option<(String, u32)> {
    let tickets = match app.screen {
        Screen::Sell => app.sell.as_ref().map(|s| &s.tickets),
        Screen::Detail => app.detail.as_ref().map(|d| &d.tickets),
        _ => None,
    }?;
    let mine = tickets.iter().filter(|t| t.booking_id == booking.id);
    let mut counts = crate::domain::TicketCounts::default();
    for t in mine {
        match t.status {
            TicketStatus::Valid => counts.valid += 1,
            TicketStatus::Used => counts.used += 1,
            TicketStatus::Void => counts.void += 1,
        }
    }
    counts.admitted_warning().map(|w| (w, counts.used))
}

/// The quit prompt's "release": let the hold go (or cancel the unpaid
/// booking: nothing was charged), and quit once that is done.
fn quit_releasing(app: &mut App) {
    let Some(Overlay::Quit(open)) = app.overlay.take() else { return };
    if app.write_refused() {
        app.overlay = Some(Overlay::Quit(open));
        return;
    }
    match open {
        Open::Hold(h) => release(app, h.id),
        Open::Booking(booking) => {
            let what = format!("cancelling booking {}", short(&booking.id));
            app.write(Write::Cancel { booking, admitted: 0, refund: None }, what);
        }
    }
    app.quit_after_write = true;
}

/// Enter in the Held stage opens the form; in the Payment stage it confirms
/// the booking again with the same key (a replay: audited, nothing changes).
fn customer(app: &mut App) {
    let Some(s) = app.sell.as_ref() else { return };
    match s.stage {
        // What was typed for an earlier hold (that expired, or Esc) comes back.
        Stage::Held => {
            if s.sells_types()
                && let Some(why) = s.mix_problem()
            {
                app.error(format!("Tickets: {why}"));
                return;
            }
            let form = app.customer_draft.take().unwrap_or_else(Form::customer);
            app.overlay = Some(Overlay::CustomerForm(form));
        }
        Stage::Payment => {
            let (Some(h), Some(c)) = (s.hold.clone(), s.customer.clone()) else { return };
            if !app.write_refused() {
                app.book(&h.id, &c.id, &c.name);
            }
        }
        _ => {}
    }
}

/// Asks whether the email or phone typed so far belongs to a customer (the
/// form's note says so when the answer comes).
fn note_existing_customer(app: &mut App, form: &mut Form) {
    let email = Some(form.value("Email")).filter(|e| e.contains('@') && e.contains('.')).map(str::to_string);
    let phone =
        Some(form.value("Phone")).filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 7).map(str::to_string);
    if email.is_none() && phone.is_none() {
        form.note = None;
        app.lookup = None;
        return;
    }
    app.lookup = Some(app.read(Read::Customer { email, phone }));
}

fn submit_customer(app: &mut App, mut form: Form) {
    if app.write_refused() {
        app.overlay = Some(Overlay::CustomerForm(form));
        return;
    }
    form.clear_errors();
    let new = NewCustomer {
        name: form.value("Name").to_string(),
        email: Some(form.value("Email").to_string()),
        phone: Some(form.value("Phone").to_string()),
    };
    app.write(Write::Customer(new), "saving the customer").form = Some(Overlay::CustomerForm(form));
}

fn pay(app: &mut App, tender: crate::domain::Tender) {
    let booking = match app.screen {
        Screen::Sell => app.sell.as_ref().and_then(|s| s.booking.as_ref()),
        Screen::Detail => app.detail.as_ref().map(|d| &d.booking),
        _ => None,
    };
    let Some(booking_id) = booking.map(|b| b.id.clone()) else { return };
    pay_tender(app, &booking_id, tender);
}

fn pay_tender(app: &mut App, booking_id: &str, tender: crate::domain::Tender) {
    if !matches!(app.screen, Screen::Sell | Screen::Detail) || app.write_refused() {
        return;
    }
    let booking_id = booking_id.to_string();
    let what = match tender {
        crate::domain::Tender::Cash { .. } => "recording the cash payment".to_string(),
        _ => format!("recording the payment ({})", tender.outcome().as_str().to_lowercase()),
    };
    // A press after giving up on one that never began sends its key again.
    let target = format!("pay {booking_id}");
    let retry = app.reuse_key(&target);
    // Which key: a repeated press after a final result sends the same key
    // again (a replay); otherwise each press is a new attempt.
    let ctx = app.ctx.clone();
    let key = match app.screen {
        Screen::Sell => {
            let Some(s) = app.sell.as_mut() else { return };
            let key = match (&s.last_pay_key, s.stage, retry) {
                (Some(k), Stage::Done, _) => k.clone(),
                (_, _, Some(k)) => k,
                _ => {
                    s.pay_seq += 1;
                    new_pay_key(&ctx, &booking_id)
                }
            };
            s.last_pay_key = Some(key.clone());
            key
        }
        _ => {
            let Some(d) = app.detail.as_mut() else { return };
            let key = match (&d.last_pay_key, d.booking.status, retry) {
                (Some(k), s, _) if s != BookingStatus::PaymentPending => k.clone(),
                (_, _, Some(k)) => k,
                _ => {
                    d.pay_seq += 1;
                    new_pay_key(&ctx, &booking_id)
                }
            };
            d.last_pay_key = Some(key.clone());
            key
        }
    };
    let on = app.screen;
    let write = Write::Pay { booking_id, tender, key: key.clone(), on };
    app.write(write, what).retry = Some((target, key));
}

/// A new payment attempt's idempotency key: unique to this press, so two
/// terminals paying one booking never mistake each other's attempt for a replay.
fn new_pay_key(ctx: &crate::context::Context, booking_id: &str) -> String {
    format!("pay-{booking_id}-{}", ctx.new_id())
}

fn ask_cancel(app: &mut App) {
    let booking = match app.screen {
        Screen::Sell => app.sell.as_ref().and_then(|s| s.booking.clone()),
        Screen::Detail => app.detail.as_ref().map(|d| d.booking.clone()),
        _ => None,
    };
    let Some(booking) = booking else { return };
    if booking.status.on(BookingEvent::Cancel).is_err() {
        app.error(format!("Cannot cancel: the booking is {}", booking.status));
        return;
    }
    let refund = (booking.status == BookingStatus::Confirmed)
        .then(|| crate::domain::refund_split(booking.amount, app.policy().refund_percent));
    app.overlay = Some(Overlay::Confirm(Confirm::Cancel { booking, refund, refund_override: None }));
}

/// The booking on screen if a payment button would make a new attempt on it
/// (not a replay of the last one).
fn pending_payment(app: &App) -> Option<crate::domain::Booking> {
    let booking = match app.screen {
        Screen::Sell => app.sell.as_ref().filter(|s| s.stage == Stage::Payment).and_then(|s| s.booking.clone()),
        Screen::Detail => app.detail.as_ref().map(|d| d.booking.clone()),
        _ => None,
    };
    booking.filter(|b| b.status == BookingStatus::PaymentPending)
}

/// `f`: a failed payment ends the booking, so it asks first.
fn ask_fail(app: &mut App) {
    if let Some(booking) = pending_payment(app) {
        app.overlay = Some(Overlay::Confirm(Confirm::Fail { booking }));
    }
}

/// The answer to a y/n prompt. Yes while another write is on its way keeps
/// the prompt open (and says why).
fn confirm(app: &mut App, yes: bool) {
    if yes && app.write_refused() {
        return;
    }
    let Some(Overlay::Confirm(prompt)) = app.overlay.take() else { return };
    match (prompt, yes) {
        (Confirm::Cancel { booking, refund_override, .. }, true) => match admitted_warning(app, &booking) {
            // Tickets were used at the door: say so, and ask again.
            Some((warning, used)) => {
                let prompt = Confirm::CancelAdmitted { booking, warning, used, refund_override };
                app.overlay = Some(Overlay::Confirm(prompt));
            }
            None => {
                let what = format!("cancelling booking {}", short(&booking.id));
                app.write(Write::Cancel { booking, admitted: 0, refund: refund_override }, what);
            }
        },
        (Confirm::Cancel { .. } | Confirm::CancelAdmitted { .. }, false) => app.note("Not cancelled"),
        (Confirm::CancelAdmitted { booking, used, refund_override, .. }, true) => {
            let what = format!("cancelling booking {}", short(&booking.id));
            app.write(Write::Cancel { booking, admitted: used, refund: refund_override }, what);
        }
        (Confirm::DisableClerk { clerk }, true) => clerks::disable(app, clerk),
        (Confirm::DisableClerk { clerk }, false) => app.note(format!("{} stays enabled", clerk.name)),
        (Confirm::Undo { code, reason, .. }, true) => door::undo(app, code, reason),
        (Confirm::Undo { .. }, false) => app.note("Not undone: the ticket stays admitted"),
        (Confirm::Retire { ticket_type }, true) => types::retire(app, ticket_type),
        (Confirm::Retire { ticket_type }, false) => app.note(format!("{} stays on sale", ticket_type.name)),
        (Confirm::Fail { .. }, true) => pay(app, by_method(app, PaymentOutcome::Failure)),
        (Confirm::Fail { .. }, false) => app.note("No payment recorded: the booking still awaits payment"),
        (Confirm::Release { hold }, true) => release(app, hold.id),
        (Confirm::Release { .. }, false) => app.note("Not released: the hold is still yours"),
        (Confirm::Erase { customer }, true) => settings::erase(app, customer.id),
        (Confirm::Erase { .. }, false) => app.note("Not erased: nothing changed"),
        (Confirm::Existing { customer, form, .. }, true) => {
            let Some(hold_id) = app.sell.as_ref().and_then(|s| s.live_hold()).map(|h| h.id.clone()) else {
                app.customer_draft = Some(form);
                app.error("The hold is gone: hold seats again, then Enter (the customer form is kept)");
                return;
            };
            if let Some(s) = app.sell.as_mut() {
                s.customer = Some(customer.clone());
            }
            app.book(&hold_id, &customer.id, &customer.name);
        }
        (Confirm::Existing { form, .. }, false) => {
            app.overlay = Some(Overlay::CustomerForm(form));
            app.note("Back to the form: change the email or phone to book someone else");
        }
    }
}
