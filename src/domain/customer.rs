//! Customers: a name and at least one way to reach them.

use super::Invalid;

#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl NewCustomer {
    /// Trims and normalises (email lower-cased, phone digits with an optional
    /// leading `+`), then checks the rules.
    pub fn validate(self) -> Result<NewCustomer, Invalid> {
        let name = self.name.trim().to_string();
        let count = name.chars().count();
        if count == 0 {
            return Err(Invalid::new("name", "is required"));
        }
        if count > 120 {
            return Err(Invalid::new("name", format!("must be at most 120 characters (got {count})")));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid::new("name", "must not contain control characters"));
        }
        let email = self.email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty());
        let phone = self.phone.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
        if email.is_none() && phone.is_none() {
            return Err(Invalid::new("email", "give an email or a phone number"));
        }
        let email = email.map(|e| normalize_email(&e)).transpose()?;
        let phone = phone.map(|p| normalize_phone(&p)).transpose()?;
        Ok(NewCustomer { name, email, phone })
    }
}

pub fn normalize_email(text: &str) -> Result<String, Invalid> {
    let e = text.trim().to_lowercase();
    let bad = || Invalid::new("email", format!("'{e}' is not an address like name@example.com"));
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.contains('@') || !domain.contains('.') {
        return Err(bad());
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(bad());
    }
    Ok(e)
}

/// Keeps digits (and a leading `+`); spaces, dashes and brackets are dropped.
pub fn normalize_phone(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    let plus = t.starts_with('+');
    let mut digits = String::new();
    for c in t.chars().skip(usize::from(plus)) {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => {
                return Err(Invalid::new(
                    "phone",
                    format!("'{t}' may hold only digits, spaces, dashes and a leading +"),
                ));
            }
        }
    }
    if !(7..=15).contains(&digits.len()) {
        return Err(Invalid::new("phone", "must have 7 to 15 digits"));
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_a_name_and_a_contact() {
        let c = |n: &str, e: Option<&str>, p: Option<&str>| {
            NewCustomer { name: n.into(), email: e.map(Into::into), phone: p.map(Into::into) }.validate()
        };
        assert_eq!(c("", Some("a@b.co"), None).unwrap_err().field, "name");
        assert_eq!(c("Jane", None, None).unwrap_err().field, "email");
        assert_eq!(c("Jane", Some("nope"), None).unwrap_err().field, "email");
        assert_eq!(c("Jane", None, Some("12ab")).unwrap_err().field, "phone");
        assert_eq!(c("Jane", None, Some("123")).unwrap_err().field, "phone");
        let ok = c(" Jane ", Some(" Jane@Example.COM "), Some("+91 98765-43210")).unwrap();
        assert_eq!(ok.name, "Jane");
        assert_eq!(ok.email.as_deref(), Some("jane@example.com"));
        assert_eq!(ok.phone.as_deref(), Some("+919876543210"));
    }
}
