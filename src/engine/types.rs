//! Ticket types: an event's priced kinds of seat. Added with the event or
//! later, edited (a price change never touches existing bookings: each keeps
//! the price it was sold at), retired (never deleted: past sales keep their
//! type). The event's `price` follows its first type on sale. Each change is
//! one audited transaction.

use super::{Desk, Tx};
use crate::domain::Role;
use crate::domain::ticket::quote;
use crate::domain::{
    AuditAction, AuditEntity, BookingItem, Event, Invalid, NewEvent, NewTicketType, TicketType, TypeCount, TypeSales,
};
use crate::error::{Error, Result};
use crate::store::audit::NewAudit;
use crate::store::{catalog, tickets};
use serde_json::json;

/// A type on sale and how many seats its limit still allows (`None`: no limit).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeOnSale {
    pub ticket_type: TicketType,
    pub left: Option<u64>,
}

impl Desk {
    /// A new event whose seats sell as these types, in this order (the first
    /// is what a plain booking sells; the event's price is its price). At
    /// least one type.
    pub fn create_event_with_types(&self, new: NewEvent, types: Vec<NewTicketType>) -> Result<Event> {
        let types = checked_types(types)?;
        let new = NewEvent { price: types[0].price, ..new }.validate()?;
        self.write(|tx| {
            tx.require(Role::Supervisor, "create events")?;
            let event = super::catalog::insert_event(tx, new.clone(), &types)?;
            for (i, t) in types.iter().enumerate() {
                let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
                tickets::insert_type(tx, &new_type(tx, &event.id, t, position), tx.now_ms())?;
            }
            Ok(event)
        })
    }

    /// An event's types, retired ones too, in display order.
    pub fn ticket_types(&self, event_id: &str) -> Result<Vec<TicketType>> {
        self.event(event_id)?;
        tickets::types_of(&self.db, event_id)
    }

    /// The types on sale now, in display order, with what their limits leave:
    /// what the counter offers.
    pub fn types_on_sale(&self, event_id: &str) -> Result<Vec<TypeOnSale>> {
        let mut out = Vec::new();
        for t in self.ticket_types(event_id)?.into_iter().filter(TicketType::on_sale) {
            let left = match t.limit {
                Some(limit) => Some(u64::from(limit).saturating_sub(tickets::committed_seats(&self.db, &t.id)?)),
                None => None,
            };
            out.push(TypeOnSale { ticket_type: t, left });
        }
        Ok(out)
    }

    /// What `counts` of the event's types cost for a hold of `seats`, by
    /// today's prices (the amount a booking would charge), or why it is refused.
    pub fn quote(&self, event_id: &str, counts: &[TypeCount], seats: u32) -> Result<(Vec<BookingItem>, i64)> {
        Ok(quote(&self.ticket_types(event_id)?, counts, seats)?)
    }

    pub fn add_ticket_type(&self, event_id: &str, new: NewTicketType) -> Result<TicketType> {
        let new = new.validate()?;
        self.write(|tx| {
            tx.require(Role::Supervisor, "add ticket types")?;
            catalog::get_event(tx, event_id)?.ok_or_else(|| Error::not_found("event", event_id))?;
            refuse_taken_name(tx, event_id, &new.name, None)?;
            let t = new_type(tx, event_id, &new, tickets::next_position(tx, event_id)?);
            tickets::insert_type(tx, &t, tx.now_ms())?;
            tx.audit(NewAudit {
                event_id: Some(event_id),
                details: Some(json!({"name": t.name, "price": t.price, "limit": t.limit, "position": t.position})),
                ..NewAudit::new(AuditAction::TicketTypeAdded, AuditEntity::TicketType, &t.id)
            })?;
            Ok(t)
        })
    }

