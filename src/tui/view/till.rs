//! The Till: who is signed in, their newest shift's cash-up (sales and
//! refunds by method, the drawer's expected cash, and once closed the counted
//! cash and the difference), and their live sales to resume from Events.

use crate::domain::Money;
use crate::ids::short;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap;
use chrono::Offset;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let t = &app.office.till;
    let key = |a| keymap::key(&keymap::TILL, a);
    let mut lines: Vec<Line<'_>> = Vec::new();
    match &app.clerk {
        None => lines.push(Line::from("Nobody is signed in here.".bold())),
        Some(c) => lines.push(Line::from(format!("Signed in: {} ({})", c.name(), c.role()).bold())),
    }
    lines.push(Line::from(""));
    match &t.cashup {
        None if !t.read => lines.push(Line::from("Reading the till…")),
        None => lines.push(Line::from(format!(
            "No shift yet. {} opens one with a float; a first payment opens one with a float of 0.",
            key(Action::OpenShift)
        ))),
        Some(up) => {
            // Times in the venue's zone (its offset when the shift opened).
            let offset = app.local(up.shift.opened_at).offset().fix();
            for l in crate::cashup::shift_lines(up, offset) {
                lines.push(Line::from(l));
            }
            lines.push(Line::from(""));
            let next = if up.shift.is_open() {
                format!("{} closes this shift with the cash counted.", key(Action::CloseShift))
            } else {
                format!("Closed: it never changes. {} opens the next shift.", key(Action::OpenShift))
            };
            lines.push(Line::from(next.fg(Color::Cyan)));
        }
    }
    if !t.live.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from("Your live sales (open the event on Events to resume or release):".bold()));
        for (hold, booking) in &t.live {
            let text = match booking {
                Some(b) => format!(
                    "  booking {} awaits payment of {} until {}",
                    short(&b.id),
                    Money(b.amount).format(&b.currency),
                    app.local(b.payment_expires_at).format("%H:%M:%S")
                ),
                None => format!(
                    "  hold {} of {} seat(s) until {}",
                    short(&hold.id),
                    hold.seats,
                    app.local(hold.expires_at).format("%H:%M:%S")
                ),
            };
            lines.push(Line::from(text));
        }
    }
    frame
        .render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(" Till ")), area);
}
