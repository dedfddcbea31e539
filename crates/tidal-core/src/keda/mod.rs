//! KEDA's own rules, as pure functions: the parts of a ScaledObject's behavior that KEDA (not
//! the HPA) decides.
//!
//! - [`pause`]: the `autoscaling.keda.sh/…` pause and force-activation annotations;
//! - [`executor`]: the steps between zero (or idle) and one, with the cooldowns;
//! - [`fallback`]: what failing triggers fall back to;
//! - [`targets`]: where each trigger type keeps its target and activation parameters;
//! - [`metric_milli`]: how a scaler's reading becomes the metric value the replica math sees.
//!
//! The engine ([`crate::engine`]) strings these together with the HPA math of [`crate::hpa`]
//! and [`crate::behavior`].

pub mod executor;
pub mod fallback;
pub mod pause;
pub mod targets;

/// Errors in KEDA-specific configuration a user wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An annotation with a value KEDA's meaning cannot be read from.
    #[error("annotation {key}: {value:?} is not allowed; expected {allowed}")]
    Annotation {
        /// The annotation key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
}

/// This module's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A scaler reading as the milli-units metric value KEDA hands the HPA: negative, NaN and
/// infinite readings become 0 (as KEDA clamps them), the rest is truncated to thousandths
/// (`int64(value × 1000)`), saturating at the `i64` range.
pub fn metric_milli(value: f64) -> i64 {
    if !value.is_finite() || value <= 0.0 {
        return 0;
    }
    (value * 1000.0).trunc() as i64
}

/// Whether a reading clears its activation target: strictly greater, NaN never.
pub fn is_active(value: f64, activation: f64) -> bool {
    value > activation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_become_milli_values_as_keda_makes_them() {
        assert_eq!(metric_milli(2.5), 2500);
        assert_eq!(metric_milli(0.0004), 0);
        assert_eq!(metric_milli(1.0019), 1001);
        assert_eq!(metric_milli(-3.0), 0);
        assert_eq!(metric_milli(f64::NAN), 0);
        assert_eq!(metric_milli(f64::INFINITY), 0);
        assert_eq!(metric_milli(1e300), i64::MAX);
    }

    #[test]
    fn activation_is_strict() {
        assert!(!is_active(5.0, 5.0));
        assert!(is_active(5.001, 5.0));
        assert!(is_active(-1.0, -2.0));
        assert!(!is_active(f64::NAN, 0.0));
    }
}
