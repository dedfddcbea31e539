use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::LeaseSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;

use super::{Elector, Step, Timings};

fn timings() -> Timings {
    Timings::default()
}

fn held_by(holder: &str, renewed: Timestamp) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.to_owned()),
        lease_duration_seconds: Some(15),
        renew_time: Some(MicroTime(renewed)),
        acquire_time: Some(MicroTime(renewed)),
        lease_transitions: Some(3),
        ..LeaseSpec::default()
    }
}

fn spec_of(step: Step) -> LeaseSpec {
    match step {
        Step::Create(spec) | Step::Update(spec) => spec,
        Step::Wait => panic!("expected a write, got Wait"),
    }
}

#[test]
fn a_missing_lease_is_created_with_us_as_holder() {
    let mut elector = Elector::new("a", timings()).unwrap();
    let wall = Timestamp::UNIX_EPOCH;
    let step = elector.plan(None, Instant::now(), wall);
    let Step::Create(spec) = step else {
        panic!("expected Create, got {step:?}")
    };
    assert_eq!(spec.holder_identity.as_deref(), Some("a"));
    assert_eq!(spec.lease_duration_seconds, Some(15));
    assert_eq!(spec.lease_transitions, Some(0));
    assert!(
        !elector.is_leader(Instant::now()),
        "leading before the write succeeded"
    );
}

#[test]
fn a_live_lease_held_by_another_replica_is_left_alone_until_it_stops_changing() {
    let mut b = Elector::new("b", timings()).unwrap();
    let t0 = Instant::now();
    let wall = Timestamp::UNIX_EPOCH;
    // The leader renews every 2 s for a minute: the follower never takes over.
    for i in 0..30u32 {
        let renewed = wall + Duration::from_secs(u64::from(i) * 2);
        let step = b.plan(
            Some(&held_by("a", renewed)),
            t0 + Duration::from_secs(u64::from(i) * 2),
            wall,
        );
        assert_eq!(step, Step::Wait, "took over a renewed lease at {i}");
    }
    // Then the leader dies: the record freezes at its last renewal (t = 58 s).
    let frozen = held_by("a", wall + Duration::from_secs(58));
    let before_expiry = t0 + Duration::from_secs(58 + 14);
    assert_eq!(b.plan(Some(&frozen), before_expiry, wall), Step::Wait);
    let after_expiry = t0 + Duration::from_secs(58 + 15);
    let spec = spec_of(b.plan(Some(&frozen), after_expiry, wall));
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(
        spec.lease_transitions,
        Some(4),
        "a takeover is a transition"
    );
}

#[test]
fn expiry_ignores_the_holders_clock() {
    // The holder's wall clock is an hour behind ours; it still renews, so it still leads.
    let mut b = Elector::new("b", timings()).unwrap();
    let t0 = Instant::now();
    let skewed = Timestamp::UNIX_EPOCH;
    for i in 0..20u64 {
        let lease = held_by("a", skewed + Duration::from_secs(i * 2));
        let step = b.plan(
            Some(&lease),
            t0 + Duration::from_secs(i * 2),
            Timestamp::UNIX_EPOCH + Duration::from_hours(1),
        );
        assert_eq!(step, Step::Wait);
    }
}

#[test]
fn a_released_lease_is_taken_at_once() {
    let mut b = Elector::new("b", timings()).unwrap();
    let mut released = held_by("a", Timestamp::UNIX_EPOCH);
    released.holder_identity = None;
    let spec = spec_of(b.plan(Some(&released), Instant::now(), Timestamp::UNIX_EPOCH));
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
}

#[test]
fn the_holder_renews_and_leads_until_the_renew_deadline() {
    let mut a = Elector::new("a", timings()).unwrap();
    let t0 = Instant::now();
    let lease = held_by("a", Timestamp::UNIX_EPOCH);
    let wall = Timestamp::UNIX_EPOCH + Duration::from_secs(2);
    let spec = spec_of(a.plan(Some(&lease), t0, wall));
    assert_eq!(spec.renew_time, Some(MicroTime(wall)));
    assert_eq!(
        spec.acquire_time, lease.acquire_time,
        "a renewal keeps the acquire time"
    );
    assert_eq!(
        spec.lease_transitions,
        Some(3),
        "a renewal is not a transition"
    );
    a.written(&spec, t0);
    assert!(a.is_leader(t0 + Duration::from_secs(9)));
    // Renewals fail from now on: still the leader until the deadline, then not.
    a.write_failed(t0 + Duration::from_secs(4));
    assert!(a.is_leader(t0 + Duration::from_secs(9)));
    a.write_failed(t0 + Duration::from_secs(10));
    assert!(!a.is_leader(t0 + Duration::from_secs(10)));
    // And it stops writing before any follower may take over.
    assert!(timings().renew_deadline < timings().lease_duration);
}

#[test]
fn seeing_another_holder_ends_our_leadership_immediately() {
    let mut a = Elector::new("a", timings()).unwrap();
    let t0 = Instant::now();
    let spec = spec_of(a.plan(None, t0, Timestamp::UNIX_EPOCH));
    a.written(&spec, t0);
    assert!(a.is_leader(t0));
    assert_eq!(
        a.plan(
            Some(&held_by("b", Timestamp::UNIX_EPOCH)),
            t0 + Duration::from_secs(1),
            Timestamp::UNIX_EPOCH
        ),
        Step::Wait
    );
    assert!(!a.is_leader(t0 + Duration::from_secs(1)));
}

#[test]
fn release_hands_over_only_our_own_lease() {
    let mut a = Elector::new("a", timings()).unwrap();
    let ours = held_by("a", Timestamp::UNIX_EPOCH);
    let released = a
        .release(&ours, Timestamp::UNIX_EPOCH)
        .expect("our lease is released");
    assert_eq!(released.holder_identity, None);
    assert_eq!(released.lease_duration_seconds, Some(1));
    assert_eq!(
        a.release(&held_by("b", Timestamp::UNIX_EPOCH), Timestamp::UNIX_EPOCH),
        None
    );
}

#[test]
fn unsafe_timings_are_rejected() {
    let bad = [
        Timings {
            lease_duration: Duration::from_secs(10),
            ..timings()
        },
        Timings {
            renew_deadline: Duration::from_secs(2),
            ..timings()
        },
        Timings {
            retry_period: Duration::from_millis(500),
            ..timings()
        },
    ];
    for t in bad {
        let err = Elector::new("a", t).unwrap_err().to_string();
        assert!(err.contains("invalid leader election timings"), "{err}");
    }
}
