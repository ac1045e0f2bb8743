//! Clerks: accounts with a role and a PIN, signing in (five wrong PINs in a
//! row lock a clerk out for five minutes, judged by the desk's clock like
//! every other deadline), and the role checks the other capabilities make.
//!
//! PINs are stored only as argon2id hashes (PHC strings: salt and parameters
//! inside). Hashing is slow on purpose, so it runs before the write
//! transaction, never while holding the file's write lock; the transaction
//! then re-reads the clerk and records the verdict.

use super::{Desk, Tx};
use crate::context::PinCost;
use crate::domain::staff::{self, DEMO_CLERK, DEMO_CLERK_PIN, DEMO_PIN, DEMO_SUPERVISOR, LEGACY_CLERK, MAX_WRONG_PINS};
use crate::domain::{AuditAction, AuditEntity, Clerk, Invalid, Role, Session};
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor, NewAudit};
use crate::store::staff as sql;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::json;

/// The demo supervisor's PIN (`1234`, shown on the sign-in screen) hashed
/// once, with the standard parameters: a new demo file stores this rather
/// than spending a hash on a PIN everyone knows (a test checks it verifies).
pub const DEMO_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVtby1zdXBlcnZpc29y$18VSeuDCM2GSNOoRNi2b15Le7leCzkLTzbDhUYAUPaY";

/// The demo clerk's PIN (`2222`) hashed once the same way: the demo shows
/// a clerk refused a supervisor's work without a hash at every seeding.
pub const DEMO_CLERK_PIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVtby1jbGVyay1hc2hh$tG8FenBfEsLf11fr4j/DNQ+4z5tNUQ2uO44vN1uQW9Y";

fn hasher(cost: PinCost) -> Argon2<'static> {
    match cost {
        PinCost::Standard => Argon2::default(),
        PinCost::Fast => match Params::new(8, 1, 1, None) {
            Ok(params) => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            Err(_) => Argon2::default(),
        },
    }
}

/// A PHC string for `pin` with a fresh random salt.
pub(crate) fn hash_pin(pin: &str, cost: PinCost) -> Result<String> {
    let bytes = crate::ids::os_random_bits();
    let mut salt_bytes = [0u8; 16];
    salt_bytes[..10].copy_from_slice(&bytes);
    salt_bytes[10..].copy_from_slice(&crate::ids::os_random_bits()[..6]);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| Error::Storage(format!("cannot salt the PIN: {e}")))?;
    hasher(cost)
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Storage(format!("cannot hash the PIN: {e}")))
}

/// Whether `pin` is the one `phc` was made from. A damaged hash never matches.
pub(crate) fn pin_matches(pin: &str, phc: &str) -> bool {
    // The demo's hash is of the public demo PIN: comparing the PIN says the same
    // as hashing it would, without the cost (every script signs in as demo).
    if phc == DEMO_PIN_HASH {
        return pin == DEMO_PIN;
    }
    if phc == DEMO_CLERK_PIN_HASH {
        return pin == DEMO_CLERK_PIN;
    }
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}

/// Refused unless the session's clerk still exists, has a PIN and is enabled.
pub(super) fn still_enabled(tx: &Tx<'_>, session: &Session) -> Result<Clerk> {
    match sql::clerk_by_id(tx, session.id())? {
        Some((clerk, _)) if clerk.is_enabled() => Ok(clerk),
        _ => Err(Error::refused(format!("{}'s account was disabled: sign in as another clerk", session.name()))),
    }
}

/// `Error::NotAllowed` unless the clerk's role in the file now allows `role`'s work.
pub(super) fn has_role(tx: &Tx<'_>, session: &Session, role: Role, what: &str) -> Result<()> {
    let clerk = still_enabled(tx, session)?;
    if role == Role::Supervisor && clerk.role != Role::Supervisor {
        return Err(Error::NotAllowed(Box::new(crate::error::NotAllowed {
            what: what.to_string(),
            clerk: session.name().to_string(),
            clerk_id: session.id().to_string(),
        })));
    }
    Ok(())
}