    /// Changes a type's name, price or limit. Bookings already made keep the
    /// price they were sold at; a limit below the seats already sold or
    /// awaiting payment is refused. The same values again change nothing.
    pub fn edit_ticket_type(&self, type_id: &str, new: NewTicketType) -> Result<TicketType> {
        let new = new.validate()?;
        self.write(|tx| {
            tx.require(Role::Supervisor, "edit ticket types")?;
            let old = tickets::get_type(tx, type_id)?.ok_or_else(|| Error::not_found("ticket type", type_id))?;
            if !old.on_sale() {
                return Err(Error::refused(format!("{} is retired; add a new type instead", old.name)));
            }
            if (old.name.as_str(), old.price, old.limit) == (new.name.as_str(), new.price, new.limit) {
                return Ok(old);
            }
            refuse_taken_name(tx, &old.event_id, &new.name, Some(type_id))?;
            if let Some(limit) = new.limit {
                let committed = tickets::committed_seats(tx, type_id)?;
                if u64::from(limit) < committed {
                    return Err(Invalid::new(
                        "type limit",
                        format!(
                            "{committed} {} seat(s) are sold or awaiting payment; the limit cannot be lower",
                            old.name
                        ),
                    )
                    .into());
                }
            }
            tickets::update_type(tx, type_id, &new.name, new.price, new.limit, tx.now_ms())?;
            tickets::sync_event_price(tx, &old.event_id)?;
            tx.audit(NewAudit {
                event_id: Some(&old.event_id),
                details: Some(json!({
                    "from": {"name": old.name, "price": old.price, "limit": old.limit},
                    "to": {"name": new.name, "price": new.price, "limit": new.limit},
                })),
                ..NewAudit::new(AuditAction::TicketTypeChanged, AuditEntity::TicketType, type_id)
            })?;
            Ok(TicketType { name: new.name.clone(), price: new.price, limit: new.limit, ..old })
        })
    }

    /// Takes a type off sale for good (its past sales keep it). The last type
    /// on sale of an event cannot be retired; retiring a retired type changes nothing.
    pub fn retire_ticket_type(&self, type_id: &str) -> Result<TicketType> {
        self.write(|tx| {
            tx.require(Role::Supervisor, "retire ticket types")?;
            let old = tickets::get_type(tx, type_id)?.ok_or_else(|| Error::not_found("ticket type", type_id))?;
            if !old.on_sale() {
                return Ok(old);
            }
            let on_sale = tickets::types_of(tx, &old.event_id)?.iter().filter(|t| t.on_sale()).count();
            if on_sale <= 1 {
                return Err(Error::refused(format!(
                    "{} is the event's last type on sale; add another before retiring it",
                    old.name
                )));
            }
            tickets::retire_type(tx, type_id, tx.now_ms())?;
            tickets::sync_event_price(tx, &old.event_id)?;
            tx.audit(NewAudit {
                event_id: Some(&old.event_id),
                details: Some(json!({"name": old.name, "price": old.price})),
                ..NewAudit::new(AuditAction::TicketTypeRetired, AuditEntity::TicketType, type_id)
            })?;
            Ok(TicketType { retired_at: Some(tx.now), ..old })
        })
    }

    /// Sales per ticket type for a report's filter (the report's "by type" section).
    pub fn type_sales(&self, filter: &crate::domain::ReportFilter) -> Result<Vec<TypeSales>> {
        tickets::type_sales(self.db(), filter, None)
    }

    /// `rows` of the same from `offset`, and how many there are in all: on
    /// 10,000 events only the page's types are read.
    pub fn type_sales_page(
        &self,
        filter: &crate::domain::ReportFilter,
        offset: usize,
        rows: usize,
    ) -> Result<crate::domain::TypeSalesPage> {
        Ok(crate::domain::TypeSalesPage {
            offset,
            total: tickets::type_count(self.db(), filter)?,
            rows: tickets::type_sales(self.db(), filter, Some((offset, rows)))?,
        })
    }
}

