//! `update(app, action)`: the only place the app's state changes. Engine
//! calls happen here; their errors become the message line, never a panic.

use crate::domain::event::seat_label;
use crate::domain::{BookingStatus, EventKind, Money, NewCustomer, NewEvent, PaymentOutcome, SeatState};
use crate::engine::{HoldRequest, SeatPick};
use crate::error::Error;
use crate::ids::short;
use crate::tui::action::{Action, Edit};
use crate::tui::app::{App, Overlay, STATUS_FILTERS, Screen, Sell, Stage, Tab};
use crate::tui::backoffice;
use crate::tui::form::{Field, Form, FormInput};
use crate::tui::keymap;
use chrono::{NaiveDateTime, TimeZone};

pub fn update(app: &mut App, action: Action) {
    if !matches!(action, Action::Digit(_))
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
        Action::Quit => app.quit = true,
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
        Action::Refresh => {
            if let Err(e) = app.reload() {
                app.error(format!("could not reload: {e}"));
            }
        }
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
        Action::Quantity(d) => {
            if let Some(s) = app.sell.as_mut() {
                s.quantity = (i64::from(s.quantity) + i64::from(d)).clamp(1, 99) as u32;
            }
        }
        Action::Digit(d) => {
            if let Some(s) = app.sell.as_mut() {
                // Digits typed in a row make one number (1 2 → 12, at most 99);
                // any other key ends it, so the next digit starts afresh.
                let q = if s.typing_quantity && s.quantity < 10 { s.quantity * 10 + d } else { d };
                s.quantity = q.clamp(1, 99);
                s.typing_quantity = true;
            }
        }
        Action::Hold => hold(app),
        Action::Release => release(app),
        Action::Customer => customer(app),
        Action::Pay(outcome) => pay(app, outcome),
        Action::Cancel => ask_cancel(app),
        Action::Confirm(yes) => confirm_cancel(app, yes),
        Action::CycleStatus => {
            app.status_filter = (app.status_filter + 1) % STATUS_FILTERS.len();
            app.booking_sel = 0;
            reload_bookings(app);
        }
        Action::CycleEvent(d) => backoffice::cycle_event(app, d),
        Action::CycleWindow(d) => backoffice::cycle_window(app, d),
        Action::CycleField => backoffice::cycle_field(app),
        Action::ShowTrail => backoffice::show_trail(app),
        Action::ShowOriginal => backoffice::show_original(app),
        Action::Export => backoffice::export(app),
        Action::RunRecovery => backoffice::run_recovery(app),
        Action::RunSweeps => backoffice::run_sweeps(app),
        Action::NewSale => {
            if let Some(s) = app.sell.take() {
                let map = app.desk.seat_map(&s.event).ok().flatten();
                app.sell = Some(Sell::new(s.event, map));
                reload(app);
            }
        }
    }
}

fn show_tab(app: &mut App, tab: Tab) {
    app.tab = tab;
    // A jump from a booking to its trail ends when the clerk goes elsewhere.
    app.office.audit.back = None;
    app.screen = match tab {
        Tab::Events => {
            if app.sell.is_some() {
                Screen::Sell
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
    };
    reload(app);
}

fn reload(app: &mut App) {
    if let Err(e) = app.reload() {
        app.error(format!("could not reload: {e}"));
    }
}

fn reload_bookings(app: &mut App) {
    if let Err(e) = app.load_bookings() {
        app.error(format!("could not load bookings: {e}"));
    }
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
            reload(app);
        }
        Screen::Detail => {
            app.detail = None;
            app.screen = Screen::Bookings;
            reload(app);
        }
        Screen::Events => {
            if !app.event_filter.text.is_empty() {
                app.event_filter.text.clear();
                reload(app);
            }
        }
        Screen::Bookings => {
            if !app.booking_search.text.is_empty() || app.status_filter != 0 {
                app.booking_search.text.clear();
                app.status_filter = 0;
                reload_bookings(app);
            }
        }
        Screen::Audit => backoffice::back(app),
        Screen::Reports | Screen::Jobs => {}
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
        Screen::Detail | Screen::Reports => {}
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
        _ => {}
    }
}

fn step(cur: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as i64 + delta).clamp(0, len as i64 - 1) as usize
}

