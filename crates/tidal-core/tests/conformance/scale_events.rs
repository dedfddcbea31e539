//! Recording scale events and counting them per period (`storeScaleEvent`,
//! `getReplicasChangePerPeriod`), transcribed from kubernetes/kubernetes
//! pkg/controller/podautoscaler/horizontal_test.go `TestStoreScaleEvents`. Each case runs once
//! for a scale-up and once for a scale-down, as upstream does.

use jiff::SignedDuration;
use tidal_core::behavior::{Behavior, History, ScaleEvent, ScalingRules};

use super::fixtures::{event, now, rules};

/// Stores a change of 5 from 10 replicas in both directions and checks the count over the
/// last 60 s before storing and the (change, outdated) slots after.
#[track_caller]
fn expect(
    prev: &[ScaleEvent],
    scaling: Option<ScalingRules>,
    changed_before: i32,
    after: &[(i32, bool)],
) {
    let minute = SignedDuration::from_mins(1);
    let slots = |events: &[ScaleEvent]| {
        events
            .iter()
            .map(|e| (e.change, e.outdated))
            .collect::<Vec<_>>()
    };

    let up_behavior = scaling.clone().map(|rules| Behavior {
        scale_up: rules,
        ..Behavior::default()
    });
    let mut up = History {
        scale_up_events: prev.to_vec(),
        ..History::default()
    };
    assert_eq!(
        up.added_within(minute, now()),
        changed_before,
        "up: change within 60 s"
    );
    up.record_scale(up_behavior.as_ref(), 10, 15, now());
    assert_eq!(slots(&up.scale_up_events), after, "up: stored events");

    let down_behavior = scaling.map(|rules| Behavior {
        scale_down: rules,
        ..Behavior::default()
    });
    let mut down = History {
        scale_down_events: prev.to_vec(),
        ..History::default()
    };
    assert_eq!(
        down.removed_within(minute, now()),
        changed_before,
        "down: change within 60 s"
    );
    down.record_scale(down_behavior.as_ref(), 10, 5, now());
    assert_eq!(slots(&down.scale_down_events), after, "down: stored events");
}

// TestStoreScaleEvents "empty entries with default behavior"
#[test]
fn empty_without_behavior_stores_nothing() {
    expect(&[], None, 0, &[]);
}

// TestStoreScaleEvents "empty entries with two-policy-behavior"
#[test]
fn empty_with_behavior_appends() {
    expect(&[], Some(rules(10, 60, 100, 60, 0)), 0, &[(5, false)]);
}

// TestStoreScaleEvents "one outdated entry to be kept untouched without behavior"
#[test]
fn outdated_entry_untouched_without_behavior() {
    expect(&[event(7, 61)], None, 0, &[(7, false)]);
}

// TestStoreScaleEvents "one outdated entry to be replaced with behavior"
#[test]
fn outdated_entry_replaced() {
    expect(
        &[event(7, 61)],
        Some(rules(10, 60, 100, 60, 0)),
        0,
        &[(5, false)],
    );
}

// TestStoreScaleEvents "one actual entry to be not touched with behavior"
#[test]
fn recent_entry_kept() {
    expect(
        &[event(7, 58)],
        Some(rules(10, 60, 100, 60, 0)),
        7,
        &[(7, false), (5, false)],
    );
}

// TestStoreScaleEvents "two entries, one of them to be replaced"
#[test]
fn one_of_two_entries_replaced() {
    expect(
        &[event(7, 61), event(6, 59)],
        Some(rules(10, 60, 0, 0, 0)),
        6,
        &[(5, false), (6, false)],
    );
}

// TestStoreScaleEvents "replace one entry, use policies with different periods"
#[test]
fn last_outdated_entry_replaced() {
    let prev = [event(8, 29), event(6, 59), event(7, 61), event(9, 61)];
    let after = [(8, false), (6, false), (7, true), (5, false)];
    expect(&prev, Some(rules(10, 60, 100, 30, 0)), 14, &after);
}

// TestStoreScaleEvents "two entries, both actual"
#[test]
fn both_entries_recent() {
    let prev = [event(7, 58), event(6, 59)];
    expect(
        &prev,
        Some(rules(10, 120, 100, 30, 0)),
        13,
        &[(7, false), (6, false), (5, false)],
    );
}
