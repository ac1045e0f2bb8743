//! Text the clerk types: a one-line box with a caret ([`TextBox`], editing
//! by the `tui-input` crate), the list filters and searches ([`LineInput`]),
//! and small forms of labelled fields, each with its own validation message
//! (new events and customers).

use crate::tui::action::Edit;
use std::borrow::Cow;
use tui_input::{Input, InputRequest};

/// One line of text with a caret. Every edit happens at the caret:
/// `Left Left Left X` in "Jhon" gives "JXhon".
#[derive(Debug, Clone)]
pub struct TextBox {
    input: Input,
    /// The most characters it takes; more are refused (not cut later).
    max_chars: usize,
}

impl Default for TextBox {
    fn default() -> Self {
        TextBox::new(200)
    }
}

impl TextBox {
    pub fn new(max_chars: usize) -> Self {
        TextBox { input: Input::default(), max_chars }
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.set(value);
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// Replaces the text; the caret goes to its end.
    pub fn set(&mut self, value: impl Into<String>) {
        self.input = Input::new(value.into());
    }

    pub fn clear(&mut self) {
        self.input.reset();
    }

    /// Characters before the caret.
    pub fn cursor(&self) -> usize {
        self.input.cursor()
    }

    /// Applies an editing key; true if the text changed. Keys that are not
    /// edits (Enter, Esc, field moves) change nothing here.
    pub fn edit(&mut self, edit: Edit) -> bool {
        let request = match edit {
            Edit::Insert(_) if self.input.value().chars().count() >= self.max_chars => return false,
            Edit::Insert(c) => InputRequest::InsertChar(c),
            Edit::DeleteBack => InputRequest::DeletePrevChar,
            Edit::DeleteForward => InputRequest::DeleteNextChar,
            Edit::Left => InputRequest::GoToPrevChar,
            Edit::Right => InputRequest::GoToNextChar,
            Edit::Home => InputRequest::GoToStart,
            Edit::End => InputRequest::GoToEnd,
            Edit::Clear => InputRequest::DeleteLine,
            Edit::DeleteWord => InputRequest::DeletePrevWord,
            Edit::NextField | Edit::PrevField | Edit::Submit | Edit::Cancel => return false,
        };
        self.input.handle(request).is_some_and(|changed| changed.value)
    }

    /// What fits in `width` columns (one is kept for the caret), as the text
    /// before and after the caret: long text scrolls so the caret stays in view.
    pub fn window(&self, width: usize) -> (String, String) {
        let width = width.saturating_sub(1).max(1);
        let skip = self.input.visual_scroll(width);
        let (mut before, mut after, mut col) = (String::new(), String::new(), 0usize);
        for (i, c) in self.input.value().chars().enumerate() {
            let w = ratatui::text::Span::raw(c.to_string()).width();
            if col < skip {
                col += w;
                continue;
            }
            if col + w > skip + width {
                break;
            }
            col += w;
            if i < self.input.cursor() { before.push(c) } else { after.push(c) }
        }
        (before, after)
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: TextBox,
    /// Under the field: what to type (it may name live values, like the venue's zone).
    pub hint: Cow<'static, str>,
    pub error: Option<String>,
    /// A PIN: drawn as dots, never as typed.
    pub secret: bool,
}

impl Field {
    /// A field of at most 200 characters (`max` changes it).
    pub fn new(label: &'static str, hint: impl Into<Cow<'static, str>>) -> Self {
        Field { label, input: TextBox::new(MAX_FIELD), hint: hint.into(), error: None, secret: false }
    }

    /// Drawn as dots (a PIN).
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// At most `chars` characters are meant (validation says so); a few
    /// times more may be typed, so the message can say exactly what is wrong.
    pub fn max(mut self, chars: usize) -> Self {
        self.input.max_chars = chars.max(1) * 4;
        self
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.input.set(value);
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }
}

const MAX_FIELD: usize = 800;

#[derive(Debug, Clone)]
pub struct Form {
    pub title: &'static str,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A form-wide message (e.g. "found an existing customer").
    pub note: Option<String>,
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormInput {
    Edited,
    Submit,
    Cancel,
}

impl Form {
    /// The customer's details at the counter (built here so `update` and
    /// `reply` both reach it without importing each other).
    pub fn customer() -> Form {
        Form::new(
            "Customer",
            vec![
                Field::new("Name", "required").max(120),
                Field::new("Email", "email or phone (or both)"),
                Field::new("Phone", "digits, spaces, dashes, leading +"),
            ],
        )
    }

    pub fn new(title: &'static str, fields: Vec<Field>) -> Self {
        Form { title, fields, focus: 0, note: None }
    }

    pub fn value(&self, label: &str) -> &str {
        self.fields.iter().find(|f| f.label == label).map_or("", |f| f.value().trim())
    }

    /// Marks `label` as wrong with `message` and moves the focus there.
    pub fn fail(&mut self, label: &str, message: impl Into<String>) {
        if let Some(i) = self.fields.iter().position(|f| f.label.eq_ignore_ascii_case(label)) {
            self.fields[i].error = Some(message.into());
            self.focus = i;
        } else {
            self.note = Some(message.into());
        }
    }

    pub fn clear_errors(&mut self) {
        self.note = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    pub fn input(&mut self, edit: Edit) -> FormInput {
        let n = self.fields.len().max(1);
        match edit {
            Edit::Cancel => return FormInput::Cancel,
            Edit::Submit => return FormInput::Submit,
            Edit::NextField => self.focus = (self.focus + 1) % n,
            Edit::PrevField => self.focus = (self.focus + n - 1) % n,
            edit => {
                if let Some(f) = self.fields.get_mut(self.focus)
                    && f.input.edit(edit)
                {
                    f.error = None;
                }
            }
        }
        FormInput::Edited
    }
}

/// A one-line text box (list filters and searches) and whether it has focus.
#[derive(Debug, Clone, Default)]
pub struct LineInput {
    pub input: TextBox,
    pub active: bool,
}

impl LineInput {
    pub fn text(&self) -> &str {
        self.input.value()
    }

    pub fn set_text(&mut self, text: impl Into<String>) {
        self.input.set(text);
    }

    pub fn clear(&mut self) {
        self.input.clear();
    }

    /// Returns true when the edit finished typing (Enter or Esc).
    pub fn input(&mut self, edit: Edit) -> bool {
        match edit {
            Edit::Submit => {
                self.active = false;
                true
            }
            Edit::Cancel => {
                self.active = false;
                self.input.clear();
                true
            }
            edit => {
                self.input.edit(edit);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> TextBox {
        let mut b = TextBox::new(50);
        for c in text.chars() {
            b.edit(Edit::Insert(c));
        }
        b
    }

    #[test]
    fn edits_happen_at_the_caret() {
        let mut b = typed("Jhon");
        for e in [Edit::Left, Edit::Left, Edit::Left, Edit::Insert('X')] {
            b.edit(e);
        }
        assert_eq!((b.value(), b.cursor()), ("JXhon", 2));
        // The clerk's fix: Delete the stray X, Backspace the h; then End and type on.
        for e in [Edit::Home, Edit::Right, Edit::DeleteForward, Edit::Right, Edit::DeleteBack] {
            b.edit(e);
        }
        assert_eq!(b.value(), "Jon");
        b.edit(Edit::End);
        b.edit(Edit::Insert('!'));
        assert_eq!(b.value(), "Jon!");
    }

    #[test]
    fn ctrl_w_deletes_a_word_and_ctrl_u_the_line() {
        let mut b = typed("Priya Sharma");
        b.edit(Edit::DeleteWord);
        assert_eq!(b.value(), "Priya ");
        assert!(b.edit(Edit::Clear));
        assert_eq!((b.value(), b.cursor()), ("", 0));
        assert!(!b.edit(Edit::Clear), "nothing left to clear");
    }

    #[test]
    fn more_than_the_limit_is_refused_not_cut() {
        let b = typed(&"x".repeat(60));
        assert_eq!(b.value().len(), 50);
    }

    #[test]
    fn a_long_text_scrolls_to_keep_the_caret_in_view() {
        let mut b = typed("abcdefghijklmnopqrstuvwxyz");
        assert_eq!(b.window(11), ("qrstuvwxyz".to_string(), String::new()));
        b.edit(Edit::Home);
        assert_eq!(b.window(11), (String::new(), "abcdefghij".to_string()));
    }
}
