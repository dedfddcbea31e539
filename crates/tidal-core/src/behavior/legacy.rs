//! The legacy path, used when no behavior is configured (`normalizeDesiredReplicas` in
//! Kubernetes' `horizontal.go`): scale-down stabilization over the controller window, a
//! scale-up limit of `max(2 × current, 4)` per decision, and the min/max bounds. There is no
//! scale-up stabilization and no memory of past scale events.

use super::config::ControllerConfig;
use super::history::{History, Recommendation, cutoff};
use super::{BoundBy, Input, Normalized};

/// Stabilizes, records and bounds `input.desired` the legacy way.
pub(crate) fn normalize(
    history: &mut History,
    controller: &ControllerConfig,
    input: Input,
) -> Normalized {
    let stabilized = stabilize(history, controller, input);
    let Input {
        current, min, max, ..
    } = input;
    // Truncated like Kubernetes' int32(math.Max(factor × current, minimum)).
    let scale_up_limit = (controller.scale_up_limit_factor * f64::from(current))
        .max(controller.scale_up_limit_minimum) as i32;
    let (cap, cap_bound) = if max > scale_up_limit {
        (scale_up_limit, BoundBy::ScaleUpLimit)
    } else {
        (max, BoundBy::MaxReplicas)
    };
    let (replicas, bound_by) = if stabilized < min {
        (min, BoundBy::MinReplicas)
    } else if stabilized > cap {
        (cap, cap_bound)
    } else if stabilized != input.desired {
        (stabilized, BoundBy::ScaleDownStabilization)
    } else {
        (stabilized, BoundBy::None)
    };
    Normalized {
        replicas,
        stabilized,
        bound_by,
    }
}

/// `stabilizeRecommendation`: the highest of `desired` and every recommendation not older than
/// the controller's downscale window.
fn stabilize(history: &mut History, controller: &ControllerConfig, input: Input) -> i32 {
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
    history.store_recommendation(
        obsolete,
        Recommendation {
            at: input.now,
            replicas: input.desired,
        },
    );
    highest
}
