//! The memory the behavior rules need between decisions: past recommendations (for the
//! stabilization windows) and past scale events (for the rate policies).
//!
//! Kubernetes keeps these three lists per HPA in the controller's memory. Tidal makes them a
//! plain value: the operator keeps one per scaled object, the simulator one per workload, and
//! either can persist or inspect it. Entries are never removed; as in Kubernetes, an entry older
//! than every window (recommendations) or than the longest policy period of its direction
//! (scale events) is *obsolete*, and the next entry recorded overwrites the last obsolete one
//! instead of growing the list. The lists therefore hold about as many entries as fit in the
//! longest window, whatever the uptime.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::config::Behavior;

/// One recommendation: the desired count a decision computed before stabilization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// When it was made.
    pub at: Timestamp,
    /// The unstabilized desired replicas.
    pub replicas: i32,
}

/// One completed scale of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleEvent {
    /// When the scale happened.
    pub at: Timestamp,
    /// The replica count after the scale.
    pub replicas: i32,
    /// Pods added (in the scale-up list) or removed (in the scale-down list); always positive.
    pub change: i32,
    /// Older than the longest policy period of its direction when last checked: its slot may be
    /// reused (it still counts for any policy whose period covers it).
    pub outdated: bool,
}

/// Recommendations and scale events of one scale target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// Recommendations, in slot order (not necessarily chronological).
    pub recommendations: Vec<Recommendation>,
    /// Scale-up events, in slot order.
    pub scale_up_events: Vec<ScaleEvent>,
    /// Scale-down events, in slot order.
    pub scale_down_events: Vec<ScaleEvent>,
}

/// `now - window`, saturating at the earliest timestamp.
pub(crate) fn cutoff(now: Timestamp, window: SignedDuration) -> Timestamp {
    now.checked_sub(window).unwrap_or(Timestamp::MIN)
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seeds the recommendations with the current count when there are none yet, as Kubernetes
    /// does at the start of every sync (`recordInitialRecommendation`), so that the first
    /// decisions after a start are stabilized against the count the target already had.
    /// [`super::normalize`] calls this itself; call it directly on syncs that skip normalizing.
    pub fn record_initial_recommendation(&mut self, current: i32, now: Timestamp) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Recommendation {
                at: now,
                replicas: current,
            });
        }
    }

    /// Stores `recommendation` over `obsolete` (an index) or appends it.
    pub(crate) fn store_recommendation(
        &mut self,
        obsolete: Option<usize>,
        recommendation: Recommendation,
    ) {
        match obsolete {
            Some(index) => self.recommendations[index] = recommendation,
            None => self.recommendations.push(recommendation),
        }
    }

    /// Records a completed scale from `previous` to `new` replicas at `now`
    /// (`storeScaleEvent`). Call it only once the scale has been applied. Without a behavior
    /// nothing is recorded: the legacy path has no rate policies.
    pub fn record_scale(
        &mut self,
        behavior: Option<&Behavior>,
        previous: i32,
        new: i32,
        now: Timestamp,
    ) {
        let Some(behavior) = behavior else { return };
        let (events, rules, change) = match new.cmp(&previous) {
            std::cmp::Ordering::Greater => (
                &mut self.scale_up_events,
                &behavior.scale_up,
                new - previous,
            ),
            std::cmp::Ordering::Less => (
                &mut self.scale_down_events,
                &behavior.scale_down,
                previous - new,
            ),
            std::cmp::Ordering::Equal => return,
        };
        let horizon = cutoff(now, rules.longest_period());
        for event in events.iter_mut() {
            if event.at < horizon {
                event.outdated = true;
            }
        }
        let event = ScaleEvent {
            at: now,
            replicas: new,
            change,
            outdated: false,
        };
        match events.iter().rposition(|e| e.outdated) {
            Some(index) => events[index] = event,
            None => events.push(event),
        }
    }

    /// Pods added by the scale-ups recorded strictly after `now - period`.
    pub fn added_within(&self, period: SignedDuration, now: Timestamp) -> i32 {
        Self::change_in(&self.scale_up_events, period, now)
    }

    /// Pods removed by the scale-downs recorded strictly after `now - period`.
    pub fn removed_within(&self, period: SignedDuration, now: Timestamp) -> i32 {
        Self::change_in(&self.scale_down_events, period, now)
    }

    /// The total change of `events` strictly after `now - period` (`getReplicasChangePerPeriod`).
    pub(crate) fn change_in(events: &[ScaleEvent], period: SignedDuration, now: Timestamp) -> i32 {
        let since = cutoff(now, period);
        events
            .iter()
            .filter(|e| e.at > since)
            .map(|e| e.change)
            .fold(0, i32::saturating_add)
    }
}
