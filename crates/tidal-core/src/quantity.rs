//! Kubernetes resource quantities (`"500m"`, `"1.5"`, `"2Gi"`, `"1e3"`) reduced to the integer
//! milli-units the HPA controller computes with.
//!
//! Every target and every metric value the Kubernetes replica calculator sees goes through
//! `resource.Quantity.MilliValue()` first: an `int64` holding the value times one thousand,
//! rounded away from zero when the quantity is finer than a milli-unit. Tidal's replica math
//! (`crate::hpa`) works on the same integers so that its rounding matches Kubernetes' to the
//! unit. This module parses the quantity grammar of `k8s.io/apimachinery` (sign, decimal
//! number, then one of the binary suffixes `Ki`…`Ei`, the decimal suffixes `n u m k M G T P E`
//! or an exponent `e3`/`E-2`) exactly, with no floating point on the way to
//! [`Quantity::milli_value`].

use std::fmt;
use std::str::FromStr;

/// Errors from parsing a quantity string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not a Kubernetes quantity.
    #[error(
        "{value:?} is not a Kubernetes quantity: {reason}; expected a decimal number with an \
         optional suffix (Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent such as e3)"
    )]
    Invalid {
        /// The text as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// This module's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A parsed quantity, held exactly as `digits × 2^binary_exponent × 10^decimal_exponent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    /// Signed decimal digits of the number, without its point.
    digits: i128,
    /// Power of ten applied to `digits` (the point and any decimal suffix or exponent).
    decimal_exponent: i32,
    /// Power of two applied to `digits` (a binary suffix).
    binary_exponent: u32,
}

/// The largest number of significant digits kept; Kubernetes rejects longer numbers too.
const MAX_DIGITS: usize = 36;

impl Quantity {
    /// Parses a quantity the way `resource.ParseQuantity` does.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the text when it is empty, has no digits, has an unknown suffix
    /// or more digits than can be held exactly.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |reason| Error::Invalid {
            value: text.to_owned(),
            reason,
        };
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            Some(_) => (false, text),
            None => return Err(invalid("it is empty")),
        };
        let number_end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if fraction.contains('.') {
            return Err(invalid("it has more than one decimal point"));
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid("it has no digits"));
        }
        let significant = format!("{whole}{fraction}");
        let significant = significant.trim_start_matches('0');
        if significant.len() > MAX_DIGITS {
            return Err(invalid("it has too many digits"));
        }
        let mut digits: i128 = significant
            .bytes()
            .fold(0, |acc, d| acc * 10 + i128::from(d - b'0'));
        if negative {
            digits = -digits;
        }
        let (suffix_decimal, binary_exponent) =
            parse_suffix(suffix).ok_or_else(|| invalid("its suffix is unknown"))?;
        let point = i32::try_from(fraction.len()).map_err(|_| invalid("it has too many digits"))?;
        Ok(Self {
            digits,
            decimal_exponent: suffix_decimal - point,
            binary_exponent,
        })
    }

    /// The value times 1000 as `Quantity.MilliValue()` returns it: exact when the quantity is a
    /// whole number of milli-units, otherwise rounded away from zero; saturated at the `i64`
    /// range.
    pub fn milli_value(&self) -> i64 {
        self.scaled(3)
    }

    /// The value rounded away from zero to a whole number, as `Quantity.Value()` returns it.
    pub fn value(&self) -> i64 {
        self.scaled(0)
    }

    /// The value as the nearest `f64`, as `Quantity.AsApproximateFloat64()` gives it (used for
    /// tolerances such as `"0.05"` or `"50m"`).
    pub fn as_f64(&self) -> f64 {
        let binary = f64::from(self.binary_exponent).exp2();
        self.digits as f64 * binary * 10f64.powi(self.decimal_exponent)
    }

    /// `value × 10^extra`, rounded away from zero and saturated.
    fn scaled(&self, extra: i32) -> i64 {
        let saturated = if self.digits < 0 { i64::MIN } else { i64::MAX };
        let mut value = self.digits;
        for _ in 0..self.binary_exponent {
            value = match value.checked_mul(2) {
                Some(v) => v,
                None => return saturated,
            };
        }
        let exponent = self.decimal_exponent + extra;
        if exponent >= 0 {
            for _ in 0..exponent {
                value = match value.checked_mul(10) {
                    Some(v) => v,
                    None => return saturated,
                };
            }
        } else {
            let divisor = 10i128.checked_pow(exponent.unsigned_abs());
            value = match divisor {
                Some(divisor) => {
                    let quotient = value / divisor;
                    if value % divisor == 0 {
                        quotient
                    } else {
                        quotient + value.signum()
                    }
                }
                // Finer than 10^-38: any non-zero value rounds away from zero to one unit.
                None => value.signum(),
            };
        }
        i64::try_from(value).unwrap_or(saturated)
    }
}

