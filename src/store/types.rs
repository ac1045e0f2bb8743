//! The domain's text enums in and out of SQLite: each binds as its text and
//! reads back only from a text it knows. A value no enum knows (a damaged or
//! foreign file) is a clear conversion error naming it, never a panic.

use crate::domain::{
    AuditAction, AuditEntity, BookingStatus, HoldStatus, IdempotencyScope, JobRunStatus, PaymentMethod, PaymentOutcome,
    RefundKind, RefundStatus, Role, ScanResult, TicketCode, TicketStatus,
};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A text in the file that names no known value of the column's type.
#[derive(Debug, thiserror::Error)]
#[error("'{text}' is not a known {what}")]
pub struct UnknownText {
    pub what: &'static str,
    pub text: String,
}

macro_rules! sql_text {
    ($($t:ty),+ $(,)?) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                <$t>::parse(text).ok_or_else(|| {
                    FromSqlError::Other(Box::new(UnknownText { what: <$t>::WHAT, text: text.to_string() }))
                })
            }
        }
    )+};
}

sql_text!(
    HoldStatus,
    BookingStatus,
    PaymentOutcome,
    RefundStatus,
    RefundKind,
    JobRunStatus,
    AuditAction,
    AuditEntity,
    IdempotencyScope,
    TicketStatus,
    ScanResult,
    Role,
    PaymentMethod,
);

