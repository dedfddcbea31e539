//! Durations as users write them in scenario files: `250ms`, `15s`, `2m`, `1h30m`, `7d`, or a
//! bare number of seconds.
//!
//! Virtual time in the simulator is an `f64` of seconds; this type is only the user-facing
//! spelling, parsed strictly so a typo such as `15x` is reported instead of guessed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A non-negative duration in seconds, written `90s`, `1h30m`, `250ms` or as a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Span(pub f64);

impl Span {
    /// The duration in seconds.
    pub fn secs(self) -> f64 {
        self.0
    }

    /// Parses `250ms`, `15s`, `2m`, `1h30m`, `7d`, `1.5h` or a bare number of seconds.
    ///
    /// # Errors
    /// Returns a message naming the bad text and the allowed units.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a duration: write a number followed by ms, s, m, h or d \
                 (e.g. `250ms`, `15s`, `1h30m`), or a number of seconds"
            )
        };
        let text_trimmed = text.trim();
        if text_trimmed.is_empty() {
            return Err(bad());
        }
        if let Ok(secs) = text_trimmed.parse::<f64>() {
            return if secs.is_finite() && secs >= 0.0 {
                Ok(Span(secs))
            } else {
                Err(bad())
            };
        }
        let mut total = 0.0;
        let mut rest = text_trimmed;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(bad)?;
            if number_len == 0 {
                return Err(bad());
            }
            let value: f64 = rest[..number_len].parse().map_err(|_| bad())?;
            rest = &rest[number_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                "d" => 86_400.0,
                _ => return Err(bad()),
            };
            total += value * factor;
            rest = &rest[unit_len..];
        }
        Ok(Span(total))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0;
        if secs < 1.0 && secs > 0.0 {
            write!(f, "{}ms", (secs * 1000.0).round())
        } else if secs >= 3600.0 && secs % 3600.0 == 0.0 {
            write!(f, "{}h", secs / 3600.0)
        } else if secs >= 60.0 && secs % 60.0 == 0.0 {
            write!(f, "{}m", secs / 60.0)
        } else {
            write!(f, "{secs}s")
        }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(secs) if secs.is_finite() && secs >= 0.0 => Ok(Span(secs)),
            Raw::Number(secs) => Err(de::Error::custom(format!(
                "{secs} is not a duration: it must be >= 0"
            ))),
            Raw::Text(text) => Span::parse(&text).map_err(de::Error::custom),
        }
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl From<Span> for f64 {
    fn from(span: Span) -> f64 {
        span.0
    }
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn parses_the_spellings_users_write() {
        for (text, secs) in [
            ("250ms", 0.25),
            ("15s", 15.0),
            ("2m", 120.0),
            ("1h30m", 5400.0),
            ("7d", 604_800.0),
        ] {
            assert!(
                (Span::parse(text).unwrap().secs() - secs).abs() < 1e-9,
                "{text}"
            );
        }
        for (text, secs) in [("42", 42.0), ("1.5h", 5400.0)] {
            assert!(
                (Span::parse(text).unwrap().secs() - secs).abs() < 1e-9,
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_unknown_units_and_negative_numbers() {
        for text in ["15x", "", "m", "-3", "1h-2m", "s5"] {
            let err = Span::parse(text).unwrap_err();
            assert!(err.contains("not a duration"), "{text}: {err}");
        }
    }
}
