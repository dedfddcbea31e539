//! The `hpa-cpu` baseline: a HorizontalPodAutoscaler on CPU utilisation as the Kubernetes
//! controller runs it — a 15 s sync, the API server's default behavior (scale up by 100 % or
//! 4 pods per 15 s, scale down after a 300 s stabilization window) — computed by tidal-core's
//! HPA replica calculator and behavior normalisation rather than re-derived here.

use tidal_core::behavior::{self, Behavior, ControllerConfig, History};
use tidal_core::decision::BoundBy;
use tidal_core::hpa::{
    Current, PodSamples, ReadinessConfig, ResourceMetric, ResourceName, ResourceTarget, Rule,
    resource_replicas,
};

use super::{pods, timestamp};
use crate::policy::{Bounds, Policy, PolicyDecision};
use crate::signals::SignalView;

/// The HPA's sync period (`--horizontal-pod-autoscaler-sync-period`).
pub const HPA_SYNC: f64 = 15.0;

/// The Kubernetes HPA on CPU utilisation with the default behavior, computed by tidal-core.
#[derive(Debug)]
pub struct HpaCpu {
    target: i32,
    request: f64,
    bounds: Bounds,
    behavior: Behavior,
    controller: ControllerConfig,
    history: History,
    /// Why the last decision was made.
    last: String,
}

impl HpaCpu {
    /// An HPA aiming at `target` percent of a `request`-core CPU request.
    pub fn new(target: u32, request: f64, bounds: Bounds) -> Self {
        Self {
            target: target as i32,
            request,
            bounds,
            behavior: Behavior::default(),
            controller: ControllerConfig::default(),
            history: History::new(),
            last: "no decision yet".into(),
        }
    }
}

impl Policy for HpaCpu {
    fn name(&self) -> &'static str {
        "hpa-cpu"
    }

    fn interval(&self) -> f64 {
        HPA_SYNC
    }

    fn decide(&mut self, view: &SignalView<'_>, now: f64) -> PolicyDecision {
        let current = view.pods.desired as i32;
        let at = timestamp(now);
        let (pods, metrics) = pods(view, now, self.request);
        let metric = ResourceMetric {
            resource: ResourceName::Cpu,
            target: ResourceTarget::Utilization(self.target),
        };
        let samples = PodSamples {
            pods: &pods,
            metrics: &metrics,
            now: at,
            readiness: ReadinessConfig::default(),
        };
        let tolerances = self.behavior.tolerances(self.controller.tolerance);
        let (desired, rule, why) = match resource_replicas(&metric, current, &samples, tolerances) {
            Ok(proposal) => {
                let usage = match proposal.current {
                    Current::Utilization { percent, .. } => format!("cpu at {percent} %"),
                    _ => "cpu".into(),
                };
                (
                    proposal.replicas,
                    Some(proposal.rule),
                    format!(
                        "{usage} of request against a {} % target; {}",
                        self.target,
                        proposal.rule.describe()
                    ),
                )
            }
            // No usable metric: the HPA leaves the count alone.
            Err(error) => (current, None, format!("no proposal ({error})")),
        };
        let normalized = behavior::normalize(
            &mut self.history,
            Some(&self.behavior),
            &self.controller,
            behavior::Input {
                current,
                desired,
                min: self.bounds.min as i32,
                max: self.bounds.max as i32,
                now: at,
            },
        );
        if normalized.replicas != current {
            self.history
                .record_scale(Some(&self.behavior), current, normalized.replicas, at);
        }
        let bound_by = bound_by(normalized.bound_by, rule, normalized.replicas == current);
        self.last = format!(
            "{why}: proposal {desired}, {} {} (bound by {bound_by})",
            if normalized.replicas == current {
                "keeping"
            } else {
                "scaling to"
            },
            normalized.replicas,
        );
        PolicyDecision {
            desired: normalized.replicas.max(0) as u32,
            bound_by: Some(bound_by.as_str()),
        }
    }

    fn reason(&self) -> String {
        self.last.clone()
    }
}

/// The rule that fixed an HPA decision, in the vocabulary of Tidal's decisions.
fn bound_by(bound: behavior::BoundBy, rule: Option<Rule>, unchanged: bool) -> BoundBy {
    match bound {
        behavior::BoundBy::None => match rule {
            None => BoundBy::TriggerError,
            Some(Rule::WithinTolerance) if unchanged => BoundBy::Tolerance,
            Some(_) => BoundBy::Metric,
        },
        behavior::BoundBy::ScaleUpStabilization | behavior::BoundBy::ScaleDownStabilization => {
            BoundBy::Stabilization
        }
        behavior::BoundBy::ScaleUpPolicy => BoundBy::ScaleUpPolicy,
        behavior::BoundBy::ScaleDownPolicy => BoundBy::ScaleDownPolicy,
        behavior::BoundBy::ScaleUpDisabled => BoundBy::ScaleUpDisabled,
        behavior::BoundBy::ScaleDownDisabled => BoundBy::ScaleDownDisabled,
        behavior::BoundBy::MinReplicas => BoundBy::MinReplicas,
        behavior::BoundBy::MaxReplicas => BoundBy::MaxReplicas,
        behavior::BoundBy::ScaleUpLimit => BoundBy::ScaleUpLimit,
    }
}
