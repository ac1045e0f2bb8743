//! The database workers' answers, shown: `update` hands every [`Loaded`] and
//! [`Done`] here. Each write's answer is told in the clerk's words and the
//! screens are read again after it; a load is shown only if it is still what
//! the screens ask for.

use crate::domain::{BookingStatus, Money, PaymentOutcome, SeatState};
use crate::error::Error;
use crate::ids::short;
use crate::jobs::RunOutcome;
use crate::tui::app::{App, Confirm, Overlay, Screen, Sell, Stage, Then};
use crate::tui::backoffice::outcome_text;
use crate::tui::form::Form;
use crate::tui::request::{Answer, Done, Found, Loaded, Resume, Snapshot};

// ---- reads ------------------------------------------------------------------------

pub fn loaded(app: &mut App, loaded: Loaded) {
    let id = loaded.id;
    match loaded.found {
        Found::Screens { generation, spec, result } => {
            if app.load.in_flight.is_none_or(|(i, _)| i != id) {
                return;
            }
            app.load.in_flight = None;
            // Asked for again since (a write, a new filter): that load follows.
            if generation != app.load.generation {
                return;
            }
            // The screens moved on meanwhile (a sale opened, say): read them again.
            if spec != app.load_spec() {
                app.want_load();
                return;
            }
            match result {
                Ok(snapshot) => show(app, *snapshot),
                Err(e) => app.error(format!("could not reload: {e}")),
            }
            for then in std::mem::take(&mut app.load.then) {
                after_load(app, then);
            }
        }
        Found::Unchanged { .. } => {
            if app.load.in_flight.is_some_and(|(i, _)| i == id) {
                app.load.in_flight = None;
            }
        }
        Found::Sale { event, result } => {
            if app.opening.take_if(|o| *o == id).is_none() {
                return;
            }
            match result {
                Err(e) => app.error(e.to_string()),
                // Opened only where it was asked for: the clerk may have moved on.
                Ok(_) if app.screen != Screen::Events => {}
                Ok(sale) => {
                    let mut sell = Sell::new(*event, sale.map);
                    sell.set_types(sale.types);
                    if let Some(r) = sale.resume {
                        resume_own_hold(app, &mut sell, r);
                    }
                    app.sell = Some(sell);
                    app.screen = Screen::Sell;
                }
            }
        }
        Found::Detail(result) => {
            if app.opening.take_if(|o| *o == id).is_none() {
                return;
            }
            match result {
                Err(e) => app.error(e.to_string()),
                Ok(_) if app.screen != Screen::Bookings => {}
                Ok(d) => {
                    app.detail = Some(*d);
                    app.screen = Screen::Detail;
                }
            }
        }
        Found::Clerks(result) => {
            if app.opening.take_if(|o| *o == id).is_some() {
                crate::tui::clerks::opened(app, result);
            }
        }
        Found::Customer(found) => {
            if app.lookup.take_if(|l| *l == id).is_none() {
                return;
            }
            if let Some(Overlay::CustomerForm(form)) = app.overlay.as_mut() {
                form.note = found.map(|c| format!("On file: {} (this email or phone) — Enter books for them", c.name));
            }
        }
    }
}

/// Shows every screen's part of a load.
fn show(app: &mut App, s: Snapshot) {
    let refund_was = app.policy().refund_percent;
    app.venue = s.venue;
    if app.policy().refund_percent != refund_was {
        refund_policy_moved(app);
    }
    if let Some(events) = s.events {
        app.events = events;
        app.event_sel = app.event_sel.min(app.events.len().saturating_sub(1));
    }
    if let Some(bookings) = s.bookings {
        app.bookings = bookings;
        app.booking_sel = app.booking_sel.min(app.bookings.len().saturating_sub(1));
    }
    drop_stale_prompt(app, s.prompt);
    if let Some(found) = s.sell {
        show_sell(app, found);
    }
    if let (Some(old), Some(mut d)) = (app.detail.as_ref(), s.detail) {
        d.pay_seq = old.pay_seq;
        d.last_pay_key = old.last_pay_key.clone();
        app.detail = Some(d);
    }
    app.shift_open = s.shift_open;
    if let crate::tui::request::OfficeFound::Clerks(Err(why)) = &s.office {
        crate::tui::clerks::refused(app, why.clone());
    }
    app.office.apply(s.office);
    crate::tui::door::show_counts(app, s.door);
    crate::tui::types::show(app, s.types);
}

