use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::runtime::events::EventType;
use tidal_api::v1alpha1::{ConditionStatus, HealthStatusType, LastDecision};

use super::*;

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap()
}

fn ready_report() -> Report {
    Report {
        generation: Some(1),
        active: Some(false),
        ..Report::default()
    }
}

fn condition<'a>(
    status: &'a ScaledObjectStatus,
    type_: &str,
) -> &'a tidal_api::v1alpha1::Condition {
    status
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == type_)
        .unwrap()
}

fn decision(desired: i32, second: i64) -> LastDecision {
    LastDecision {
        time: Time(at(second)),
        desired_replicas: desired,
        current_replicas: desired,
        active: true,
        bound_by: "metric".into(),
        reason: format!("keeping {desired}"),
        triggers: Vec::new(),
    }
}

#[test]
fn becoming_ready_announces_itself_once() {
    let first = build(None, &ready_report(), at(10));
    assert_eq!(condition(&first, "Ready").status, ConditionStatus::True);
    let events = transitions(None, &first);
    assert_eq!(
        events.iter().map(|e| e.reason).collect::<Vec<_>>(),
        [reasons::SCALED_OBJECT_READY]
    );

    let second = build(Some(&first), &ready_report(), at(40));
    assert!(
        transitions(Some(&first), &second).is_empty(),
        "a steady object emits no Events"
    );
    assert_eq!(
        condition(&second, "Ready").last_transition_time,
        Some(Time(at(10))),
        "the transition time is kept while the status holds"
    );
}

#[test]
fn a_user_error_is_ready_false_with_its_reason_and_one_warning() {
    let ready = build(None, &ready_report(), at(10));
    let report = Report {
        problem: Some(Problem::user(
            "ScaleTargetNotFound",
            "spec.scaleTargetRef: Deployment ns/web does not exist",
        )),
        ..ready_report()
    };
    let broken = build(Some(&ready), &report, at(40));
    let ready_condition = condition(&broken, "Ready");
    assert_eq!(ready_condition.status, ConditionStatus::False);
    assert_eq!(
        ready_condition.reason.as_deref(),
        Some("ScaleTargetNotFound")
    );
    assert_eq!(ready_condition.last_transition_time, Some(Time(at(40))));
    let events = transitions(Some(&ready), &broken);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].type_, EventType::Warning);
    assert_eq!(events[0].reason, reasons::SCALED_OBJECT_CHECK_FAILED);
    assert!(events[0].note.contains("ns/web does not exist"));

    let still_broken = build(Some(&broken), &report, at(70));
    assert!(
        transitions(Some(&broken), &still_broken).is_empty(),
        "the same failure is not repeated"
    );
}

#[test]
fn an_apiserver_hiccup_is_ready_unknown_and_quiet() {
    let ready = build(None, &ready_report(), at(10));
    let report = Report {
        problem: Some(Problem::transient("ScaleTargetError", "connection refused")),
        ..ready_report()
    };
    let unknown = build(Some(&ready), &report, at(40));
    assert_eq!(
        condition(&unknown, "Ready").status,
        ConditionStatus::Unknown
    );
    assert!(transitions(Some(&ready), &unknown).is_empty());
}

#[test]
fn the_original_replica_count_is_recorded_once() {
    let first = build(
        None,
        &Report {
            original_replica_count: Some(3),
            ..ready_report()
        },
        at(10),
    );
    assert_eq!(first.original_replica_count, Some(3));
    let later = build(
        Some(&first),
        &Report {
            original_replica_count: Some(7),
            ..ready_report()
        },
        at(40),
    );
    assert_eq!(
        later.original_replica_count,
        Some(3),
        "later counts are Tidal's own doing"
    );
}

#[test]
fn pausing_and_resuming_are_announced() {
    let running = build(None, &ready_report(), at(10));
    let paused_report = Report {
        paused: Some("autoscaling.keda.sh/paused-replicas: held at 2".into()),
        paused_replica_count: Some(2),
        ..ready_report()
    };
    let paused = build(Some(&running), &paused_report, at(20));
    assert_eq!(condition(&paused, "Paused").status, ConditionStatus::True);
    assert_eq!(paused.paused_replica_count, Some(2));
    assert_eq!(
        transitions(Some(&running), &paused)[0].reason,
        reasons::SCALED_OBJECT_PAUSED
    );
    let resumed = build(Some(&paused), &ready_report(), at(30));
    assert_eq!(resumed.paused_replica_count, None);
    assert_eq!(
        transitions(Some(&paused), &resumed)[0].reason,
        reasons::SCALED_OBJECT_UNPAUSED
    );
}

#[test]
fn failing_metrics_show_in_health_and_fallback() {
    let report = Report {
        fallback: true,
        health: [(
            "s0-metric-api-value".to_owned(),
            TriggerHealth { failures: 4 },
        )]
        .into(),
        ..ready_report()
    };
    let status = build(None, &report, at(10));
    let health = &status.health.as_ref().unwrap()["s0-metric-api-value"];
    assert_eq!(
        (health.number_of_failures, health.status),
        (Some(4), Some(HealthStatusType::Failing))
    );
    assert_eq!(condition(&status, "Fallback").status, ConditionStatus::True);
}

#[test]
fn only_the_decision_time_changing_is_not_worth_a_write() {
    let first = build(
        None,
        &Report {
            decision: Some(decision(3, 10)),
            ..ready_report()
        },
        at(10),
    );
    let same = build(
        Some(&first),
        &Report {
            decision: Some(decision(3, 40)),
            ..ready_report()
        },
        at(40),
    );
    assert!(!differs(Some(&first), &same));
    let changed = build(
        Some(&first),
        &Report {
            decision: Some(decision(4, 40)),
            ..ready_report()
        },
        at(40),
    );
    assert!(differs(Some(&first), &changed));
    assert!(differs(None, &first));
}

#[test]
fn an_active_object_moves_last_active_time_only_every_refresh_period() {
    let refresh = jiff::SignedDuration::from_secs(30);
    let first = build(
        None,
        &Report {
            last_active_time: Some(at(100)),
            ..ready_report()
        },
        at(100),
    );
    let mut soon = build(
        Some(&first),
        &Report {
            last_active_time: Some(at(110)),
            ..ready_report()
        },
        at(110),
    );
    hold_last_active_time(Some(&first), &mut soon, refresh);
    assert_eq!(soon.last_active_time, Some(Time(at(100))));
    assert!(!differs(Some(&first), &soon), "no write for a 10 s move");
    let mut later = build(
        Some(&first),
        &Report {
            last_active_time: Some(at(131)),
            ..ready_report()
        },
        at(131),
    );
    hold_last_active_time(Some(&first), &mut later, refresh);
    assert_eq!(later.last_active_time, Some(Time(at(131))));
    assert!(differs(Some(&first), &later));
}