fn open(app: &mut App) {
    match app.screen {
        Screen::Events => {
            let Some(event) = app.selected_event().cloned() else {
                app.error("No event selected: press n to create one");
                return;
            };
            match app.desk.seat_map(&event) {
                Ok(map) => {
                    let mut sell = Sell::new(event, map);
                    resume_own_hold(app, &mut sell);
                    app.sell = Some(sell);
                    app.screen = Screen::Sell;
                }
                Err(e) => app.error(e.to_string()),
            }
        }
        Screen::Bookings => {
            let Some(id) = app.selected_booking().map(|b| b.id.clone()) else { return };
            match app.load_detail(&id) {
                Ok(d) => {
                    app.detail = Some(d);
                    app.screen = Screen::Detail;
                }
                Err(e) => app.error(e.to_string()),
            }
        }
        _ => {}
    }
}

/// A clerk who left a sale with Esc comes back to it: their own live hold on
/// this event (and its booking awaiting payment) is picked up again, rather
/// than stranded until it expires.
fn resume_own_hold(app: &mut App, sell: &mut Sell) {
    let Ok(holds) = app.desk.active_holds(&sell.event.id) else { return };
    let Some(hold) = holds.into_iter().rev().find(|h| h.actor == app.desk.actor()) else { return };
    let Ok(hold) = app.desk.get_hold(&hold.id) else { return };
    let booking = app.desk.booking_for_hold(&hold.id).ok().flatten();
    sell.customer = booking.as_ref().and_then(|b| app.desk.get_customer(&b.customer_id).ok());
    sell.stage = if booking.is_some() { Stage::Payment } else { Stage::Held };
    let what = if hold.labels.is_empty() { format!("{} seat(s)", hold.seats) } else { hold.labels.join(" ") };
    app.info(match sell.stage {
        Stage::Payment => format!("Back to your booking of {what}: s/f/t to take payment, x to cancel"),
        _ => format!("Back to your hold of {what}: Enter for the customer, r to release"),
    });
    sell.booking = booking;
    sell.hold = Some(hold);
}

