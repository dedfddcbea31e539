//! One run: one policy on one scenario with one seed, in virtual time.
//!
//! The loop advances in steps: arrivals of the step enter the service (which keeps exact event
//! times inside the step), the downstream and the cluster move on, signals are scraped when due,
//! and the policy decides when its interval comes round. Everything random comes from the seed,
//! so the same inputs give the same bytes out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::cluster::Cluster;
use crate::metrics::{Minute, Recorder};
use crate::policy::{Live, Policy};
use crate::scenario::Prepared;
use crate::service::llm::LlmService;
use crate::service::queue::QueueService;
use crate::service::web::WebService;
use crate::service::{Service, ServiceSpec};
use crate::signals::{Sample, Scraper, Signal, SignalView};
use crate::summary::Summary;

/// A change of the desired replica count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleEvent {
    /// Virtual time, seconds.
    pub at: f64,
    /// Replicas before.
    pub from: u32,
    /// Replicas after.
    pub to: u32,
    /// The rule that fixed the count, for policies decided by tidal-core.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound_by: Option<&'static str>,
    /// The policy's reason.
    pub reason: String,
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The figures.
    pub summary: Summary,
    /// The per-minute timeline.
    pub minutes: Vec<Minute>,
    /// Every change of the desired replica count.
    pub events: Vec<ScaleEvent>,
}

/// Runs `policy` on `prepared` with `seed`; `needed` is the per-minute need for that seed.
/// `progress`, when given, is advanced by the number of steps done.
///
/// # Panics
/// If `prepared` has an LLM service without a model, which [`Prepared::new`] never builds.
pub fn run(
    prepared: &Prepared,
    policy: &mut dyn Policy,
    seed: u64,
    needed: &[u32],
    progress: Option<&AtomicU64>,
) -> RunOutput {
    let scenario = &prepared.scenario;
    let dt = scenario.step.secs();
    let steps = (prepared.duration / dt).round().max(1.0) as u64;
    let mut rec = Recorder::new(prepared.slo);
    let mut cluster = Cluster::new(
        &scenario.cluster,
        prepared.startup.clone(),
        prepared.provisioning.clone(),
        seed,
    );
    let initial_view = SignalView {
        now: 0.0,
        pods: cluster.counts(),
        sample: None,
        needed,
    };
    if let Some(initial) = policy.initial_replicas(&initial_view) {
        let mut spec = scenario.cluster.clone();
        spec.initial_replicas = initial;
        cluster = Cluster::new(
            &spec,
            prepared.startup.clone(),
            prepared.provisioning.clone(),
            seed,
        );
    }
    let mut service = match &scenario.service {
        ServiceSpec::Web(web) => Service::Web(Box::new(WebService::new(web, seed))),
        ServiceSpec::Queue(queue) => Service::Queue(QueueService::new(queue)),
        ServiceSpec::Llm(llm) => {
            Service::Llm(LlmService::new(llm, prepared.llm.expect("llm model")))
        }
    };
    let mut arrivals = prepared.arrivals(seed);
    let database = scenario.downstream.as_ref().map(|d| d.database.clone());
    let mut db_state = database
        .as_ref()
        .map(|db| db.state(cluster.counts().ready, 0.0));
    let mut scraper = Scraper::new(&scenario.scrape);
    let interval = policy.interval().max(dt);
    let mut next_decision = 0.0;
    let mut events = Vec::new();
    let mut decisions = BTreeMap::new();
    let mut buffer = Vec::new();
    let mut served_before = 0;
    let mut next_minute = 60.0;
    let mut progress_pending = 0;
    service.sync(&cluster, 0.0, &mut rec);
    let mut synced = cluster.version();
    for step in 0..steps {
        let t0 = step as f64 * dt;
        let t1 = t0 + dt;
        buffer.clear();
        arrivals.fill(t0, t1, &mut buffer);
        for arrival in &buffer {
            service.arrive(arrival, &mut rec);
        }
        service.advance(t1, &mut rec);
        let counts = cluster.counts();
        if let (Some(db), Some(state)) = (&database, &mut db_state) {
            let served = rec.served - served_before;
            *state = db.state(counts.ready + counts.terminating, served as f64 / dt);
            service.set_downstream(db.extra_latency(state), state.failure);
            rec.note_downstream(state.utilization, state.connections, state.breach);
        }
        served_before = rec.served;
        for pod in cluster.advance(t1, dt, |pod, rank| service.draining(pod, rank)) {
            service.remove_pod(pod, &mut rec);
        }
        if cluster.version() != synced {
            service.sync(&cluster, t1, &mut rec);
            synced = cluster.version();
        }
        let counts = cluster.counts();
        let concurrency = (service.queued() + service.in_service()) as f64;
        policy.observe(&Live {
            now: t1,
            concurrency,
            ready: counts.ready,
        });
        // The minute ends before a decision taken at its last instant, which belongs to the
        // next minute: a policy scaling down on the boundary did serve this minute.
        if t1 + 1e-9 >= next_minute || step + 1 == steps {
            let minute = rec.minutes.len();
            rec.close_minute(
                counts.desired,
                counts.ready,
                counts.ready + counts.starting + counts.terminating,
                needed.get(minute).copied().unwrap_or(0),
            );
            next_minute += 60.0;
        }
        if scraper.due(t1) {
            let sample = scrape(
                &mut service,
                &cluster,
                &mut rec,
                scraper.interval(),
                t1,
                db_state.as_ref(),
            );
            scraper.push(sample);
        }
        if t1 + 1e-9 >= next_decision {
            next_decision += interval;
            let view = SignalView {
                now: t1,
                pods: counts,
                sample: scraper.visible(t1),
                needed,
            };
            let decision = policy.decide(&view, t1);
            if let Some(rule) = decision.bound_by {
                *decisions.entry(rule).or_insert(0) += 1;
            }
            if decision.desired != counts.desired {
                events.push(ScaleEvent {
                    at: t1,
                    from: counts.desired,
                    to: decision.desired,
                    bound_by: decision.bound_by,
                    reason: policy.reason(),
                });
                cluster.scale_to(decision.desired, t1);
                service.sync(&cluster, t1, &mut rec);
                synced = cluster.version();
            }
        }
        progress_pending += 1;
        if progress_pending == 4096 {
            if let Some(p) = progress {
                p.fetch_add(progress_pending, Ordering::Relaxed);
            }
            progress_pending = 0;
        }
    }
    if let Some(p) = progress {
        p.fetch_add(progress_pending, Ordering::Relaxed);
    }
    let in_system = service.queued() + service.in_service();
    let mut summary = Summary::new(
        policy.name(),
        seed,
        &rec,
        &cluster,
        &events,
        in_system,
        prepared,
    );
    summary.decisions = decisions;
    RunOutput {
        summary,
        minutes: rec.minutes,
        events,
    }
}