/// Validates each type; refuses none at all and a name given twice.
fn checked_types(types: Vec<NewTicketType>) -> Result<Vec<NewTicketType>> {
    if types.is_empty() {
        return Err(Invalid::new("ticket types", "an event needs at least one").into());
    }
    let types = types.into_iter().map(NewTicketType::validate).collect::<Result<Vec<_>, _>>()?;
    for (i, t) in types.iter().enumerate() {
        if types[..i].iter().any(|o| o.name == t.name) {
            return Err(Invalid::new("type name", format!("{} is given twice", t.name)).into());
        }
    }
    Ok(types)
}

fn new_type(tx: &Tx<'_>, event_id: &str, t: &NewTicketType, position: u32) -> TicketType {
    TicketType {
        // Seeded runs draw type ids from the ticket counter: see `IdGen`.
        id: tx.ctx.ids.next_ticket_id(tx.now),
        event_id: event_id.to_string(),
        name: t.name.clone(),
        price: t.price,
        limit: t.limit,
        position,
        retired_at: None,
    }
}

fn refuse_taken_name(tx: &Tx<'_>, event_id: &str, name: &str, except: Option<&str>) -> Result<()> {
    if tickets::name_taken(tx, event_id, name, except)? {
        return Err(Invalid::new(
            "type name",
            format!("this event already has a type called {name} (retired ones count)"),
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{World, count, event, seats, world};
    use super::*;
    use crate::domain::ticket::STANDARD;
    use crate::domain::{AuditAction, EventKind, PaymentOutcome};

    fn theatre_types() -> Vec<NewTicketType> {
        vec![
            NewTicketType::new("Adult", 50_000),
            NewTicketType { limit: Some(2), ..NewTicketType::new("Child", 25_000) },
            NewTicketType::new("Complimentary", 0),
        ]
    }

    fn hall(w: &World) -> Event {
        let kind = EventKind::Reserved { rows: 2, seats_per_row: 5 };
        w.desk.create_event_with_types(event("Hall", kind, 1), theatre_types()).expect("event")
    }

    #[test]
    fn an_event_gets_its_types_in_order_and_the_first_ones_price() {
        let w = world();
        let e = hall(&w);
        assert_eq!(e.price, 50_000, "the first type's price, whatever NewEvent said");
        let types = w.desk.ticket_types(&e.id).expect("types");
        let got: Vec<_> = types.iter().map(|t| (t.name.as_str(), t.price, t.limit, t.position)).collect();
        assert_eq!(got, [("Adult", 50_000, None, 1), ("Child", 25_000, Some(2), 2), ("Complimentary", 0, None, 3)]);
        let created = w.rows_of(AuditAction::EventCreated).pop().expect("audited");
        assert_eq!(created.details["types"][1]["name"], "Child");
        // A plain event has one Standard type at its price, and its audit row is as it always was.
        let plain = w.desk.ticket_types(&w.ga.id).expect("types");
        assert_eq!((plain.len(), plain[0].name.as_str(), plain[0].price), (1, STANDARD, 20_000));
        assert!(w.rows_of(AuditAction::EventCreated)[1].details.get("types").is_none());
        let none = w.desk.create_event_with_types(event("X", EventKind::GeneralAdmission { capacity: 1 }, 1), vec![]);
        assert!(matches!(none, Err(Error::Invalid(i)) if i.field == "ticket types"));
        let twice = vec![NewTicketType::new("A", 1), NewTicketType::new(" A ", 2)];
        let twice = w.desk.create_event_with_types(event("Y", EventKind::GeneralAdmission { capacity: 1 }, 1), twice);
        assert!(matches!(twice, Err(Error::Invalid(i)) if i.rule.contains("twice")));
        w.verified();
    }

    #[test]
    fn types_are_added_edited_and_retired_with_an_audit_row_each() {
        let w = world();
        let e = hall(&w);
        let senior = w.desk.add_ticket_type(&e.id, NewTicketType::new("Senior", 30_000)).expect("add");
        assert_eq!(senior.position, 4);
        let taken = w.desk.add_ticket_type(&e.id, NewTicketType::new("Adult", 1));
        assert!(matches!(taken, Err(Error::Invalid(i)) if i.rule.contains("already has a type called Adult")));
        let adult = w.desk.ticket_types(&e.id).expect("types").remove(0);
        let edited = w.desk.edit_ticket_type(&adult.id, NewTicketType::new("Adult", 55_000)).expect("edit");
        assert_eq!(edited.price, 55_000);
        assert_eq!(w.desk.event(&e.id).expect("event").price, 55_000, "the event's price follows its first type");
        let same = w.desk.edit_ticket_type(&adult.id, NewTicketType::new("Adult", 55_000)).expect("again");
        assert_eq!(same, edited);
        w.desk.retire_ticket_type(&adult.id).expect("retire");
        assert_eq!(w.desk.event(&e.id).expect("event").price, 25_000, "now the Child type is first on sale");
        assert!(w.desk.retire_ticket_type(&adult.id).expect("again").retired_at.is_some());
        let retired_edit = w.desk.edit_ticket_type(&adult.id, NewTicketType::new("Adult", 1));
        assert!(matches!(retired_edit, Err(Error::Refused(why)) if why.contains("retired")));
        let on_sale: Vec<_> =
            w.desk.types_on_sale(&e.id).expect("on sale").into_iter().map(|t| t.ticket_type.name).collect();
        assert_eq!(on_sale, ["Child", "Complimentary", "Senior"]);
        assert_eq!(
            (
                w.count(AuditAction::TicketTypeAdded),
                w.count(AuditAction::TicketTypeChanged),
                w.count(AuditAction::TicketTypeRetired)
            ),
            (1, 1, 1)
        );
        let changed = &w.rows_of(AuditAction::TicketTypeChanged)[0];
        assert_eq!(
            (changed.details["from"]["price"].as_i64(), changed.details["to"]["price"].as_i64()),
            (Some(50_000), Some(55_000))
        );
        w.verified();
    }

    #[test]
    fn the_last_type_on_sale_stays_and_a_limit_never_drops_below_what_is_sold() {
        let w = world();
        let only = w.desk.ticket_types(&w.ga.id).expect("types").remove(0);
        let last = w.desk.retire_ticket_type(&only.id);
        assert!(matches!(last, Err(Error::Refused(why)) if why.contains("last type on sale")));
        let b = w.booked(&w.ga, count(3));
        w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay");
        w.booked(&w.ga, count(1));
        let low =
            w.desk.edit_ticket_type(&only.id, NewTicketType { limit: Some(3), ..NewTicketType::new(STANDARD, 20_000) });
        assert!(matches!(low, Err(Error::Invalid(i)) if i.rule.starts_with("4 Standard seat(s)")));
        let ok =
            w.desk.edit_ticket_type(&only.id, NewTicketType { limit: Some(4), ..NewTicketType::new(STANDARD, 20_000) });
        assert_eq!(ok.expect("a limit of what is committed").limit, Some(4));
        assert_eq!(w.desk.types_on_sale(&w.ga.id).expect("on sale")[0].left, Some(0));
        w.verified();
    }

    #[test]
    fn a_price_change_leaves_existing_bookings_as_sold() {
        let w = world();
        let b = w.booked(&w.theatre, seats(&["A1", "A2"]));
        let t = w.desk.ticket_types(&w.theatre.id).expect("types").remove(0);
        w.desk.edit_ticket_type(&t.id, NewTicketType::new(STANDARD, 99_900)).expect("edit");
        let paid = w.desk.pay(&b.id, PaymentOutcome::Success, "p", None).expect("pay").booking;
        assert_eq!(paid.amount, 100_000, "charged as booked");
        let tickets = w.desk.tickets(&b.id).expect("tickets");
        assert!(tickets.iter().all(|t| t.price == 50_000));
        let next = w.booked(&w.theatre, seats(&["A3"]));
        assert_eq!(next.amount, 99_900, "a new booking pays the new price");
        w.verified();
    }
}
