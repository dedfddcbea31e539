//! What a run measures: every request's fate judged against the SLO, latency histograms, and a
//! per-minute timeline for the report.
//!
//! Services report completions, drops and failures here as they happen in virtual time; the
//! run loop closes each minute with the cluster's and downstream's state, so the summary and the
//! charts come from one ledger.

use serde::Serialize;

use crate::histogram::Histogram;

/// Latency objectives of a scenario, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// End-to-end latency bound per request.
    pub latency: Option<f64>,
    /// Time-to-first-token bound per request.
    pub ttft: Option<f64>,
    /// Mean inter-token latency bound per request.
    pub itl: Option<f64>,
    /// Share of requests in a minute that must be good for the minute to count as good.
    pub objective: f64,
}

/// One minute of a run, as drawn in the report.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Minute {
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests completed.
    pub served: u64,
    /// Requests dropped at a queue limit or by a cut-short drain.
    pub dropped: u64,
    /// Requests failed by the downstream.
    pub failed: u64,
    /// Requests that missed the SLO (including dropped and failed).
    pub bad: u64,
    /// 95th percentile latency of completions (TTFT for LLM services), seconds.
    pub p95: f64,
    /// Replicas asked for at the end of the minute.
    pub desired: u32,
    /// Ready replicas at the end of the minute.
    pub ready: u32,
    /// Pods billed at the end of the minute (scheduled, ready or draining).
    pub billed: u32,
    /// Replicas the oracle deems necessary this minute.
    pub needed: u32,
    /// Downstream database utilisation (queries ÷ capacity), peak of the minute.
    pub db_utilization: f64,
    /// Downstream database connections, peak of the minute.
    pub db_connections: u32,
    /// Whether the downstream database breached a limit during the minute.
    pub db_breach: bool,
}

impl Minute {
    /// Whether the minute missed the SLO objective.
    pub fn violated(&self, objective: f64) -> bool {
        let judged = self.served + self.dropped + self.failed;
        judged > 0 && (self.bad as f64) > (1.0 - objective) * judged as f64 + 1e-9
    }
}

/// The ledger of one run.
#[derive(Debug)]
pub struct Recorder {
    slo: Slo,
    /// Requests that arrived.
    pub arrived: u64,
    /// Requests completed.
    pub served: u64,
    /// Requests dropped.
    pub dropped: u64,
    /// Requests failed by the downstream.
    pub failed: u64,
    /// Requests that missed the SLO.
    pub bad: u64,
    /// End-to-end latency of completed requests.
    pub latency: Histogram,
    /// Time to first token (LLM services).
    pub ttft: Histogram,
    /// Mean inter-token latency per request (LLM services).
    pub itl: Histogram,
    /// Latency of completions since the last scrape (for latency signals).
    pub window_latency: Histogram,
    /// TTFT since the last scrape.
    pub window_ttft: Histogram,
    /// ITL since the last scrape.
    pub window_itl: Histogram,
    /// Arrivals since the last scrape.
    pub window_arrivals: u64,
    minute: Minute,
    minute_latency: Histogram,
    /// Closed minutes.
    pub minutes: Vec<Minute>,
}

impl Recorder {
    /// An empty ledger judging against `slo`.
    pub fn new(slo: Slo) -> Self {
        Self {
            slo,
            arrived: 0,
            served: 0,
            dropped: 0,
            failed: 0,
            bad: 0,
            latency: Histogram::fine(),
            ttft: Histogram::fine(),
            itl: Histogram::fine(),
            window_latency: Histogram::coarse(),
            window_ttft: Histogram::coarse(),
            window_itl: Histogram::coarse(),
            window_arrivals: 0,
            minute: Minute::default(),
            minute_latency: Histogram::coarse(),
            minutes: Vec::new(),
        }
    }

    /// A request arrived.
    pub fn arrive(&mut self) {
        self.arrived += 1;
        self.window_arrivals += 1;
        self.minute.arrivals += 1;
    }

