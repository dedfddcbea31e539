//! An LLM inference service: replicas doing continuous batching with a KV-cache budget, a
//! least-loaded router in front, per-request TTFT and inter-token latency.
//!
//! Each replica shares its capacity the way vLLM's scheduler does: every decoding request
//! progresses at the profile's unloaded inter-token speed until together they ask for more than
//! the replica (by the saturated cost fit), when all slow by the same factor; prompts are
//! prefilled one at a time in admission order with what the decodes leave (never less than a
//! chunk's share). That reproduces both ends of the profile — unloaded latency at low rates and
//! saturated throughput at high ones — with TTFT queueing behind bursts, and is event-exact
//! between admissions and completions.

use std::collections::VecDeque;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::profile::LlmCoefficients;
use crate::load::Arrival;
use crate::metrics::Recorder;

/// `service.llm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSpec {
    /// A profile (JSON lines) to derive the replica model from, relative to the scenario.
    #[serde(default)]
    pub profile: Option<PathBuf>,
    /// The replica model given directly (instead of, or overriding, `profile`).
    #[serde(default)]
    pub coefficients: Option<LlmCoefficients>,
    /// KV-cache capacity of one replica in tokens (default 100000: Llama-2-7B on an 80 GB GPU).
    #[serde(default = "kv_default")]
    pub kv_cache_tokens: u64,
    /// Most requests batched at once (vLLM `max_num_seqs`, default 256).
    #[serde(default = "batch_default")]
    pub max_batch: u32,
    /// Requests that may wait per replica (and at the gateway) before new ones are dropped
    /// (default 1000).
    #[serde(default = "queue_default")]
    pub queue_limit: u32,
}

fn kv_default() -> u64 {
    100_000
}

fn batch_default() -> u32 {
    256
}

fn queue_default() -> u32 {
    1000
}

/// Smallest share of a replica the oldest prefill gets while decodes run (a prefill chunk).
const PREFILL_FLOOR: f64 = 0.1;

#[derive(Debug, Clone, Copy)]
struct Request {
    arrival: f64,
    input: u32,
    output: u32,
}

impl Request {
    fn kv(&self) -> u64 {
        u64::from(self.input) + u64::from(self.output)
    }
}

#[derive(Debug, Clone, Copy)]
struct Running {
    request: Request,
    // Unloaded seconds left in the current phase.
    left: f64,
    // Replica share the request asks for at unloaded speed in its current phase.
    demand: f64,
    first_token: Option<f64>,
}

#[derive(Debug)]
struct Replica {
    pod: u64,
    routable: bool,
    waiting: VecDeque<Request>,
    running: Vec<Running>,
    kv_used: u64,
    // Summed demand of the decoding requests.
    demand: f64,
    now: f64,
    busy_integral: f64,
    kv_capacity: u64,
    max_batch: usize,
}

/// Per-replica gauges as vLLM exports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReplicaGauges {
    /// The pod.
    pub pod: u64,
    /// `vllm:num_requests_waiting`.
    pub waiting: u64,
    /// `vllm:num_requests_running`.
    pub running: u64,
    /// `vllm:kv_cache_usage_perc` (0–1).
    pub kv_usage: f64,
    /// Busy share of the replica since the last scrape, percent.
    pub utilization: f64,
}

/// The state of an LLM service during a run.
#[derive(Debug)]
pub struct LlmService {
    model: LlmCoefficients,
    kv_capacity: u64,
    max_batch: usize,
    queue_limit: usize,
    replicas: Vec<Replica>,
    gateway: VecDeque<Request>,
}

impl LlmService {
    /// A service for `spec` with the replica `model`.
    pub fn new(spec: &LlmSpec, model: LlmCoefficients) -> Self {
        Self {
            model,
            kv_capacity: spec.kv_cache_tokens,
            max_batch: spec.max_batch as usize,
            queue_limit: spec.queue_limit as usize,
            replicas: Vec::new(),
            gateway: VecDeque::new(),
        }
    }