/// A ticket code is stored in its canonical 17-character form; text that is
/// not a well-formed code (a damaged file) is an error naming it.
impl ToSql for TicketCode {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for TicketCode {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        TicketCode::from_stored(text)
            .ok_or_else(|| FromSqlError::Other(Box::new(UnknownText { what: "ticket code", text: text.to_string() })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;
    use rusqlite::Connection;
    use std::collections::BTreeSet;

    fn round_trip<T: ToSql + FromSql + PartialEq + std::fmt::Debug + Copy>(
        conn: &Connection,
        all: &[T],
        text: fn(T) -> &'static str,
    ) {
        for &value in all {
            let (back, stored): (T, String) =
                conn.query_row("SELECT ?1, ?1", [value], |r| Ok((r.get(0)?, r.get(1)?))).expect("round trip");
            assert_eq!(back, value);
            assert_eq!(stored, text(value), "bound as its text");
        }
    }

    #[test]
    fn every_text_enum_binds_as_its_text_and_reads_back() {
        let conn = Connection::open_in_memory().expect("sqlite");
        round_trip(&conn, HoldStatus::ALL, HoldStatus::as_str);
        round_trip(&conn, BookingStatus::ALL, BookingStatus::as_str);
        round_trip(&conn, PaymentOutcome::ALL, PaymentOutcome::as_str);
        round_trip(&conn, RefundStatus::ALL, RefundStatus::as_str);
        round_trip(&conn, RefundKind::ALL, RefundKind::as_str);
        round_trip(&conn, JobRunStatus::ALL, JobRunStatus::as_str);
        round_trip(&conn, AuditAction::ALL, AuditAction::as_str);
        round_trip(&conn, AuditEntity::ALL, AuditEntity::as_str);
        round_trip(&conn, IdempotencyScope::ALL, IdempotencyScope::as_str);
        round_trip(&conn, TicketStatus::ALL, TicketStatus::as_str);
        round_trip(&conn, ScanResult::ALL, ScanResult::as_str);
        round_trip(&conn, Role::ALL, Role::as_str);
        round_trip(&conn, PaymentMethod::ALL, PaymentMethod::as_str);
        let code = TicketCode::from_bytes([7; 10]);
        let back: TicketCode = conn.query_row("SELECT ?1", [&code], |r| r.get(0)).expect("code");
        assert_eq!(back, code);
        let dashed = conn.query_row("SELECT ?1", [code.grouped()], |r| r.get::<_, TicketCode>(0));
        assert!(dashed.unwrap_err().to_string().contains("is not a known ticket code"));
    }

    #[test]
    fn an_unknown_or_non_text_value_is_an_error_naming_it() {
        let conn = Connection::open_in_memory().expect("sqlite");
        let bad = conn.query_row("SELECT 'ACTIV'", [], |r| r.get::<_, HoldStatus>(0)).expect_err("not a status");
        assert!(bad.to_string().contains("'ACTIV' is not a known hold status"), "{bad}");
        let lower = conn.query_row("SELECT 'confirmed'", [], |r| r.get::<_, BookingStatus>(0));
        assert!(lower.is_err(), "texts are exact");
        let number = conn.query_row("SELECT 3", [], |r| r.get::<_, JobRunStatus>(0));
        assert!(matches!(number, Err(rusqlite::Error::InvalidColumnType(..))), "{number:?}");
    }

    /// Every quoted upper-case name in `sql`: `'ACTIVE'` gives ACTIVE.
    fn quoted_names(sql: &str) -> BTreeSet<String> {
        let parts: Vec<&str> = sql.split('\'').collect();
        // Between two quotes, a name alone; text around a Rust lifetime or a
        // sentence never is one, so pairing quotes loosely is safe here.
        parts
            .windows(2)
            .map(|w| w[1])
            .filter(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_stores_sql_names_only_known_states_and_no_audit_action() {
        let sources = [
            ("schema.sql", include_str!("../../schema.sql")),
            ("store/mod.rs", include_str!("mod.rs")),
            ("store/audit.rs", include_str!("audit.rs")),
            ("store/catalog.rs", include_str!("catalog.rs")),
            ("store/checks.rs", include_str!("checks.rs")),
            ("store/jobs.rs", include_str!("jobs.rs")),
            ("store/reports.rs", include_str!("reports.rs")),
            ("store/sales.rs", include_str!("sales.rs")),
            ("store/migrate.rs", include_str!("migrate.rs")),
            ("store/integrity.rs", include_str!("integrity.rs")),
            ("store/tickets.rs", include_str!("tickets.rs")),
            ("store/staff.rs", include_str!("staff.rs")),
        ];
        let steps = crate::store::migrate::STEPS.iter().map(|s| ("a migration step", s.sql));
        let sources = sources.into_iter().chain(steps);
        let mut known: BTreeSet<&str> = BTreeSet::new();
        known.extend(HoldStatus::ALL.iter().map(|s| s.as_str()));
        known.extend(BookingStatus::ALL.iter().map(|s| s.as_str()));
        known.extend(PaymentOutcome::ALL.iter().map(|s| s.as_str()));
        known.extend(RefundStatus::ALL.iter().map(|s| s.as_str()));
        known.extend(RefundKind::ALL.iter().map(|s| s.as_str()));
        known.extend(JobRunStatus::ALL.iter().map(|s| s.as_str()));
        known.extend(TicketStatus::ALL.iter().map(|s| s.as_str()));
        known.extend(ScanResult::ALL.iter().map(|s| s.as_str()));
        known.extend(PaymentMethod::ALL.iter().map(|s| s.as_str()));
        known.extend([
            EventKind::Reserved { rows: 1, seats_per_row: 1 }.code(),
            EventKind::GeneralAdmission { capacity: 1 }.code(),
        ]);
        let actions: BTreeSet<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        let mut seen = 0;
        for (file, text) in sources {
            for name in quoted_names(text) {
                seen += 1;
                assert!(!actions.contains(name.as_str()), "{file} spells out the audit action '{name}': bind it");
                assert!(known.contains(name.as_str()) || name == "INR", "{file} names '{name}', which no enum knows");
            }
        }
        assert!(seen > 10, "the scan found the statuses ({seen})");
        // The checks name audit entities only as parameters, too.
        let checks = include_str!("checks.rs");
        for e in AuditEntity::ALL {
            assert!(!checks.contains(&format!("'{e}'")), "checks.rs spells out the entity '{e}': bind it");
        }
    }
}
