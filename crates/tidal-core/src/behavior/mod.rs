//! From a raw proposal to the replica count to apply: stabilization windows, rate policies and
//! the min/max bounds, exactly as Kubernetes' HPA controller applies them
//! (`normalizeDesiredReplicasWithBehaviors` and the legacy `normalizeDesiredReplicas` in
//! `pkg/controller/podautoscaler/horizontal.go`).
//!
//! # The algorithm in plain words
//!
//! Each decision starts from the highest metric proposal ([`crate::hpa::combine`]), the
//! *desired* count, and the target's *current* `spec.replicas`.
//!
//! 1. **Out of bounds.** If the current count is above `max` or below `min`, the answer is that
//!    bound, whatever the metrics say.
//! 2. **Stabilization.** Every desired count is remembered with its time ([`History`]). The
//!    result may rise above the current count only as far as the *lowest* desired count within
//!    the scale-up window (0 s by default: no delay) and may fall only as far as the *highest*
//!    desired count within the scale-down window (300 s by default). A spike or dip must
//!    therefore last the whole window before it moves the target.
//! 3. **Rate policies.** Each policy allows a change of `value` pods or percent over a sliding
//!    `period`, measured from the count at the start of the period (the current count minus the
//!    pods added plus the pods removed within the period, from the recorded scale events).
//!    `selectPolicy: Max` takes the most permissive policy, `Min` the most restrictive,
//!    `Disabled` forbids that direction. By default a scale-up may add the larger of 4 pods or
//!    100 % per 15 s and a scale-down may remove 100 % per 15 s.
//! 4. **Bounds.** Only in the direction of the change: a scale-up stops at `max`, a scale-down
//!    at `min`.
//!
//! Without a behavior (the legacy path), step 2 keeps only the scale-down window (the controller
//! flag, 5 min), and step 3 is a single limit of `max(2 × current, 4)` per decision.
//!
//! Every result carries a [`BoundBy`] naming the rule that fixed it, which maps onto the HPA's
//! `AbleToScale`/`ScalingLimited` condition reasons.
//!
//! # Entry points
//!
//! - [`normalize`] with `Some(&Behavior)` or `None` (legacy), a [`ControllerConfig`] and an
//!   [`Input`]: the whole of steps 1–4. It updates the recommendations in the [`History`].
//! - [`History::record_scale`] once the scale has been applied, so later decisions see it in
//!   their rate policies.
//! - [`ControllerConfig::tolerances`] / [`Behavior::tolerances`] for the tolerances to pass to
//!   [`crate::hpa`].
//! - The steps on their own, for tools that show intermediate values (and for the conformance
//!   tests, which test them as Kubernetes does): [`stabilize`] and [`rate_limit`] (behavior
//!   path), [`legacy_stabilize`] and [`legacy_limit`] (legacy path).
//!
//! # Not handled here
//!
//! Kubernetes treats `current == 0` with `minReplicas > 0` as "scaling disabled"; in Tidal that
//! case belongs to KEDA's activation rules, so [`normalize`] simply raises such a target to `min`.

mod config;
mod history;
mod legacy;
mod rate;

pub use config::{
    Behavior, ControllerConfig, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy,
};
pub use history::{History, Recommendation, ScaleEvent};
pub use legacy::{legacy_limit, legacy_stabilize};
pub use rate::{rate_limit, stabilize};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One decision's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The target's current `spec.replicas`.
    pub current: i32,
    /// The combined metric proposal, before any bound (negative values count as 0).
    pub desired: i32,
    /// `minReplicas`.
    pub min: i32,
    /// `maxReplicas`.
    pub max: i32,
    /// The decision time.
    pub now: Timestamp,
}

/// The rule that fixed a normalized replica count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BoundBy {
    /// Nothing: the desired count was applied as it was.
    None,
    /// A lower recommendation within the scale-up stabilization window held the count down.
    ScaleUpStabilization,
    /// A higher recommendation within the scale-down stabilization window held the count up.
    ScaleDownStabilization,
    /// The scale-up rate policies.
    ScaleUpPolicy,
    /// The scale-down rate policies.
    ScaleDownPolicy,
    /// `scaleUp.selectPolicy: Disabled`.
    ScaleUpDisabled,
    /// `scaleDown.selectPolicy: Disabled`.
    ScaleDownDisabled,
    /// `minReplicas`.
    MinReplicas,
    /// `maxReplicas`.
    MaxReplicas,
    /// The legacy limit of `max(2 × current, 4)` per decision.
    ScaleUpLimit,
}

impl BoundBy {
    /// The reason Kubernetes would put on the HPA's `ScalingLimited` condition (or, for the
    /// stabilization windows, on `AbleToScale`).
    pub const fn condition_reason(self) -> &'static str {
        match self {
            Self::None => "DesiredWithinRange",
            Self::ScaleUpStabilization => "ScaleUpStabilized",
            Self::ScaleDownStabilization => "ScaleDownStabilized",
            Self::ScaleUpPolicy | Self::ScaleUpDisabled | Self::ScaleUpLimit => "ScaleUpLimit",
            Self::ScaleDownPolicy | Self::ScaleDownDisabled => "ScaleDownLimit",
            Self::MinReplicas => "TooFewReplicas",
            Self::MaxReplicas => "TooManyReplicas",
        }
    }
}

/// The replica count to apply and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Normalized {
    /// The count to apply.
    pub replicas: i32,
    /// The desired count after stabilization, before rate policies and bounds.
    pub stabilized: i32,
    /// The rule that fixed `replicas`.
    pub bound_by: BoundBy,
}

/// Turns a desired count into the count to apply (module docs, steps 1–4) and records the
/// desired count in `history`.
///
/// `behavior: None` selects the legacy path. The history is left untouched by step 1, as in
/// Kubernetes, except for the initial recommendation.
pub fn normalize(
    history: &mut History,
    behavior: Option<&Behavior>,
    controller: &ControllerConfig,
    input: Input,
) -> Normalized {
    history.record_initial_recommendation(input.current, input.now);
    if input.current > input.max {
        return Normalized {
            replicas: input.max,
            stabilized: input.max,
            bound_by: BoundBy::MaxReplicas,
        };
    }
    if input.current < input.min {
        return Normalized {
            replicas: input.min,
            stabilized: input.min,
            bound_by: BoundBy::MinReplicas,
        };
    }
    let input = Input {
        desired: input.desired.max(0),
        ..input
    };
    let stabilized = match behavior {
        Some(behavior) => stabilize(history, behavior, controller, input),
        None => legacy_stabilize(history, controller, input),
    };
    let limited = Input {
        desired: stabilized,
        ..input
    };
    let (replicas, limit) = match behavior {
        Some(behavior) => rate_limit(history, behavior, limited),
        None => legacy_limit(controller, limited),
    };
    let bound_by = match limit {
        BoundBy::None if stabilized < input.desired => BoundBy::ScaleUpStabilization,
        BoundBy::None if stabilized > input.desired => BoundBy::ScaleDownStabilization,
        limit => limit,
    };
    Normalized {
        replicas,
        stabilized,
        bound_by,
    }
}

impl ControllerConfig {
    /// The tolerances for a target with the given behavior (KEP-4951).
    pub fn tolerances(&self, behavior: Option<&Behavior>) -> crate::hpa::Tolerances {
        behavior.map_or(crate::hpa::Tolerances::symmetric(self.tolerance), |b| {
            b.tolerances(self.tolerance)
        })
    }
}

#[cfg(test)]
mod tests;