/// The sale in progress as the file has it, telling the clerk when the tick
/// thread (or another terminal) moved it: a hold that expired, a booking that lapsed.
fn show_sell(app: &mut App, found: crate::tui::request::SellFound) {
    let zone = app.zone();
    let Some(sell) = app.sell.as_mut() else { return };
    sell.event = found.event;
    sell.map = found.map;
    sell.set_types(found.types);
    sell.tickets = found.tickets;
    sell.ticket_page = sell.ticket_page.min(sell.tickets.len().saturating_sub(1));
    let mut notice: Option<(&str, Vec<String>)> = None;
    let mut close_form = false;
    if let Some(h) = found.hold {
        if sell.stage == Stage::Held && !h.status.is_live() {
            let seats = if h.labels.is_empty() { format!("{} seat(s)", h.seats) } else { h.labels.join(" ") };
            let at = h.expires_at.with_timezone(&zone).format("%H:%M:%S");
            let why = match h.status {
                crate::domain::HoldStatus::Expired => format!("It expired at {at}."),
                other => format!("It is {other} (done at another terminal)."),
            };
            notice = Some((
                "Hold ended",
                vec![
                    format!("Hold {}: the seats went back on sale", h.status),
                    format!("Hold {} of {seats}. {why}", short(&h.id)),
                    "What you typed for the customer is kept for the next hold.".to_string(),
                ],
            ));
            sell.stage = Stage::Choose;
            // The customer form belonged to that hold; what was typed in it is kept.
            close_form = true;
        }
        sell.hold = Some(h);
    }
    if let Some(b) = found.booking {
        if sell.stage == Stage::Payment && b.status != BookingStatus::PaymentPending {
            let first = match b.status {
                BookingStatus::Expired => "Booking EXPIRED: the payment window closed; seats released".to_string(),
                other => format!("Booking is now {other}"),
            };
            let why = match b.status {
                BookingStatus::Expired => "Nothing was charged; hold seats again to sell them.".to_string(),
                other => format!("Booking {} became {other} at another terminal.", short(&b.id)),
            };
            notice = Some(("Booking changed", vec![first, why]));
            sell.stage = if b.status == BookingStatus::Confirmed { Stage::Done } else { Stage::Choose };
        }
        sell.refund = found.refund;
        sell.booking = Some(b);
    }
    // Picked seats another terminal took meanwhile stay picked (the map
    // shows them held or sold): dropping them here silently would make the
    // next Enter hold the best available instead, seats the clerk never chose.
    // The hold is refused naming the seat, and then they are dropped.
    if close_form && let Some(Overlay::CustomerForm(form)) = app.overlay.take() {
        app.customer_draft = Some(form);
    }
    if let Some((title, lines)) = notice {
        app.notice(title, lines);
    }
}

/// A cancel prompt shows the refund for the state the booking was in; if
/// another terminal moved it meanwhile, the prompt would promise the wrong
/// refund, so it closes and says why.
fn drop_stale_prompt(app: &mut App, now: Option<crate::domain::Booking>) {
    let (Some(Overlay::Confirm(prompt)), Some(now)) = (&app.overlay, now) else { return };
    let (booking, then) = match prompt {
        Confirm::Cancel { booking, .. } | Confirm::CancelAdmitted { booking, .. } => {
            (booking, "press x again to see what cancelling refunds")
        }
        Confirm::Fail { booking } => (booking, "no failed payment was recorded"),
        _ => return,
    };
    if now.id == booking.id && now.status != booking.status {
        let first = format!("Booking {} is now {}: {then}", short(&now.id), now.status);
        let why = format!("It was {} when the prompt opened; another terminal changed it.", booking.status);
        app.notice("Booking changed", vec![first, why]);
    }
}

/// The refund share changed (at another counter) while a cancel prompt was
/// open: the prompt shows what cancelling refunds now, and says it changed.
fn refund_policy_moved(app: &mut App) {
    let percent = app.policy().refund_percent;
    // A supervisor's override is theirs: only the policy's share moves.
    if let Some(Overlay::Confirm(Confirm::Cancel { booking, refund: Some(split), refund_override: None })) =
        app.overlay.as_mut()
    {
        *split = crate::domain::refund_split(booking.amount, percent);
        app.note(format!("The venue's refund policy changed: cancelling now refunds {percent}%"));
    }
}