fn text(app: &mut App, key: Edit) {
    match app.overlay.take() {
        Some(Overlay::EventForm(mut form)) => match form.input(key) {
            FormInput::Cancel => {}
            FormInput::Submit => submit_event(app, form),
            FormInput::Edited => app.overlay = Some(Overlay::EventForm(form)),
        },
        Some(Overlay::CustomerForm(mut form)) => match form.input(key) {
            FormInput::Cancel => app.info("Customer form closed; the hold is still yours"),
            FormInput::Submit => submit_customer(app, form),
            FormInput::Edited => {
                note_existing_customer(app, &mut form);
                app.overlay = Some(Overlay::CustomerForm(form));
            }
        },
        other => {
            app.overlay = other;
            match app.screen {
                Screen::Events => {
                    app.event_filter.input(key);
                    app.event_sel = 0;
                    reload(app);
                }
                Screen::Bookings => {
                    app.booking_search.input(key);
                    app.booking_sel = 0;
                    reload_bookings(app);
                }
                Screen::Audit => {
                    app.office.audit.filter.input(key);
                    app.office.audit.sel = 0;
                    reload(app);
                }
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
            Field { max_len: 120, ..Field::new("Name", "1–120 characters") },
            Field { max_len: 2000, ..Field::new("Description", "optional") },
            Field::new("Starts", "YYYY-MM-DD HH:MM, local time").with_value(start),
            Field::new("Seating", "R = reserved rows, G = general admission").with_value("R"),
            Field::new("Rows", "reserved: 1–26 (A–Z)").with_value("10"),
            Field::new("Seats per row", "reserved: 1–99").with_value("20"),
            Field::new("Capacity", "general admission: 1–1,000,000").with_value("100"),
            Field::new("Price", "per seat, e.g. 500 or 499.50").with_value("500"),
            Field::new("Currency", "three letters").with_value(app.desk.ctx().config.currency.clone()),
        ],
    )
}

fn submit_event(app: &mut App, mut form: Form) {
    form.clear_errors();
    match parse_event_form(app, &form) {
        Err((field, msg)) => {
            form.fail(field, msg);
            app.error(format!("{field}: {}", form.fields[form.focus].error.clone().unwrap_or_default()));
            app.overlay = Some(Overlay::EventForm(form));
        }
        Ok(new) => match app.desk.create_event(new) {
            Ok(e) => {
                app.info(format!("Created '{}' ({} seats)", e.name, e.total));
                app.event_filter.text.clear();
                reload(app);
                app.event_sel = app.events.iter().position(|x| x.id == e.id).unwrap_or(0);
            }
            Err(Error::Invalid(inv)) => {
                let label = match inv.field {
                    "name" => "Name",
                    "description" => "Description",
                    "rows" => "Rows",
                    "seats per row" => "Seats per row",
                    "capacity" => "Capacity",
                    "price" => "Price",
                    "currency" => "Currency",
                    other => other,
                };
                form.fail(label, inv.rule.clone());
                app.error(format!("{}: {}", inv.field, inv.rule));
                app.overlay = Some(Overlay::EventForm(form));
            }
            Err(e) => {
                app.error(e.to_string());
                app.overlay = Some(Overlay::EventForm(form));
            }
        },
    }
}

fn parse_event_form(app: &App, form: &Form) -> Result<NewEvent, (&'static str, String)> {
    let number = |label: &'static str| -> Result<u32, (&'static str, String)> {
        form.value(label).replace([',', '_'], "").parse::<u32>().map_err(|_| (label, "must be a whole number".into()))
    };
    let starts = NaiveDateTime::parse_from_str(form.value("Starts"), "%Y-%m-%d %H:%M")
        .map_err(|_| ("Starts", "must look like 2026-12-31 19:30".to_string()))?;
    let starts_at = app
        .info
        .offset
        .from_local_datetime(&starts)
        .single()
        .ok_or(("Starts", "is not a valid local time".to_string()))?
        .to_utc();
    if starts_at <= app.now {
        return Err(("Starts", "must be in the future".into()));
    }
    let kind = match form.value("Seating").to_ascii_uppercase().as_str() {
        "R" | "RESERVED" => EventKind::Reserved { rows: number("Rows")?, seats_per_row: number("Seats per row")? },
        "G" | "GA" => EventKind::GeneralAdmission { capacity: number("Capacity")? },
        _ => return Err(("Seating", "type R (reserved) or G (general admission)".into())),
    };
    let price = Money::parse_major(form.value("Price"))
        .ok_or(("Price", "must be an amount like 500 or 499.50 (not negative)".to_string()))?;
    Ok(NewEvent {
        name: form.value("Name").to_string(),
        description: form.value("Description").to_string(),
        starts_at,
        kind,
        price: price.0,
        currency: form.value("Currency").to_string(),
    })
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

fn hold(app: &mut App) {
    let Some(s) = app.sell.as_ref() else { return };
    let pick = if s.picked.is_empty() {
        SeatPick::Count(i64::from(s.quantity))
    } else {
        SeatPick::Labels(s.picked.iter().map(|(r, n)| seat_label(*r, *n)).collect())
    };
    let req = HoldRequest {
        event_id: s.event.id.clone(),
        pick,
        idempotency_key: Some(format!("hold-{}", app.desk.ctx().new_id())),
        correlation_id: None,
    };
    match app.desk.hold(req) {
        Ok(h) => {
            let h = h.value;
            let seats = if h.labels.is_empty() { format!("{} seat(s)", h.seats) } else { h.labels.join(" ") };
            let until = app.local(h.expires_at).format("%H:%M:%S");
            app.info(format!("Held {seats} until {until}: press Enter for the customer"));
            if let Some(s) = app.sell.as_mut() {
                s.picked.clear();
                s.hold = Some(h);
                s.booking = None;
                s.customer = None;
                s.refund = None;
                s.stage = Stage::Held;
            }
        }
        Err(e) => {
            app.error(format!("Hold refused: {e}"));
            reload(app);
            // Seats someone else took leave the pick, so the next Enter can succeed.
            if let Some(s) = app.sell.as_mut()
                && let Some(map) = &s.map
            {
                s.picked.retain(|(r, n)| {
                    map.rows.get(*r as usize).and_then(|row| row.get((*n as usize).wrapping_sub(1)))
                        == Some(&SeatState::Free)
                });
            }
            return;
        }
    }
    reload(app);
}

fn release(app: &mut App) {
    let Some(id) = app.sell.as_ref().and_then(|s| s.hold.as_ref()).map(|h| h.id.clone()) else { return };
    match app.desk.release(&id) {
        Ok(h) => {
            app.info(format!("Released {} seat(s); they are back on sale", h.seats));
            if let Some(s) = app.sell.as_mut() {
                s.hold = None;
                s.stage = Stage::Choose;
            }
        }
        Err(e) => app.error(format!("Release refused: {e}")),
    }
    reload(app);
}

fn customer_form() -> Form {
    Form::new(
        "Customer",
        vec![
            Field { max_len: 120, ..Field::new("Name", "required") },
            Field::new("Email", "email or phone (or both)"),
            Field::new("Phone", "digits, spaces, dashes, leading +"),
        ],
    )
}

/// Enter in the Held stage opens the form; in the Payment stage it confirms
/// the booking again with the same key (a replay: audited, nothing changes).
fn customer(app: &mut App) {
    let Some(s) = app.sell.as_ref() else { return };
    match s.stage {
        Stage::Held => app.overlay = Some(Overlay::CustomerForm(customer_form())),
        Stage::Payment => {
            let (Some(h), Some(c)) = (s.hold.clone(), s.customer.clone()) else { return };
            book(app, &h.id, &c.id);
        }
        _ => {}
    }
}

fn note_existing_customer(app: &App, form: &mut Form) {
    let email = Some(form.value("Email")).filter(|e| e.contains('@') && e.contains('.'));
    let phone = Some(form.value("Phone")).filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 7);
    form.note = match app.desk.find_customer(email, phone) {
        Ok(Some(c)) => Some(format!("Existing customer: {} — Enter books for them", c.name)),
        _ => None,
    };
}

