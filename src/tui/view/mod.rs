//! `draw(frame, app)`: a pure function of the app's state. No database
//! access and no clock reads here; `app.now` is the time shown.

mod audit;
mod bookings;
mod cells;
mod clerks;
mod door;
mod events;
mod jobs;
mod overlay;
pub mod reports;
mod sell;
mod settings;
mod tickets;
mod till;
mod types;

use crate::tui::action::Action;
use crate::tui::app::{App, Screen, Tab, Tone};
use crate::tui::keymap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use std::sync::atomic::Ordering;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::from("Terminal too small".bold()),
            Line::from(format!("boxoffice needs {MIN_WIDTH}×{MIN_HEIGHT}; this is {}×{}.", area.width, area.height)),
            Line::from(format!("Enlarge the window ({} quits).", keymap::key(&keymap::SCREENS, Action::Quit))),
        ];
        frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    }
    let [header, body, message, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, header);
    match app.screen {
        Screen::Events => events::draw(frame, app, body),
        Screen::Sell => sell::draw(frame, app, body),
        Screen::Bookings => bookings::draw_list(frame, app, body),
        Screen::Detail => bookings::draw_detail(frame, app, body),
        Screen::Reports => reports::draw(frame, app, body),
        Screen::Audit => audit::draw(frame, app, body),
        Screen::Jobs => jobs::draw(frame, app, body),
        Screen::Door => door::draw(frame, app, body),
        Screen::Types => types::draw(frame, app, body),
        Screen::Till => till::draw(frame, app, body),
        Screen::Settings => settings::draw(frame, app, body),
        Screen::Clerks => clerks::draw(frame, app, body),
    }
    draw_message(frame, app, message);
    let keys = keymap::footer(app, footer.width as usize);
    frame.render_widget(Paragraph::new(keys).style(Style::new().fg(Color::Gray)), footer);
    draw_status(frame, app, status);
    if let Some(o) = &app.overlay {
        overlay::draw(frame, app, o, body);
    }
}

fn draw_header(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let [title, tabs] = Layout::horizontal([Constraint::Length(12), Constraint::Min(10)]).areas(area);
    frame.render_widget(Paragraph::new(" boxoffice ".bold().reversed()), title);
    let selected = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    let titles = Tab::ALL.iter().map(|t| t.title());
    frame.render_widget(
        Tabs::new(titles).select(selected).highlight_style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        tabs,
    );
}

fn draw_message(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if let Some(m) = &app.message {
        let (mark, style) = match m.tone {
            Tone::Done => ("✓ ", Style::new().fg(Color::Green)),
            Tone::Note => ("• ", Style::new().fg(Color::Yellow)),
            Tone::Refused => ("✗ ", Style::new().fg(Color::Red).bold()),
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![Span::styled(mark, style), Span::styled(&m.text, style)])),
            area,
        );
    }
}

fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    // The venue's clock and zone: every time on screen is in it.
    let clock = app.local(app.now).format("%Y-%m-%d %H:%M:%S %:z").to_string();
    let beat = heartbeat(app);
    let clock = Span::styled(format!(" {clock} {} ", app.zone().name()), Style::new().fg(Color::Black).bg(Color::Cyan));
    // What the database keeps the clerk waiting for comes first: it is why
    // nothing else seems to happen.
    let waiting = app.waiting().map(|mut waiting| {
        if keymap::esc_stops_waiting(app) {
            waiting.push_str(" · Esc stops waiting");
        }
        Span::styled(format!(" {waiting} "), Style::new().fg(Color::Black).bg(Color::Yellow))
    });
    // A flag or BOXOFFICE_* variable sells by another policy than the venue's here.
    let over = crate::tui::settings::overrides_text(app)
        .map(|over| Span::styled(format!(" override: {over} "), Style::new().fg(Color::Black).bg(Color::Magenta)));
    // Who is at the keyboard, in what room the clock, a wait, the heartbeat
    // and an override leave (they stay whole; the clerk's text gets shorter).
    let used = clock.width()
        + 1
        + waiting.as_ref().map_or(0, |w| w.width() + 1)
        + beat.width()
        + over.as_ref().map_or(0, |o| o.width() + 2)
        + 1;
    let clerk = clerk_text(app, (area.width as usize).saturating_sub(used));
    let mut spans = vec![clock, Span::raw(" ")];
    if let Some(clerk) = clerk {
        spans.push(Span::styled(clerk, Style::new().fg(Color::Black).bg(Color::Green)));
        spans.push(Span::raw(" "));
    }
    if let Some(waiting) = waiting {
        spans.push(waiting);
        spans.push(Span::raw(" "));
    }
    spans.push(beat);
    if let Some(over) = over {
        spans.push(Span::raw("  "));
        spans.push(over);
    }
    spans.push(Span::raw(format!("  db: {}", app.info.db_label)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The signed-in clerk as the status bar says it, padded, in at most `room`
/// columns: "asha · clerk · shift open", else shorter ("asha · clerk",
/// "asha"); nobody signed in: nothing.
fn clerk_text(app: &App, room: usize) -> Option<String> {
    let c = app.clerk.as_ref()?;
    let mut variants = Vec::new();
    if app.shift_open {
        variants.push(format!(" {} · {} · shift open ", c.name(), c.role()));
    }
    variants.push(format!(" {} · {} ", c.name(), c.role()));
    variants.push(format!(" {} ", c.name()));
    variants
        .into_iter()
        .find(|v| cells::width(v) <= room)
        .or_else(|| (room >= 6).then(|| format!(" {} ", cells::fit(c.name(), room - 2))))
}

/// The tick thread's health: green while it ticks, red when it stalls or dies.
fn heartbeat(app: &App) -> Span<'static> {
    let Some(hb) = &app.heartbeat else {
        return Span::styled("tick: script", Style::new().fg(Color::Gray));
    };
    if hb.stopped.load(Ordering::Relaxed) {
        return Span::styled("✗ tick STOPPED", Style::new().fg(Color::White).bg(Color::Red).bold());
    }
    if let Some(e) = hb.error() {
        return Span::styled(format!("✗ tick failing: {e}"), Style::new().fg(Color::White).bg(Color::Red));
    }
    if let Some(job) = hb.failing_job() {
        return Span::styled(format!("✗ job failing: {job}"), Style::new().fg(Color::White).bg(Color::Red));
    }
    let last = hb.last_tick_ms.load(Ordering::Relaxed);
    if last == 0 {
        return Span::styled("… tick starting", Style::new().fg(Color::Yellow));
    }
    let age = (app.now.timestamp_millis() - last).max(0) / 1000;
    if age > 5 {
        Span::styled(format!("✗ tick stalled {age}s"), Style::new().fg(Color::White).bg(Color::Red).bold())
    } else {
        Span::styled(format!("♥ tick ok ({})", hb.ticks.load(Ordering::Relaxed)), Style::new().fg(Color::Green))
    }
}

/// A filter or search as typed: with the caret (`▏`) where the next key
/// edits while it has focus, its tail kept in view within `width` columns.
pub fn text_line(input: &crate::tui::form::LineInput, width: usize) -> String {
    if !input.active {
        return input.text().to_string();
    }
    let (before, after) = input.input.window(width);
    format!("{before}{CARET}{after}")
}

/// The caret of a focused text box.
pub const CARET: &str = "▏";

/// `mm:ss` left until `deadline`, or "expired".
pub fn countdown(app: &App, deadline: chrono::DateTime<chrono::Utc>) -> String {
    let left = (deadline - app.now).num_seconds();
    if left <= 0 { "expired".into() } else { format!("{:02}:{:02}", left / 60, left % 60) }
}

/// A text fill bar: `████░░░░░░`.
pub fn fill_bar(used: u32, total: u32, width: usize) -> String {
    let filled = if total == 0 { 0 } else { (used as usize * width).div_ceil(total as usize).min(width) };
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}