    /// The replica model.
    pub fn model(&self) -> &LlmCoefficients {
        &self.model
    }

    /// A request arrives: it goes to the routable replica with the fewest requests, to the
    /// gateway queue when none is ready, or is dropped past the queue limits or when it can never
    /// fit the KV cache.
    pub fn arrive(&mut self, arrival: &Arrival, rec: &mut Recorder) {
        rec.arrive();
        let request = Request {
            arrival: arrival.at,
            input: arrival.input_tokens,
            output: arrival.output_tokens.max(1),
        };
        if request.kv() > self.kv_capacity {
            rec.drop_requests(1);
            return;
        }
        self.route(request, arrival.at, rec);
    }

    fn route(&mut self, request: Request, now: f64, rec: &mut Recorder) {
        let target = self
            .replicas
            .iter_mut()
            .filter(|r| r.routable)
            .min_by_key(|r| r.waiting.len() + r.running.len());
        match target {
            Some(replica) if replica.waiting.len() < self.queue_limit => {
                replica.advance(now, &self.model, rec);
                replica.waiting.push_back(request);
                replica.admit(&self.model);
            }
            None if self.gateway.len() < self.queue_limit => self.gateway.push_back(request),
            // The least-loaded replica's queue, or the gateway's, is full.
            Some(_) | None => rec.drop_requests(1),
        }
    }

    /// Runs every replica up to `until`.
    pub fn advance(&mut self, until: f64, rec: &mut Recorder) {
        for replica in &mut self.replicas {
            replica.advance(until, &self.model, rec);
        }
    }

    /// Brings the replica set in line with the cluster: `ready` pods take traffic, others stop
    /// taking it and drain; the gateway queue is flushed onto new replicas.
    pub fn set_pods(&mut self, ready: &[u64], draining: &[u64], now: f64, rec: &mut Recorder) {
        for replica in &mut self.replicas {
            replica.routable = ready.contains(&replica.pod);
        }
        self.replicas
            .retain(|r| r.routable || draining.contains(&r.pod));
        for &pod in ready {
            if !self.replicas.iter().any(|r| r.pod == pod) {
                self.replicas.push(Replica {
                    pod,
                    routable: true,
                    waiting: VecDeque::new(),
                    running: Vec::new(),
                    kv_used: 0,
                    demand: 0.0,
                    now,
                    busy_integral: 0.0,
                    kv_capacity: self.kv_capacity,
                    max_batch: self.max_batch,
                });
            }
        }
        if self.replicas.iter().any(|r| r.routable) {
            while let Some(request) = self.gateway.pop_front() {
                self.route(request, now, rec);
            }
        }
    }

    /// Whether the pod still has requests to finish.
    pub fn draining(&self, pod: u64) -> bool {
        self.replicas
            .iter()
            .any(|r| r.pod == pod && (!r.waiting.is_empty() || !r.running.is_empty()))
    }

    /// Removes a pod whose grace ran out, dropping what it still held.
    pub fn remove_pod(&mut self, pod: u64, rec: &mut Recorder) {
        if let Some(index) = self.replicas.iter().position(|r| r.pod == pod) {
            let replica = self.replicas.remove(index);
            rec.drop_requests((replica.waiting.len() + replica.running.len()) as u64);
        }
    }

    /// Requests waiting (gateway and replicas).
    pub fn queued(&self) -> u64 {
        (self.gateway.len() + self.replicas.iter().map(|r| r.waiting.len()).sum::<usize>()) as u64
    }

    /// Requests running in batches.
    pub fn in_service(&self) -> u64 {
        self.replicas.iter().map(|r| r.running.len() as u64).sum()
    }

    /// The gauges of every routable replica over the `window` seconds ending now; resets the
    /// utilisation averages.
    pub fn take_gauges(&mut self, window: f64) -> Vec<ReplicaGauges> {
        let kv = self.kv_capacity as f64;
        self.replicas
            .iter_mut()
            .filter(|r| r.routable)
            .map(|r| {
                let utilization = if window > 0.0 {
                    100.0 * r.busy_integral / window
                } else {
                    0.0
                };
                r.busy_integral = 0.0;
                ReplicaGauges {
                    pod: r.pod,
                    waiting: r.waiting.len() as u64,
                    running: r.running.len() as u64,
                    kv_usage: r.kv_used as f64 / kv,
                    utilization: utilization.min(100.0),
                }
            })
            .collect()
    }
}

