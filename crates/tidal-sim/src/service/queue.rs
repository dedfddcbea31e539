//! A queue consumer: messages pile up in a broker queue and each ready replica drains a fixed
//! number per second, like a worker pool behind RabbitMQ, SQS or Kafka.
//!
//! Messages are kept as FIFO cohorts (arrival time, count), so a week-long backlog of millions
//! costs a handful of entries and each message still gets its own time in queue.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::load::Arrival;
use crate::metrics::Recorder;

/// `service.queue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Messages one replica processes per second.
    pub rate_per_replica: f64,
    /// Messages the broker holds before rejecting new ones (default: no limit).
    #[serde(default)]
    pub queue_limit: Option<u64>,
}

/// The state of a queue consumer during a run.
#[derive(Debug)]
pub struct QueueService {
    rate: f64,
    limit: u64,
    backlog: VecDeque<(f64, u64)>,
    length: u64,
    ready: u32,
    now: f64,
    carry: f64,
    processed: f64,
    capacity_used: f64,
    capacity_offered: f64,
    fail: f64,
    fail_carry: f64,
}

impl QueueService {
    /// A consumer for `spec`.
    pub fn new(spec: &QueueSpec) -> Self {
        Self {
            rate: spec.rate_per_replica,
            limit: spec.queue_limit.unwrap_or(u64::MAX),
            backlog: VecDeque::new(),
            length: 0,
            ready: 0,
            now: 0.0,
            carry: 0.0,
            processed: 0.0,
            capacity_used: 0.0,
            capacity_offered: 0.0,
            fail: 0.0,
            fail_carry: 0.0,
        }
    }

    /// Drains the backlog up to `until` at the current ready replicas.
    pub fn advance(&mut self, until: f64, rec: &mut Recorder) {
        let dt = until - self.now;
        if dt <= 0.0 {
            return;
        }
        let offered = f64::from(self.ready) * self.rate * dt;
        self.capacity_offered += offered;
        let mut budget = offered + self.carry;
        let mut taken = 0u64;
        while budget >= 1.0 {
            let Some(&(arrived, count)) = self.backlog.front() else {
                break;
            };
            let take = count.min(budget.floor() as u64);
            // Messages of a cohort finish spread over the step; charge the step's end.
            let latency = (until - arrived).max(0.0);
            let failed = self.failures(take);
            rec.complete_many(latency, take - failed);
            for _ in 0..failed {
                rec.fail();
            }
            taken += take;
            budget -= take as f64;
            if take == count {
                self.backlog.pop_front();
            } else if let Some(front) = self.backlog.front_mut() {
                front.1 -= take;
            }
        }
        self.length -= taken;
        self.processed += taken as f64;
        self.capacity_used += taken as f64;
        // Unused capacity is not banked beyond a fraction of a message.
        self.carry = if self.backlog.is_empty() {
            0.0
        } else {
            budget.min(1.0)
        };
        self.now = until;
    }

    fn failures(&mut self, count: u64) -> u64 {
        // Deterministic share of failures: the fractional remainder carries over.
        self.fail_carry += count as f64 * self.fail;
        let failed = self.fail_carry.floor();
        self.fail_carry -= failed;
        (failed as u64).min(count)
    }

    /// A message arrives.
    pub fn arrive(&mut self, request: &Arrival, rec: &mut Recorder) {
        rec.arrive();
        if self.length >= self.limit {
            rec.drop_requests(1);
            return;
        }
        self.length += 1;
        match self.backlog.back_mut() {
            Some(back) if request.at - back.0 < 1.0 => back.1 += 1,
            _ => self.backlog.push_back((request.at, 1)),
        }
    }

    /// Sets the number of ready replicas.
    pub fn set_ready(&mut self, ready: u32) {
        self.ready = ready;
    }

    /// Sets the probability a message fails because of the downstream.
    pub fn set_downstream(&mut self, fail: f64) {
        self.fail = fail;
    }

    /// Messages waiting.
    pub fn queued(&self) -> u64 {
        self.length
    }

    /// Messages processed per second since the last call, and CPU utilisation (busy share of
    /// the offered capacity, in percent); resets both.
    pub fn take_throughput(&mut self, window: f64) -> (f64, f64) {
        let rate = if window > 0.0 {
            self.processed / window
        } else {
            0.0
        };
        let busy = if self.capacity_offered > 0.0 {
            100.0 * self.capacity_used / self.capacity_offered
        } else {
            0.0
        };
        self.processed = 0.0;
        self.capacity_used = 0.0;
        self.capacity_offered = 0.0;
        (rate, busy)
    }
}
