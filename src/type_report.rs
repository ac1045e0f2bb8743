//! The report's "sales by ticket type" section, as text and as CSV figures.
//! Its figures come from `Desk::type_sales` (its own SQL, `store::tickets`):
//! per type, seats sold (CONFIRMED bookings) and their revenue at the price
//! each was sold for, seats awaiting payment, and tickets admitted at a door.
//! The summary's revenue also counts fees kept on cancellations; this
//! section counts sales only.

use crate::domain::{Money, TypeSales};
use std::fmt::Write;

/// The section as the text report prints it (nothing when no event has types).
pub fn table(rows: &[TypeSales]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "SALES BY TICKET TYPE");
    let _ = writeln!(
        out,
        "  {:<28} {:<16} {:>12} {:>8} {:>14} {:>8} {:>8}",
        "EVENT", "TYPE", "PRICE", "SOLD", "REVENUE", "PENDING", "ADMITTED"
    );
    for t in rows {
        let event: String = t.event_name.chars().take(28).collect();
        let mut name: String = t.type_name.chars().take(16).collect();
        if t.retired {
            name = format!("{}*", name.chars().take(15).collect::<String>());
        }
        let _ = writeln!(
            out,
            "  {:<28} {:<16} {:>12} {:>8} {:>14} {:>8} {:>8}",
            event,
            name,
            Money(t.price).format(&t.currency),
            t.sold,
            Money(t.revenue).format(&t.currency),
            t.pending,
            t.admitted
        );
    }
    if rows.iter().any(|t| t.retired) {
        let _ = writeln!(out, "  * retired: no longer on sale");
    }
    out
}

/// One type's figures as CSV rows `(metric, value)`: metric is
/// `<type name>/<figure>`, money in minor units.
pub fn csv_metrics(t: &TypeSales) -> Vec<(String, String)> {
    let m = |figure: &str| format!("{}/{figure}", t.type_name);
    vec![
        (m("type_id"), t.type_id.clone()),
        (m("price"), t.price.to_string()),
        (m("retired"), t.retired.to_string()),
        (m("sold"), t.sold.to_string()),
        (m("revenue"), t.revenue.to_string()),
        (m("pending"), t.pending.to_string()),
        (m("admitted"), t.admitted.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, retired: bool) -> TypeSales {
        TypeSales {
            event_id: "e1".into(),
            event_name: "Hamlet".into(),
            type_id: format!("t-{name}"),
            type_name: name.into(),
            retired,
            price: 25_000,
            currency: "INR".into(),
            sold: 3,
            revenue: 75_000,
            pending: 1,
            admitted: 2,
        }
    }

    #[test]
    fn the_section_lists_each_type_with_its_figures() {
        assert_eq!(table(&[]), "");
        let text = table(&[row("Child", false), row("Senior", true)]);
        assert!(text.contains("SALES BY TICKET TYPE"), "{text}");
        let child = text.lines().find(|l| l.contains("Child")).expect("a Child line");
        for part in ["Hamlet", "₹250.00", "3", "₹750.00", "1", "2"] {
            assert!(child.contains(part), "{child}");
        }
        assert!(text.contains("Senior*") && text.contains("retired: no longer on sale"), "{text}");
        let csv = csv_metrics(&row("Child", false));
        assert!(csv.contains(&("Child/revenue".into(), "75000".into())));
        assert!(csv.contains(&("Child/admitted".into(), "2".into())));
    }
}
