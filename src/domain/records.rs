//! The records the store keeps, as plain data.

use super::{
    BookingStatus, EventKind, HoldStatus, JobRunStatus, PaymentMethod, PaymentOutcome, RefundKind, RefundStatus,
};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub kind: EventKind,
    pub total: u32,
    pub available: u32,
    /// Per seat, minor units.
    pub price: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub id: String,
    pub event_id: String,
    pub seats: u32,
    /// Seat labels for reserved seating; empty for general admission.
    pub labels: Vec<String>,
    pub status: HoldStatus,
    pub correlation_id: String,
    /// The terminal that made it (`clerk:user@pid`, a script's name).
    pub actor: String,
    /// The clerk who made it (the clerk who may resume it).
    pub clerk_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// How many times the deadline was moved on (`Desk::extend_hold`).
    pub extensions: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    pub id: String,
    pub hold_id: String,
    pub event_id: String,
    pub customer_id: String,
    pub seats: u32,
    pub amount: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub correlation_id: String,
    pub created_at: DateTime<Utc>,
    pub payment_expires_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The clerk who booked it.
    pub clerk_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaymentAttempt {
    pub id: String,
    pub booking_id: String,
    pub idempotency_key: String,
    pub outcome: PaymentOutcome,
    pub amount: i64,
    pub transaction_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub method: PaymentMethod,
    /// The shift (till) it belongs to.
    pub shift_id: Option<String>,
    /// Cash only: what the customer handed over, and the change given.
    pub tendered: Option<i64>,
    pub change: Option<i64>,
}

text_enum!(
    /// What an idempotency key was used for; a key names one request of one kind.
    IdempotencyScope("idempotency scope") {
        Hold => "hold",
        Book => "book",
        Pay => "pay",
    }
);

#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    pub id: String,
    pub booking_id: String,
    pub kind: RefundKind,
    pub original_amount: i64,
    pub percent: u8,
    pub amount: i64,
    pub fee: i64,
    pub status: RefundStatus,
    pub transaction_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// How it is paid back (the sale's method), and from which shift's till.
    pub method: PaymentMethod,
    pub shift_id: Option<String>,
}

/// An audit row as it was written. Its names stay text (not
/// [`AuditAction`](super::AuditAction) and the statuses), so a trail holding
/// names this version does not know still reads and shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub event_id: Option<String>,
    pub hold_id: Option<String>,
    pub booking_id: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub correlation_id: Option<String>,
    pub is_retry: bool,
    pub original_attempt_id: Option<String>,
    /// Who did it: a clerk's name, or a job's, a door's or the command line's identity.
    pub actor: String,
    pub details: serde_json::Value,
    /// The clerk's id when a clerk did it (rows from before clerks have none).
    pub clerk_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRun {
    pub id: String,
    pub job: String,
    pub status: JobRunStatus,
    pub owner: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub processed: i64,
    pub error: Option<String>,
}

/// How a seat of a reserved hall stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatState {
    Free,
    Held,
    Sold,
}