/// How a sign-in attempt ended, as the transaction recorded it.
enum Verdict {
    In(Session),
    Wrong { left: u32 },
    Locked(chrono::DateTime<chrono::Utc>),
}

impl Desk {
    /// Signs `name` in with `pin`: from now on this desk acts as that clerk.
    /// A wrong PIN is counted (and audited); the fifth in a row locks the
    /// clerk out for five minutes (audited too). A locked, disabled or
    /// unknown clerk is refused and nothing is written.
    pub fn sign_in(&self, name: &str, pin: &str) -> Result<Session> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(Invalid::new("name", "type your name").into());
        }
        staff::pin(pin)?;
        let wrong = || Error::refused("wrong name or PIN");
        let Some((clerk, Some(hash))) = sql::clerk_by_name(&self.db, &name)? else {
            return Err(wrong());
        };
        let now = self.now();
        refuse_unusable(&clerk, now)?;
        let matches = pin_matches(pin, &hash);
        let verdict = self.write(|tx| {
            // Re-read: another terminal may have counted a wrong PIN, locked,
            // disabled or re-keyed the clerk while the PIN was being hashed.
            let Some((clerk, Some(now_hash))) = sql::clerk_by_id(tx, &clerk.id)? else {
                return Err(wrong());
            };
            refuse_unusable(&clerk, tx.now)?;
            let me = Actor { name: &clerk.name, clerk_id: Some(&clerk.id) };
            if matches && now_hash == hash {
                sql::set_pin_failures(tx, &clerk.id, 0, None)?;
                audit::insert(
                    tx,
                    &tx.staff_id(),
                    tx.now_ms(),
                    me,
                    &NewAudit::new(AuditAction::ClerkSignedIn, AuditEntity::Clerk, &clerk.id),
                )?;
                return Ok(Verdict::In(Session::new(clerk.id.clone(), clerk.name.clone(), clerk.role)));
            }
            let failed = clerk.failed_pins + 1;
            let lock = (failed >= MAX_WRONG_PINS).then(|| tx.now + staff::lock_period());
            // A lock starts the count again: five more tries once it ends.
            let kept = if lock.is_some() { 0 } else { failed };
            sql::set_pin_failures(tx, &clerk.id, kept, lock.map(crate::clock::to_millis))?;
            audit::insert(
                tx,
                &tx.staff_id(),
                tx.now_ms(),
                me,
                &NewAudit {
                    details: Some(json!({"wrong_pins_in_a_row": failed})),
                    ..NewAudit::new(AuditAction::ClerkPinWrong, AuditEntity::Clerk, &clerk.id)
                },
            )?;
            if let Some(until) = lock {
                audit::insert(
                    tx,
                    &tx.staff_id(),
                    tx.now_ms(),
                    me,
                    &NewAudit {
                        details: Some(json!({"locked_until": until.to_rfc3339(), "wrong_pins": failed})),
                        ..NewAudit::new(AuditAction::ClerkLocked, AuditEntity::Clerk, &clerk.id)
                    },
                )?;
                return Ok(Verdict::Locked(until));
            }
            Ok(Verdict::Wrong { left: MAX_WRONG_PINS - failed })
        })?;
        match verdict {
            Verdict::In(session) => {
                self.act_as(Some(session.clone()));
                Ok(session)
            }
            Verdict::Wrong { left } => Err(Error::refused(format!(
                "wrong name or PIN ({left} more wrong PIN{} and {} is locked for 5 minutes)",
                if left == 1 { "" } else { "s" },
                clerk.name
            ))),
            Verdict::Locked(until) => Err(locked(&clerk.name, until)),
        }
    }

    /// The idle lock's unlock: the signed-in clerk's own PIN again (counted
    /// and locked out like any sign-in).
    pub fn unlock(&self, pin: &str) -> Result<Session> {
        let Some(session) = self.clerk() else {
            return Err(Error::refused("nobody is signed in here: sign in"));
        };
        self.sign_in(session.name(), pin)
    }

    /// Signs the clerk out (audited): the desk acts as its terminal again.
    pub fn sign_out(&self) -> Result<()> {
        let Some(session) = self.clerk() else { return Ok(()) };
        self.write(|tx| tx.audit_staff(NewAudit::new(AuditAction::ClerkSignedOut, AuditEntity::Clerk, session.id())))?;
        self.act_as(None);
        Ok(())
    }

    /// Whether the file has never had a clerk who can sign in: then the app
    /// asks for its first supervisor.
    pub fn needs_first_supervisor(&self) -> Result<bool> {
        Ok(sql::clerks_with_pins(&self.db)? == 0)
    }

    /// Whether the sign-in screen may show the demo supervisor's name and
    /// PIN: the file has the demo supervisor, enabled, with the demo PIN.
    pub fn demo_sign_in_shown(&self) -> Result<bool> {
        Ok(match sql::clerk_by_name(&self.db, DEMO_SUPERVISOR)? {
            Some((clerk, Some(hash))) => clerk.is_enabled() && hash == DEMO_PIN_HASH,
            _ => false,
        })
    }

    /// Makes the file's first supervisor and signs them in: only while no
    /// clerk who could sign in exists (a new file without demo data, or one
    /// from before clerks). Audited as the new supervisor.
    pub fn create_first_supervisor(&self, name: &str, pin: &str) -> Result<Session> {
        let name = staff::clerk_name(name)?;
        let hash = hash_pin(staff::pin(pin)?, self.ctx.config.pin_cost)?;
        let session = self.write(|tx| {
            if sql::clerks_with_pins(tx)? > 0 {
                return Err(Error::refused("this file already has clerks: sign in, or ask a supervisor"));
            }
            insert_clerk(tx, &name, Role::Supervisor, &hash, true)
        })?;
        self.act_as(Some(session.clone()));
        Ok(session)
    }

    /// A new clerk account (supervisors only). The PIN is hashed before the
    /// transaction; names are unique whatever their case.
    pub fn add_clerk(&self, name: &str, role: Role, pin: &str) -> Result<Clerk> {
        let name = staff::clerk_name(name)?;
        staff::pin(pin)?;
        if name.eq_ignore_ascii_case(LEGACY_CLERK) {
            return Err(Invalid::new("name", "'legacy' is kept for sales made before clerks").into());
        }
        // Refuse a clerk before spending a hash on their request.
        self.permit(Role::Supervisor, "manage clerks")?;
        let hash = hash_pin(pin, self.ctx.config.pin_cost)?;
        self.write(|tx| {
            tx.require(Role::Supervisor, "manage clerks")?;
            let session = insert_clerk(tx, &name, role, &hash, false)?;
            let (clerk, _) =
                sql::clerk_by_id(tx, session.id())?.ok_or_else(|| Error::not_found("clerk", session.id()))?;
            Ok(clerk)
        })
    }

    /// Disables a clerk (supervisors only): they cannot sign in, and a desk
    /// where they are signed in can do nothing more. The last enabled
    /// supervisor stays, so the file never ends up with nobody to manage it.
    pub fn disable_clerk(&self, name: &str) -> Result<Clerk> {
        self.write(|tx| {
            tx.require(Role::Supervisor, "manage clerks")?;
            let (clerk, _) = sql::clerk_by_name(tx, name.trim())?
                .ok_or_else(|| Error::refused(format!("no clerk named '{}'", name.trim())))?;
            if clerk.disabled_at.is_some() {
                return Err(Error::refused(format!("{} is already disabled", clerk.name)));
            }
            if clerk.role == Role::Supervisor && clerk.has_pin && sql::active_supervisors(tx)? <= 1 {
                return Err(Error::refused(format!(
                    "{} is the last supervisor who can sign in: add another supervisor first",
                    clerk.name
                )));
            }
            // Not oneself: the screen (or command) doing it would stop working
            // halfway, and another supervisor should see it done.
            if tx.clerk.as_ref().is_some_and(|me| me.id() == clerk.id) {
                return Err(Error::refused(format!(
                    "{} cannot disable their own account: another supervisor must do it",
                    clerk.name
                )));
            }
            sql::disable_clerk(tx, &clerk.id, tx.now_ms())?;
            tx.audit_staff(NewAudit {
                details: Some(json!({"name": clerk.name, "role": clerk.role.as_str()})),
                ..NewAudit::new(AuditAction::ClerkDisabled, AuditEntity::Clerk, &clerk.id)
            })?;
            Ok(Clerk { disabled_at: Some(tx.now), ..clerk })
        })
    }

    /// The signed-in clerk's live sales, soonest deadline first: each ACTIVE
    /// hold they made and its booking awaiting payment, if any. What they see
    /// after a restart, or at another terminal, to resume or release.
    pub fn own_live_sales(&self) -> Result<Vec<(crate::domain::Hold, Option<crate::domain::Booking>)>> {
        let Some(me) = self.clerk() else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (hold_id, _) in sql::live_holds_of(&self.db, me.id())? {
            let hold = self.get_hold(&hold_id)?;
            let booking = self.booking_for_hold(&hold_id)?;
            out.push((hold, booking));
        }
        Ok(out)
    }

    /// Every clerk account, enabled ones first, by name.
    pub fn clerks(&self) -> Result<Vec<Clerk>> {
        sql::clerks(&self.db)
    }

    /// Every clerk account, for the supervisor's Clerks screen: refused
    /// (and audited) unless the signed-in clerk is a supervisor now.
    pub fn clerks_to_manage(&self) -> Result<Vec<Clerk>> {
        self.permit(Role::Supervisor, "manage clerks")?;
        sql::clerks(&self.db)
    }

    /// The signed-in clerk if their role allows `what`, read from the file
    /// now; a refusal is audited. For work outside one write transaction
    /// (reads, jobs run by hand).
    pub fn permit(&self, role: Role, what: &str) -> Result<Session> {
        let Some(session) = self.clerk() else {
            return Err(Error::refused("sign in first: only a signed-in clerk may do that"));
        };
        let clerk = match sql::clerk_by_id(&self.db, session.id())? {
            Some((clerk, _)) if clerk.is_enabled() => clerk,
            _ => {
                return Err(Error::refused(format!(
                    "{}'s account was disabled: sign in as another clerk",
                    session.name()
                )));
            }
        };
        if role == Role::Supervisor && clerk.role != Role::Supervisor {
            let e = Error::NotAllowed(Box::new(crate::error::NotAllowed {
                what: what.to_string(),
                clerk: session.name().to_string(),
                clerk_id: session.id().to_string(),
            }));
            self.record_refusal(&e);
            return Err(e);
        }
        Ok(session)
    }

    /// Writes the ACCESS_REFUSED row of a refusal, in a transaction of its
    /// own (the refused operation rolled back). Best effort: if even this
    /// cannot be written, the clerk still gets the refusal, and the log says so.
    pub(super) fn record_refusal(&self, e: &Error) {
        let Error::NotAllowed(refused) = e else { return };
        let crate::error::NotAllowed { what, clerk, clerk_id } = refused.as_ref();
        let written = self.write(|tx| {
            audit::insert(
                tx,
                &tx.staff_id(),
                tx.now_ms(),
                Actor { name: clerk, clerk_id: Some(clerk_id) },
                &NewAudit {
                    details: Some(json!({"operation": what, "needs": Role::Supervisor.as_str()})),
                    ..NewAudit::new(AuditAction::AccessRefused, AuditEntity::Clerk, clerk_id)
                },
            )
        });
        if let Err(err) = written {
            tracing::warn!(%err, clerk, what, "could not audit a refused operation");
        }
    }

    /// The demo supervisor of a new demo file (its PIN hash precomputed),
    /// signed in; for `demo::seed` only, inside its one transaction.
    pub(crate) fn add_demo_supervisor(&self) -> Result<Session> {
        self.write(|tx| insert_clerk(tx, DEMO_SUPERVISOR, Role::Supervisor, DEMO_PIN_HASH, true))
    }

    /// The demo's clerk (role clerk), added by the demo supervisor: a
    /// script signs in as them to see a supervisor's work refused.
    pub(crate) fn add_demo_clerk(&self) -> Result<Session> {
        self.write(|tx| insert_clerk(tx, DEMO_CLERK, Role::Clerk, DEMO_CLERK_PIN_HASH, false))
    }
}

