//! The legacy path, used when no behavior is configured (`normalizeDesiredReplicas` in
//! Kubernetes' `horizontal.go`): scale-down stabilization over the controller window, a
//! scale-up limit of `max(2 × current, 4)` per decision, and the min/max bounds. There is no
//! scale-up stabilization and no memory of past scale events.

use super::config::ControllerConfig;
use super::history::{History, Recommendation, cutoff};
use super::{BoundBy, Input};

/// Step 2 of the legacy path (`stabilizeRecommendation`): the highest of `input.desired` and
/// every recommendation not older than the controller's downscale window. Records
/// `input.desired` in `history`, overwriting the last recommendation older than the window.
pub fn legacy_stabilize(history: &mut History, controller: &ControllerConfig, input: Input) -> i32 {
    let since = cutoff(input.now, controller.downscale_stabilization);
    let mut highest = input.desired;
    let mut obsolete = None;
    for (index, rec) in history.recommendations.iter().enumerate() {
        if rec.at < since {
            obsolete = Some(index);
        } else {
            highest = highest.max(rec.replicas);
        }
    }
    let recommendation = Recommendation {
        at: input.now,
        replicas: input.desired,
    };
    history.store_recommendation(obsolete, recommendation);
    highest
}

/// Step 3 of the legacy path (`convertDesiredReplicasWithRules`): `input.desired` (already
/// stabilized) raised to `min`, or capped at `max(factor × current, minimum)` or `max`,
/// whichever is lower. Returns the count and the bound that changed it.
pub fn legacy_limit(controller: &ControllerConfig, input: Input) -> (i32, BoundBy) {
    let Input {
        current,
        desired,
        min,
        max,
        ..
    } = input;
    // Truncated like Kubernetes' int32(math.Max(factor × current, minimum)).
    let scale_up_limit = (controller.scale_up_limit_factor * f64::from(current))
        .max(controller.scale_up_limit_minimum) as i32;
    let (cap, cap_bound) = if max > scale_up_limit {
        (scale_up_limit, BoundBy::ScaleUpLimit)
    } else {
        (max, BoundBy::MaxReplicas)
    };
    if desired < min {
        (min, BoundBy::MinReplicas)
    } else if desired > cap {
        (cap, cap_bound)
    } else {
        (desired, BoundBy::None)
    }
}