impl Replica {
    fn admit(&mut self, model: &LlmCoefficients) {
        while self.running.len() < self.max_batch {
            let Some(next) = self.waiting.front() else {
                break;
            };
            if self.kv_used + next.kv() > self.kv_capacity {
                break;
            }
            let request = self.waiting.pop_front().expect("front exists");
            self.kv_used += request.kv();
            let input = f64::from(request.input);
            let left = model.ttft(input);
            let demand = model.work_per_input_token * input / left;
            self.running.push(Running {
                request,
                left,
                demand,
                first_token: None,
            });
        }
    }

    fn advance(&mut self, until: f64, model: &LlmCoefficients, rec: &mut Recorder) {
        while self.now < until {
            if self.running.is_empty() {
                self.now = until;
                return;
            }
            // Decodes go first (as vLLM schedules them); the oldest prefill gets what is left,
            // and at least a chunk's share so prompts never starve behind long generations.
            let head = self.running.iter().position(|r| r.first_token.is_none());
            let decode = self.demand;
            let (prefill_share, decode_rate) = match head {
                Some(h) => {
                    let share = (1.0 - decode)
                        .clamp(PREFILL_FLOOR, 1.0)
                        .min(self.running[h].demand.max(1e-9));
                    let room = 1.0 - share;
                    (share, if decode > room { room / decode } else { 1.0 })
                }
                None => (0.0, if decode > 1.0 { 1.0 / decode } else { 1.0 }),
            };
            let prefill_rate =
                head.map_or(0.0, |h| prefill_share / self.running[h].demand.max(1e-9));
            let mut soonest = f64::INFINITY;
            for (i, r) in self.running.iter().enumerate() {
                let rate = if r.first_token.is_some() {
                    decode_rate
                } else if Some(i) == head {
                    prefill_rate
                } else {
                    0.0
                };
                if rate > 0.0 {
                    soonest = soonest.min(r.left / rate);
                }
            }
            let step = soonest.min(until - self.now);
            self.busy_integral += step * (prefill_share + decode * decode_rate).min(1.0);
            self.now += step;
            let mut index = 0;
            while index < self.running.len() {
                let running = &mut self.running[index];
                let rate = if running.first_token.is_some() {
                    decode_rate
                } else if Some(index) == head {
                    prefill_rate
                } else {
                    0.0
                };
                running.left -= step * rate;
                if rate == 0.0 || running.left > 1e-12 {
                    index += 1;
                    continue;
                }
                let input = f64::from(running.request.input);
                match running.first_token {
                    None if running.request.output > 1 => {
                        // Prefill done: the first token is out, decoding starts.
                        running.first_token = Some(self.now);
                        let itl = model.itl(input);
                        running.left = itl * f64::from(running.request.output - 1);
                        running.demand = (model.work_per_output_token
                            + model.work_per_output_input_token * input)
                            / itl;
                        self.demand += running.demand;
                        index += 1;
                    }
                    first => {
                        if first.is_some() {
                            self.demand -= running.demand;
                        }
                        let request = running.request;
                        let first = first.unwrap_or(self.now);
                        let ttft = first - request.arrival;
                        let itl = if request.output > 1 {
                            (self.now - first) / f64::from(request.output - 1)
                        } else {
                            0.0
                        };
                        rec.complete(self.now - request.arrival, Some(ttft), Some(itl));
                        self.kv_used -= request.kv();
                        // `remove`, not `swap_remove`: admission order decides the next prefill.
                        self.running.remove(index);
                    }
                }
            }
            if self.running.is_empty() {
                // Keep rounding drift of the summed demand from accumulating.
                self.demand = 0.0;
            }
            self.admit(model);
        }
    }
}
