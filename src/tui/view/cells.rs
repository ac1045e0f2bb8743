//! Table cells that read right at every size: widths measured in terminal
//! columns (an emoji or a CJK character takes two), text cut with an ellipsis
//! by display width, columns laid out exactly (so no cell shifts the next),
//! statuses in short forms with a legend when a table is narrow, and dates
//! with the year when it is not the current one.

use crate::domain::BookingStatus;
use crate::tui::app::App;
use chrono::{DateTime, Datelike, Utc};
use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

pub use crate::domain::width::{fit, width};

/// `parts` joined by ` · ` on as few lines of `w` columns as they fit;
/// a part is never split (one wider than `w` gets a line of its own).
pub fn pack(parts: &[String], w: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for p in parts {
        match lines.last_mut() {
            Some(l) if width(l) + 3 + width(p) <= w => {
                l.push_str(" · ");
                l.push_str(p);
            }
            _ => lines.push(p.clone()),
        }
    }
    lines
}

/// `text` broken at spaces into lines of at most `w` columns (a word wider
/// than `w` is cut with `…`).
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let words: Vec<String> = text.split(' ').map(|word| fit(word, w)).collect();
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(l) if width(l) + 1 + width(&word) <= w => {
                l.push(' ');
                l.push_str(&word);
            }
            _ => lines.push(word),
        }
    }
    lines
}

/// A column: its header, the narrowest it may be and the widest it needs.
/// `min == max` is a column that is never cut (amounts, statuses, dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub title: &'static str,
    pub min: usize,
    pub max: usize,
    /// Right-aligned (amounts, counts).
    pub right: bool,
}

impl Col {
    /// A column as wide as its widest cell (or title), never cut.
    pub fn whole<'a>(title: &'static str, cells: impl IntoIterator<Item = &'a str>) -> Col {
        let w = cells.into_iter().map(width).chain([width(title)]).max().unwrap_or(0);
        Col { title, min: w, max: w, right: false }
    }

    /// A column that shrinks to `min` (cut with `…`) and grows to its widest cell.
    pub fn flex<'a>(title: &'static str, min: usize, cells: impl IntoIterator<Item = &'a str>) -> Col {
        let w = cells.into_iter().map(width).chain([width(title)]).max().unwrap_or(0);
        Col { title, min: min.min(w), max: w.max(min.min(w)), right: false }
    }

    pub fn right(self) -> Col {
        Col { right: true, ..self }
    }
}

/// Widths for `cols` in `avail` columns (one column of space between
/// neighbours), or None when even their minimums do not fit. Minimums
/// first; what is left goes to the flexible columns in order, each up to its
/// widest cell; the rest, if any, to the last flexible one.
pub fn widths(cols: &[Col], avail: usize) -> Option<Vec<usize>> {
    let gaps = cols.len().saturating_sub(1);
    let need: usize = cols.iter().map(|c| c.min).sum::<usize>() + gaps;
    if need > avail {
        return None;
    }
    let mut left = avail - need;
    let mut out: Vec<usize> = cols.iter().map(|c| c.min).collect();
    for (w, c) in out.iter_mut().zip(cols) {
        let more = (c.max - c.min).min(left);
        *w += more;
        left -= more;
    }
    if let Some(i) = cols.iter().rposition(|c| c.max > c.min) {
        out[i] += left;
    }
    Some(out)
}

/// The columns of the first of `variants` (indices into `all`, fullest
/// first: each drops what gives way next) that fit in `avail`, with their
/// widths. If none fits, the last at its minimums (the frame clips the right).
pub fn give_way(all: &[Col], variants: &[&[usize]], avail: usize) -> (Vec<usize>, Vec<Col>, Vec<usize>) {
    let pick = |keep: &[usize]| keep.iter().filter_map(|i| all.get(*i).copied()).collect::<Vec<Col>>();
    for keep in variants {
        let cols = pick(keep);
        if let Some(w) = widths(&cols, avail) {
            return (keep.to_vec(), cols, w);
        }
    }
    let keep = variants.last().map_or_else(|| (0..all.len()).collect(), |k| k.to_vec());
    let cols = pick(&keep);
    let w = cols.iter().map(|c| c.min).collect();
    (keep, cols, w)
}

/// One cell: its text and style.
pub type Styled = (String, Style);