fn scrape(
    service: &mut Service,
    cluster: &Cluster,
    rec: &mut Recorder,
    window: f64,
    now: f64,
    db: Option<&crate::downstream::DownstreamState>,
) -> Sample {
    let gauges = service.scrape(window, cluster);
    let ready = cluster.counts().ready;
    let mut sample = Sample::new(now);
    sample.set(Signal::ReadyReplicas, f64::from(ready), None);
    sample.set(
        Signal::RequestRate,
        rec.window_arrivals as f64 / window,
        None,
    );
    sample.set(Signal::QueueLength, gauges.queued as f64, None);
    sample.set(Signal::InFlight, gauges.in_service as f64, None);
    sample.set(
        Signal::Concurrency,
        (gauges.queued + gauges.in_service) as f64,
        None,
    );
    let throughput = if gauges.throughput > 0.0 {
        gauges.throughput
    } else {
        rec.window_latency.count() as f64 / window
    };
    sample.set(Signal::Throughput, throughput, None);
    let cpu: Vec<f64> = gauges.pod_cpu.iter().map(|&(_, c)| c).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    sample.set(Signal::CpuUtilization, mean(&cpu), Some(max(&cpu)));
    sample.set(Signal::LatencyP50, rec.window_latency.quantile(0.5), None);
    sample.set(Signal::LatencyP95, rec.window_latency.quantile(0.95), None);
    sample.set(Signal::LatencyP99, rec.window_latency.quantile(0.99), None);
    sample.set(Signal::TtftP95, rec.window_ttft.quantile(0.95), None);
    sample.set(Signal::ItlP95, rec.window_itl.quantile(0.95), None);
    if gauges.replicas.is_empty() {
        sample.set(Signal::VllmWaiting, gauges.queued as f64, None);
    } else {
        let waiting: Vec<f64> = gauges.replicas.iter().map(|g| g.waiting as f64).collect();
        let running: Vec<f64> = gauges.replicas.iter().map(|g| g.running as f64).collect();
        let kv: Vec<f64> = gauges.replicas.iter().map(|g| g.kv_usage).collect();
        // Requests held at the gateway count as waiting: they are queued demand all the same.
        let gateway = gauges.queued as f64 - waiting.iter().sum::<f64>();
        sample.set(
            Signal::VllmWaiting,
            waiting.iter().sum::<f64>() + gateway.max(0.0),
            Some(max(&waiting)),
        );
        sample.set(
            Signal::VllmRunning,
            running.iter().sum(),
            Some(max(&running)),
        );
        sample.set(Signal::VllmKvUsage, mean(&kv), Some(max(&kv)));
        sample.set(Signal::VllmGpuCacheUsage, mean(&kv), Some(max(&kv)));
    }
    if let Some(db) = db {
        sample.set(Signal::DbConnections, f64::from(db.connections), None);
        sample.set(Signal::DbUtilization, db.utilization, None);
        sample.set(Signal::DbLatency, db.latency, None);
    }
    sample.pod_cpu = gauges.pod_cpu;
    rec.clear_window();
    sample
}
