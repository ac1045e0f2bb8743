//! Events and customers: creating them (audited) and looking them up.

use super::{Desk, Replayed, Tx};
use crate::clock::to_millis;
use crate::domain::customer::{normalize_email, normalize_phone};
use crate::domain::ticket::STANDARD;
use crate::domain::{AuditAction, AuditEntity, Customer, Event, NewCustomer, NewEvent, NewTicketType};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::catalog;
use serde_json::json;

impl Desk {
    /// A new event with one ticket type, Standard, at its price (see
    /// `create_event_with_types` for several).
    pub fn create_event(&self, new: NewEvent) -> Result<Event> {
        let new = new.validate()?;
        let types = vec![NewTicketType::new(STANDARD, new.price)];
        self.create_event_with_types(new, types)
    }

    pub fn event(&self, id: &str) -> Result<Event> {
        catalog::get_event(&self.db, id)?.ok_or_else(|| Error::not_found("event", id))
    }

    pub fn events(&self, filter: &str, limit: usize) -> Result<Vec<Event>> {
        catalog::list_events(&self.db, filter, to_millis(self.now()), limit)
    }

    /// The customer with this email or phone if there is one, else a new one.
    /// An existing customer keeps their stored name.
    pub fn customer(&self, new: NewCustomer) -> Result<Replayed<Customer>> {
        let new = new.validate()?;
        self.write(|tx| {
            tx.signed_in()?;
            if let Some(c) = catalog::find_customer(tx, new.email.as_deref(), new.phone.as_deref())? {
                return Ok(Replayed { value: c, is_retry: true });
            }
            let c =
                Customer { id: tx.id(), name: new.name.clone(), email: new.email.clone(), phone: new.phone.clone() };
            catalog::insert_customer(tx, &c, tx.now_ms())?;
            tx.audit(NewAudit::new(AuditAction::CustomerCreated, AuditEntity::Customer, &c.id))?;
            Ok(Replayed { value: c, is_retry: false })
        })
    }

    pub fn find_customer(&self, email: Option<&str>, phone: Option<&str>) -> Result<Option<Customer>> {
        let email = email.map(normalize_email).transpose()?;
        let phone = phone.map(normalize_phone).transpose()?;
        catalog::find_customer(&self.db, email.as_deref(), phone.as_deref())
    }

    pub fn get_customer(&self, id: &str) -> Result<Customer> {
        catalog::get_customer(&self.db, id)?.ok_or_else(|| Error::not_found("customer", id))
    }

    pub fn search_customers(&self, text: &str, limit: usize) -> Result<Vec<Customer>> {
        catalog::search_customers(&self.db, text, limit)
    }
}

/// Writes a validated event and its audit row (which lists its types unless
/// they are the plain Standard one); the caller adds the types.
pub(super) fn insert_event(tx: &Tx<'_>, new: NewEvent, types: &[NewTicketType]) -> Result<Event> {
    let total = new.kind.total();
    let event = Event {
        id: tx.id(),
        name: new.name,
        description: new.description,
        starts_at: new.starts_at,
        kind: new.kind,
        total,
        available: total,
        price: new.price,
        currency: new.currency,
        created_at: tx.now,
    };
    catalog::insert_event(tx, &event)?;
    let mut details = json!({"name": event.name, "total": total, "price": event.price});
    if !NewTicketType::are_default(types, event.price) {
        details["types"] = types.iter().map(|t| json!({"name": t.name, "price": t.price, "limit": t.limit})).collect();
    }
    tx.audit(NewAudit {
        event_id: Some(&event.id),
        details: Some(details),
        ..NewAudit::new(AuditAction::EventCreated, AuditEntity::Event, &event.id)
    })?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{event, world};
    use crate::domain::{AuditAction, EventKind, NewCustomer};
    use crate::error::Error;

    #[test]
    fn a_new_event_has_every_seat_free_and_one_audit_row() {
        let w = world();
        assert_eq!((w.theatre.total, w.theatre.available), (12, 12));
        assert_eq!(w.desk.event(&w.ga.id).expect("gig"), w.ga);
        let created = w.rows_of(AuditAction::EventCreated);
        assert_eq!(created.len(), 2);
        assert_eq!((created[0].entity.as_str(), created[0].entity_id.as_str()), ("event", w.theatre.id.as_str()));
        assert_eq!(created[0].details["total"], 12);
    }

    #[test]
    fn a_bad_event_is_refused_and_writes_nothing() {
        let w = world();
        let before = w.audit().len();
        let bad = event("   ", EventKind::GeneralAdmission { capacity: 5 }, 100);
        assert!(matches!(w.desk.create_event(bad), Err(Error::Invalid(i)) if i.field == "name"));
        assert_eq!(w.desk.events("", 100).expect("events").len(), 2);
        assert_eq!(w.audit().len(), before);
    }

    #[test]
    fn the_same_email_is_the_same_customer_and_is_audited_once() {
        let w = world();
        let again = w
            .desk
            .customer(NewCustomer { name: "J. Doe".into(), email: Some("JANE@example.com".into()), phone: None })
            .expect("customer");
        assert!(again.is_retry);
        assert_eq!(again.value, w.jane, "the stored name is kept");
        assert_eq!(w.count(AuditAction::CustomerCreated), 1);
        assert_eq!(w.desk.find_customer(Some("jane@example.com"), None).expect("find"), Some(w.jane.clone()));
        assert!(matches!(w.desk.get_customer("nobody"), Err(Error::NotFound { what: "customer", .. })));
    }
}
