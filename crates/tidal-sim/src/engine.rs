//! Policies that run Tidal's own decision code (`tidal-core`), so the simulator measures the
//! product rather than a re-implementation: the `hpa-cpu` baseline is the HPA replica
//! calculator and behavior normalisation from `tidal_core::hpa` and `tidal_core::behavior`.

use jiff::{SignedDuration, Timestamp};
use tidal_core::behavior::{self, Behavior, ControllerConfig, History};
use tidal_core::hpa::{
    ConditionStatus, Pod, PodMetric, PodPhase, PodSamples, ReadinessConfig, ReadyCondition,
    Requests, ResourceMetric, ResourceName, ResourceTarget, resource_replicas,
};

use crate::error::{Error, Result};
use crate::policy::{Bounds, Policy, PolicyDecision};
use crate::scenario::{PolicySpec, Prepared};
use crate::service::ServiceSpec;
use crate::signals::SignalView;

/// Virtual time 0 on the engine's clock (2026-01-01T00:00:00Z): any fixed instant works, the
/// engine only compares times.
const EPOCH: i64 = 1_767_225_600;

/// The HPA's sync period.
const HPA_SYNC: f64 = 15.0;

/// The engine's timestamp for virtual time `t` seconds.
pub fn timestamp(t: f64) -> Timestamp {
    // Adding a `SignedDuration` cannot fail; saturating keeps absurd times ordered.
    Timestamp::constant(EPOCH, 0)
        .saturating_add(SignedDuration::from_secs_f64(t))
        .unwrap_or(Timestamp::MAX)
}

/// Builds an engine-backed policy.
///
/// # Errors
/// [`Error::Policy`] for a policy whose engine support is not available.
pub fn build(spec: &PolicySpec, prepared: &Prepared) -> Result<Box<dyn Policy>> {
    match spec {
        PolicySpec::HpaCpu(hpa) => {
            let request = match &prepared.scenario.service {
                ServiceSpec::Web(web) => web.cpu_request,
                _ => prepared.scenario.cluster.pod.cpu,
            };
            Ok(Box::new(HpaCpu::new(
                hpa.target_utilization,
                request,
                prepared.scenario.replicas,
            )))
        }
        other => Err(Error::Policy {
            policy: other.name(),
            message: "needs tidal-core's KEDA engine (`tidal_core::engine`), which this build \
                      does not have yet"
                .into(),
        }),
    }
}

/// The Kubernetes HPA on CPU utilisation with the default behavior, computed by tidal-core.
#[derive(Debug)]
pub struct HpaCpu {
    target: i32,
    request_milli: i64,
    bounds: Bounds,
    behavior: Behavior,
    controller: ControllerConfig,
    history: History,
}

impl HpaCpu {
    /// An HPA aiming at `target` percent of a `request`-core CPU request.
    pub fn new(target: u32, request: f64, bounds: Bounds) -> Self {
        Self {
            target: target as i32,
            request_milli: (request * 1000.0).round() as i64,
            bounds,
            behavior: Behavior::default(),
            controller: ControllerConfig::default(),
            history: History::new(),
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
        let mut pods = Vec::new();
        let mut metrics = Vec::new();
        let requests = Requests {
            cpu: Some(self.request_milli),
            memory: None,
        };
        if let Some(sample) = view.sample {
            // Ready pods have been ready long enough for their CPU to count; scraped samples
            // carry the scrape's time and window.
            let long_ago = timestamp(now - 3600.0);
            for &(id, utilization) in &sample.pod_cpu {
                let name = format!("pod-{id}");
                pods.push(Pod {
                    requests,
                    ..Pod::running(name.clone(), long_ago)
                });
                metrics.push(PodMetric {
                    pod: name,
                    value: (utilization / 100.0 * self.request_milli as f64).round() as i64,
                    timestamp: timestamp(sample.at),
                    window: SignedDuration::from_secs(30),
                });
            }
        }
        // Pods still starting are Running but not Ready: the calculator treats them as unready.
        for i in 0..view.pods.starting {
            pods.push(Pod {
                name: format!("starting-{i}"),
                phase: PodPhase::Running,
                deleting: false,
                ready: Some(ReadyCondition {
                    status: ConditionStatus::False,
                    last_transition: at,
                }),
                start_time: Some(at),
                requests,
            });
        }
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
        let (desired, why) = match resource_replicas(&metric, current, &samples, tolerances) {
            Ok(proposal) => (
                proposal.replicas,
                format!("cpu ratio {:.2}", proposal.usage_ratio),
            ),
            // No usable metric: the HPA leaves the count alone.
            Err(error) => (current, format!("no proposal ({error})")),
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
        PolicyDecision {
            desired: normalized.replicas.max(0) as u32,
            reason: format!(
                "{why}; proposal {desired}, bound by {:?}",
                normalized.bound_by
            ),
        }
    }
}