/// Refuses a clerk who cannot sign in now: disabled, no PIN, or locked.
fn refuse_unusable(clerk: &Clerk, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    if !clerk.is_enabled() {
        return Err(Error::refused(format!("{} cannot sign in: the account is disabled", clerk.name)));
    }
    if let Some(until) = clerk.locked_until.filter(|until| *until > now) {
        return Err(locked(&clerk.name, until));
    }
    Ok(())
}

fn locked(name: &str, until: chrono::DateTime<chrono::Utc>) -> Error {
    Error::refused(format!(
        "{name} is locked after {MAX_WRONG_PINS} wrong PINs until {} UTC; try again then, or ask a supervisor",
        until.format("%H:%M:%S")
    ))
}

/// Writes a clerk and its CLERK_ADDED row. `as_self`: the row is written as
/// the new clerk (a first supervisor, the demo's), else as the signed-in one.
fn insert_clerk(tx: &Tx<'_>, name: &str, role: Role, hash: &str, as_self: bool) -> Result<Session> {
    if sql::clerk_by_name(tx, name)?.is_some() {
        return Err(Error::refused(format!("there is already a clerk named '{name}'")));
    }
    let id = tx.staff_id();
    sql::insert_clerk(tx, &id, name, role, hash, tx.now_ms())?;
    let row = NewAudit {
        details: Some(json!({"name": name, "role": role.as_str()})),
        ..NewAudit::new(AuditAction::ClerkAdded, AuditEntity::Clerk, &id)
    };
    if as_self {
        audit::insert(tx, &tx.staff_id(), tx.now_ms(), Actor { name, clerk_id: Some(&id) }, &row)?;
    } else {
        tx.audit_staff(row)?;
    }
    Ok(Session::new(id, name.to_string(), role))
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use super::*;

    #[test]
    fn the_demo_hash_is_the_demo_pin_hashed_with_the_standard_parameters() {
        let h = PasswordHash::new(DEMO_PIN_HASH).expect("a PHC string");
        assert!(Argon2::default().verify_password(DEMO_PIN.as_bytes(), &h).is_ok());
        assert!(Argon2::default().verify_password(b"1235", &h).is_err());
        assert_eq!(h.params.get_decimal("m"), Some(19_456), "the crate's default cost");
        assert!(!pin_matches("4321", DEMO_PIN_HASH));
        let h = PasswordHash::new(DEMO_CLERK_PIN_HASH).expect("a PHC string");
        assert!(Argon2::default().verify_password(DEMO_CLERK_PIN.as_bytes(), &h).is_ok());
        assert!(Argon2::default().verify_password(b"2223", &h).is_err());
    }

    #[test]
    fn hashes_are_salted_and_verify_only_their_pin() {
        let a = hash_pin("123456", PinCost::Fast).expect("hash");
        let b = hash_pin("123456", PinCost::Fast).expect("hash");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(!a.contains("123456"));
        assert!(pin_matches("123456", &a) && pin_matches("123456", &b));
        assert!(!pin_matches("123457", &a));
        assert!(!pin_matches("123456", "not a hash"));
    }

    #[test]
    fn a_clerk_disabled_while_signed_in_can_do_nothing_more() {
        let w = world();
        let ravi = w.as_clerk("Ravi");
        w.as_supervisor();
        w.desk.disable_clerk("Ravi").expect("disable");
        assert_eq!(w.count(AuditAction::ClerkDisabled), 1);
        // A stale session (another terminal where Ravi was signed in) sells nothing.
        w.desk.act_as(Some(ravi));
        let before = w.audit().len();
        let e = w.desk.hold(super::super::testing::request(&w.ga, super::super::testing::count(1), None));
        assert!(e.expect_err("disabled").to_string().contains("Ravi's account was disabled"));
        assert!(w.desk.sign_in("Ravi", "2222").expect_err("disabled").to_string().contains("disabled"));
        assert_eq!(w.audit().len(), before);
        w.verified();
    }

    #[test]
    fn a_supervisor_cannot_disable_themself_nor_the_last_supervisor() {
        let w = world();
        w.desk.add_clerk("Meera", Role::Supervisor, "4321").expect("a second supervisor");
        let me = w.desk.clerk().expect("signed in").name().to_string();
        let before = w.audit().len();
        let e = w.desk.disable_clerk(&me).expect_err("themself");
        assert!(e.to_string().contains("cannot disable their own account"), "{e}");
        assert_eq!(w.audit().len(), before, "nothing written");
        assert!(w.desk.clerks().expect("list").iter().all(|c| c.disabled_at.is_none() || c.name != me));
        // Meera may disable them; then Meera is the last and stays.
        w.desk.sign_in("Meera", "4321").expect("Meera");
        w.desk.disable_clerk(&me).expect("another supervisor may");
        let e = w.desk.disable_clerk("Meera").expect_err("the last one");
        assert!(e.to_string().contains("last supervisor"), "{e}");
        w.verified();
    }

    #[test]
    fn only_a_supervisor_reads_the_clerks_to_manage_and_a_refusal_is_audited() {
        let w = world();
        assert_eq!(w.desk.clerks_to_manage().expect("Sue may").len(), 1);
        w.as_clerk("Ravi");
        let e = w.desk.clerks_to_manage().expect_err("a clerk may not");
        assert!(matches!(e, Error::NotAllowed(_)), "{e}");
        assert_eq!(e.to_string(), "only a supervisor may manage clerks; Ravi is signed in as a clerk");
        assert_eq!(w.count(AuditAction::AccessRefused), 1);
    }

    #[test]
    fn five_wrong_pins_lock_the_clerk_for_five_minutes_and_each_is_audited() {
        let w = world();
        w.desk.add_clerk("Ravi", Role::Clerk, "4321").expect("add");
        for n in 1..=4 {
            let e = w.desk.sign_in("ravi", "0000").expect_err("wrong");
            assert!(e.to_string().contains(&format!("{} more wrong PIN", 5 - n)), "{e}");
        }
        let e = w.desk.sign_in("Ravi", "0000").expect_err("fifth");
        assert!(e.to_string().contains("locked after 5 wrong PINs until 09:05:00"), "{e}");
        assert_eq!(w.count(AuditAction::ClerkPinWrong), 5);
        assert_eq!(w.count(AuditAction::ClerkLocked), 1);
        // Locked: even the right PIN is refused, and nothing more is written.
        let before = w.audit().len();
        assert!(w.desk.sign_in("Ravi", "4321").expect_err("locked").to_string().contains("locked"));
        assert_eq!(w.audit().len(), before);
        w.advance_minutes(5);
        let ravi = w.desk.sign_in("Ravi", "4321").expect("the lock ran out");
        assert_eq!((ravi.name(), ravi.role()), ("Ravi", Role::Clerk));
        assert_eq!(w.desk.clerk().as_ref(), Some(&ravi));
        w.verified();
    }
}
