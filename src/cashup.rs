//! The cash-up (Z report) of a shift, or of several (a day), as text for the
//! CLI's table and the Till screen, and as JSON; `export::cashup_csv` writes
//! the same figures as CSV. Pure: the engine reads the shifts
//! ([`Desk::cashups`](crate::Desk::cashups)), this only arranges them.
//!
//! Per shift: sales and refunds by method (cash, card, UPI) and currency,
//! ticket counts, declined and timed-out attempts, and the drawer: expected
//! cash = float + cash sales − cash refunds (in the till's currency), the
//! cash counted at closing and the difference (counted − expected; negative
//! is cash missing). Refunds here are refunds of money taken (cancelled paid
//! bookings); a declined payment's refund never touched the till.

use crate::domain::{CashUp, Money, PaymentMethod};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;
use std::fmt::Write as _;

/// What a difference means for the drawer.
pub fn difference_word(diff: i64) -> &'static str {
    match diff {
        0 => "balanced",
        d if d < 0 => "short",
        _ => "over",
    }
}

fn when(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
}

/// The methods in the order a cash-up lists them, with what each line shows.
fn method_name(method: &str) -> &str {
    match PaymentMethod::parse(method) {
        Some(PaymentMethod::Cash) => "Cash",
        Some(PaymentMethod::Card) => "Card",
        Some(PaymentMethod::Upi) => "UPI",
        None => method,
    }
}

/// One shift's cash-up as lines of text (no trailing newline on each).
pub fn shift_lines(up: &CashUp, offset: FixedOffset) -> Vec<String> {
    let s = &up.shift;
    let c = s.currency.as_str();
    let mut out = Vec::new();
    let closed = match s.closed_at {
        Some(at) => format!("closed {}", when(at, offset)),
        None => "open".to_string(),
    };
    out.push(format!(
        "Shift {} · {} · opened {} · {closed} · till in {c}",
        crate::ids::short(&s.id),
        s.clerk_name,
        when(s.opened_at, offset)
    ));
    if up.lines.is_empty() {
        out.push("  no payments or refunds".to_string());
    } else {
        out.push(format!(
            "  {:<6} {:>16} {:>9} {:>16} {:>9} {:>8}",
            "method", "sales", "sales #", "refunds", "refunds #", "declined"
        ));
        for l in &up.lines {
            out.push(format!(
                "  {:<6} {:>16} {:>9} {:>16} {:>9} {:>8}",
                method_name(&l.method),
                Money(l.sales).format(&l.currency),
                l.payments,
                Money(l.refunds).format(&l.currency),
                l.refund_count,
                l.declined + l.timeouts
            ));
        }
    }
    let timeouts: i64 = up.lines.iter().map(|l| l.timeouts).sum();
    let declined: i64 = up.lines.iter().map(|l| l.declined).sum();
    out.push(format!(
        "  tickets sold {} · refunded {} · payments declined {declined} · timed out {timeouts}",
        up.tickets_sold(),
        up.tickets_refunded()
    ));
    let expected = s.expected_cash.unwrap_or_else(|| up.expected_cash());
    out.push(format!(
        "  float {} + cash sales {} − cash refunds {} = expected cash {}",
        Money(s.opening_float).format(c),
        Money(up.cash_sales()).format(c),
        Money(up.cash_refunds()).format(c),
        Money(expected).format(c)
    ));
    match (s.counted_cash, up.difference()) {
        (Some(counted), Some(diff)) => out.push(format!(
            "  counted {} · difference {} ({})",
            Money(counted).format(c),
            Money(diff).format(c),
            difference_word(diff)
        )),
        _ => out.push("  not counted yet: the shift is open".to_string()),
    }
    out
}

/// Several cash-ups (a day's, a clerk's) as the CLI's table; with more than
/// one shift, the drawers' totals per till currency after them.
pub fn table(ups: &[CashUp], offset: FixedOffset) -> String {
    let mut out = String::new();
    if ups.is_empty() {
        out.push_str("no shifts\n");
        return out;
    }
    for (i, up) in ups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in shift_lines(up, offset) {
            let _ = writeln!(out, "{line}");
        }
    }
    if ups.len() > 1 {
        let _ = writeln!(out);
        for t in totals(ups) {
            let diff = match t.counted {
                Some(counted) => format!(
                    " · counted {} · difference {}",
                    money(counted, &t.currency),
                    money(counted - t.expected_counted, &t.currency)
                ),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "All {} shift(s) in {}: sales {} · refunds {} · expected cash {}{diff}",
                t.shifts,
                t.currency,
                money(t.sales, &t.currency),
                money(t.refunds, &t.currency),
                money(t.expected, &t.currency)
            );
        }
    }
    out
}

fn money(v: i64, c: &str) -> String {
    Money(v).format(c)
}

/// Shifts added up per currency (currencies never are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub currency: String,
    pub shifts: usize,
    pub sales: i64,
    pub refunds: i64,
    /// Expected cash of every shift whose till is in this currency.
    pub expected: i64,
    /// Counted cash of the closed ones (None if none is closed), and what
    /// those closed shifts expected.
    pub counted: Option<i64>,
    pub expected_counted: i64,
}

