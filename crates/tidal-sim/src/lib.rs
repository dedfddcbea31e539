//! Tidal's simulator: rehearse a ScaledObject (or a baseline autoscaler) on recorded or
//! synthetic load in virtual time, and see what it does to latency, cost and everything behind
//! the service.
//!
//! The simulator is the second driver of Tidal's decision engine: ScaledObject policies call the
//! very `tidal-core` code the operator runs, so every figure it reports is a figure about the
//! product. Its core is sans-IO and deterministic — virtual time, seeded randomness — with file
//! reading (traces, series, profiles, scenarios) and report writing at the edge.
//!
//! Layout: [`load`] turns traces, series and shapes into arrivals; [`cluster`] turns replica
//! decisions into pods and nodes; [`service`] and [`downstream`] turn arrivals into latency,
//! drops and database load; [`signals`] is what scalers see; [`policy`] and [`engine`] decide;
//! [`run`] ties one run together; [`compare`] runs many; [`summary`] and [`report`] present them.

pub mod cluster;
pub mod compare;
pub mod dist;
pub mod downstream;
pub mod engine;
pub mod erlang;
pub mod error;
pub mod histogram;
pub mod load;
pub mod metrics;
pub mod needs;
pub mod policy;
pub mod report;
pub mod run;
pub mod scenario;
pub mod service;
pub mod signals;
pub mod span;
pub mod summary;

pub use compare::{Comparison, compare};
pub use error::{Error, Result};
pub use scenario::{PolicySpec, Prepared, Scenario};
pub use span::Span;
