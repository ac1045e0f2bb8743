//! The domain's text enums in and out of SQLite: each binds as its text and
//! reads back only from a text it knows. A value no enum knows (a damaged or
//! foreign file) is a clear conversion error naming it, never a panic.

use crate::domain::{
    AuditAction, AuditEntity, BookingStatus, HoldStatus, IdempotencyScope, JobRunStatus, PaymentOutcome, RefundKind,
    RefundStatus,
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
);