/// A table whose columns are exactly `widths` wide and whose cells are cut to
/// fit by display width, so a wide character never pushes a neighbour.
pub fn table<'a>(cols: &[Col], widths: &[usize], rows: Vec<(Vec<Styled>, Style)>) -> Table<'a> {
    let line = |text: &str, style: Style, c: &Col, w: usize| {
        let l = Line::from(Span::styled(fit(text, w), style));
        Cell::from(if c.right { l.right_aligned() } else { l })
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let header = Row::new(cols.iter().zip(widths).map(|(c, w)| line(c.title, bold, c, *w)));
    let body = rows.into_iter().map(|(cells, style)| {
        Row::new(cols.iter().zip(widths).zip(cells).map(|((c, w), (text, st))| line(&text, st, c, *w))).style(style)
    });
    Table::new(body, widths.iter().map(|w| Constraint::Length(*w as u16))).header(header)
}

/// Short forms of the booking statuses, for narrow tables (with [`LEGEND`]).
pub fn short_status(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::PaymentPending => "PEND",
        BookingStatus::Confirmed => "CONF",
        BookingStatus::PaymentFailed => "FAIL",
        BookingStatus::Expired => "EXP",
        BookingStatus::Cancelled => "CANC",
    }
}

/// A status as text: whole, or its short form.
pub fn status_text(s: BookingStatus, short: bool) -> &'static str {
    if short { short_status(s) } else { s.as_str() }
}

/// A status name (as an audit row holds it) in its short form when it is a
/// booking status; other names (hold, refund statuses) stay whole.
pub fn short_name(name: &str) -> &str {
    match BookingStatus::parse(name) {
        Some(s) => short_status(s),
        None => name,
    }
}

/// How an audit row's status change is written, widest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `PAYMENT_PENDING → CONFIRMED`
    Full,
    /// `PEND → CONF` (booking statuses short, others whole)
    Short,
    /// `→ CONF`: where it went (the row before says where it came from)
    To,
}

pub fn change_text(from: Option<&str>, to: Option<&str>, mode: Change) -> String {
    let name = |s: &str| if mode == Change::Full { s.to_string() } else { short_name(s).to_string() };
    match (from, to, mode) {
        (Some(f), Some(t), Change::Full | Change::Short) => format!("{} → {}", name(f), name(t)),
        (_, Some(t), _) => format!("→ {}", name(t)),
        _ => String::new(),
    }
}

/// What the short forms stand for, shown wherever they are.
pub const LEGEND: &str = "PEND=pending CONF=confirmed FAIL=payment failed EXP=expired CANC=cancelled";

/// A date and time in the clerk's zone: `Sat 06 Jun 19:30` this year,
/// `Fri 31 Dec 9999 19:30` in any other.
pub fn date_time(app: &App, t: DateTime<Utc>) -> String {
    let this_year = app.local(app.now).year() == app.local(t).year();
    app.local(t).format(if this_year { "%a %d %b %H:%M" } else { "%a %d %b %Y %H:%M" }).to_string()
}

/// Shorter, for lists: `06 Jun 19:30`, or `31 Dec 2025 19:30`.
pub fn day_time(app: &App, t: DateTime<Utc>) -> String {
    let this_year = app.local(app.now).year() == app.local(t).year();
    app.local(t).format(if this_year { "%d %b %H:%M" } else { "%d %b %Y %H:%M" }).to_string()
}

/// Shortest: the time today, the day this year, else the day and year.
pub fn when_short(app: &App, t: DateTime<Utc>) -> String {
    let (now, t) = (app.local(app.now), app.local(t));
    let fmt = if now.date_naive() == t.date_naive() {
        "%H:%M:%S"
    } else if now.year() == t.year() {
        "%d %b %H:%M"
    } else {
        "%d %b %Y"
    };
    t.format(fmt).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_give_minimums_then_grow_flexible_columns() {
        let fixed = Col { title: "Amount", min: 10, max: 10, right: true };
        let name = Col { title: "Name", min: 6, max: 30, right: false };
        assert_eq!(widths(&[name, fixed], 40), Some(vec![29, 10]));
        assert_eq!(widths(&[name, fixed], 17), Some(vec![6, 10]));
        assert_eq!(widths(&[name, fixed], 16), None);
        let short = Col { max: 8, ..name };
        assert_eq!(widths(&[short, fixed], 40), Some(vec![29, 10]), "the rest goes to the last flexible column");
    }
}
