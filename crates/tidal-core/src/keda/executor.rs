//! KEDA's scale executor: the steps between zero (or idle) and one, which KEDA takes itself
//! because an HPA cannot hold zero replicas.
//!
//! Each poll, given whether the object is active, KEDA's `RequestScale` does exactly one of:
//!
//! | situation | step |
//! |---|---|
//! | active (or `force-activation`), and at 0 replicas (or below `minReplicaCount` in idle mode) | scale to `max(minReplicaCount, 1)` and record the active time |
//! | active, replicas > 0, some trigger failed | nothing (the active time is *not* refreshed) |
//! | active, replicas > 0 | record the active time; the HPA does the rest |
//! | inactive, some trigger failed, fallback with `replicas ≠ 0` | nothing, so the fallback can apply |
//! | inactive, some trigger failed, no fallback | nothing (`Ready=False`) |
//! | inactive, above `idleReplicaCount`, or `minReplicaCount` is 0 and replicas > 0 | scale straight to `idleReplicaCount` (or `minReplicaCount`) once the cooldown has passed |
//! | inactive, below `minReplicaCount`, no idle mode | scale to `minReplicaCount` |
//!
//! One deliberate difference: KEDA tests "below `minReplicaCount`" only after the failure
//! cases, so a target below its minimum stays there while a trigger fails. Tidal raises it in
//! every case: `minReplicaCount` is a floor users rely on.
//!
//! The cooldown has passed when the last active time plus `cooldownPeriod` is strictly before
//! now, or, for an object never active, when its creation plus `initialCooldownPeriod` is. The
//! step to zero jumps from any count straight to zero, bypassing the HPA's scale-down policies,
//! as KEDA does. `paused-scale-out` blocks the activation step and `paused-scale-in` the
//! deactivation step.

use jiff::{SignedDuration, Timestamp};

/// What the executor knows at one poll.
// The flags are KEDA's own inputs, one for one; grouping them would only hide that.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutorInput {
    /// The target's current `spec.replicas`.
    pub current: i32,
    /// `minReplicaCount`.
    pub min: i32,
    /// `idleReplicaCount`.
    pub idle: Option<i32>,
    /// Whether any trigger (or the composite formula) is active.
    pub active: bool,
    /// `autoscaling.keda.sh/force-activation`.
    pub force_activation: bool,
    /// Whether any trigger failed this poll.
    pub error: bool,
    /// `fallback.replicas`, when a fallback is configured.
    pub fallback_replicas: Option<i32>,
    /// `autoscaling.keda.sh/paused-scale-in`.
    pub paused_scale_in: bool,
    /// `autoscaling.keda.sh/paused-scale-out`.
    pub paused_scale_out: bool,
    /// `status.lastActiveTime`.
    pub last_active: Option<Timestamp>,
    /// `metadata.creationTimestamp`; `None` counts as long ago.
    pub created_at: Option<Timestamp>,
    /// `cooldownPeriod`.
    pub cooldown: SignedDuration,
    /// `initialCooldownPeriod`.
    pub initial_cooldown: SignedDuration,
    /// The poll time.
    pub now: Timestamp,
}

/// The executor's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Scale up from zero (or idle) to this count.
    Activate(i32),
    /// Would activate, but `paused-scale-out` forbids it.
    ActivationBlocked,
    /// Scale down to this count (`idleReplicaCount` when `idle`, else `minReplicaCount`).
    Deactivate {
        /// The count.
        to: i32,
        /// Whether it is `idleReplicaCount`.
        idle: bool,
    },
    /// Would deactivate, but `paused-scale-in` forbids it.
    DeactivationBlocked,
    /// Would deactivate, once the cooldown ends at `until`.
    CoolingDown {
        /// When the object may deactivate (if still inactive then).
        until: Timestamp,
        /// Whether this is the initial cooldown after creation.
        initial: bool,
    },
    /// Inactive below `minReplicaCount`: raise to it.
    RaiseToMin(i32),
    /// Inactive with failing triggers and a fallback: stay up so the fallback can apply.
    HoldForFallback,
    /// Nothing for the executor; the replica math decides when the target has replicas.
    Nothing,
}

/// The executor's step and whether the active time is refreshed to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The step.
    pub step: Step,
    /// Whether `lastActiveTime` becomes now.
    pub refresh_last_active: bool,
}

/// One poll of KEDA's `RequestScale` (module docs).
pub fn request_scale(input: &ExecutorInput) -> Outcome {
    let outcome = |step, refresh_last_active| Outcome {
        step,
        refresh_last_active,
    };
    if input.active || input.force_activation {
        let below_idle_floor = input.idle.is_some() && input.current < input.min;
        if below_idle_floor || input.current == 0 {
            return if input.paused_scale_out {
                outcome(Step::ActivationBlocked, false)
            } else {
                outcome(Step::Activate(input.min.max(1)), true)
            };
        }
        return outcome(Step::Nothing, !input.error);
    }
    // KEDA checks this last, after the failure cases, and so leaves a target below its minimum
    // while triggers fail; Tidal keeps minReplicaCount a floor in every case.
    if input.current < input.min && input.idle.is_none() {
        return outcome(Step::RaiseToMin(input.min), false);
    }
    if input.error {
        match input.fallback_replicas {
            Some(0) => {} // KEDA goes on to the steps below, down to zero included.
            Some(_) => return outcome(Step::HoldForFallback, false),
            // Without a fallback, a failure keeps the count (KEDA sets `Ready=False`).
            None => return outcome(Step::Nothing, false),
        }
    }
    let above_idle = input.idle.is_some_and(|idle| input.current > idle);
    if above_idle || (input.current > 0 && input.min == 0) {
        if input.paused_scale_in {
            return outcome(Step::DeactivationBlocked, false);
        }
        let after =
            |start: Timestamp, period| start.saturating_add(period).unwrap_or(Timestamp::MAX);
        let (until, initial) = match (input.last_active, input.created_at) {
            (Some(last), _) => (after(last, input.cooldown), false),
            (None, Some(created)) => (after(created, input.initial_cooldown), true),
            (None, None) => (Timestamp::MIN, true),
        };
        return if until < input.now {
            let (to, idle) = input.idle.map_or((input.min, false), |idle| (idle, true));
            outcome(Step::Deactivate { to, idle }, false)
        } else {
            outcome(Step::CoolingDown { until, initial }, false)
        };
    }
    outcome(Step::Nothing, false)
}
