//! Scaling policies: the ScaledObject under test (through tidal-core's engine) and the
//! baselines it is measured against.
//!
//! Every policy sits behind one small trait so the run loop treats Tidal's own engine, a
//! re-enactment of the Kubernetes HPA, Knative's KPA and the perfect-foresight oracle the same
//! way: it is called every `interval` with what a real controller could see, and answers with a
//! replica count and a reason.

pub mod foresight;
pub mod kpa;

use serde::{Deserialize, Serialize};

use crate::signals::SignalView;

/// What the policy sees every simulation step, before any scrape: the in-pod concurrency that
/// Knative's queue-proxies report each second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Live {
    /// Virtual time, seconds.
    pub now: f64,
    /// Requests in the system (waiting plus in service).
    pub concurrency: f64,
    /// Ready replicas.
    pub ready: u32,
}

/// A policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyDecision {
    /// Replicas the policy wants.
    pub desired: u32,
    /// The rule that fixed the count, in the vocabulary of Tidal's decisions (`metric`,
    /// `stabilization`, `cooldown`, …), for policies decided by tidal-core.
    pub bound_by: Option<&'static str>,
}

/// A scaling policy driven in virtual time.
pub trait Policy: Send {
    /// The policy's name in reports.
    fn name(&self) -> &str;

    /// Seconds between two decisions (the sync period or polling interval).
    fn interval(&self) -> f64;

    /// Replicas to start with, ready at time 0, when the policy provisions ahead (static
    /// peak, oracle); `None` starts from the scenario's `cluster.initial_replicas`.
    fn initial_replicas(&self, _view: &SignalView<'_>) -> Option<u32> {
        None
    }

    /// Sees the live state every simulation step (only policies that sample faster than the
    /// scrape interval need this).
    fn observe(&mut self, _live: &Live) {}

    /// Decides the replica count at `now`.
    fn decide(&mut self, view: &SignalView<'_>, now: f64) -> PolicyDecision;

    /// Why the last decision was made, in a sentence. Asked only when a decision changes the
    /// count, so a policy deciding every second need not write a sentence every second.
    fn reason(&self) -> String;
}

/// Replica bounds for the baselines (ScaledObjects carry their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Fewest replicas (default 1).
    #[serde(default = "one")]
    pub min: u32,
    /// Most replicas.
    pub max: u32,
}

fn one() -> u32 {
    1
}

impl Bounds {
    /// `desired` clamped into the bounds.
    pub fn clamp(&self, desired: u32) -> u32 {
        desired.clamp(self.min, self.max.max(self.min))
    }
}
