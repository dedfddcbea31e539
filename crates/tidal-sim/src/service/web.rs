//! A request/response service: replicas with a fixed number of concurrent workers each, one FIFO
//! queue in front (the load balancer's), drops past a queue limit.
//!
//! With exponential service times this is exactly an M/M/c queue whose `c` moves with the ready
//! replicas, which is what lets the tests hold it to Erlang C. Scheduling is event-exact: every
//! completion happens at its own virtual time, not at step boundaries.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dist::{Dist, unit};
use crate::load::Arrival;
use crate::metrics::Recorder;
use crate::span::Span;

/// `service.web`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSpec {
    /// Requests one replica serves at once.
    pub concurrency: u32,
    /// Time one worker spends on a request (before any downstream wait).
    pub service_time: Dist<Span>,
    /// Requests that may wait in the queue before new ones are dropped (default 10000).
    #[serde(default = "ten_thousand")]
    pub queue_limit: u32,
    /// CPU cores a pod requests; utilisation is measured against it (default 1).
    #[serde(default = "one")]
    pub cpu_request: f64,
    /// CPU cores an idle pod uses (default 0.05).
    #[serde(default = "idle_cpu")]
    pub cpu_idle: f64,
    /// CPU cores one busy worker uses (default 1 ÷ concurrency: a full pod uses one core).
    #[serde(default)]
    pub cpu_per_request: Option<f64>,
}

fn ten_thousand() -> u32 {
    10_000
}

fn one() -> f64 {
    1.0
}

fn idle_cpu() -> f64 {
    0.05
}

/// The state of a request/response service during a run.
#[derive(Debug)]
pub struct WebService {
    concurrency: u32,
    queue_limit: usize,
    capacity: u32,
    busy: u32,
    queue: VecDeque<(f64, f64)>,
    // (completion time bits, arrival time bits): non-negative f64 bits order like the numbers.
    running: BinaryHeap<Reverse<(u64, u64)>>,
    now: f64,
    busy_integral: f64,
    cpu: (f64, f64, f64),
    extra: f64,
    fail: f64,
    rng: ChaCha8Rng,
}

impl WebService {
    /// A service for `spec`, its downstream failure draws seeded by `seed`.
    pub fn new(spec: &WebSpec, seed: u64) -> Self {
        let per_request = spec
            .cpu_per_request
            .unwrap_or(1.0 / f64::from(spec.concurrency.max(1)));
        Self {
            concurrency: spec.concurrency,
            queue_limit: spec.queue_limit as usize,
            capacity: 0,
            busy: 0,
            queue: VecDeque::new(),
            running: BinaryHeap::new(),
            now: 0.0,
            busy_integral: 0.0,
            cpu: (spec.cpu_request, spec.cpu_idle, per_request),
            extra: 0.0,
            fail: 0.0,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0DB0_0DB0),
        }
    }

    fn tick_to(&mut self, t: f64) {
        self.busy_integral += f64::from(self.busy) * (t - self.now);
        self.now = t;
    }

    fn start(&mut self, arrival: f64, work: f64) {
        self.busy += 1;
        let done = self.now + work + self.extra;
        self.running
            .push(Reverse((done.to_bits(), arrival.to_bits())));
    }

    /// Processes completions up to `until`.
    pub fn advance(&mut self, until: f64, rec: &mut Recorder) {
        while let Some(&Reverse((done, arrival))) = self.running.peek() {
            let done = f64::from_bits(done);
            if done > until {
                break;
            }
            self.running.pop();
            self.tick_to(done);
            self.busy -= 1;
            rec.complete(done - f64::from_bits(arrival), None, None);
            if self.busy < self.capacity
                && let Some((arrived, work)) = self.queue.pop_front()
            {
                self.start(arrived, work);
            }
        }
        self.tick_to(until);
    }

    /// A request arrives (the service must have been advanced to its time).
    pub fn arrive(&mut self, request: &Arrival, rec: &mut Recorder) {
        rec.arrive();
        self.tick_to(request.at.max(self.now));
        if self.fail > 0.0 && unit(&mut self.rng) < self.fail {
            rec.fail();
        } else if self.busy < self.capacity && self.queue.is_empty() {
            self.start(request.at, request.work);
        } else if self.queue.len() < self.queue_limit {
            self.queue.push_back((request.at, request.work));
        } else {
            rec.drop_requests(1);
        }
    }

    /// Sets the number of ready replicas and starts queued requests on new workers.
    pub fn set_ready(&mut self, ready: u32) {
        self.capacity = ready * self.concurrency;
        while self.busy < self.capacity {
            let Some((arrived, work)) = self.queue.pop_front() else {
                break;
            };
            self.start(arrived, work);
        }
    }

    /// Whether the terminating pod of this `rank` still holds in-flight requests: workers busy
    /// beyond the ready capacity belong to draining pods.
    pub fn draining(&self, rank: usize) -> bool {
        let excess = self.busy.saturating_sub(self.capacity);
        rank < excess.div_ceil(self.concurrency.max(1)) as usize
    }

    /// Sets the downstream effect: extra seconds per request and the probability it fails.
    pub fn set_downstream(&mut self, extra: f64, fail: f64) {
        self.extra = extra;
        self.fail = fail;
    }

    /// Requests waiting.
    pub fn queued(&self) -> u64 {
        self.queue.len() as u64
    }

    /// Requests in service.
    pub fn in_service(&self) -> u64 {
        u64::from(self.busy)
    }

    /// CPU utilisation (percent of request) of a ready pod averaged over the `window` seconds
    /// ending now, and resets the average.
    pub fn take_cpu_utilization(&mut self, window: f64, ready: u32) -> f64 {
        let busy = if window > 0.0 {
            self.busy_integral / window
        } else {
            f64::from(self.busy)
        };
        self.busy_integral = 0.0;
        let (request, idle, per_request) = self.cpu;
        if ready == 0 {
            return 0.0;
        }
        100.0 * (idle + busy / f64::from(ready) * per_request) / request
    }
}
