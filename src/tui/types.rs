//! Ticket types in the app: the counter's count per type, and an event's
//! types screen (`t` on the Events list: add, edit, retire).
//!
//! At the counter, an event with one type on sale sells as it always did.
//! With several, the clerk sets how many of each: for general admission
//! instead of a plain quantity (the counts are the quantity), and for
//! reserved seats once they are held. While a hold is live its seats are
//! fixed, so the first type takes the seats no other type has: holding 3
//! and typing 1 on Child makes 2 Adult + 1 Child. The amount is shown before
//! booking, and a type's limit left is shown and enforced (the engine
//! refuses too, in the booking's own transaction).

use crate::domain::ticket::quote;
use crate::domain::{Money, NewTicketType, TicketType, TypeCount};
use crate::engine::TypeOnSale;
use crate::tui::app::{App, Confirm, FormKind, Overlay, Screen, Sell, Stage};
use crate::tui::form::{Field, Form};
use crate::tui::request::Write;
use crate::tui::tickets::TypesScreen;

// ---- the counter --------------------------------------------------------------------

impl Sell {
    /// Whether the clerk sets a count per ticket type: more than one on sale.
    pub fn sells_types(&self) -> bool {
        self.types.len() > 1
    }

    /// Whether the count keys act now: choosing general admission places, or
    /// with a live hold (not on a read-only sale).
    pub fn types_panel(&self) -> bool {
        self.sells_types()
            && match self.stage {
                Stage::Choose => self.map.is_none(),
                Stage::Held => self.live_hold().is_some(),
                _ => false,
            }
    }

    /// The seats of the sale's hold once there is one (held, booked, paid):
    /// the counts are then shares of those seats.
    fn held(&self) -> Option<u32> {
        (self.stage != Stage::Choose).then(|| self.hold.as_ref().map(|h| h.seats)).flatten()
    }

    /// The first type the keys may set: with a hold, the first type takes the rest.
    fn first_settable(&self) -> usize {
        if self.held().is_some() { 1 } else { 0 }
    }

    /// The type the count keys change now.
    pub fn selected_type(&self) -> usize {
        self.type_sel.clamp(self.first_settable(), self.types.len().saturating_sub(1))
    }

    fn set_count(&self, i: usize) -> u32 {
        self.types.get(i).and_then(|t| self.counts.get(&t.ticket_type.id)).copied().unwrap_or(0)
    }

    /// Seats of type `i` as shown and booked: with a hold, the first type
    /// has the seats no other type has.
    pub fn count(&self, i: usize) -> u32 {
        match (i, self.held()) {
            (0, Some(seats)) => seats.saturating_sub(self.others()),
            _ => self.set_count(i),
        }
    }

    /// Seats given a type other than the first.
    fn others(&self) -> u32 {
        (1..self.types.len()).map(|i| self.set_count(i)).sum()
    }

    /// Seats over all types: general admission's quantity.
    pub fn counted(&self) -> u32 {
        (0..self.types.len()).map(|i| self.count(i)).sum()
    }

    /// Why the counts cannot be booked (or held), if they cannot.
    pub fn mix_problem(&self) -> Option<String> {
        let first = self.types.first().map_or("the first type", |t| t.ticket_type.name.as_str());
        if let Some(seats) = self.held()
            && self.others() > seats
        {
            return Some(format!(
                "{} seat(s) given other types than {first}, but {seats} held: lower a count",
                self.others()
            ));
        }
        if self.counted() == 0 {
            return Some("no seats: set a count for a type".to_string());
        }
        // Once booked, what a limit leaves already counts this booking's seats.
        if !matches!(self.stage, Stage::Choose | Stage::Held) {
            return None;
        }
        self.types.iter().enumerate().find_map(|(i, t)| {
            let left = t.left?;
            (u64::from(self.count(i)) > left)
                .then(|| format!("only {left} {} left (its limit): lower its count", t.ticket_type.name))
        })
    }

