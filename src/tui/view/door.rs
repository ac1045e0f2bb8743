//! The Door screen: the event and the door, the running count, the code
//! field, and the last answer as a large coloured block (ADMITTED in green,
//! REFUSED in red, in letters five rows high) with the reason under it; the
//! answers before it are listed below.

use super::cells;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::door::answer_text;
use crate::tui::keymap::{DOOR, key};
use crate::tui::tickets::Scan;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(d) = &app.door.open else { return };
    let when = cells::date_time(app, d.event.starts_at);
    let title_room = (area.width as usize).saturating_sub(20 + cells::width(&when) + cells::width(&app.door.name));
    let block = Block::bordered().title(format!(
        " Door {} · {} · {when} ",
        app.door.name,
        cells::fit(&d.event.name, title_room)
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [top, answer, history] =
        Layout::vertical([Constraint::Length(3), Constraint::Length(9), Constraint::Min(0)]).areas(inner);

    let count = match d.counts {
        Some(c) => format!("Admitted {} / sold {}", c.admitted, c.sold),
        None => "Admitted … / sold …".to_string(),
    };
    let waiting = if d.queue.is_empty() { String::new() } else { format!("   {} code(s) waiting", d.queue.len()) };
    let field_width = 30;
    let (before, after) = d.input.window(field_width);
    let code = format!("{before}{}{after}", super::CARET);
    let hint = format!("  {} checks it in", key(&DOOR, Action::CheckIn));
    let lines = vec![
        Line::from(vec![Span::raw(count).bold(), Span::raw(waiting).yellow()]),
        Line::from(vec![
            Span::raw("Code "),
            Span::styled(format!("{code:<w$}", w = field_width + 1), Style::new().reversed()),
            Span::raw(hint).fg(Color::Gray),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), top);

    match d.scans.first() {
        Some(scan) => draw_answer(frame, app, scan, answer),
        None => frame.render_widget(
            Paragraph::new(Line::from("Scan a ticket, or type its code and press Enter.".fg(Color::Gray))),
            answer,
        ),
    }

    let rows: Vec<Line<'_>> = d
        .scans
        .iter()
        .skip(1)
        .take(history.height.saturating_sub(1) as usize)
        .map(|s| {
            let (word, style) = match (s.undone, s.answer.admitted()) {
                (true, _) => ("UNDONE", Style::new().fg(Color::Yellow)),
                (false, true) => ("ADMITTED", Style::new().fg(Color::Green)),
                (false, false) => ("REFUSED", Style::new().fg(Color::Red)),
            };
            let text = format!("{} {word} ", app.local(s.at).format("%H:%M:%S"));
            let why = cells::fit(&answer_text(app, &s.answer), (history.width as usize).saturating_sub(text.len()));
            Line::from(vec![Span::styled(text, style), Span::raw(why)])
        })
        .collect();
    if !rows.is_empty() {
        let mut all = vec![Line::from("Before:".fg(Color::Gray))];
        all.extend(rows);
        frame.render_widget(Paragraph::new(all), history);
    }
}

/// The answer as a block of colour: the word in large letters, the word
/// again in plain text with the reason (what a screen reader or a capture
/// reads), on green for ADMITTED and red for REFUSED.
fn draw_answer(frame: &mut Frame<'_>, app: &App, scan: &Scan, area: Rect) {
    let answer = &scan.answer;
    let w = area.width as usize;
    let blank = |style| Line::from(Span::styled(" ".repeat(w), style));
    if scan.undone {
        // Taken back: not an answer to act on any more.
        let style = Style::new().fg(Color::Black).bg(Color::Yellow).bold();
        let what = scan.code.clone();
        let mut lines = vec![blank(style), blank(style)];
        lines.push(Line::from(Span::styled(pad(&cells::fit(&format!("  UNDONE · {what}"), w), w), style)));
        lines.push(Line::from(Span::styled(
            pad("  The admission was taken back: the ticket is VALID again.", w),
            style,
        )));
        lines.extend([blank(style), blank(style)]);
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let style = if answer.admitted() {
        Style::new().fg(Color::Black).bg(Color::Green).bold()
    } else {
        Style::new().fg(Color::White).bg(Color::Red).bold()
    };
    let word = answer.headline();
    let mut lines = vec![blank(style)];
    for row in big(word) {
        lines.push(Line::from(Span::styled(pad(&format!("  {row}"), w), style)));
    }
    lines.push(blank(style));
    // The reason whole, on two rows if need be.
    let detail = cells::wrap(&format!("{word} · {}", answer_text(app, answer)), w.saturating_sub(4));
    for l in detail.iter().take(2) {
        lines.push(Line::from(Span::styled(pad(&format!("  {l}"), w), style)));
    }
    if detail.len() < 2 {
        lines.push(blank(style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn pad(s: &str, w: usize) -> String {
    let used = cells::width(s);
    format!("{s}{}", " ".repeat(w.saturating_sub(used)))
}

/// `word` in letters five rows high (only the letters of ADMITTED and REFUSED).
pub fn big(word: &str) -> Vec<String> {
    let mut rows = vec![String::new(); 5];
    for c in word.chars() {
        let glyph = glyph(c);
        for (row, bits) in rows.iter_mut().zip(glyph) {
            row.extend(bits.chars().map(|b| if b == '#' { '█' } else { ' ' }));
            row.push(' ');
        }
    }
    rows.into_iter().map(|r| r.trim_end().to_string()).collect()
}

fn glyph(c: char) -> [&'static str; 5] {
    match c {
        'A' => [" ### ", "#   #", "#####", "#   #", "#   #"],
        'D' => ["#### ", "#   #", "#   #", "#   #", "#### "],
        'E' => ["#####", "#    ", "#### ", "#    ", "#####"],
        'F' => ["#####", "#    ", "#### ", "#    ", "#    "],
        'I' => ["#####", "  #  ", "  #  ", "  #  ", "#####"],
        'M' => ["#   #", "## ##", "# # #", "#   #", "#   #"],
        'R' => ["#### ", "#   #", "#### ", "#  # ", "#   #"],
        'S' => [" ####", "#    ", " ### ", "    #", "#### "],
        'T' => ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
        'U' => ["#   #", "#   #", "#   #", "#   #", " ### "],
        _ => ["     "; 5],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_letters_spell_both_answers() {
        let admitted = big("ADMITTED");
        assert_eq!(admitted.len(), 5);
        assert!(admitted.iter().all(|r| cells::width(r) <= 8 * 6));
        assert_eq!(admitted[0].chars().filter(|c| *c == '█').count(), 3 + 4 + 2 + 5 + 5 + 5 + 5 + 4);
        assert_ne!(big("REFUSED"), big("ADMITTED"));
        assert!(big("REFUSED").iter().all(|r| !r.is_empty()));
    }
}
