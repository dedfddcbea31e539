//! Leader election through a `coordination.k8s.io/v1` Lease.
//!
//! Every replica of the operator watches and samples (warm caches, warm engine state), but only
//! the lease holder writes `/scale`, status and Events. kube-rs has no elector, so this module
//! provides one in two halves: [`Elector`], a sans-IO state machine that decides what to write to
//! the Lease given what was read and the clock, and [`run`], the async driver that reads and
//! writes the Lease and publishes [`Leadership`] on a watch channel.
//!
//! Expiry is judged on the local monotonic clock from the moment a replica last saw the Lease
//! record change (as client-go does), never by comparing another machine's `renewTime` with ours,
//! so clock skew between replicas cannot cause two leaders. A leader that cannot renew within
//! `renew_deadline` stops writing before any other replica may take over (`lease_duration`).

mod driver;
mod elector;

pub use driver::{Leadership, run};
pub use elector::{Elector, Step, Timings};

/// Errors of leader election.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The timings cannot give a safe election.
    #[error(
        "invalid leader election timings: {0}; the lease duration must exceed the renew deadline, \
         which must exceed the retry period, and all must be at least 1 second"
    )]
    Timings(String),
}

/// Result of leader election operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
