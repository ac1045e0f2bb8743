//! The audit trail's vocabulary: what happened (the action) and to what (the
//! entity). Rows read back keep their text (`AuditRow`), so a trail written by
//! another version still shows; everything the app writes or looks for by name
//! goes through these enums.

use super::{BookingStatus, HoldStatus};

text_enum!(
    /// What an audit row records.
    AuditAction("audit action") {
        EventCreated => "EVENT_CREATED",
        CustomerCreated => "CUSTOMER_CREATED",
        HoldCreated => "HOLD_CREATED",
        /// A hold asked for again with the same idempotency key.
        HoldRetry => "HOLD_RETRY",
        HoldConsumed => "HOLD_CONSUMED",
        HoldReleased => "HOLD_RELEASED",
        HoldExpired => "HOLD_EXPIRED",
        /// An ACTIVE hold's deadline moved on by the hold period (no state change).
        HoldExtended => "HOLD_EXTENDED",
        BookingCreated => "BOOKING_CREATED",
        /// A booking asked for again (same key, or the same hold and customer).
        BookingRetry => "BOOKING_RETRY",
        BookingConfirmed => "BOOKING_CONFIRMED",
        BookingPaymentFailed => "BOOKING_PAYMENT_FAILED",
        BookingExpired => "BOOKING_EXPIRED",
        BookingCancelled => "BOOKING_CANCELLED",
        PaymentAttempt => "PAYMENT_ATTEMPT",
        /// A payment sent again with a key that already has a result.
        PaymentRetry => "PAYMENT_RETRY",
        RefundInitiated => "REFUND_INITIATED",
        RefundProcessed => "REFUND_PROCESSED",
        RecoveryFreedSeat => "RECOVERY_FREED_SEAT",
        RecoveryHealedAvailable => "RECOVERY_HEALED_AVAILABLE",
        RecoveryClosedRun => "RECOVERY_CLOSED_RUN",
        TicketTypeAdded => "TICKET_TYPE_ADDED",
        TicketTypeChanged => "TICKET_TYPE_CHANGED",
        TicketTypeRetired => "TICKET_TYPE_RETIRED",
        /// A door let a ticket in (VALID → USED).
        TicketAdmitted => "TICKET_ADMITTED",
        /// A door refused a scan (the reason is the scan's result).
        TicketRefused => "TICKET_REFUSED",
        /// A mistaken admission taken back (USED → VALID).
        TicketAdmissionUndone => "TICKET_ADMISSION_UNDONE",
        /// A booking's tickets written to a PDF (printing again is audited again).
        TicketsPrinted => "TICKETS_PRINTED",
        /// A clerk account made (by a supervisor, or the first supervisor of a file).
        ClerkAdded => "CLERK_ADDED",
        ClerkDisabled => "CLERK_DISABLED",
        ClerkSignedIn => "CLERK_SIGNED_IN",
        ClerkSignedOut => "CLERK_SIGNED_OUT",
        /// A wrong PIN (the clerk's count of wrong PINs in a row went up).
        ClerkPinWrong => "CLERK_PIN_WRONG",
        /// The fifth wrong PIN in a row: the clerk cannot sign in for a while.
        ClerkLocked => "CLERK_LOCKED",
        /// A clerk asked for something their role may not do; nothing else changed.
        AccessRefused => "ACCESS_REFUSED",
        ShiftOpened => "SHIFT_OPENED",
        /// The counted cash entered; the shift's figures are fixed from now on.
        ShiftClosed => "SHIFT_CLOSED",
        /// A venue setting changed (details: key, old and new value).
        SettingChanged => "SETTING_CHANGED",
        /// A customer's name, email and phone were erased on request (ids only).
        CustomerErased => "CUSTOMER_ERASED",
    }
);

