//! The top-level screens and tabs, shared by the app's state and the
//! back office's, and how long their lists get.

/// The top-level screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Events,
    Bookings,
    Reports,
    Audit,
    Jobs,
    Till,
}

impl Tab {
    pub const ALL: [Tab; 6] = [Tab::Events, Tab::Bookings, Tab::Reports, Tab::Audit, Tab::Jobs, Tab::Till];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Events => "Events",
            Tab::Bookings => "Bookings",
            Tab::Reports => "Reports",
            Tab::Audit => "Audit",
            Tab::Jobs => "Jobs",
            Tab::Till => "Till",
        }
    }
}

/// What fills the body: a tab's list, or a screen opened from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Events,
    Sell,
    /// Checking tickets in for one event (opened from Events).
    Door,
    /// An event's ticket types (opened from Events).
    Types,
    Bookings,
    Detail,
    Reports,
    Audit,
    Jobs,
    /// The signed-in clerk's shift and its cash-up.
    Till,
    /// The venue's settings (opened from the events list; its own module).
    Settings,
    /// A supervisor's clerk accounts (opened from the Till).
    Clerks,
}

/// The most rows a list screen reads at once.
pub const LIST_LIMIT: usize = 500;