    /// The counts to book, or why they cannot be.
    pub fn mix(&self) -> Result<Vec<TypeCount>, String> {
        if let Some(why) = self.mix_problem() {
            return Err(why);
        }
        Ok(self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| TypeCount::new(&t.ticket_type.id, self.count(i)))
            .filter(|c| c.count > 0)
            .collect())
    }

    /// What the counts cost at today's prices, when they fit together.
    pub fn amount(&self) -> Option<i64> {
        let types: Vec<TicketType> = self.types.iter().map(|t| t.ticket_type.clone()).collect();
        let counts = self.mix().ok()?;
        let seats = counts.iter().map(|c| c.count).sum();
        quote(&types, &counts, seats).ok().map(|(_, amount)| amount)
    }

    /// New figures for the types on sale (another terminal may have sold,
    /// retired or added one): counts stay with their types. General
    /// admission starts with its quantity on the first type.
    pub fn set_types(&mut self, types: Vec<TypeOnSale>) {
        let fresh = self.types.is_empty();
        self.counts.retain(|id, _| types.iter().any(|t| t.ticket_type.id == *id));
        self.types = types;
        if fresh && self.map.is_none() && self.sells_types() && self.counts.is_empty() {
            let first = self.types[0].ticket_type.id.clone();
            self.counts.insert(first, self.quantity);
        }
        if self.sells_types() && self.map.is_none() && self.stage == Stage::Choose {
            self.quantity = self.counted();
        }
    }
}

/// ↑↓ in the types panel: the type the count keys change.
pub fn pick(app: &mut App, delta: i32) {
    let Some(s) = app.sell.as_mut().filter(|s| s.types_panel()) else { return };
    s.typing_quantity = false;
    let (lo, hi) = (s.first_settable() as i64, s.types.len() as i64 - 1);
    s.type_sel = (s.selected_type() as i64 + i64::from(delta)).clamp(lo, hi.max(lo)) as usize;
}

/// A digit: the selected type's count, typed in a row (1 2 → 12).
pub fn digit(app: &mut App, d: u32) {
    let Some(s) = app.sell.as_mut() else { return };
    let i = s.selected_type();
    let now = s.count(i);
    if s.typing_quantity && now >= 1000 {
        return app.error(format!("{now}{d}: a count has at most 4 digits"));
    }
    let n = if s.typing_quantity { now * 10 + d } else { d };
    s.typing_quantity = true;
    set(app, i, n);
}

/// Backspace: the selected type's count loses its last digit.
pub fn digit_back(app: &mut App) {
    let Some(s) = app.sell.as_mut() else { return };
    s.typing_quantity = true;
    let i = s.selected_type();
    let n = s.count(i) / 10;
    set(app, i, n);
}

/// One more or fewer of the selected type, never below 0 nor past what the
/// sale allows (said, not done).
pub fn step(app: &mut App, delta: i32) {
    let Some(s) = app.sell.as_ref() else { return };
    let i = s.selected_type();
    let name = s.types.get(i).map(|t| t.ticket_type.name.clone()).unwrap_or_default();
    let n = i64::from(s.count(i)) + i64::from(delta);
    if n < 0 {
        return app.error(format!("No {name} to take away"));
    }
    // With a hold the other types share its seats; before, the counts are the quantity.
    let over = match s.held() {
        Some(seats) => delta > 0 && s.others() + 1 > seats,
        None => delta > 0 && s.counted() + 1 > s.most_seats(),
    };
    if over {
        return app.error(match s.held() {
            Some(seats) => format!("No more: {seats} seat(s) are held"),
            None => format!("No more: {} is the most this sale can hold", s.most_seats()),
        });
    }
    set(app, i, n as u32);
}

/// Sets type `i`'s count and says what is wrong with the mix now, if anything.
fn set(app: &mut App, i: usize, n: u32) {
    let Some(s) = app.sell.as_mut() else { return };
    let Some(id) = s.types.get(i).map(|t| t.ticket_type.id.clone()) else { return };
    s.counts.insert(id, n);
    if s.stage == Stage::Choose {
        s.quantity = s.counted();
        if let Some(why) = s.too_many() {
            return app.error(why);
        }
    }
    let problem = s.mix_problem().filter(|_| s.counted() > 0 || s.stage == Stage::Held);
    if let Some(why) = problem {
        app.error(format!("Tickets: {why}"));
    }
}

// ---- the types screen ---------------------------------------------------------------

/// `t` on the Events list: the selected event's types.
pub fn open(app: &mut App) {
    let Some(event) = app.selected_event().cloned() else {
        app.error("No event selected: choose the event whose ticket types to see");
        return;
    };
    app.types = Some(TypesScreen { event, rows: Vec::new(), sel: 0 });
    app.screen = Screen::Types;
    app.want_load();
}

