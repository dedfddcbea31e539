//! KEDA's fallback: what to scale to when a trigger keeps failing.
//!
//! Each trigger counts its consecutive failed reads; a success resets the count. Once a
//! trigger's count exceeds `failureThreshold` (strictly: with a threshold of 3 the fourth
//! failure in a row falls back), KEDA stops reporting the error to the HPA and reports instead a
//! synthetic value chosen so that the HPA's own formula lands on the fallback replica count:
//! `target × replicas` for an `AverageValue` metric, `target × replicas / ready replicas` for a
//! `Value` metric. The HPA still applies its tolerance, takes the highest proposal among all
//! triggers and applies the behavior, so the fallback count is a floor the other triggers can
//! exceed, not an override. Tidal computes the same synthetic value and runs it through the same
//! replica math, so the outcome is KEDA's.
//!
//! The fallback count depends on `fallback.behavior`: `static` (always `replicas`),
//! `currentReplicas`, `currentReplicasIfHigher` (the larger of the two) and
//! `currentReplicasIfLower` (the smaller). With `scalingModifiers`, failed triggers read as nil
//! inside the formula instead, and a formula that yields nil falls back to `replicas`.
//!
//! One deliberate difference: KEDA ignores the fallback (with a log line) when
//! `scalingModifiers.target` is not a whole number; Tidal honours it for any positive target.

use serde::Serialize;

/// `spec.fallback`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackConfig {
    /// Consecutive failures a trigger may have before it falls back.
    pub failure_threshold: u32,
    /// `fallback.replicas`.
    pub replicas: i32,
    /// How the fallback count is chosen.
    pub behavior: FallbackBehavior,
}

pub use tidal_api::v1alpha1::FallbackBehavior;

/// The name of a fallback behavior as written in manifests, e.g. `currentReplicasIfHigher`.
pub fn behavior_name(behavior: FallbackBehavior) -> &'static str {
    match behavior {
        FallbackBehavior::Static => "static",
        FallbackBehavior::CurrentReplicas => "currentReplicas",
        FallbackBehavior::CurrentReplicasIfHigher => "currentReplicasIfHigher",
        FallbackBehavior::CurrentReplicasIfLower => "currentReplicasIfLower",
        FallbackBehavior::ScalingModifiers => "scalingModifiers",
    }
}

impl FallbackConfig {
    /// Whether a trigger with `failures` consecutive failures falls back.
    pub fn is_exceeded(&self, failures: u32) -> bool {
        failures > self.failure_threshold
    }

    /// The replica count to fall back to, given the target's current `spec.replicas`.
    pub fn replicas_for(&self, current: i32) -> i32 {
        match self.behavior {
            FallbackBehavior::Static | FallbackBehavior::ScalingModifiers => self.replicas,
            FallbackBehavior::CurrentReplicas => current,
            FallbackBehavior::CurrentReplicasIfHigher => current.max(self.replicas),
            FallbackBehavior::CurrentReplicasIfLower => current.min(self.replicas),
        }
    }
}

/// The value KEDA reports for a failed metric so that the HPA proposes `replicas`: `target ×
/// replicas` for `AverageValue`; for `Value`, `target × replicas / ready`, or `None` when no
/// replica is ready (KEDA then reports the error instead).
pub fn synthetic_value(value_metric: bool, target: f64, replicas: i32, ready: u32) -> Option<f64> {
    if !value_metric {
        return Some(target * f64::from(replicas));
    }
    (ready > 0).then(|| target * f64::from(replicas) / f64::from(ready))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(behavior: FallbackBehavior) -> FallbackConfig {
        FallbackConfig {
            failure_threshold: 3,
            replicas: 6,
            behavior,
        }
    }

    #[test]
    fn threshold_is_strict() {
        let c = config(FallbackBehavior::Static);
        assert!(!c.is_exceeded(3));
        assert!(c.is_exceeded(4));
    }

    #[test]
    fn behaviors_choose_the_count() {
        for (behavior, current, expected) in [
            (FallbackBehavior::Static, 2, 6),
            (FallbackBehavior::CurrentReplicas, 2, 2),
            (FallbackBehavior::CurrentReplicasIfHigher, 9, 9),
            (FallbackBehavior::CurrentReplicasIfHigher, 2, 6),
            (FallbackBehavior::CurrentReplicasIfLower, 2, 2),
            (FallbackBehavior::CurrentReplicasIfLower, 9, 6),
        ] {
            assert_eq!(
                config(behavior).replicas_for(current),
                expected,
                "{behavior:?}"
            );
        }
    }

    #[test]
    fn synthetic_values_divide_by_ready_replicas_for_value_metrics() {
        assert_eq!(synthetic_value(false, 10.0, 6, 0), Some(60.0));
        assert_eq!(synthetic_value(true, 10.0, 6, 3), Some(20.0));
        assert_eq!(synthetic_value(true, 10.0, 6, 0), None);
    }
}