fn after_load(app: &mut App, then: Then) {
    match then {
        Then::SelectEvent(id) => app.event_sel = app.events.iter().position(|x| x.id == id).unwrap_or(0),
        Then::TrailCount(booking) => {
            let n = app.office.audit.rows.len();
            app.info(format!("Audit trail of booking {}: {n} row(s) · Esc back to the booking", short(&booking)));
        }
        Then::PrunePicked => {
            // Seats someone else took leave the pick, so the next Enter can succeed.
            if let Some(s) = app.sell.as_mut()
                && let Some(map) = &s.map
            {
                s.picked.retain(|(r, n)| {
                    map.rows.get(*r as usize).and_then(|row| row.get((*n as usize).wrapping_sub(1)))
                        == Some(&SeatState::Free)
                });
            }
        }
    }
}

/// A clerk who left a sale with Esc comes back to it: their own live hold on
/// this event (and its booking awaiting payment) is picked up again, rather
/// than stranded until it expires.
fn resume_own_hold(app: &mut App, sell: &mut Sell, r: Resume) {
    sell.customer = r.customer;
    sell.stage = if r.booking.is_some() { Stage::Payment } else { Stage::Held };
    let hold = r.hold;
    let what = if hold.labels.is_empty() { format!("{} seat(s)", hold.seats) } else { hold.labels.join(" ") };
    app.info(match sell.stage {
        Stage::Payment => format!("Back to your booking of {what}: s/f/t to take payment, x to cancel"),
        _ => format!("Back to your hold of {what}: Enter for the customer, r to release"),
    });
    sell.booking = r.booking;
    sell.hold = Some(hold);
    // The booking's types as booked: Enter books again with the same counts (a replay).
    for item in r.items {
        sell.counts.insert(item.type_id, item.count);
    }
}

// ---- writes -----------------------------------------------------------------------

