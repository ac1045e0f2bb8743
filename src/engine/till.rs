//! The till: a clerk's shift, opened with a float and closed with the counted
//! cash, and the cash-up (Z report) of a shift or a day. Every payment
//! attempt and refund belongs to the open shift of the clerk who makes it;
//! a clerk who takes money with no shift open gets one opened there and then,
//! with a float of 0 (audited like any opening), so selling never stops for
//! it. A closed shift never changes: the engine refuses, and triggers in the
//! file refuse too.

use super::{Desk, Tx};
use crate::clock::to_millis;
use crate::domain::money::MAX_PRICE;
use crate::domain::settings::start_of_day;
use crate::domain::{AuditAction, AuditEntity, CashUp, Invalid, Role, Session, Shift};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::staff as sql;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// Which cash-ups to read: one shift, a clerk's, a day's (the shifts opened
/// that day in the venue's time zone).
/// With nothing set: the signed-in clerk's newest shift.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CashupQuery {
    pub shift_id: Option<String>,
    pub clerk: Option<String>,
    pub date: Option<NaiveDate>,
}

impl Desk {
    /// Opens the signed-in clerk's shift with `float` (minor units of the
    /// till's currency, `Config::currency`) in the drawer.
    pub fn open_shift(&self, float: i64) -> Result<Shift> {
        if !(0..=MAX_PRICE).contains(&float) {
            return Err(Invalid::new("float", "must be 0 or more (and at most 10^10 minor units)").into());
        }
        self.write(|tx| {
            let me = tx.signed_in()?;
            sql::lock_clerk(tx, me.id())?;
            if let Some(open) = sql::open_shift_of(tx, me.id())? {
                return Err(Error::refused(format!(
                    "{} already has a shift open since {} UTC: close it first",
                    me.name(),
                    open.opened_at.format("%H:%M")
                )));
            }
            start_shift(tx, me, float, false)
        })
    }

    /// The signed-in clerk's open shift, if any.
    pub fn current_shift(&self) -> Result<Option<Shift>> {
        match self.clerk() {
            Some(me) => sql::open_shift_of(&self.db, me.id()),
            None => Ok(None),
        }
    }

    /// Closes a shift with the cash counted in its drawer: the expected cash
    /// (float + cash sales − cash refunds) is fixed beside it and the shift
    /// never changes again. A clerk closes their own; a supervisor any.
    pub fn close_shift(&self, shift_id: &str, counted: i64) -> Result<CashUp> {
        if !(0..=MAX_PRICE * 1000).contains(&counted) {
            return Err(Invalid::new("counted cash", "must be 0 or more").into());
        }
        self.write(|tx| {
            let me = tx.signed_in()?;
            let shift = sql::get_shift(tx, shift_id)?.ok_or_else(|| Error::not_found("shift", shift_id))?;
            // Its clerk's payments wait until it is closed (PostgreSQL), then open another.
            sql::lock_clerk(tx, &shift.clerk_id)?;
            let shift = sql::get_shift(tx, shift_id)?.ok_or_else(|| Error::not_found("shift", shift_id))?;
            if shift.clerk_id != me.id() {
                tx.require(Role::Supervisor, "close another clerk's shift")?;
            }
            if let Some(at) = shift.closed_at {
                return Err(Error::refused(format!(
                    "the shift was already closed at {} UTC; a closed shift never changes",
                    at.format("%Y-%m-%d %H:%M")
                )));
            }
            let open = CashUp { lines: sql::shift_lines(tx, &shift.id)?, shift: shift.clone() };
            let expected = open.expected_cash();
            if !sql::close_shift(tx, &shift.id, tx.now_ms(), counted, expected)? {
                return Err(Error::refused("the shift was closed meanwhile; look at its cash-up"));
            }
            tx.audit_staff(NewAudit {
                details: Some(json!({
                    "clerk": shift.clerk_name, "currency": shift.currency, "float": shift.opening_float,
                    "cash_sales": open.cash_sales(), "cash_refunds": open.cash_refunds(),
                    "expected_cash": expected, "counted_cash": counted, "difference": counted - expected,
                })),
                ..NewAudit::new(AuditAction::ShiftClosed, AuditEntity::Shift, &shift.id)
            })?;
            Ok(CashUp {
                shift: Shift {
                    closed_at: Some(tx.now),
                    counted_cash: Some(counted),
                    expected_cash: Some(expected),
                    ..shift
                },
                lines: open.lines,
            })
        })
    }

