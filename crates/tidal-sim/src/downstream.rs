//! A database behind the service: a connection limit shared by every pod's pool, a query
//! capacity, latency that climbs with utilisation, and errors past either limit.
//!
//! This is the cost of scaling out that a replica count alone hides: each new pod opens its
//! pool, and each served request fans out into queries. The database's latency feeds back into
//! the service time of the front tier, so a policy that overloads it pays in its own SLO too.

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// `downstream.database`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Connections the database accepts (`max_connections`).
    pub max_connections: u32,
    /// Connections each pod's pool opens when it starts.
    pub pool_per_replica: u32,
    /// Queries per served request (fan-out).
    pub queries_per_request: f64,
    /// Queries per second the database serves before it saturates.
    pub capacity_qps: f64,
    /// Query latency when idle (default 2ms).
    #[serde(default = "two_ms")]
    pub base_latency: Span,
    /// Query latency above which the database counts as breached (default 50ms).
    #[serde(default = "fifty_ms")]
    pub latency_budget: Span,
}

fn two_ms() -> Span {
    Span(0.002)
}

fn fifty_ms() -> Span {
    Span(0.05)
}

/// The downstream's state over one step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DownstreamState {
    /// Connections the pods try to hold.
    pub connections: u32,
    /// Queries per second offered.
    pub qps: f64,
    /// Offered queries ÷ capacity.
    pub utilization: f64,
    /// Query latency, seconds.
    pub latency: f64,
    /// Probability a request fails (no connection, or query rejected past capacity).
    pub failure: f64,
    /// Whether a limit or the latency budget was exceeded.
    pub breach: bool,
}

impl DatabaseSpec {
    /// The database's state when `pods` pods hold pools and `requests_per_second` are served.
    pub fn state(&self, pods: u32, requests_per_second: f64) -> DownstreamState {
        let connections = pods * self.pool_per_replica;
        let qps = requests_per_second * self.queries_per_request;
        let utilization = if self.capacity_qps > 0.0 {
            qps / self.capacity_qps
        } else {
            0.0
        };
        // M/M/1-like growth, bounded so an overloaded database is slow rather than infinite.
        let latency = self.base_latency.secs() / (1.0 - utilization.min(0.95));
        let no_connection = if connections > self.max_connections {
            f64::from(connections - self.max_connections) / f64::from(connections)
        } else {
            0.0
        };
        let rejected = if utilization > 1.0 {
            1.0 - 1.0 / utilization
        } else {
            0.0
        };
        let failure = 1.0 - (1.0 - no_connection) * (1.0 - rejected);
        let breach = connections > self.max_connections
            || utilization > 1.0
            || latency > self.latency_budget.secs();
        DownstreamState {
            connections,
            qps,
            utilization,
            latency,
            failure,
            breach,
        }
    }

    /// Extra seconds a request spends on its queries at `state`.
    pub fn extra_latency(&self, state: &DownstreamState) -> f64 {
        self.queries_per_request * state.latency
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseSpec;
    use crate::span::Span;

    fn db() -> DatabaseSpec {
        DatabaseSpec {
            max_connections: 100,
            pool_per_replica: 10,
            queries_per_request: 2.0,
            capacity_qps: 1000.0,
            base_latency: Span(0.002),
            latency_budget: Span(0.02),
        }
    }

    #[test]
    fn latency_climbs_with_load_and_limits_breach() {
        let idle = db().state(2, 0.0);
        assert!((idle.latency - 0.002).abs() < 1e-12 && !idle.breach);
        let busy = db().state(5, 400.0);
        assert!((busy.utilization - 0.8).abs() < 1e-12);
        assert!((busy.latency - 0.01).abs() < 1e-12 && !busy.breach);
        let crowded = db().state(20, 100.0);
        assert!(crowded.breach);
        assert!(
            (crowded.failure - 0.5).abs() < 1e-12,
            "half the pods get no connection"
        );
        let overloaded = db().state(5, 1000.0);
        assert!(overloaded.breach && (overloaded.failure - 0.5).abs() < 1e-12);
    }
}