    /// A request completed after `latency` seconds (with its TTFT and ITL for LLM services).
    pub fn complete(&mut self, latency: f64, ttft: Option<f64>, itl: Option<f64>) {
        self.served += 1;
        self.minute.served += 1;
        self.latency.record(latency);
        self.window_latency.record(latency);
        let mut bad = self.slo.latency.is_some_and(|l| latency > l);
        if let Some(t) = ttft {
            self.ttft.record(t);
            self.window_ttft.record(t);
            self.minute_latency.record(t);
            bad |= self.slo.ttft.is_some_and(|l| t > l);
        } else {
            self.minute_latency.record(latency);
        }
        if let Some(i) = itl {
            self.itl.record(i);
            self.window_itl.record(i);
            bad |= self.slo.itl.is_some_and(|l| i > l);
        }
        if bad {
            self.bad += 1;
            self.minute.bad += 1;
        }
    }

    /// `count` requests completed after the same `latency` (a drained queue cohort).
    pub fn complete_many(&mut self, latency: f64, count: u64) {
        self.served += count;
        self.minute.served += count;
        self.latency.record_n(latency, count);
        self.window_latency.record_n(latency, count);
        self.minute_latency.record_n(latency, count);
        if self.slo.latency.is_some_and(|l| latency > l) {
            self.bad += count;
            self.minute.bad += count;
        }
    }

    /// `count` requests were dropped.
    pub fn drop_requests(&mut self, count: u64) {
        self.dropped += count;
        self.minute.dropped += count;
        self.bad += count;
        self.minute.bad += count;
    }

    /// A request failed because of the downstream.
    pub fn fail(&mut self) {
        self.failed += 1;
        self.minute.failed += 1;
        self.bad += 1;
        self.minute.bad += 1;
    }

    /// Clears the per-scrape windows.
    pub fn clear_window(&mut self) {
        self.window_latency.clear();
        self.window_ttft.clear();
        self.window_itl.clear();
        self.window_arrivals = 0;
    }

    /// Notes the downstream state of one step into the open minute.
    pub fn note_downstream(&mut self, utilization: f64, connections: u32, breach: bool) {
        self.minute.db_utilization = self.minute.db_utilization.max(utilization);
        self.minute.db_connections = self.minute.db_connections.max(connections);
        self.minute.db_breach |= breach;
    }

    /// Closes the open minute with the cluster state at its end.
    pub fn close_minute(&mut self, desired: u32, ready: u32, billed: u32, needed: u32) {
        let mut minute = std::mem::take(&mut self.minute);
        minute.p95 = self.minute_latency.quantile(0.95);
        minute.desired = desired;
        minute.ready = ready;
        minute.billed = billed;
        minute.needed = needed;
        self.minute_latency.clear();
        self.minutes.push(minute);
    }

    /// The SLO this ledger judges against.
    pub fn slo(&self) -> Slo {
        self.slo
    }
}

#[cfg(test)]
mod tests {
    use super::{Recorder, Slo};

    #[test]
    fn judges_requests_and_minutes_against_the_slo() {
        let slo = Slo {
            latency: Some(1.0),
            ttft: None,
            itl: None,
            objective: 0.9,
        };
        let mut rec = Recorder::new(slo);
        for _ in 0..9 {
            rec.arrive();
            rec.complete(0.5, None, None);
        }
        rec.arrive();
        rec.complete(2.0, None, None);
        rec.close_minute(1, 1, 1, 1);
        assert!(
            !rec.minutes[0].violated(0.9),
            "exactly 10 % bad meets a 90 % objective"
        );
        rec.arrive();
        rec.drop_requests(1);
        rec.complete_many(0.1, 3);
        rec.close_minute(1, 1, 1, 1);
        assert!(rec.minutes[1].violated(0.9));
        assert_eq!((rec.bad, rec.served, rec.dropped), (2, 13, 1));
    }
}