pub fn back(app: &mut App) {
    app.types = None;
    app.screen = Screen::Events;
    app.want_load();
}

pub fn move_sel(app: &mut App, delta: i64) {
    if let Some(t) = app.types.as_mut() {
        let n = t.rows.len() as i64;
        t.sel = if n == 0 { 0 } else { (t.sel as i64 + delta).clamp(0, n - 1) as usize };
    }
}

/// The rows as read: the selection stays on its type.
pub fn show(app: &mut App, rows: Option<Vec<TypeOnSale>>) {
    let (Some(t), Some(rows)) = (app.types.as_mut(), rows) else { return };
    let id = t.selected().map(|x| x.id.clone());
    t.rows = rows;
    t.sel = id.and_then(|id| t.rows.iter().position(|r| r.ticket_type.id == id)).unwrap_or(t.sel);
    t.sel = t.sel.min(t.rows.len().saturating_sub(1));
}

fn type_form(title: &'static str, currency: &str, t: Option<&TicketType>) -> Form {
    let price_hint = if crate::domain::money::exponent(currency) == 0 {
        "per seat, whole amounts (e.g. 500)"
    } else {
        "per seat, e.g. 250 or 249.50 (0: complimentary)"
    };
    let mut fields = vec![
        Field::new("Name", "1–40 characters: Adult, Child, Concession…").max(40),
        Field::new("Price", price_hint),
        Field::new("Limit", "optional: at most this many seats of it (empty: none)"),
    ];
    if let Some(t) = t {
        fields[0].input.set(t.name.clone());
        fields[1].input.set(Money(t.price).decimal(currency));
        fields[2].input.set(t.limit.map(|l| l.to_string()).unwrap_or_default());
    }
    Form::new(title, fields)
}

/// `a`: a form for a new type.
pub fn ask_add(app: &mut App) {
    let Some(t) = app.types.as_ref() else { return };
    let form = type_form("New ticket type", &t.event.currency, None);
    app.overlay = Some(Overlay::Form(FormKind::AddType, form));
}

/// `Enter`/`e`: the selected type's name, price and limit (a retired type is not edited).
pub fn ask_edit(app: &mut App) {
    let Some(t) = app.types.as_ref() else { return };
    let Some(sel) = t.selected() else { return };
    if !sel.on_sale() {
        return app.error(format!("{} is retired: add a new type instead", sel.name));
    }
    let form = type_form("Edit ticket type", &t.event.currency, Some(sel));
    app.overlay = Some(Overlay::Form(FormKind::EditType { type_id: sel.id.clone() }, form));
}

/// `r`: retire the selected type, after a y/n.
pub fn ask_retire(app: &mut App) {
    let Some(sel) = app.types.as_ref().and_then(|t| t.selected()).cloned() else { return };
    if !sel.on_sale() {
        return app.note(format!("{} is already retired", sel.name));
    }
    app.overlay = Some(Overlay::Confirm(Confirm::Retire { ticket_type: sel }));
}

pub fn retire(app: &mut App, ticket_type: TicketType) {
    app.write(Write::RetireType { type_id: ticket_type.id }, format!("retiring {}", ticket_type.name));
}

/// A type form submitted: checked here for what the form can tell (a
/// number, the currency's decimals), the rest by the engine.
pub fn submit(app: &mut App, kind: FormKind, mut form: Form) {
    if app.write_refused() {
        app.overlay = Some(Overlay::Form(kind, form));
        return;
    }
    form.clear_errors();
    let Some(t) = app.types.as_ref() else { return };
    match parse_type_form(&form, &t.event.currency) {
        Err((field, why)) => {
            form.fail(field, why.clone());
            app.error(format!("{field}: {why}"));
            app.overlay = Some(Overlay::Form(kind, form));
        }
        Ok(new) => {
            let (write, what) = match &kind {
                FormKind::EditType { type_id } => {
                    (Write::EditType { type_id: type_id.clone(), new: new.clone() }, format!("changing {}", new.name))
                }
                _ => {
                    (Write::AddType { event_id: t.event.id.clone(), new: new.clone() }, format!("adding {}", new.name))
                }
            };
            app.write(write, what).form = Some(Overlay::Form(kind, form));
        }
    }
}

