//! The sans-IO half of leader election: what to write to the Lease, and whether we lead.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::LeaseSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;

use super::{Error, Result};

/// How long a lease lasts and how often it is renewed.
///
/// The defaults are KEDA's (and controller-runtime's): 15 s, 10 s, 2 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// How long followers wait after the last observed change of the Lease before taking over.
    pub lease_duration: Duration,
    /// How long a leader keeps writing after its last successful renewal.
    pub renew_deadline: Duration,
    /// How often every replica reads (and the leader renews) the Lease.
    pub retry_period: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

impl Timings {
    /// Checks that a leader always stops writing before a follower may take over.
    ///
    /// # Errors
    ///
    /// [`Error::Timings`] when `lease_duration <= renew_deadline`, `renew_deadline <=
    /// retry_period`, or any timing is under one second (Lease durations are whole seconds).
    pub fn validate(&self) -> Result<()> {
        let Self {
            lease_duration,
            renew_deadline,
            retry_period,
        } = *self;
        if retry_period < Duration::from_secs(1) {
            return Err(Error::Timings(format!(
                "retry period {retry_period:?} is under 1s"
            )));
        }
        if renew_deadline <= retry_period {
            return Err(Error::Timings(format!(
                "renew deadline {renew_deadline:?} is not longer than the retry period {retry_period:?}"
            )));
        }
        if lease_duration <= renew_deadline {
            return Err(Error::Timings(format!(
                "lease duration {lease_duration:?} is not longer than the renew deadline {renew_deadline:?}"
            )));
        }
        Ok(())
    }

    fn lease_duration_seconds(&self) -> i32 {
        i32::try_from(self.lease_duration.as_secs().max(1)).unwrap_or(i32::MAX)
    }
}

/// What the driver must do after reading the Lease.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// No Lease exists: create this one (fails harmlessly if another replica was faster).
    Create(LeaseSpec),
    /// Write this spec over the Lease read, with its resourceVersion (optimistic concurrency).
    Update(LeaseSpec),
    /// Another replica holds a live lease: do nothing until the next retry.
    Wait,
}

/// The part of a Lease that proves its holder is alive: any change restarts the expiry clock.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    holder: Option<String>,
    renew_time: Option<Timestamp>,
    acquire_time: Option<Timestamp>,
    transitions: Option<i32>,
}

impl Record {
    fn of(spec: &LeaseSpec) -> Self {
        Self {
            holder: spec.holder_identity.clone().filter(|h| !h.is_empty()),
            renew_time: spec.renew_time.as_ref().map(|t| t.0),
            acquire_time: spec.acquire_time.as_ref().map(|t| t.0),
            transitions: spec.lease_transitions,
        }
    }
}

/// The leader election state machine of one replica.
#[derive(Debug, Clone)]
pub struct Elector {
    identity: String,
    timings: Timings,
    /// The last Lease record seen and when (local monotonic clock) it was first seen.
    observed: Option<(Record, Instant)>,
    /// When our last write making us the holder succeeded.
    renewed_at: Option<Instant>,
}

impl Elector {
    /// An elector for `identity` (unique per replica, e.g. the pod name).
    ///
    /// # Errors
    ///
    /// [`Error::Timings`] when the timings are unsafe (see [`Timings::validate`]).
    pub fn new(identity: impl Into<String>, timings: Timings) -> Result<Self> {
        timings.validate()?;
        Ok(Self {
            identity: identity.into(),
            timings,
            observed: None,
            renewed_at: None,
        })
    }

    /// This replica's identity, as written to `spec.holderIdentity`.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The timings this elector was built with.
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// Decides what to write given the Lease just read (`None` when it does not exist).
    ///
    /// `now` is the local monotonic clock; `wall` the wall clock written into the Lease for
    /// humans and other tools (never used to judge expiry).
    pub fn plan(&mut self, current: Option<&LeaseSpec>, now: Instant, wall: Timestamp) -> Step {
        let Some(spec) = current else {
            return Step::Create(self.acquired(None, wall));
        };
        let record = Record::of(spec);
        if self
            .observed
            .as_ref()
            .is_none_or(|(seen, _)| *seen != record)
        {
            self.observed = Some((record.clone(), now));
        }
        match record.holder.as_deref() {
            Some(holder) if holder == self.identity => Step::Update(LeaseSpec {
                holder_identity: Some(self.identity.clone()),
                lease_duration_seconds: Some(self.timings.lease_duration_seconds()),
                acquire_time: spec.acquire_time.clone().or(Some(MicroTime(wall))),
                renew_time: Some(MicroTime(wall)),
                lease_transitions: spec.lease_transitions.or(Some(0)),
                ..spec.clone()
            }),
            None => Step::Update(self.acquired(Some(spec), wall)),
            Some(_) => {
                // Someone else holds it: we do not lead, whatever we thought.
                self.renewed_at = None;
                let their_duration = spec
                    .lease_duration_seconds
                    .and_then(|s| u64::try_from(s).ok())
                    .map_or(self.timings.lease_duration, Duration::from_secs);
                let seen_at = self.observed.as_ref().map_or(now, |(_, at)| *at);
                if now.saturating_duration_since(seen_at) >= their_duration {
                    Step::Update(self.acquired(Some(spec), wall))
                } else {
                    Step::Wait
                }
            }
        }
    }

    /// Records that the write planned at `now` succeeded: we hold the lease until the deadline.
    pub fn written(&mut self, spec: &LeaseSpec, now: Instant) {
        self.observed = Some((Record::of(spec), now));
        self.renewed_at = Some(now);
    }

    /// Records that a planned write failed (conflict or apiserver error). Leadership is kept
    /// until the renew deadline passes, so one lost request does not stop scaling.
    pub fn write_failed(&mut self, now: Instant) {
        if !self.is_leader(now) {
            self.renewed_at = None;
        }
    }

    /// Whether this replica may write at `now`: it renewed within the renew deadline.
    pub fn is_leader(&self, now: Instant) -> bool {
        self.renewed_at
            .is_some_and(|at| now.saturating_duration_since(at) < self.timings.renew_deadline)
    }

    /// The spec that hands the lease over at shutdown, when we hold it: no holder and a
    /// one-second duration, so a follower takes over on its next retry instead of waiting out
    /// the lease.
    pub fn release(&mut self, current: &LeaseSpec, wall: Timestamp) -> Option<LeaseSpec> {
        self.renewed_at = None;
        (current.holder_identity.as_deref() == Some(self.identity.as_str())).then(|| LeaseSpec {
            holder_identity: None,
            lease_duration_seconds: Some(1),
            renew_time: Some(MicroTime(wall)),
            ..current.clone()
        })
    }

    fn acquired(&self, previous: Option<&LeaseSpec>, wall: Timestamp) -> LeaseSpec {
        let transitions =
            previous.map_or(0, |p| p.lease_transitions.unwrap_or(0).saturating_add(1));
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(self.timings.lease_duration_seconds()),
            acquire_time: Some(MicroTime(wall)),
            renew_time: Some(MicroTime(wall)),
            lease_transitions: Some(transitions),
            ..previous.cloned().unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests;