pub fn done(app: &mut App, done: Done) {
    let Some(pending) = app.write.take_if(|p| p.id == done.id) else { return };
    if done.stopped && matches!(done.answer.error(), Some(Error::Busy)) {
        // The clerk stopped waiting before the transaction began: nothing changed.
        app.error(format!(
            "Stopped waiting: {} did not happen, nothing changed; try again when the database is free",
            pending.what
        ));
        app.retry = pending.retry;
        app.quit_after_write = false;
        restore_form(app, pending.form);
        app.want_load();
        return;
    }
    // Quitting with "release": quit once it is done; if it failed, stay and say why.
    if std::mem::take(&mut app.quit_after_write) && done.answer.error().is_none() {
        app.quit = true;
    }
    let went_through = pending.gave_up && done.answer.error().is_none();
    match done.answer {
        Answer::Hold(r) => match r {
            Ok(h) => {
                let h = h.value;
                let seats = if h.labels.is_empty() { format!("{} seat(s)", h.seats) } else { h.labels.join(" ") };
                let until = app.local(h.expires_at).format("%H:%M:%S");
                app.info(format!("Held {seats} until {until}: press Enter for the customer"));
                let mut resell = None;
                if let Some(s) = app.sell.as_mut().filter(|s| s.event.id == h.event_id) {
                    s.picked.clear();
                    s.hold = Some(h.clone());
                    s.booking = None;
                    s.refund = None;
                    s.pay_seq = 0;
                    s.last_pay_key = None;
                    s.transaction_id = None;
                    s.stage = Stage::Held;
                    resell = s.resell.take();
                    s.customer = resell.clone();
                }
                // Selling again after a declined payment: straight on to the booking.
                if let Some(c) = resell {
                    app.book(&h.id, &c.id, &c.name);
                }
                app.want_load();
            }
            Err(e) => {
                let resell = app.sell.as_mut().and_then(|s| s.resell.take());
                match resell {
                    Some(c) => {
                        app.error(format!("Cannot sell them again: {e}; Enter starts the next sale"));
                        // The next sale's customer form starts with this customer.
                        app.customer_draft = Some(draft_for(&c));
                    }
                    None => app.error(format!("Hold refused: {e}")),
                }
                app.want_load_then(Then::PrunePicked);
            }
        },
        Answer::Release(r) => {
            match r {
                Ok(h) => {
                    app.info(format!("Released {} seat(s); they are back on sale", h.seats));
                    if let Some(s) = app.sell.as_mut().filter(|s| s.hold.as_ref().is_some_and(|x| x.id == h.id)) {
                        s.hold = None;
                        s.stage = Stage::Choose;
                    }
                }
                Err(e) => app.error(format!("Release refused: {e}")),
            }
            app.want_load();
        }
        Answer::Extend(r) => {
            match r {
                Ok(h) if h.is_retry => app.note("That extension was already made: nothing changed"),
                Ok(h) => {
                    let h = h.value;
                    let until = app.local(h.expires_at).format("%H:%M:%S");
                    let most = app.policy().hold_extensions;
                    app.info(format!("Hold extended until {until} (extension {} of {most})", h.extensions));
                    if let Some(s) = app.sell.as_mut().filter(|s| s.hold.as_ref().is_some_and(|x| x.id == h.id)) {
                        s.hold = Some(h);
                    }
                }
                Err(e) => app.error(format!("Not extended: {e}")),
            }
            app.want_load();
        }
        Answer::Customer(r) => customer_saved(app, r, pending.form, pending.gave_up),
        Answer::Book(r) => {
            match r {
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
                    if let Some(s) =
                        app.sell.as_mut().filter(|s| s.hold.as_ref().is_some_and(|h| h.id == b.value.hold_id))
                    {
                        s.booking = Some(b.value);
                        s.stage = Stage::Payment;
                    }
                }
                Err(e) => app.error(format!("Booking refused: {e}")),
            }
            app.want_load();
        }
        Answer::Pay { on, result } => {
            match result {
                Ok(p) => paid(app, on, *p),
                Err(e) => app.error(format!("Payment refused: {e}")),
            }
            app.want_load();
        }
        Answer::Cancel { booking_id, overridden, result } => {
            match result {
                Ok(c) => {
                    let text = match &c.refund {
                        Some(r) => format!(
                            "Cancelled: refund {} INITIATED (fee {}{}); seats back on sale",
                            Money(r.amount).format(&c.booking.currency),
                            Money(r.fee).format(&c.booking.currency),
                            if overridden { format!(", {}% by override, audited", r.percent) } else { String::new() }
                        ),
                        None => "Cancelled: nothing was charged, no refund; seats back on sale".to_string(),
                    };
                    app.info(text);
                    if let Some(s) =
                        app.sell.as_mut().filter(|s| s.booking.as_ref().is_some_and(|b| b.id == booking_id))
                    {
                        s.booking = Some(c.booking);
                        s.refund = c.refund;
                        s.stage = Stage::Done;
                    }
                }
                Err(e) => app.error(format!("Cancel refused: {e}")),
            }
            app.want_load();
        }
        Answer::Event(r) => event_created(app, r, pending.form),
        Answer::Print(r) => match r {
            Ok(p) => {
                let shown = shown_path(app, &p.path);
                app.info(format!("Printed {} ticket(s) to {shown} (audited; p prints again)", p.tickets));
            }
            Err(e) => app.error(format!("Not printed: {e}")),
        },
        Answer::CheckIn { code, result } => crate::tui::door::answered(app, code, result),
        Answer::Undo(r) => crate::tui::door::undone(app, r),
        Answer::Type { what, result } => crate::tui::types::answered(app, what, result, pending.form),
        Answer::Export { what, result } => match result {
            Ok((path, n)) => {
                let shown = shown_path(app, &path);
                app.info(format!("Exported {n} {what} row(s) to {shown}"));
            }
            Err(e) => app.error(format!("Export failed: {e}")),
        },
        Answer::Recovery(r) => {
            match r {
                None => return app.error("No job runner in this app"),
                Some(Ok(o @ RunOutcome::Failed(_))) => app.error(format!("Recovery {}", outcome_text(&o))),
                Some(Ok(o)) => app.info(format!("Recovery ran now: {}", outcome_text(&o))),
                Some(Err(e)) => app.error(format!("Recovery could not run: {e}")),
            }
            app.want_load();
        }
        Answer::SignedIn(r) => match r {
            Ok((session, idle_minutes)) => {
                app.info(format!("Signed in as {} ({})", session.name(), session.role()));
                // Unlocking shows again what was open when the screen locked.
                if let Some(Overlay::Prompt(kind, _)) = &app.overlay
                    && !kind.closable()
                {
                    app.overlay = None;
                }
                if let Some(under) = app.under_lock.take() {
                    app.overlay = Some(*under);
                }
                // Another clerk signing in at a locked screen starts afresh.
                if app.clerk.as_ref().is_some_and(|c| c.id() != session.id()) {
                    app.sell = None;
                    app.detail = None;
                    app.overlay = None;
                    app.screen = crate::tui::app::Screen::Events;
                    app.tab = crate::tui::app::Tab::Events;
                }
                app.clerk = Some(session);
                app.locked = false;
                app.needs_first_supervisor = false;
                app.idle_lock_minutes = idle_minutes;
                app.last_key_at = app.now;
                app.want_load();
            }
            Err(e) => {
                let form = pending.form.map(|f| match f {
                    Overlay::Prompt(kind, mut form) => {
                        // The PIN is typed again, never kept; the message line says why.
                        if let Some(pin) = form.fields.iter_mut().find(|f| f.secret) {
                            pin.input.clear();
                        }
                        Overlay::Prompt(kind, form)
                    }
                    other => other,
                });
                app.error(format!("Not signed in: {e}"));
                if let Some(form) = form {
                    app.overlay = Some(form);
                }
            }
        },
        Answer::ShiftOpened(r) => {
            match r {
                Ok(shift) => app.info(format!(
                    "Shift {} opened with a float of {}",
                    short(&shift.id),
                    Money(shift.opening_float).format(&shift.currency)
                )),
                Err(e) => {
                    app.error(format!("Shift not opened: {e}"));
                    restore_form(app, pending.form);
                }
            }
            app.want_load();
        }
        Answer::ShiftClosed(r) => {
            match r {
                Ok(up) => {
                    let diff = up.difference().unwrap_or(0);
                    app.info(format!(
                        "Shift {} closed: expected {}, counted {}, difference {} ({})",
                        short(&up.shift.id),
                        Money(up.expected_cash()).format(&up.shift.currency),
                        Money(up.shift.counted_cash.unwrap_or(0)).format(&up.shift.currency),
                        Money(diff).format(&up.shift.currency),
                        crate::cashup::difference_word(diff)
                    ));
                }
                Err(e) => {
                    app.error(format!("Shift not closed: {e}"));
                    restore_form(app, pending.form);
                }
            }
            app.want_load();
        }
        Answer::Setting(r) => crate::tui::settings::saved(app, r),
        Answer::ClerkAdded(r) => crate::tui::clerks::added(app, r, pending.form),
        Answer::ClerkDisabled(r) => crate::tui::clerks::disabled(app, r),
        Answer::MayOverride { booking, result } => crate::tui::clerks::may_override(app, booking, result),
        Answer::Erase(r) => crate::tui::settings::erased(app, r),
        Answer::Sweeps(r) => {
            match r {
                None => return app.error("No job runner in this app"),
                Some(Ok(ran)) => {
                    let failed = ran.iter().any(|(_, o)| matches!(o, RunOutcome::Failed(_)));
                    let text = ran.iter().map(|(j, o)| format!("{} {}", j.name(), outcome_text(o))).collect::<Vec<_>>();
                    let text = format!("Sweeps ran now: {}", text.join(" · "));
                    if failed { app.error(text) } else { app.info(text) }
                }
                Some(Err(e)) => app.error(format!("Sweeps could not run: {e}")),
            }
            app.want_load();
        }
    }
    if went_through && let Some(m) = app.message.as_mut() {
        m.text = format!("Went through after all: {}", m.text);
    }
}

