//! A supervisor's work in the app: the Clerks screen (from the Till, `c`:
//! every account, add one, disable one) and the refund override on a cancel
//! prompt (`o`: a percentage and a reason). The engine decides who may:
//! opening the screen reads the accounts through `Desk::clerks_to_manage`,
//! adding and disabling are `Desk::add_clerk` and `Desk::disable_clerk`, and
//! `o` asks `Desk::permit` before the percentage is typed. A clerk sees the
//! engine's refusal (audited as ACCESS_REFUSED) and nothing changes; the app
//! keeps no role rules of its own.

use crate::domain::{Booking, Clerk, Role, staff};
use crate::engine::RefundOverride;
use crate::error::{Error, Result};
use crate::tui::app::{App, Confirm, FormKind, Overlay, Screen, Tab};
use crate::tui::form::{Field, Form};
use crate::tui::request::Write;

/// The longest reason for an override the engine takes.
const MAX_REASON: usize = 200;

// ---- the Clerks screen --------------------------------------------------------------

/// `c` on the Till: the accounts are read (the engine refuses a clerk); the
/// screen opens when they come (`opened`).
pub fn open(app: &mut App) {
    app.opening = Some(app.read(crate::tui::request::Read::Clerks));
}

/// The answer to [`open`]: the screen, or the engine's refusal on the message line.
pub fn opened(app: &mut App, r: Result<Vec<Clerk>>) {
    match r {
        Err(e) => app.error(format!("Clerks: {e}")),
        // Opened only where it was asked for: the clerk may have moved on.
        Ok(_) if app.screen != Screen::Till => {}
        Ok(rows) => {
            app.office.clerks.show(rows);
            app.tab = Tab::Till;
            app.screen = Screen::Clerks;
            app.want_load();
        }
    }
}

/// A load of the open Clerks screen that the engine refused (the clerk
/// signed in here is no longer a supervisor): back to the Till, saying why.
pub fn refused(app: &mut App, why: String) {
    if app.screen == Screen::Clerks {
        app.screen = Screen::Till;
        app.error(format!("Clerks: {why}"));
    }
}

pub fn move_sel(app: &mut App, delta: i64) {
    let c = &mut app.office.clerks;
    let n = c.rows.len() as i64;
    c.sel = if n == 0 { 0 } else { (c.sel as i64 + delta).clamp(0, n - 1) as usize };
}

/// `a`: the new clerk's form.
pub fn ask_add(app: &mut App) {
    let form = Form::new(
        "Add a clerk",
        vec![
            Field::new("Name", "1–32 characters, starting with a letter").max(32),
            Field::new("Role", "clerk or supervisor").with_value(Role::Clerk.as_str()).max(10),
            Field::new("PIN", "4 to 12 digits").secret().max(12),
            Field::new("PIN again", "the same PIN").secret().max(12),
        ],
    );
    app.overlay = Some(Overlay::Form(FormKind::AddClerk, form));
}

/// Enter in the form: checked here for the message at the field, then by
/// the engine (a clerk is refused there).
pub fn submit_add(app: &mut App, mut form: Form) {
    form.clear_errors();
    if app.write_refused() {
        app.overlay = Some(Overlay::Form(FormKind::AddClerk, form));
        return;
    }
    match parse_add(&form) {
        Err((label, why)) => {
            app.error(format!("Not added: {label} {why}; nothing changed"));
            form.fail(label, why);
            // A PIN is typed again, never kept after a mistake in it.
            if label.starts_with("PIN") {
                clear_pins(&mut form);
                form.focus = form.fields.iter().position(|f| f.secret).unwrap_or(form.focus);
            }
            app.overlay = Some(Overlay::Form(FormKind::AddClerk, form));
        }
        Ok((name, role, pin)) => {
            let what = format!("adding the clerk {name}");
            app.write(Write::AddClerk { name, role, pin }, what).form = Some(Overlay::Form(FormKind::AddClerk, form));
        }
    }
}

/// The form's name, role and PIN, or the field that is wrong and why.
fn parse_add(form: &Form) -> std::result::Result<(String, Role, String), (&'static str, String)> {
    let name = staff::clerk_name(form.value("Name")).map_err(|e| ("Name", e.rule))?;
    let role = match form.value("Role").trim().to_ascii_lowercase().as_str() {
        "clerk" | "c" => Role::Clerk,
        "supervisor" | "s" => Role::Supervisor,
        _ => return Err(("Role", "must be clerk or supervisor".into())),
    };
    let pin = staff::pin(form.value("PIN")).map_err(|e| ("PIN", e.rule))?.to_string();
    if form.value("PIN again") != pin {
        return Err(("PIN again", "differs from the PIN: type the same PIN twice".into()));
    }
    Ok((name, role, pin))
}

fn clear_pins(form: &mut Form) {
    for f in form.fields.iter_mut().filter(|f| f.secret) {
        f.input.clear();
    }
}

/// The engine's answer to an added clerk.
pub fn added(app: &mut App, r: Result<Clerk>, form: Option<Overlay>) {
    match r {
        Ok(c) => app.info(format!("Added {} ({}): they sign in with their name and PIN", c.name, c.role)),
        Err(e) => {
            app.error(format!("Not added: {e}"));
            leave_if_not_allowed(app, &e);
            // A refusal by role ends here; a name or PIN the engine refused goes back to the form.
            if let (Some(Overlay::Form(kind, mut form)), false) = (form, matches!(e, Error::NotAllowed(_))) {
                let label = match &e {
                    Error::Invalid(inv) if inv.field == "PIN" => "PIN",
                    _ => "Name",
                };
                form.fail(label, e.to_string());
                clear_pins(&mut form);
                if app.overlay.is_none() {
                    app.overlay = Some(Overlay::Form(kind, form));
                }
            }
        }
    }
    app.want_load();
}