text_enum!(
    /// The kind of record an audit row is about (its `entity_id` names which).
    AuditEntity("audit entity") {
        Event => "event",
        Customer => "customer",
        Hold => "hold",
        Booking => "booking",
        Payment => "payment",
        Refund => "refund",
        JobRun => "job_run",
        TicketType => "ticket_type",
        /// One scan at a door (or an undo), kept in `scans`.
        Scan => "scan",
        Clerk => "clerk",
        Shift => "shift",
        /// A venue setting; `entity_id` is its key.
        Setting => "setting",
    }
);

impl AuditAction {
    /// The action that records a hold moving to `to`.
    pub fn hold_moved(to: HoldStatus) -> AuditAction {
        match to {
            HoldStatus::Active => AuditAction::HoldCreated,
            HoldStatus::Consumed => AuditAction::HoldConsumed,
            HoldStatus::Released => AuditAction::HoldReleased,
            HoldStatus::Expired => AuditAction::HoldExpired,
        }
    }

    /// The action that records a booking moving to `to`.
    pub fn booking_moved(to: BookingStatus) -> AuditAction {
        match to {
            BookingStatus::PaymentPending => AuditAction::BookingCreated,
            BookingStatus::Confirmed => AuditAction::BookingConfirmed,
            BookingStatus::PaymentFailed => AuditAction::BookingPaymentFailed,
            BookingStatus::Expired => AuditAction::BookingExpired,
            BookingStatus::Cancelled => AuditAction::BookingCancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_entity_text_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert!(seen.insert(a.as_str()), "{a} twice");
        }
        for &e in AuditEntity::ALL {
            assert_eq!(AuditEntity::parse(e.as_str()), Some(e));
            assert!(seen.insert(e.as_str()), "{e} twice");
        }
        assert_eq!(AuditAction::parse("hold_created"), None, "texts are exact");
        // The texts are data in every file written so far: renaming one would
        // orphan the rows that carry it.
        let written: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            written.join(" "),
            "EVENT_CREATED CUSTOMER_CREATED HOLD_CREATED HOLD_RETRY HOLD_CONSUMED HOLD_RELEASED HOLD_EXPIRED \
             HOLD_EXTENDED \
             BOOKING_CREATED BOOKING_RETRY BOOKING_CONFIRMED BOOKING_PAYMENT_FAILED BOOKING_EXPIRED BOOKING_CANCELLED \
             PAYMENT_ATTEMPT PAYMENT_RETRY REFUND_INITIATED REFUND_PROCESSED RECOVERY_FREED_SEAT \
             RECOVERY_HEALED_AVAILABLE RECOVERY_CLOSED_RUN TICKET_TYPE_ADDED TICKET_TYPE_CHANGED TICKET_TYPE_RETIRED \
             TICKET_ADMITTED TICKET_REFUSED TICKET_ADMISSION_UNDONE TICKETS_PRINTED CLERK_ADDED CLERK_DISABLED \
             CLERK_SIGNED_IN CLERK_SIGNED_OUT CLERK_PIN_WRONG CLERK_LOCKED ACCESS_REFUSED SHIFT_OPENED SHIFT_CLOSED \
             SETTING_CHANGED CUSTOMER_ERASED"
        );
        assert_eq!(AuditEntity::parse("Hold"), None);
    }

    #[test]
    fn each_move_has_its_own_action() {
        let holds: Vec<_> = HoldStatus::ALL.iter().map(|&s| AuditAction::hold_moved(s)).collect();
        let bookings: Vec<_> = BookingStatus::ALL.iter().map(|&s| AuditAction::booking_moved(s)).collect();
        let all: std::collections::HashSet<_> = holds.iter().chain(&bookings).collect();
        assert_eq!(all.len(), HoldStatus::ALL.len() + BookingStatus::ALL.len());
        assert_eq!(AuditAction::booking_moved(BookingStatus::PaymentFailed).as_str(), "BOOKING_PAYMENT_FAILED");
        assert_eq!(AuditAction::hold_moved(HoldStatus::Consumed).as_str(), "HOLD_CONSUMED");
    }
}