/// Maps a suffix to (power of ten, power of two); `None` when unknown.
fn parse_suffix(suffix: &str) -> Option<(i32, u32)> {
    let decimal = match suffix {
        "" => 0,
        "n" => -9,
        "u" => -6,
        "m" => -3,
        "k" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        "E" => 18,
        "Ki" => return Some((0, 10)),
        "Mi" => return Some((0, 20)),
        "Gi" => return Some((0, 30)),
        "Ti" => return Some((0, 40)),
        "Pi" => return Some((0, 50)),
        "Ei" => return Some((0, 60)),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            return exponent
                .parse::<i32>()
                .ok()
                .filter(|e| e.abs() <= 1000)
                .map(|e| (e, 0));
        }
    };
    Some((decimal, 0))
}

impl FromStr for Quantity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for Quantity {
    /// Writes the quantity in milli-units (`"1500m"`), the canonical form for comparisons.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}m", self.milli_value())
    }
}

/// Parses `text` and returns its milli-value, the one call most users of this module need.
///
/// # Errors
/// As [`Quantity::parse`].
pub fn parse_milli(text: &str) -> Result<i64> {
    Quantity::parse(text).map(|q| q.milli_value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milli_values_match_kubernetes() {
        // Expected values are those of resource.MustParse(text).MilliValue().
        let cases = [
            ("1", 1000),
            ("1.0", 1000),
            ("0.5", 500),
            (".5", 500),
            ("5.", 5000),
            ("500m", 500),
            ("+3", 3000),
            ("-3", -3000),
            ("1k", 1_000_000),
            ("1Ki", 1_024_000),
            ("1.5Ki", 1_536_000),
            ("2Gi", 2_147_483_648_000),
            ("1e3", 1_000_000),
            ("1E-3", 1),
            ("100u", 1),
            ("1n", 1),
            ("-1n", -1),
            ("1500u", 2),
            ("0", 0),
            ("0.0001", 1),
            ("50m", 50),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_milli(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn huge_values_saturate_instead_of_wrapping() {
        assert_eq!(parse_milli("9E"), Ok(i64::MAX));
        assert_eq!(parse_milli("-16Ei"), Ok(i64::MIN));
        assert_eq!(parse_milli("1e999"), Ok(i64::MAX));
    }

    #[test]
    fn tolerances_read_as_floats() {
        let q: Quantity = "50m".parse().unwrap();
        assert!((q.as_f64() - 0.05).abs() < 1e-12);
        assert!((Quantity::parse("0.05").unwrap().as_f64() - 0.05).abs() < 1e-12);
        assert_eq!(Quantity::parse("1.6").unwrap().value(), 2);
    }

    #[test]
    fn rejects_what_kubernetes_rejects_and_names_the_value() {
        for text in [
            "", "m", "1.2.3", "1x", "1Kb", "abc", "1e", "1e+", "--1", " 1",
        ] {
            let err = Quantity::parse(text).unwrap_err();
            assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        }
    }
}
