//! Policies that run Tidal's own decision code (`tidal-core`), so the simulator measures the
//! product rather than a re-implementation.
//!
//! - [`scaled_object::ScaledObjectPolicy`] is the operator's path: a ScaledObject manifest (or
//!   the `keda-queue` baseline, a ScaledObject built in code) converted by
//!   `tidal_core::config` and decided by `tidal_core::engine::Engine` every `pollingInterval`,
//!   with KEDA's activation, cooldown, fallback and pause semantics and the HPA's math.
//! - [`hpa_cpu::HpaCpu`] is a plain HorizontalPodAutoscaler on CPU: `tidal_core::hpa` and
//!   `tidal_core::behavior` with the API server's default behavior, every 15 s.
//!
//! Both see the simulated cluster the way the Kubernetes controllers see a real one: the pod
//! list is current, the metrics are the last visible scrape ([`pods`]).

pub mod hpa_cpu;
pub mod scaled_object;
pub mod triggers;

use jiff::{SignedDuration, Timestamp};
use tidal_core::hpa::{ConditionStatus, Pod, PodMetric, PodPhase, ReadyCondition, Requests};

use crate::error::Result;
use crate::policy::Policy;
use crate::scenario::{PolicySpec, Prepared};
use crate::service::ServiceSpec;
use crate::signals::SignalView;
use hpa_cpu::HpaCpu;
use scaled_object::ScaledObjectPolicy;

/// Virtual time 0 on the engine's clock (2026-01-01T00:00:00Z): any fixed instant works, the
/// engine only compares times.
const EPOCH: i64 = 1_767_225_600;

/// The window a resource-metrics sample covers (metrics-server's default resolution).
const SAMPLE_WINDOW: SignedDuration = SignedDuration::from_secs(30);

/// The engine's timestamp for virtual time `t` seconds.
pub fn timestamp(t: f64) -> Timestamp {
    // Adding a `SignedDuration` cannot fail; saturating keeps absurd times ordered.
    Timestamp::constant(EPOCH, 0)
        .saturating_add(SignedDuration::from_secs_f64(t))
        .unwrap_or(Timestamp::MAX)
}

/// Builds an engine-backed policy: `hpa-cpu`, `keda-queue` or `scaled-object`.
///
/// # Errors
/// [`crate::Error::Policy`] for a manifest that cannot be read or decided on, a trigger with no
/// simulated signal, or a spec that is not engine-backed.
pub fn build(spec: &PolicySpec, prepared: &Prepared) -> Result<Box<dyn Policy>> {
    Ok(match spec {
        PolicySpec::HpaCpu(hpa) => Box::new(HpaCpu::new(
            hpa.target_utilization,
            cpu_request(prepared),
            prepared.scenario.replicas,
        )),
        PolicySpec::KedaQueue(keda) => Box::new(ScaledObjectPolicy::keda_queue(keda, prepared)?),
        PolicySpec::ScaledObject(path) => {
            Box::new(ScaledObjectPolicy::from_file(&spec.name(), path, prepared)?)
        }
        other => {
            return Err(crate::Error::Policy {
                policy: other.name(),
                message: "is not decided by tidal-core's engine".into(),
            });
        }
    })
}

/// CPU cores one pod requests: the web service's `cpu_request`, else the cluster's pod size.
pub fn cpu_request(prepared: &Prepared) -> f64 {
    match &prepared.scenario.service {
        ServiceSpec::Web(web) => web.cpu_request,
        _ => prepared.scenario.cluster.pod.cpu,
    }
}

/// The target's pods and their CPU samples as the HPA controller would list them at `now`.
///
/// Ready pods of the last visible scrape carry its CPU sample; ready pods that the scrape has
/// not seen yet have no sample (the HPA's "missing" pods); starting pods are Running but not
/// Ready, and pending pods are Pending — both unready to the HPA, as in a cluster.
pub fn pods(view: &SignalView<'_>, now: f64, request_cores: f64) -> (Vec<Pod>, Vec<PodMetric>) {
    let at = timestamp(now);
    let request_milli = (request_cores * 1000.0).round() as i64;
    let requests = Requests {
        cpu: Some(request_milli),
        memory: None,
    };
    // Ready pods have been ready long enough for their CPU to count.
    let long_ago = timestamp(now - 3600.0);
    let mut pods = Vec::new();
    let mut metrics = Vec::new();
    let mut seen = 0;
    if let Some(sample) = view.sample {
        for &(id, utilization) in sample.pod_cpu.iter().take(view.pods.ready as usize) {
            let name = format!("pod-{id}");
            pods.push(Pod {
                requests,
                ..Pod::running(name.clone(), long_ago)
            });
            metrics.push(PodMetric {
                pod: name,
                value: (utilization / 100.0 * request_milli as f64).round() as i64,
                timestamp: timestamp(sample.at),
                window: SAMPLE_WINDOW,
            });
            seen += 1;
        }
    }
    for i in seen..view.pods.ready {
        pods.push(Pod {
            requests,
            ..Pod::running(format!("unscraped-{i}"), long_ago)
        });
    }
    let not_ready = |name: String, phase: PodPhase| Pod {
        name,
        phase,
        deleting: false,
        ready: Some(ReadyCondition {
            status: ConditionStatus::False,
            last_transition: at,
        }),
        start_time: Some(at),
        requests,
        containers: Vec::new(),
    };
    for i in 0..view.pods.starting {
        pods.push(not_ready(format!("starting-{i}"), PodPhase::Running));
    }
    for i in 0..view.pods.pending {
        pods.push(not_ready(format!("pending-{i}"), PodPhase::Pending));
    }
    (pods, metrics)
}
