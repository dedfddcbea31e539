//! The service under test: a request/response tier, a queue consumer or an LLM inference
//! deployment. One enum so the run loop stays a plain match and the hot path has no dynamic
//! dispatch.

pub mod llm;
pub mod profile;
pub mod queue;
pub mod web;

use serde::{Deserialize, Serialize};

use crate::cluster::{Cluster, PodState};
use crate::load::Arrival;
use crate::metrics::Recorder;
use llm::{LlmService, LlmSpec, ReplicaGauges};
use queue::{QueueService, QueueSpec};
use web::{WebService, WebSpec};

/// The `service` section of a scenario: exactly one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceSpec {
    /// A request/response service.
    Web(WebSpec),
    /// A queue consumer.
    Queue(QueueSpec),
    /// An LLM inference service.
    Llm(LlmSpec),
}

/// What the service shows at a scrape.
#[derive(Debug, Clone, Default)]
pub struct ServiceGauges {
    /// Requests (messages) waiting.
    pub queued: u64,
    /// Requests in service.
    pub in_service: u64,
    /// Completions per second over the window (queue consumers).
    pub throughput: f64,
    /// CPU utilisation of each ready pod, percent of its request.
    pub pod_cpu: Vec<(u64, f64)>,
    /// vLLM gauges per ready replica (LLM services).
    pub replicas: Vec<ReplicaGauges>,
}

/// The state of the service during a run.
#[derive(Debug)]
pub enum Service {
    /// Request/response (boxed: its RNG and heaps make it the largest by far; one per run).
    Web(Box<WebService>),
    /// Queue consumer.
    Queue(QueueService),
    /// LLM inference.
    Llm(LlmService),
}

impl Service {
    /// Runs the service up to `until`.
    pub fn advance(&mut self, until: f64, rec: &mut Recorder) {
        match self {
            Service::Web(s) => s.advance(until, rec),
            Service::Queue(s) => s.advance(until, rec),
            Service::Llm(s) => s.advance(until, rec),
        }
    }

    /// A request arrives; the service is first advanced to its time.
    pub fn arrive(&mut self, request: &Arrival, rec: &mut Recorder) {
        match self {
            Service::Web(s) => {
                s.advance(request.at, rec);
                s.arrive(request, rec);
            }
            Service::Queue(s) => s.arrive(request, rec),
            Service::Llm(s) => s.arrive(request, rec),
        }
    }

    /// Brings the service in line with the cluster's pods at `now`.
    pub fn sync(&mut self, cluster: &Cluster, now: f64, rec: &mut Recorder) {
        let ready = cluster.counts().ready;
        match self {
            Service::Web(s) => s.set_ready(ready),
            Service::Queue(s) => s.set_ready(ready),
            Service::Llm(s) => {
                let mut ready_ids = Vec::new();
                let mut draining = Vec::new();
                for pod in cluster.pods() {
                    match pod.state {
                        PodState::Ready => ready_ids.push(pod.id),
                        PodState::Terminating(_) => draining.push(pod.id),
                        _ => {}
                    }
                }
                s.set_pods(&ready_ids, &draining, now, rec);
            }
        }
    }

    /// Whether a terminating pod (`rank`-th among terminating pods) still has work.
    pub fn draining(&self, pod: u64, rank: usize) -> bool {
        match self {
            Service::Web(s) => s.draining(rank),
            Service::Queue(_) => false,
            Service::Llm(s) => s.draining(pod),
        }
    }

    /// A pod was removed with work left (grace ran out).
    pub fn remove_pod(&mut self, pod: u64, rec: &mut Recorder) {
        if let Service::Llm(s) = self {
            s.remove_pod(pod, rec);
        }
    }

    /// Applies the downstream's effect: extra seconds per request and failure probability.
    pub fn set_downstream(&mut self, extra: f64, fail: f64) {
        match self {
            Service::Web(s) => s.set_downstream(extra, fail),
            Service::Queue(s) => s.set_downstream(fail),
            Service::Llm(_) => {}
        }
    }

    /// Requests waiting.
    pub fn queued(&self) -> u64 {
        match self {
            Service::Web(s) => s.queued(),
            Service::Queue(s) => s.queued(),
            Service::Llm(s) => s.queued(),
        }
    }

    /// Requests in service.
    pub fn in_service(&self) -> u64 {
        match self {
            Service::Web(s) => s.in_service(),
            Service::Queue(_) => 0,
            Service::Llm(s) => s.in_service(),
        }
    }

    /// The gauges over the `window` seconds ending now (resets window averages).
    pub fn scrape(&mut self, window: f64, cluster: &Cluster) -> ServiceGauges {
        let ready: Vec<u64> = cluster
            .pods()
            .iter()
            .filter(|p| p.state == PodState::Ready)
            .map(|p| p.id)
            .collect();
        let mut gauges = ServiceGauges {
            queued: self.queued(),
            in_service: self.in_service(),
            ..ServiceGauges::default()
        };
        match self {
            Service::Web(s) => {
                let cpu = s.take_cpu_utilization(window, ready.len() as u32);
                gauges.pod_cpu = ready.iter().map(|&id| (id, cpu)).collect();
            }
            Service::Queue(s) => {
                let (throughput, cpu) = s.take_throughput(window);
                gauges.throughput = throughput;
                gauges.pod_cpu = ready.iter().map(|&id| (id, cpu)).collect();
            }
            Service::Llm(s) => {
                gauges.replicas = s.take_gauges(window);
                gauges.pod_cpu = gauges
                    .replicas
                    .iter()
                    .map(|g| (g.pod, g.utilization))
                    .collect();
            }
        }
        gauges
    }
}
