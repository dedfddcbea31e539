//! Test support for Tidal's end-to-end suite: the real operator binary against the real local
//! control plane (`scripts/cluster.sh`), with trigger values served by a loopback HTTP server.
//!
//! Each test gets its own namespace, its own leader election Lease and its own operator
//! process watching only that namespace, so tests run in parallel without seeing each other.
//! `scripts/test-e2e.sh` brings the cluster up, installs the CRDs and RBAC, writes the
//! ServiceAccount kubeconfig and exports the variables [`Env::load`] reads.

pub mod cluster;
pub mod external_server;
pub mod metric_server;
mod objects;
pub mod operator;
pub mod scenario;
pub mod services;
pub mod wait;

pub use cluster::{Env, TestNamespace};
pub use external_server::ExternalScaler;
pub use metric_server::MetricServer;
pub use operator::Operator;
pub use scenario::Scenario;
pub use services::{Exporter, Redis};
pub use wait::{ReplicaRecorder, wait_until};