fn submit_customer(app: &mut App, mut form: Form) {
    form.clear_errors();
    let new = NewCustomer {
        name: form.value("Name").to_string(),
        email: Some(form.value("Email").to_string()),
        phone: Some(form.value("Phone").to_string()),
    };
    let customer = match app.desk.customer(new) {
        Ok(c) => c.value,
        Err(Error::Invalid(inv)) => {
            let label = match inv.field {
                "email" => "Email",
                "phone" => "Phone",
                _ => "Name",
            };
            form.fail(label, inv.rule.clone());
            app.error(format!("{}: {}", inv.field, inv.rule));
            app.overlay = Some(Overlay::CustomerForm(form));
            return;
        }
        Err(e) => {
            app.error(e.to_string());
            app.overlay = Some(Overlay::CustomerForm(form));
            return;
        }
    };
    let Some(hold_id) = app.sell.as_ref().and_then(|s| s.hold.as_ref()).map(|h| h.id.clone()) else { return };
    if let Some(s) = app.sell.as_mut() {
        s.customer = Some(customer.clone());
    }
    book(app, &hold_id, &customer.id);
}

fn book(app: &mut App, hold_id: &str, customer_id: &str) {
    let key = format!("book-{hold_id}");
    match app.desk.book(hold_id, customer_id, Some(&key)) {
        Ok(b) => {
            let amount = Money(b.value.amount).format(&b.value.currency);
            if b.is_retry {
                app.info(format!(
                    "Booking {} was already made: same booking returned (audited as a retry)",
                    short(&b.value.id)
                ));
            } else {
                let until = app.local(b.value.payment_expires_at).format("%H:%M:%S");
                app.info(format!("Booked {amount}: take payment by {until} (s success, f failure, t timeout)"));
            }
            if let Some(s) = app.sell.as_mut() {
                s.booking = Some(b.value);
                s.stage = Stage::Payment;
            }
        }
        Err(e) => app.error(format!("Booking refused: {e}")),
    }
    reload(app);
}

