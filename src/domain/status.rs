//! The booking state machine of DESIGN.md as data: which transitions exist,
//! and a plain reason for every one that does not; and the other states the
//! store keeps as text (payment outcomes, refunds, job runs).

text_enum!(
    /// A hold is the seat lock a sale starts with.
    HoldStatus("hold status") {
        Active => "ACTIVE",
        Consumed => "CONSUMED",
        Released => "RELEASED",
        Expired => "EXPIRED",
    }
);

text_enum!(
    /// A booking is made from an ACTIVE hold and waits for payment.
    BookingStatus("booking status") {
        PaymentPending => "PAYMENT_PENDING",
        Confirmed => "CONFIRMED",
        PaymentFailed => "PAYMENT_FAILED",
        Expired => "EXPIRED",
        Cancelled => "CANCELLED",
    }
);

text_enum!(
    /// The payment simulator's three buttons.
    PaymentOutcome("payment outcome") {
        Success => "SUCCESS",
        Failure => "FAILURE",
        Timeout => "TIMEOUT",
    }
);

text_enum!(
    RefundStatus("refund status") {
        Initiated => "INITIATED",
        Processed => "PROCESSED",
    }
);

text_enum!(
    RefundKind("refund kind") {
        Full => "FULL",
        Partial => "PARTIAL",
    }
);

text_enum!(
    /// How a background job's run stands (`job_runs.status`).
    JobRunStatus("job run status") {
        Running => "RUNNING",
        Completed => "COMPLETED",
        /// Another process held the job's lease.
        Skipped => "SKIPPED",
        Failed => "FAILED",
    }
);

/// What can happen to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingEvent {
    Pay(PaymentOutcome),
    /// The payment deadline passed.
    Expire,
    /// The clerk cancelled it.
    Cancel,
}

impl HoldStatus {
    /// Whether the hold still owns its seats (a CONSUMED hold's seats belong
    /// to its booking instead).
    pub fn is_live(self) -> bool {
        self == HoldStatus::Active
    }

    /// The hold transitions of DESIGN.md; every other one is refused.
    pub fn can_become(self, to: HoldStatus) -> bool {
        self == HoldStatus::Active && to != HoldStatus::Active
    }

    /// Why a hold in this state cannot be booked, released or expired.
    pub fn refusal(self) -> &'static str {
        match self {
            HoldStatus::Active => "the hold is still active",
            HoldStatus::Consumed => "the hold was already paid for and its seats sold",
            HoldStatus::Released => "the hold was released and its seats went back on sale",
            HoldStatus::Expired => "the hold expired and its seats went back on sale",
        }
    }
}

impl BookingStatus {
    pub fn is_final(self) -> bool {
        !matches!(self, BookingStatus::PaymentPending | BookingStatus::Confirmed)
    }

    /// The booking state machine. `Ok(to)` is the new state (a TIMEOUT keeps
    /// PAYMENT_PENDING); `Err` says why the event is refused here.
    pub fn on(self, event: BookingEvent) -> Result<BookingStatus, String> {
        use BookingEvent as E;
        use BookingStatus as S;
        match (self, event) {
            (S::PaymentPending, E::Pay(PaymentOutcome::Success)) => Ok(S::Confirmed),
            (S::PaymentPending, E::Pay(PaymentOutcome::Failure)) => Ok(S::PaymentFailed),
            (S::PaymentPending, E::Pay(PaymentOutcome::Timeout)) => Ok(S::PaymentPending),
            (S::PaymentPending, E::Expire) => Ok(S::Expired),
            (S::PaymentPending, E::Cancel) => Ok(S::Cancelled),
            (S::Confirmed, E::Cancel) => Ok(S::Cancelled),
            (S::Confirmed, E::Pay(_)) => {
                Err("the booking is already paid (CONFIRMED); a second payment is refused so nobody is charged twice"
                    .into())
            }
            (S::Confirmed, E::Expire) => Err("a CONFIRMED booking does not expire".into()),
            (from, E::Pay(_)) => Err(format!("the booking is {from}; only a PAYMENT_PENDING booking can be paid")),
            (from, E::Expire) => Err(format!("the booking is {from}; only a PAYMENT_PENDING booking can expire")),
            (from, E::Cancel) => {
                Err(format!("the booking is {from}; only PAYMENT_PENDING or CONFIRMED bookings can be cancelled"))
            }
        }
    }

    /// Whether leaving this state for `to` gives seats back to the pool.
    pub fn returns_seats(self, to: BookingStatus) -> bool {
        matches!(
            (self, to),
            (_, BookingStatus::PaymentFailed) | (_, BookingStatus::Expired) | (_, BookingStatus::Cancelled)
        )
    }

    /// The states a booking can pass through, in the order a detail view draws them.
    pub const DIAGRAM: &'static [BookingStatus] = &[
        BookingStatus::PaymentPending,
        BookingStatus::Confirmed,
        BookingStatus::PaymentFailed,
        BookingStatus::Expired,
        BookingStatus::Cancelled,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingEvent as E;
    use BookingStatus as S;

    #[test]
    fn every_booking_transition_is_allowed_or_refused_as_designed() {
        let events = [
            E::Pay(PaymentOutcome::Success),
            E::Pay(PaymentOutcome::Failure),
            E::Pay(PaymentOutcome::Timeout),
            E::Expire,
            E::Cancel,
        ];
        let allowed = [
            (S::PaymentPending, E::Pay(PaymentOutcome::Success), S::Confirmed),
            (S::PaymentPending, E::Pay(PaymentOutcome::Failure), S::PaymentFailed),
            (S::PaymentPending, E::Pay(PaymentOutcome::Timeout), S::PaymentPending),
            (S::PaymentPending, E::Expire, S::Expired),
            (S::PaymentPending, E::Cancel, S::Cancelled),
            (S::Confirmed, E::Cancel, S::Cancelled),
        ];
        for &from in S::ALL {
            for &ev in &events {
                let expected = allowed.iter().find(|(f, e, _)| *f == from && *e == ev).map(|t| t.2);
                match (from.on(ev), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} on {ev:?}"),
                    (Err(why), None) => assert!(!why.is_empty()),
                    (got, want) => panic!("{from} on {ev:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn hold_moves_only_out_of_active() {
        for &from in HoldStatus::ALL {
            for &to in HoldStatus::ALL {
                let ok = from == HoldStatus::Active && to != HoldStatus::Active;
                assert_eq!(from.can_become(to), ok, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn text_round_trips() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("nope"), None);
    }
}