fn parse_type_form(form: &Form, currency: &str) -> Result<NewTicketType, (&'static str, String)> {
    let price = Money::parse_major(form.value("Price"), currency).map_err(|why| ("Price", why))?;
    let limit = match form.value("Limit") {
        "" => None,
        text => Some(crate::domain::event::parse_count("Limit", text).map_err(|e| ("Limit", e.rule))?),
    };
    Ok(NewTicketType { name: form.value("Name").to_string(), price: price.0, limit })
}

/// The engine's answer to add, edit or retire.
pub fn answered(app: &mut App, what: &str, result: crate::error::Result<TicketType>, form: Option<Overlay>) {
    match result {
        Ok(t) => {
            let currency = app.types.as_ref().map_or("", |s| s.event.currency.as_str()).to_string();
            let limit = t.limit.map(|l| format!(", limit {l}")).unwrap_or_default();
            app.info(format!("Ticket type {} {what}: {}{limit} (audited)", t.name, Money(t.price).format(&currency)));
            if let Some(s) = app.types.as_mut()
                && what == "added"
            {
                // The new type is selected once the list is read again.
                s.sel = usize::MAX;
            }
        }
        Err(e) => {
            let text = match &e {
                crate::error::Error::Invalid(inv) => {
                    let label = match inv.field {
                        "type name" => "Name",
                        "type price" => "Price",
                        "type limit" => "Limit",
                        _ => "",
                    };
                    if let Some(Overlay::Form(kind, mut f)) = form.clone() {
                        f.fail(label, inv.rule.clone());
                        if matches!(app.overlay, None | Some(Overlay::Help { .. })) {
                            app.overlay = Some(Overlay::Form(kind, f));
                        }
                    }
                    format!("{}: {}", inv.field, inv.rule)
                }
                other => {
                    if let Some(f) = form
                        && matches!(app.overlay, None | Some(Overlay::Help { .. }))
                    {
                        app.overlay = Some(f);
                    }
                    other.to_string()
                }
            };
            app.error(format!("Ticket type not {what}: {text}"));
        }
    }
    app.want_load();
}

// ---- the new-event form's types --------------------------------------------------------

/// The new-event form's "Types" field: `Adult 500; Child 250 limit 40;
/// Complimentary 0 limit 10` — each a name, a price and optionally `limit N`,
/// separated by `;` (a price may have grouping commas). Empty: none given.
pub fn parse_types(text: &str, currency: &str) -> Result<Vec<NewTicketType>, String> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words: Vec<&str> = part.split_whitespace().collect();
        let mut limit = None;
        if words.len() >= 2 && words[words.len() - 2].eq_ignore_ascii_case("limit") {
            let n = words[words.len() - 1];
            let parsed =
                crate::domain::event::parse_count("limit", n).map_err(|e| format!("{part}: limit {}", e.rule))?;
            limit = Some(parsed);
            words.truncate(words.len() - 2);
        }
        let Some((price, name)) = words.split_last().filter(|(_, name)| !name.is_empty()) else {
            return Err(format!("'{part}': give a name and a price, like Child 250"));
        };
        let price = Money::parse_major(price, currency).map_err(|why| format!("{part}: the price {why}"))?;
        out.push(NewTicketType { name: name.join(" "), price: price.0, limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_types_field_reads_names_prices_and_limits() {
        let got = parse_types("Adult 500; Senior Citizen 1,250.50 limit 20 ;; Comp 0 LIMIT 10", "INR").unwrap();
        let want = vec![
            NewTicketType { name: "Adult".into(), price: 50_000, limit: None },
            NewTicketType { name: "Senior Citizen".into(), price: 125_050, limit: Some(20) },
            NewTicketType { name: "Comp".into(), price: 0, limit: Some(10) },
        ];
        assert_eq!(got, want);
        assert_eq!(parse_types("  ", "INR").unwrap(), vec![]);
        assert!(parse_types("Child", "INR").unwrap_err().contains("give a name and a price"));
        assert!(parse_types("500", "INR").unwrap_err().contains("give a name and a price"));
        assert!(parse_types("Child 2.5.0", "INR").unwrap_err().contains("Child 2.5.0: the price"));
        assert!(parse_types("Child 250.5", "JPY").unwrap_err().contains("no minor unit"));
        assert!(parse_types("Child 250 limit many", "INR").unwrap_err().contains("limit must be a whole number"));
    }
}