/// How messages name a file the app wrote: in full, or `<run>/name` for a
/// script run's own folder (so the message reads the same every run).
fn shown_path(app: &App, path: &std::path::Path) -> String {
    match (&app.info.data_dir_label, path.file_name()) {
        (Some(label), Some(file)) => format!("{label}/{}", file.to_string_lossy()),
        _ => path.display().to_string(),
    }
}

/// A form closed on submit comes back when its write fails (unless the
/// clerk opened something other than the help meanwhile).
fn restore_form(app: &mut App, form: Option<Overlay>) {
    if let Some(form) = form
        && matches!(app.overlay, None | Some(Overlay::Help { .. }))
    {
        app.overlay = Some(form);
    }
}

/// The customer is saved (found or new): on to the booking.
fn customer_saved(
    app: &mut App,
    r: crate::error::Result<crate::engine::Replayed<crate::domain::Customer>>,
    form: Option<Overlay>,
    gave_up: bool,
) {
    let (customer, existing) = match r {
        Ok(c) => (c.value, c.is_retry),
        Err(e) => {
            let Some(Overlay::CustomerForm(mut form)) = form else { return app.error(e.to_string()) };
            match e {
                Error::Invalid(inv) => {
                    let label = match inv.field {
                        "email" => "Email",
                        "phone" => "Phone",
                        _ => "Name",
                    };
                    form.fail(label, inv.rule.clone());
                    app.error(format!("{}: {}", inv.field, inv.rule));
                }
                e => app.error(e.to_string()),
            }
            return restore_form(app, Some(Overlay::CustomerForm(form)));
        }
    };
    let Some(hold_id) = app.sell.as_ref().and_then(|s| s.hold.as_ref()).map(|h| h.id.clone()) else { return };
    if let Some(s) = app.sell.as_mut() {
        s.customer = Some(customer.clone());
    }
    if gave_up {
        // The clerk stopped waiting: save, but book only when they say so.
        app.info(format!("customer {} saved; Enter in the form books for them", customer.name));
        return restore_form(app, form);
    }
    // The email or phone is on file under another name: the clerk decides,
    // never a silent booking under a name they did not type.
    if let Some(Overlay::CustomerForm(form)) = form
        && existing
    {
        let typed = form.value("Name").to_string();
        if !same_name(&typed, &customer.name) {
            app.overlay = Some(Overlay::Confirm(Confirm::Existing { customer, typed, form }));
            return;
        }
    }
    app.book(&hold_id, &customer.id, &customer.name);
}

