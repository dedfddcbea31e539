//! A string that must never be printed.
//!
//! Passwords, API keys, tokens and private keys reach the scalers from TriggerAuthentication
//! objects and container environments. Wrapping them in [`Secret`] makes the type system keep
//! them out of `Debug` output, error messages and logs: the only way to read one is the
//! explicit [`Secret::expose`], used at the single place a client library needs the bytes.

use std::fmt;

/// The text shown wherever a secret would otherwise appear.
pub const REDACTED: &str = "<redacted>";

/// A secret string. Its `Debug` prints [`REDACTED`] and it has no `Display`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret itself, for handing to a client library. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_value() {
        let secret = Secret::new("hunter2");
        let printed = format!("{secret:?} {:?} {:#?}", Some(&secret), vec![secret.clone()]);
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains(REDACTED));
        assert_eq!(secret.expose(), "hunter2");
    }
}
