//! Recovery heals what a crash could leave behind (each fix audited); `verify`
//! names every broken invariant of DESIGN.md.

use super::Desk;
use crate::domain::{AuditAction, AuditEntity};
use crate::error::Result;
use crate::store::audit::NewAudit;
use crate::store::{catalog, checks, sales};
use serde_json::json;

/// One violated invariant, in words.
pub type Violation = String;

impl Desk {
    /// Heals what a crash could leave behind; each fix is audited. Returns the
    /// number of fixes.
    pub fn recover(&self) -> Result<usize> {
        self.write(|tx| {
            let mut fixes = 0;
            // Seat labels still marked live whose owner is gone.
            for (hold_id, event_id, label) in checks::orphan_seats(tx)? {
                sales::free_seat(tx, &hold_id, &label)?;
                tx.audit(NewAudit {
                    event_id: Some(&event_id),
                    hold_id: Some(&hold_id),
                    details: Some(json!({"label": label})),
                    ..NewAudit::new(AuditAction::RecoveryFreedSeat, AuditEntity::Hold, &hold_id)
                })?;
                fixes += 1;
            }
            // Free-pool counts that drifted from what holds and bookings own.
            for (event_id, available, expected) in checks::drift(tx)? {
                catalog::set_available(tx, &event_id, expected)?;
                tx.audit(NewAudit {
                    event_id: Some(&event_id),
                    details: Some(json!({"was": available, "now": expected})),
                    ..NewAudit::new(AuditAction::RecoveryHealedAvailable, AuditEntity::Event, &event_id)
                })?;
                fixes += 1;
            }
            Ok(fixes)
        })
    }

    /// Every broken invariant of DESIGN.md, in words, and any stored setting
    /// that is not a valid value; empty when all hold.
    pub fn verify(&self) -> Result<Vec<Violation>> {
        let mut found = checks::verify(&self.db)?;
        found.extend(self.settings()?.problems.into_iter().map(|p| format!("settings: {p}")));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{seats, world};
    use super::*;

    #[test]
    fn a_healthy_file_needs_no_recovery() {
        let w = world();
        let before = w.audit().len();
        assert_eq!(w.desk.recover().expect("recover"), 0);
        assert_eq!(w.audit().len(), before, "nothing to fix, nothing written");
        w.verified();
    }

    #[test]
    fn a_drifted_pool_and_an_orphaned_seat_are_found_then_healed() {
        let w = world();
        let hold = w.hold(&w.theatre, seats(&["B2"]));
        w.desk.release(&hold.id).expect("release");
        // What a crash half-way through a hand edit could leave: the released
        // hold's seat still marked taken, and the gig's free pool off by 3.
        let conn = w.desk.conn();
        conn.execute("UPDATE hold_seats SET live = 1 WHERE hold_id = ?1", [&hold.id]).expect("orphan");
        conn.execute("UPDATE events SET available = available - 3 WHERE id = ?1", [&w.ga.id]).expect("drift");
        let broken = w.desk.verify().expect("verify");
        assert!(broken.iter().any(|v| v.contains("seat B2") && v.contains("no longer owns it")), "{broken:?}");
        assert!(broken.iter().any(|v| v.starts_with("invariant 1 seat count") && v.contains("Gig")), "{broken:?}");

        assert_eq!(w.desk.recover().expect("recover"), 2);
        w.verified();
        assert_eq!(w.available(&w.ga), 10);
        let freed = &w.rows_of(AuditAction::RecoveryFreedSeat)[0];
        assert_eq!((freed.entity_id.as_str(), freed.details["label"].as_str()), (hold.id.as_str(), Some("B2")));
        let healed = &w.rows_of(AuditAction::RecoveryHealedAvailable)[0];
        assert_eq!((healed.details["was"].as_i64(), healed.details["now"].as_i64()), (Some(7), Some(10)));
        assert_eq!(w.desk.recover().expect("again"), 0, "healing is done once");
    }
}
