//! Tidal's Kubernetes operator.
//!
//! The edge where Tidal meets a cluster: watches feed plain indexes, one scale loop per
//! ScaledObject samples its triggers through `tidal-scalers`, asks `tidal-core`'s engine for a
//! decision, and writes `/scale`, status and Events — only while this replica holds the Lease.
//! Everything that can be decided without IO (leader election, scale-target claims, pause
//! annotations, status conditions) is a sans-IO module tested without a cluster; the async
//! modules only move data between the apiserver and those.

pub mod constants;
pub mod controller;
pub mod index;
pub mod lease;
pub mod runtime;
pub mod status;
pub mod target;
pub mod telemetry;

pub use runtime::{Settings, run};
