//! A small text form: labelled fields, one focused, each with its own
//! validation message. Used for new events and customers.

use crate::tui::action::Edit;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
    pub error: Option<String>,
    pub max_len: usize,
}

impl Field {
    pub fn new(label: &'static str, hint: &'static str) -> Self {
        Field { label, value: String::new(), hint, error: None, max_len: 200 }
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub fn new(title: &'static str, fields: Vec<Field>) -> Self {
        Form { title, fields, focus: 0, note: None }
    }

    pub fn value(&self, label: &str) -> &str {
        self.fields.iter().find(|f| f.label == label).map_or("", |f| f.value.trim())
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
            Edit::DeleteBack => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.value.pop();
                    f.error = None;
                }
            }
            Edit::Clear => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.value.clear();
                }
            }
            Edit::Insert(c) => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    // Over-long input is kept (up to a hard cap) so validation can say
                    // exactly what is wrong, rather than silently cutting it.
                    if f.value.chars().count() < f.max_len.max(1) * 4 {
                        f.value.push(c);
                    }
                    f.error = None;
                }
            }
        }
        FormInput::Edited
    }
}

/// A one-line text box (list filters and searches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    pub active: bool,
}

impl LineInput {
    /// Returns true when the edit finished typing (Enter or Esc).
    pub fn input(&mut self, edit: Edit) -> bool {
        match edit {
            Edit::Submit => {
                self.active = false;
                true
            }
            Edit::Cancel => {
                self.active = false;
                self.text.clear();
                true
            }
            Edit::DeleteBack => {
                self.text.pop();
                false
            }
            Edit::Clear => {
                self.text.clear();
                false
            }
            Edit::Insert(c) => {
                if self.text.chars().count() < 120 {
                    self.text.push(c);
                }
                false
            }
            Edit::NextField | Edit::PrevField => false,
        }
    }
}