pub fn totals(ups: &[CashUp]) -> Vec<Totals> {
    let mut out: Vec<Totals> = Vec::new();
    let slot = |out: &mut Vec<Totals>, c: &str| -> usize {
        match out.iter().position(|t| t.currency == c) {
            Some(i) => i,
            None => {
                out.push(Totals {
                    currency: c.to_string(),
                    shifts: 0,
                    sales: 0,
                    refunds: 0,
                    expected: 0,
                    counted: None,
                    expected_counted: 0,
                });
                out.len() - 1
            }
        }
    };
    for up in ups {
        let i = slot(&mut out, &up.shift.currency);
        let expected = up.shift.expected_cash.unwrap_or_else(|| up.expected_cash());
        out[i].shifts += 1;
        out[i].expected += expected;
        if let Some(counted) = up.shift.counted_cash {
            out[i].counted = Some(out[i].counted.unwrap_or(0) + counted);
            out[i].expected_counted += expected;
        }
        for (currency, sales, refunds) in up.by_currency() {
            let j = slot(&mut out, &currency);
            out[j].sales += sales;
            out[j].refunds += refunds;
        }
    }
    out.sort_by(|a, b| a.currency.cmp(&b.currency));
    out
}

/// The cash-ups as one JSON object: `shifts` (each with its lines and the
/// drawer's figures, money in minor units) and `totals` per currency.
pub fn json(ups: &[CashUp]) -> serde_json::Value {
    let shifts: Vec<_> = ups
        .iter()
        .map(|up| {
            json!({
                "shift": up.shift,
                "lines": up.lines,
                "tickets_sold": up.tickets_sold(),
                "tickets_refunded": up.tickets_refunded(),
                "cash_sales": up.cash_sales(),
                "cash_refunds": up.cash_refunds(),
                "expected_cash": up.shift.expected_cash.unwrap_or_else(|| up.expected_cash()),
                "counted_cash": up.shift.counted_cash,
                "difference": up.difference(),
            })
        })
        .collect();
    let totals: Vec<_> = totals(ups)
        .into_iter()
        .map(|t| {
            json!({
                "currency": t.currency, "shifts": t.shifts, "sales": t.sales, "refunds": t.refunds,
                "expected_cash": t.expected, "counted_cash": t.counted,
                "difference": t.counted.map(|c| c - t.expected_counted),
            })
        })
        .collect();
    json!({ "shifts": shifts, "totals": totals })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MethodTotals, Shift};

    fn up(float: i64, counted: Option<i64>) -> CashUp {
        CashUp {
            shift: Shift {
                id: "0190-aaaa-bbbb-cccc-12345678".into(),
                clerk_id: "c".into(),
                clerk_name: "Asha".into(),
                currency: "INR".into(),
                opening_float: float,
                opened_at: DateTime::UNIX_EPOCH,
                closed_at: counted.map(|_| DateTime::UNIX_EPOCH),
                counted_cash: counted,
                expected_cash: counted.map(|_| float + 100_000 - 25_000),
            },
            lines: vec![
                MethodTotals {
                    method: "CASH".into(),
                    currency: "INR".into(),
                    sales: 100_000,
                    payments: 2,
                    tickets: 2,
                    refunds: 25_000,
                    refund_count: 1,
                    refunded_tickets: 1,
                    ..Default::default()
                },
                MethodTotals {
                    method: "CARD".into(),
                    currency: "INR".into(),
                    sales: 50_000,
                    payments: 1,
                    tickets: 1,
                    declined: 1,
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn a_table_shows_the_drawer_figure_by_figure() {
        let utc = FixedOffset::east_opt(0).expect("utc");
        let text = table(&[up(10_000, Some(80_000))], utc);
        assert!(text.contains("Shift 12345678 · Asha · opened 1970-01-01 00:00 · closed"), "{text}");
        assert!(text.contains("Cash          ₹1,000.00         2          ₹250.00"), "{text}");
        assert!(text.contains("tickets sold 3 · refunded 1 · payments declined 1"), "{text}");
        assert!(
            text.contains("float ₹100.00 + cash sales ₹1,000.00 − cash refunds ₹250.00 = expected cash ₹850.00"),
            "{text}"
        );
        assert!(text.contains("counted ₹800.00 · difference -₹50.00 (short)"), "{text}");
        let open = table(&[up(0, None)], utc);
        assert!(open.contains("not counted yet"), "{open}");
    }

    #[test]
    fn several_shifts_add_up_per_currency() {
        let ups = [up(10_000, Some(85_000)), up(0, None)];
        let t = totals(&ups);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].shifts, t[0].sales, t[0].refunds), (2, 300_000, 50_000));
        assert_eq!((t[0].expected, t[0].counted, t[0].expected_counted), (85_000 + 75_000, Some(85_000), 85_000));
        let j = json(&ups);
        assert_eq!(j["shifts"][0]["difference"], 0);
        assert_eq!(j["shifts"][1]["counted_cash"], serde_json::Value::Null);
        assert_eq!(j["totals"][0]["difference"], 0);
    }
}
