//! A customer's right to be forgotten: their name, email and phone are
//! replaced; their bookings, amounts and tickets stay for the accounts. The
//! erasure is audited by id only (audit rows never carry personal data), the
//! replaced bytes are zeroed in the file (every connection runs with
//! `secure_delete`, so neither this update nor any earlier move of the row
//! left a copy in free space), and the WAL is checkpointed and truncated so
//! no old page image keeps them either. PostgreSQL has no such controls for
//! a client: the old row version stays until VACUUM (see [`OldCopies`]).

use super::Desk;
use crate::domain::customer::{normalize_email, normalize_phone};
use crate::domain::{AuditAction, AuditEntity, Customer, Invalid};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, privacy};

/// What `erase_customer` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub customer_id: String,
    /// The customer's bookings, kept (now under the erased name).
    pub bookings: i64,
    /// They had been erased before: nothing changed.
    pub already: bool,
    /// Where copies of the replaced details may still be.
    pub old_copies: OldCopies,
}

/// Where the replaced name, email and phone may still be after an erasure
/// (backups made before it aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldCopies {
    /// Nowhere: the update zeroed them in the file and the WAL was
    /// checkpointed and emptied (SQLite; also when nothing was erased).
    None,
    /// In SQLite's `-wal` file until its next checkpoint: another process
    /// was reading, so it could not be emptied.
    Wal,
    /// PostgreSQL: the old row version stays in the table's files as a dead
    /// tuple until VACUUM (autovacuum, or `VACUUM customers`) reclaims it,
    /// and in the server's write-ahead log, archives and replicas until they
    /// are recycled. A client cannot zero them.
    Server,
}

/// The name an erased customer is shown under.
pub fn erased_name(id: &str) -> String {
    format!("erased customer {}", crate::ids::short(id))
}

impl Desk {
    /// Erases the customer named by `who`: their full id, email or phone.
    /// Supervisor only (the clerks feature's hook).
    pub fn erase_customer(&self, who: &str) -> Result<Erasure> {
        self.supervisor_only("erase a customer")?;
        let who = who.trim();
        if who.is_empty() {
            return Err(Invalid::new("customer", "give the customer's id, email or phone").into());
        }
        // Every connection runs with `secure_delete` on (store::prepare): what
        // the update replaces is zeroed, not left in the page's free space.
        let erased = self.write(|tx| {
            let c = find(tx, who)?;
            let bookings = privacy::bookings_of(tx, &c.id)?;
            if privacy::was_erased(tx, &c.id)? {
                return Ok(Erasure { customer_id: c.id, bookings, already: true, old_copies: OldCopies::None });
            }
            // The stand-in email is unique (the id) and can never be delivered (.invalid).
            let email = format!("erased-{}@erased.invalid", c.id.to_ascii_lowercase());
            if !privacy::erase_customer(tx, &c.id, &erased_name(&c.id), &email)? {
                return Err(Error::refused("the customer changed meanwhile; try again"));
            }
            tx.audit(NewAudit::new(AuditAction::CustomerErased, AuditEntity::Customer, &c.id))?;
            Ok(Erasure { customer_id: c.id, bookings, already: false, old_copies: OldCopies::Wal })
        });
        let mut erased = erased?;
        if !erased.already {
            erased.old_copies = match self.db.sqlite() {
                Some(conn) if conn.is_autocommit() && privacy::checkpoint_truncate(conn)? => OldCopies::None,
                Some(_) => OldCopies::Wal,
                None => OldCopies::Server,
            };
        }
        Ok(erased)
    }
}

/// The customer with this id, else this email, else this phone.
fn find(conn: &crate::store::db::Db, who: &str) -> Result<Customer> {
    if let Some(c) = catalog::get_customer(conn, who)? {
        return Ok(c);
    }
    let found = if who.contains('@') {
        catalog::find_customer(conn, Some(&normalize_email(who)?), None)?
    } else {
        let phone = normalize_phone(who)
            .map_err(|_| Invalid::new("customer", format!("'{who}' is not a customer id, an email or a phone")))?;
        catalog::find_customer(conn, None, Some(&phone))?
    };
    found.ok_or_else(|| Error::refused(format!("no customer has the id, email or phone '{who}'; nothing changed")))
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use super::*;
    use crate::domain::NewCustomer;

    #[test]
    fn erasing_replaces_the_contact_keeps_the_bookings_and_audits_ids_only() {
        let w = world();
        let c = w
            .desk
            .customer(NewCustomer {
                name: "Zebulon Quixote".into(),
                email: Some("zq@example.com".into()),
                phone: Some("+91 98765 43210".into()),
            })
            .expect("customer")
            .value;
        let e = w.desk.erase_customer("+919876543210").expect("erase by phone");
        assert_eq!((e.customer_id.as_str(), e.already, e.bookings), (c.id.as_str(), false, 0));
        let now = w.desk.get_customer(&c.id).expect("still there");
        assert_eq!(now.name, erased_name(&c.id));
        assert!(now.email.as_deref().is_some_and(|m| m.ends_with("@erased.invalid")));
        assert_eq!(now.phone, None);
        let rows = w.rows_of(AuditAction::CustomerErased);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].entity_id.as_str(), rows[0].details.to_string()), (c.id.as_str(), "{}".to_string()));
        // Again, by id: already done, nothing written.
        assert!(w.desk.erase_customer(&c.id).expect("again").already);
        assert_eq!(w.count(AuditAction::CustomerErased), 1);
        // Nobody by that email any more.
        assert!(matches!(w.desk.erase_customer("zq@example.com"), Err(Error::Refused(_))));
        assert!(matches!(w.desk.erase_customer("hello"), Err(Error::Invalid(_))));
    }
}
