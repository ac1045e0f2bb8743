//! The venue's settings: reading them (with this process's overrides) and
//! changing them, each change audited with its old and new value. Every
//! operation that depends on the policy reads it inside its own transaction
//! ([`Tx::policy`]), so a change reaches every counter on the file at once.

use super::{Desk, Tx};
use crate::context::Config;
use crate::domain::{AuditAction, AuditEntity, SettingKey, Settings, SettingsView};
use crate::error::Result;
use crate::store::audit::NewAudit;
use crate::store::settings as sql;
use chrono_tz::Tz;
use serde_json::json;

/// What `set_setting` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    pub key: SettingKey,
    /// The file's value before (its default if it had none).
    pub old: String,
    /// The value stored now, in its proper form.
    pub new: String,
    /// False when the file already held exactly this value (nothing written).
    pub changed: bool,
    /// This process overrides the setting, so the change reaches the other
    /// counters but not this one.
    pub overridden: bool,
}

impl Desk {
    /// The file's settings, this process's overrides over them, and where
    /// each value comes from.
    pub fn settings(&self) -> Result<SettingsView> {
        view(&self.db, &self.ctx.config)
    }

    /// The settings this process sells by (the file's, with its overrides).
    pub fn policy(&self) -> Result<Settings> {
        Ok(self.settings()?.effective)
    }

    /// The venue's time zone: event times are entered and shown in it.
    pub fn zone(&self) -> Result<Tz> {
        Ok(self.settings()?.file.time_zone)
    }

    /// Stores `value` for the setting `key` after checking it; a bad key or
    /// value is refused with the rule and changes nothing. The change is
    /// audited (`SETTING_CHANGED`, old and new value) and reaches every
    /// counter's next operation.
    /// Supervisors only.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<SettingChange> {
        self.supervisor_only("change the venue's settings")?;
        self.store_setting(key, value)
    }

    /// [`set_setting`](Desk::set_setting) without asking who is signed in:
    /// for the app's own first-run writes.
    fn store_setting(&self, key: &str, value: &str) -> Result<SettingChange> {
        let key = SettingKey::named(key)?;
        let mut checked = Settings::default();
        checked.set(key, value)?;
        let new = checked.get(key);
        self.write(|tx| {
            let rows = sql::all(tx)?;
            let stored = rows.iter().any(|(k, _)| k == key.as_str());
            let (file, _) = Settings::from_rows(&rows);
            let old = file.get(key);
            let overridden = tx.ctx.config.overridden().contains(&key);
            if stored && old == new {
                return Ok(SettingChange { key, old, new: new.clone(), changed: false, overridden });
            }
            sql::put(tx, key, &new, tx.now_ms(), tx.who().name)?;
            tx.audit(NewAudit {
                details: Some(json!({"key": key.as_str(), "old": old, "new": new, "old_was_default": !stored})),
                ..NewAudit::new(AuditAction::SettingChanged, AuditEntity::Setting, key.as_str())
            })?;
            Ok(SettingChange { key, old, new: new.clone(), changed: true, overridden })
        })
    }

    /// Stores `value` for `key` only if the file has no value for it yet
    /// (the app's first run: the venue's time zone, before anyone signs in;
    /// audited as the terminal). Returns whether it did.
    pub fn set_setting_if_unset(&self, key: SettingKey, value: &str) -> Result<bool> {
        if sql::all(&self.db)?.iter().any(|(k, _)| k == key.as_str()) {
            return Ok(false);
        }
        self.atomically(|| {
            // Re-read inside the transaction: another counter may have set it meanwhile.
            let unset = self.write_raw(|conn, _, _| Ok(!sql::all(conn)?.iter().any(|(k, _)| k == key.as_str())))?;
            if unset {
                self.store_setting(key.as_str(), value)?;
            }
            Ok(unset)
        })
    }
}

impl Tx<'_> {
    /// The policy this operation sells by, read in its own transaction.
    pub(super) fn policy(&self) -> Result<Settings> {
        Ok(view(self.tx, &self.ctx.config)?.effective)
    }
}

fn view(conn: &crate::store::db::Db, config: &Config) -> Result<SettingsView> {
    Ok(SettingsView::build(&sql::all(conn)?, &config.overrides())?)
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use crate::domain::{AuditAction, SettingKey, Source};
    use crate::error::Error;

    #[test]
    fn a_change_is_stored_audited_with_old_and_new_and_a_repeat_writes_nothing() {
        let w = world();
        let c = w.desk.set_setting("hold_minutes", " 7 ").expect("set");
        assert_eq!((c.old.as_str(), c.new.as_str(), c.changed, c.overridden), ("5", "7", true, false));
        let v = w.desk.settings().expect("settings");
        assert_eq!((v.file.hold_minutes, v.source(SettingKey::HoldMinutes)), (7, Source::File));
        let rows = w.rows_of(AuditAction::SettingChanged);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].entity.as_str(), rows[0].entity_id.as_str()), ("setting", "hold_minutes"));
        assert_eq!(
            (&rows[0].details["old"], &rows[0].details["new"], &rows[0].details["old_was_default"]),
            (&"5".into(), &"7".into(), &true.into())
        );
        let again = w.desk.set_setting("hold_minutes", "7").expect("again");
        assert!(!again.changed);
        assert_eq!(w.count(AuditAction::SettingChanged), 1, "no change, no row");
    }

    #[test]
    fn bad_keys_and_values_are_refused_and_change_nothing() {
        let w = world();
        let before = w.audit().len();
        for (k, v) in
            [("refund_percent", "150"), ("hold_minutes", "0"), ("time_zone", "Nowhere/Atlantis"), ("nope", "1")]
        {
            let e = w.desk.set_setting(k, v).unwrap_err();
            assert!(matches!(e, Error::Invalid(_)), "{k}={v}: {e}");
        }
        assert_eq!(w.audit().len(), before);
        assert!(w.desk.settings().expect("settings").stored.is_empty());
    }

    #[test]
    fn if_unset_writes_once() {
        let w = world();
        assert!(w.desk.set_setting_if_unset(SettingKey::TimeZone, "Asia/Kolkata").expect("first"));
        assert!(!w.desk.set_setting_if_unset(SettingKey::TimeZone, "Europe/London").expect("second"));
        assert_eq!(w.desk.zone().expect("zone").name(), "Asia/Kolkata");
    }
}