/// `d`: disable the selected clerk, after a y/n.
pub fn ask_disable(app: &mut App) {
    match app.office.clerks.selected().cloned() {
        None => app.error("No clerk selected"),
        Some(clerk) => app.overlay = Some(Overlay::Confirm(Confirm::DisableClerk { clerk })),
    }
}

pub fn disable(app: &mut App, clerk: Clerk) {
    let what = format!("disabling the clerk {}", clerk.name);
    app.write(Write::DisableClerk { name: clerk.name }, what);
}

pub fn disabled(app: &mut App, r: Result<Clerk>) {
    match r {
        Ok(c) => app.info(format!(
            "Disabled {} ({}): they can no longer sign in, and a terminal where they are signed in does nothing more",
            c.name, c.role
        )),
        Err(e) => {
            app.error(format!("Not disabled: {e}"));
            leave_if_not_allowed(app, &e);
        }
    }
    app.want_load();
}

/// A refusal by role closes the screen (its next read would only be
/// refused, and audited, again).
fn leave_if_not_allowed(app: &mut App, e: &Error) {
    if matches!(e, Error::NotAllowed(_)) && app.screen == Screen::Clerks {
        app.screen = Screen::Till;
    }
}

// ---- the refund override ------------------------------------------------------------

/// `o` on a cancel prompt: the engine is asked first whether this clerk may
/// (a clerk's refusal is audited); the form follows (`may_override`).
pub fn ask_override(app: &mut App) {
    let Some(Overlay::Confirm(Confirm::Cancel { booking, refund, .. })) = &app.overlay else { return };
    if refund.is_none() {
        return app.note(format!("The booking is {}: nothing was paid, so there is no refund to set", booking.status));
    }
    let booking = booking.clone();
    if !app.write_refused() {
        app.write(Write::MayOverride { booking }, "asking whether you may override the refund");
    }
}

/// The engine's answer to `o`: the form for the percentage and the reason,
/// over the cancel prompt it came from (if that is still open).
pub fn may_override(app: &mut App, booking: Booking, r: Result<crate::domain::Session>) {
    // A refusal is said even if the prompt closed meanwhile.
    if let Err(e) = r {
        return app.error(format!("No override: {e}; y cancels at the policy's {}%", app.policy().refund_percent));
    }
    let Some(Overlay::Confirm(Confirm::Cancel { booking: shown, refund_override, .. })) = &app.overlay else { return };
    if shown.id != booking.id {
        return;
    }
    let was = refund_override.clone();
    let percent = was.as_ref().map_or(app.policy().refund_percent, |o| o.percent);
    let mut form = Form::new(
        "Override the refund",
        vec![
            Field::new("Percent", "of the amount paid, 0 to 100").with_value(percent.to_string()).max(3),
            Field::new("Reason", "why (kept in the audit trail)")
                .with_value(was.as_ref().map_or("", |o| o.reason.as_str()))
                .max(MAX_REASON),
        ],
    );
    form.note = Some(format!(
        "Policy: {}%. Enter shows the new refund before y/n; Esc keeps the last one.",
        app.policy().refund_percent
    ));
    app.overlay = Some(Overlay::Form(FormKind::RefundOverride { booking: Box::new(booking), was }, form));
}

/// Enter in the override form: back to the cancel prompt, its refund
/// worked out at the new percentage.
pub fn submit_override(app: &mut App, booking: Box<Booking>, was: Option<RefundOverride>, mut form: Form) {
    // The note (the policy's share) stays; the last errors go.
    for f in &mut form.fields {
        f.error = None;
    }
    let percent = form.value("Percent").trim().trim_end_matches('%').trim().parse::<u8>().ok().filter(|p| *p <= 100);
    let reason = form.value("Reason").trim().to_string();
    let problem = match percent {
        None => Some(("Percent", "must be a whole number 0 to 100")),
        Some(_) if reason.is_empty() => Some(("Reason", "say why the refund differs from the policy")),
        Some(_) if reason.chars().count() > MAX_REASON => Some(("Reason", "must be at most 200 characters")),
        Some(_) => None,
    };
    if let Some((label, why)) = problem {
        app.error(format!("{label} {why}"));
        form.fail(label, why);
        app.overlay = Some(Overlay::Form(FormKind::RefundOverride { booking, was }, form));
        return;
    }
    let percent = percent.unwrap_or_default();
    let refund = Some(crate::domain::refund_split(booking.amount, percent));
    let policy = app.policy().refund_percent;
    app.note(format!("Refund set to {percent}% (policy {policy}%): y cancels with it, n keeps the booking"));
    let refund_override = Some(RefundOverride { percent, reason });
    app.overlay = Some(Overlay::Confirm(Confirm::Cancel { booking: *booking, refund, refund_override }));
}

/// Esc in the override form: the cancel prompt as it was.
pub fn keep_refund(app: &mut App, booking: Box<Booking>, was: Option<RefundOverride>) {
    let percent = was.as_ref().map_or(app.policy().refund_percent, |o| o.percent);
    let refund = Some(crate::domain::refund_split(booking.amount, percent));
    app.note("Refund not changed");
    app.overlay = Some(Overlay::Confirm(Confirm::Cancel { booking: *booking, refund, refund_override: was }));
}
