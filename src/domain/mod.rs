//! Pure types and rules of the box office: statuses and their transitions,
//! money and refund policy, event and customer validation, seat choice, the
//! audit trail's vocabulary, list filters and report aggregates, the venue's
//! settings and times in its zone.
//! Nothing here does I/O or reads the time; callers pass `now` in.

#[macro_use]
mod text;

pub mod aggregates;
pub mod audit;
pub mod code;
pub mod customer;
pub mod event;
pub mod filters;
pub mod money;
pub mod records;
pub mod search;
pub mod seats;
pub mod settings;
pub mod staff;
pub mod status;
pub mod ticket;
pub mod width;

pub use aggregates::{Aggregates, EventAgg, HealthAgg, RefundAgg, ScopeTotals, StatusAgg};
pub use audit::{AuditAction, AuditEntity};
pub use code::{CodeError, TicketCode};
pub use customer::NewCustomer;
pub use event::{EventKind, NewEvent};
pub use filters::{AuditField, AuditFilter, BookingFilter, EventPage, MAX_HOURS, ReportFilter, window_start};
pub use money::{Money, RefundSplit, refund_split};
pub use records::*;
pub use search::SearchText;
pub use settings::{SettingKey, Settings, SettingsView, Source};
pub use staff::{CashUp, Clerk, MethodTotals, PaymentMethod, Role, Session, Shift, Tender, cash_change};
pub use status::{BookingEvent, BookingStatus, HoldStatus, JobRunStatus, PaymentOutcome, RefundKind, RefundStatus};
pub use ticket::{
    BookingItem, DoorAnswer, DoorCounts, NewTicketType, ScanResult, Ticket, TicketCounts, TicketSheet, TicketStatus,
    TicketType, TypeCount, TypeSales, TypeSalesPage,
};

/// A rule a piece of input broke: names the field and the rule, so the
/// message line can tell the clerk exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Invalid {
    pub field: &'static str,
    pub rule: String,
}

impl Invalid {
    pub fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self { field, rule: rule.into() }
    }
}
