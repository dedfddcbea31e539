//! The dead band around a usage ratio of 1.0 inside which the HPA keeps the current replica
//! count (KEP-4951 "configurable tolerance").
//!
//! Kubernetes compares `usage / target` to the band `[1 - scaleDown, 1 + scaleUp]`, both ends
//! included. Both sides default to the controller flag `--horizontal-pod-autoscaler-tolerance`
//! (0.1); `spec.behavior.scaleUp.tolerance` and `spec.behavior.scaleDown.tolerance` override one
//! side each.

use serde::{Deserialize, Serialize};

/// The controller-wide default tolerance, `--horizontal-pod-autoscaler-tolerance`.
pub const DEFAULT_TOLERANCE: f64 = 0.1;

/// Scale-down and scale-up tolerances around a usage ratio of 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerances {
    /// How far below 1.0 the ratio may fall before the HPA scales down.
    pub scale_down: f64,
    /// How far above 1.0 the ratio may rise before the HPA scales up.
    pub scale_up: f64,
}

impl Tolerances {
    /// The same tolerance on both sides, as the controller flag sets it.
    pub const fn symmetric(tolerance: f64) -> Self {
        Self {
            scale_down: tolerance,
            scale_up: tolerance,
        }
    }

    /// Whether `ratio` lies inside the band, in which case the current count is kept.
    pub fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Self::symmetric(DEFAULT_TOLERANCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_is_inclusive_and_per_direction() {
        let t = Tolerances {
            scale_down: 0.05,
            scale_up: 0.25,
        };
        assert!(t.is_within(0.95));
        assert!(!t.is_within(0.949));
        assert!(t.is_within(1.25));
        assert!(!t.is_within(1.2501));
        assert!(Tolerances::default().is_within(1.1));
        assert!(!Tolerances::symmetric(0.0).is_within(1.0001));
    }
}
