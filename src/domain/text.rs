//! `text_enum!`: an enum stored as fixed text (`"ACTIVE"`, `"HOLD_CREATED"` …).
//! Each text is written once, here in the enum; the store binds and reads the
//! enum itself (its `ToSql`/`FromSql` are in `store::types`), so no copy of
//! the text can drift apart from it.

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident ($what:literal) { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What a value of this type is, in words (for error messages).
            pub const WHAT: &'static str = $what;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
