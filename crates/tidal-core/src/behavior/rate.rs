//! The behavior path: stabilization windows, then rate policies, then min/max
//! (`normalizeDesiredReplicasWithBehaviors` in Kubernetes' `horizontal.go`).

use jiff::Timestamp;
use std::cmp::Ordering;

use super::config::{Behavior, ControllerConfig, PolicyKind, ScalingRules, SelectPolicy};
use super::history::{History, Recommendation, ScaleEvent, cutoff};
use super::{BoundBy, Input};

/// Step 2 of the behavior path (`stabilizeRecommendationWithBehaviors`): the current count
/// raised to the lowest recommendation within the scale-up window, then capped at the highest
/// recommendation within the scale-down window. Records `input.desired` in `history`,
/// overwriting the last recommendation that is older than both windows.
pub fn stabilize(
    history: &mut History,
    behavior: &Behavior,
    controller: &ControllerConfig,
    input: Input,
) -> i32 {
    let up_window = behavior.scale_up.stabilization_window.unwrap_or_default();
    let down_window = behavior
        .scale_down
        .stabilization_window
        .unwrap_or(controller.downscale_stabilization);
    let up_cutoff = cutoff(input.now, up_window);
    let down_cutoff = cutoff(input.now, down_window);

    let (mut up, mut down) = (input.desired, input.desired);
    let mut obsolete = None;
    for (index, rec) in history.recommendations.iter().enumerate() {
        if rec.at > up_cutoff {
            up = up.min(rec.replicas);
        }
        if rec.at > down_cutoff {
            down = down.max(rec.replicas);
        }
        if rec.at < up_cutoff && rec.at < down_cutoff {
            obsolete = Some(index);
        }
    }
    history.store_recommendation(
        obsolete,
        Recommendation {
            at: input.now,
            replicas: input.desired,
        },
    );
    input.current.max(up).min(down)
}

/// Steps 3 and 4 of the behavior path (`convertDesiredReplicasWithBehaviorRate`): limits
/// `input.desired` (already stabilized) by the rate policies and the min/max bounds, in the
/// direction of the change only. Returns the count and the bound that changed it
/// ([`BoundBy::None`] when none did).
pub fn rate_limit(history: &History, behavior: &Behavior, input: Input) -> (i32, BoundBy) {
    let Input {
        current,
        desired,
        min,
        max,
        now,
    } = input;
    let events = (&history.scale_up_events[..], &history.scale_down_events[..]);
    let direction = match desired.cmp(&current) {
        Ordering::Greater => Direction::Up,
        Ordering::Less => Direction::Down,
        Ordering::Equal => return (desired, BoundBy::None),
    };
    let rules = match direction {
        Direction::Up => &behavior.scale_up,
        Direction::Down => &behavior.scale_down,
    };
    let limit = policy_limit(direction, current, events, rules, now);
    let disabled = rules.select_policy == SelectPolicy::Disabled;
    // A policy limit never reverses the direction: it is at worst the current count.
    let (replicas, bound) = match direction {
        Direction::Up if max > limit.max(current) => {
            let bound = if disabled {
                BoundBy::ScaleUpDisabled
            } else {
                BoundBy::ScaleUpPolicy
            };
            (desired.min(limit.max(current)), bound)
        }
        Direction::Up => (desired.min(max), BoundBy::MaxReplicas),
        Direction::Down if min < limit.min(current) => {
            let bound = if disabled {
                BoundBy::ScaleDownDisabled
            } else {
                BoundBy::ScaleDownPolicy
            };
            (desired.max(limit.min(current)), bound)
        }
        Direction::Down => (desired.max(min), BoundBy::MinReplicas),
    };
    (
        replicas,
        if replicas == desired {
            BoundBy::None
        } else {
            bound
        },
    )
}

/// The replica count at the start of `period`: the current count minus what was added plus
/// what was removed since.
fn period_start(
    current: i32,
    (up, down): (&[ScaleEvent], &[ScaleEvent]),
    period: jiff::SignedDuration,
    now: Timestamp,
) -> i32 {
    current
        .saturating_sub(History::change_in(up, period, now))
        .saturating_add(History::change_in(down, period, now))
}

/// The direction a policy limit is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// `calculateScaleUpLimitWithScalingRules`: the highest count the policies allow.
    Up,
    /// `calculateScaleDownLimitWithBehaviors`: the lowest count the policies allow.
    Down,
}

/// The limit the policies of `rules` put on a change in `direction`; the current count when
/// the direction is disabled.
pub(crate) fn policy_limit(
    direction: Direction,
    current: i32,
    events: (&[ScaleEvent], &[ScaleEvent]),
    rules: &ScalingRules,
    now: Timestamp,
) -> i32 {
    // `Max` picks the largest change: the highest count going up, the lowest going down.
    let highest = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Max => direction == Direction::Up,
        SelectPolicy::Min => direction == Direction::Down,
    };
    let (start, pick): (i32, fn(i32, i32) -> i32) = if highest {
        (i32::MIN, std::cmp::max)
    } else {
        (i32::MAX, std::cmp::min)
    };
    rules.policies.iter().fold(start, |acc, policy| {
        let base = period_start(current, events, policy.period, now);
        let value = policy.value;
        let proposed = match (direction, policy.kind) {
            (Direction::Up, PolicyKind::Pods) => base.saturating_add(value),
            (Direction::Down, PolicyKind::Pods) => base.saturating_sub(value),
            // Rounded up so that a small percentage of a small count still adds a pod.
            (Direction::Up, PolicyKind::Percent) => {
                (f64::from(base) * (1.0 + f64::from(value) / 100.0)).ceil() as i32
            }
            // Truncated toward zero, as Kubernetes converts the float.
            (Direction::Down, PolicyKind::Percent) => {
                (f64::from(base) * (1.0 - f64::from(value) / 100.0)) as i32
            }
        };
        pick(acc, proposed)
    })
}