    /// One shift's cash-up (its full id or the last 8+ characters): the
    /// clerk's own, or any for a supervisor.
    pub fn cashup(&self, shift_id: &str) -> Result<CashUp> {
        let text = shift_id.trim();
        let shift = match sql::get_shift(&self.db, text)? {
            Some(shift) => shift,
            None if text.len() >= 8 => match sql::shifts_ending(&self.db, &text.to_ascii_lowercase(), 2)?.as_slice() {
                [one] => sql::get_shift(&self.db, one)?.ok_or_else(|| Error::not_found("shift", one))?,
                [] => return Err(Error::not_found("shift", text)),
                _ => return Err(Error::refused(format!("more than one shift id ends in {text}; give more of it"))),
            },
            None => return Err(Error::not_found("shift", text)),
        };
        self.may_see(&shift.clerk_id)?;
        Ok(CashUp { lines: sql::shift_lines(&self.db, &shift.id)?, shift })
    }

    /// The cash-ups a query names, oldest first. A clerk sees only their own
    /// shifts (asking for another clerk's is refused and audited); a
    /// supervisor sees every clerk's.
    pub fn cashups(&self, q: &CashupQuery) -> Result<Vec<CashUp>> {
        let Some(me) = self.clerk() else {
            return Err(Error::refused("sign in first: a cash-up is for a signed-in clerk"));
        };
        if let Some(id) = &q.shift_id {
            return Ok(vec![self.cashup(id)?]);
        }
        let clerk_id = match &q.clerk {
            Some(name) => {
                let (clerk, _) = sql::clerk_by_name(&self.db, name.trim())?
                    .ok_or_else(|| Error::refused(format!("no clerk named '{}'", name.trim())))?;
                self.may_see(&clerk.id)?;
                Some(clerk.id)
            }
            // A clerk's day is their own shifts of the day; a supervisor's, everyone's.
            None if q.date.is_some() && self.permit_quietly(Role::Supervisor, &me)? => None,
            None => Some(me.id().to_string()),
        };
        let shifts = match (q.date, &clerk_id) {
            (Some(day), _) => {
                let zone = self.zone()?;
                let end = day.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, |next| start_of_day(next, zone));
                sql::shifts_opened(&self.db, to_millis(start_of_day(day, zone)), to_millis(end), clerk_id.as_deref())?
            }
            (None, Some(id)) => sql::latest_shift_of(&self.db, id)?.into_iter().collect(),
            (None, None) => Vec::new(),
        };
        shifts.into_iter().map(|shift| Ok(CashUp { lines: sql::shift_lines(&self.db, &shift.id)?, shift })).collect()
    }

    /// Refused (and audited) unless the signed-in clerk is `clerk_id` or a supervisor.
    fn may_see(&self, clerk_id: &str) -> Result<()> {
        let Some(me) = self.clerk() else {
            return Err(Error::refused("sign in first: a cash-up is for a signed-in clerk"));
        };
        if me.id() != clerk_id {
            self.permit(Role::Supervisor, "see another clerk's cash-up")?;
        } else {
            self.permit(Role::Clerk, "see a cash-up")?;
        }
        Ok(())
    }

    /// Whether `me` has `role` now, without auditing a no.
    fn permit_quietly(&self, role: Role, me: &Session) -> Result<bool> {
        Ok(match sql::clerk_by_id(&self.db, me.id())? {
            Some((clerk, _)) => clerk.is_enabled() && (role == Role::Clerk || clerk.role == Role::Supervisor),
            None => false,
        })
    }
}

/// The shift money taken or paid back now belongs to: the signed-in clerk's
/// open shift, opened here with a float of 0 if they have none.
pub(super) fn shift_for_money(tx: &Tx<'_>) -> Result<Shift> {
    let me = tx.signed_in()?;
    sql::lock_clerk(tx, me.id())?;
    match sql::open_shift_of(tx, me.id())? {
        Some(shift) => Ok(shift),
        None => start_shift(tx, me, 0, true),
    }
}

fn start_shift(tx: &Tx<'_>, me: &Session, float: i64, by_payment: bool) -> Result<Shift> {
    let shift = Shift {
        id: tx.staff_id(),
        clerk_id: me.id().to_string(),
        clerk_name: me.name().to_string(),
        currency: tx.policy()?.currency,
        opening_float: float,
        opened_at: tx.now,
        closed_at: None,
        counted_cash: None,
        expected_cash: None,
    };
    sql::insert_shift(tx, &shift)?;
    let mut details = json!({"float": float, "currency": shift.currency});
    if by_payment {
        details["opened_by"] = "the clerk's first payment or refund with no shift open".into();
    }
    tx.audit_staff(NewAudit {
        details: Some(details),
        ..NewAudit::new(AuditAction::ShiftOpened, AuditEntity::Shift, &shift.id)
    })?;
    Ok(shift)
}