/// Two spellings of one name (case and spaces aside).
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    norm(a) == norm(b)
}

/// A customer form filled in for `c` (selling to them again).
pub fn draft_for(c: &crate::domain::Customer) -> Form {
    let mut form = Form::customer();
    for f in &mut form.fields {
        let value = match f.label {
            "Name" => Some(c.name.clone()),
            "Email" => c.email.clone(),
            "Phone" => c.phone.clone(),
            _ => None,
        };
        if let Some(v) = value {
            f.input.set(v);
        }
    }
    form
}

fn event_created(app: &mut App, r: crate::error::Result<crate::domain::Event>, form: Option<Overlay>) {
    let e = match r {
        Ok(e) => e,
        Err(err) => {
            let Some(Overlay::EventForm(mut form)) = form else { return app.error(err.to_string()) };
            match err {
                Error::Invalid(inv) => {
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
                }
                err => app.error(err.to_string()),
            }
            return restore_form(app, Some(Overlay::EventForm(form)));
        }
    };
    app.info(format!("Created '{}' ({} seats)", e.name, e.total));
    app.event_filter.clear();
    app.want_load_then(Then::SelectEvent(e.id));
}

fn method_name(p: &crate::engine::Payment) -> &'static str {
    match p.attempt.method {
        crate::domain::PaymentMethod::Cash => "cash",
        crate::domain::PaymentMethod::Card => "card",
        crate::domain::PaymentMethod::Upi => "UPI",
    }
}

fn paid(app: &mut App, on: Screen, p: crate::engine::Payment) {
    let amount = Money(p.booking.amount).format(&p.booking.currency);
    let text = if p.is_retry {
        format!(
            "Already recorded as {}: same result returned, nothing charged again (audited as a retry)",
            p.attempt.outcome
        )
    } else {
        match p.attempt.outcome {
            PaymentOutcome::Success => match (p.attempt.tendered, p.attempt.change) {
                (Some(tendered), Some(change)) => format!(
                    "Cash {} taken for {amount}: give {} change; booking CONFIRMED",
                    Money(tendered).format(&p.booking.currency),
                    Money(change).format(&p.booking.currency)
                ),
                // Card is the default: its message reads as before tender existed.
                _ if p.attempt.method == crate::domain::PaymentMethod::Card => {
                    format!("Payment of {amount} succeeded: booking CONFIRMED")
                }
                _ => format!("Payment of {amount} succeeded by {}: booking CONFIRMED", method_name(&p)),
            },
            PaymentOutcome::Failure => format!("Payment FAILED: seats released; full refund of {amount} initiated"),
            PaymentOutcome::Timeout => {
                let until = app.local(p.booking.payment_expires_at).format("%H:%M:%S");
                format!("Payment TIMED OUT: still pending; retry before {until}")
            }
        }
    };
    match p.attempt.outcome {
        PaymentOutcome::Failure if !p.is_retry => app.error(text),
        // A timeout is neither done nor refused: the clerk must act again.
        PaymentOutcome::Timeout if !p.is_retry => app.note(text),
        _ => app.info(text),
    }
    if on == Screen::Sell
        && let Some(s) = app.sell.as_mut().filter(|s| s.booking.as_ref().is_some_and(|b| b.id == p.booking.id))
    {
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