fn pay(app: &mut App, outcome: PaymentOutcome) {
    // Which booking, and the key: a repeated press after a final result sends
    // the same key again (a replay); otherwise each press is a new attempt.
    let (booking_id, key) = match app.screen {
        Screen::Sell => {
            let Some(s) = app.sell.as_mut() else { return };
            let Some(b) = s.booking.as_ref() else { return };
            let key = match (&s.last_pay_key, s.stage) {
                (Some(k), Stage::Done) => k.clone(),
                _ => {
                    s.pay_seq += 1;
                    new_pay_key(&app.desk, &b.id)
                }
            };
            s.last_pay_key = Some(key.clone());
            (b.id.clone(), key)
        }
        Screen::Detail => {
            let Some(d) = app.detail.as_mut() else { return };
            let key = match (&d.last_pay_key, d.booking.status) {
                (Some(k), s) if s != BookingStatus::PaymentPending => k.clone(),
                _ => {
                    d.pay_seq += 1;
                    new_pay_key(&app.desk, &d.booking.id)
                }
            };
            d.last_pay_key = Some(key.clone());
            (d.booking.id.clone(), key)
        }
        _ => return,
    };
    match app.desk.pay(&booking_id, outcome, &key, None) {
        Ok(p) => {
            let amount = Money(p.booking.amount).format(&p.booking.currency);
            let text = if p.is_retry {
                format!(
                    "Already recorded as {}: same result returned, nothing charged again (audited as a retry)",
                    p.attempt.outcome
                )
            } else {
                match p.attempt.outcome {
                    PaymentOutcome::Success => format!("Payment of {amount} succeeded: booking CONFIRMED"),
                    PaymentOutcome::Failure => {
                        format!("Payment FAILED: seats released; full refund of {amount} initiated",)
                    }
                    PaymentOutcome::Timeout => {
                        let until = app.local(p.booking.payment_expires_at).format("%H:%M:%S");
                        format!("Payment TIMED OUT: still pending; retry before {until}")
                    }
                }
            };
            if p.attempt.outcome == PaymentOutcome::Failure && !p.is_retry {
                app.error(text);
            } else {
                app.info(text);
            }
            if let (Screen::Sell, Some(s)) = (app.screen, app.sell.as_mut()) {
                s.stage = match p.booking.status {
                    BookingStatus::Confirmed => Stage::Done,
                    BookingStatus::PaymentPending => Stage::Payment,
                    _ => Stage::Done,
                };
                if p.attempt.transaction_id.is_some() {
                    s.transaction_id = p.attempt.transaction_id.clone();
                }
                s.booking = Some(p.booking);
                s.refund = p.refund;
            }
        }
        Err(e) => app.error(format!("Payment refused: {e}")),
    }
    reload(app);
}

/// A new payment attempt's idempotency key: unique to this press, so two
/// terminals paying one booking never mistake each other's attempt for a replay.
fn new_pay_key(desk: &crate::engine::Desk, booking_id: &str) -> String {
    format!("pay-{booking_id}-{}", desk.ctx().new_id())
}

fn ask_cancel(app: &mut App) {
    let booking = match app.screen {
        Screen::Sell => app.sell.as_ref().and_then(|s| s.booking.clone()),
        Screen::Detail => app.detail.as_ref().map(|d| d.booking.clone()),
        _ => None,
    };
    let Some(booking) = booking else { return };
    if booking.status.on(crate::domain::BookingEvent::Cancel).is_err() {
        app.error(format!("Cannot cancel: the booking is {}", booking.status));
        return;
    }
    let refund = app.desk.cancel_preview(&booking);
    app.overlay = Some(Overlay::ConfirmCancel { booking, refund });
}

fn confirm_cancel(app: &mut App, yes: bool) {
    let Some(Overlay::ConfirmCancel { booking, .. }) = app.overlay.take() else { return };
    if !yes {
        app.info("Not cancelled");
        return;
    }
    match app.desk.cancel_seen(&booking.id, Some(booking.status)) {
        Ok(c) => {
            let text = match &c.refund {
                Some(r) => format!(
                    "Cancelled: refund {} INITIATED (fee {}); seats back on sale",
                    Money(r.amount).format(&c.booking.currency),
                    Money(r.fee).format(&c.booking.currency)
                ),
                None => "Cancelled: nothing was charged, no refund; seats back on sale".to_string(),
            };
            app.info(text);
            if let Some(s) = app.sell.as_mut().filter(|s| s.booking.as_ref().is_some_and(|b| b.id == booking.id)) {
                s.booking = Some(c.booking);
                s.refund = c.refund;
                s.stage = Stage::Done;
            }
        }
        Err(e) => app.error(format!("Cancel refused: {e}")),
    }
    reload(app);
}
