use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::ObjectMeta;
use tidal_api::v1alpha1::{
    HealthStatus, HealthStatusType, ScaledObject, ScaledObjectSpec, ScaledObjectStatus,
};

use super::*;

fn object(generation: i64, annotations: &[(&str, &str)]) -> ScaledObject {
    let spec: ScaledObjectSpec = serde_json::from_value(serde_json::json!({
        "scaleTargetRef": { "name": "web" },
        "pollingInterval": 7,
        "triggers": [{ "type": "cron", "metadata": {} }]
    }))
    .unwrap();
    let mut object = ScaledObject::new("web", spec);
    object.metadata = ObjectMeta {
        name: Some("web".into()),
        namespace: Some("ns".into()),
        generation: Some(generation),
        creation_timestamp: Some(Time(Timestamp::from_second(1_000).unwrap())),
        annotations: Some(
            annotations
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        ..ObjectMeta::default()
    };
    object
}

#[test]
fn spec_annotation_and_deletion_changes_start_a_pass_but_status_writes_do_not() {
    let base = object(1, &[]);
    let mut status_only = base.clone();
    status_only.status = Some(ScaledObjectStatus {
        original_replica_count: Some(3),
        ..Default::default()
    });
    status_only.metadata.resource_version = Some("42".into());
    assert!(
        !needs_pass_now(&base, &status_only),
        "our own status writes must not cause a pass"
    );
    assert!(needs_pass_now(&base, &object(2, &[])));
    assert!(needs_pass_now(
        &base,
        &object(1, &[("autoscaling.keda.sh/paused", "true")])
    ));
    let mut deleted = base.clone();
    deleted.metadata.deletion_timestamp = Some(Time(Timestamp::from_second(2_000).unwrap()));
    assert!(needs_pass_now(&base, &deleted));
}

#[test]
fn the_polling_interval_comes_from_the_spec() {
    assert_eq!(polling_interval(&object(1, &[])), Duration::from_secs(7));
}

#[test]
fn a_restart_restores_what_keda_keeps_in_status() {
    let last_active = Timestamp::from_second(5_000).unwrap();
    let status = ScaledObjectStatus {
        last_active_time: Some(Time(last_active)),
        paused_replica_count: Some(2),
        health: Some(BTreeMap::from([(
            "s0-cron-UTC-06xxx-20xxx".to_owned(),
            HealthStatus {
                number_of_failures: Some(4),
                status: Some(HealthStatusType::Failing),
            },
        )])),
        ..Default::default()
    };
    let metrics = BTreeMap::from([("s0-cron-UTC-06xxx-20xxx".to_owned(), "s0-cron".to_owned())]);
    let state = initial_state(&object(1, &[]), Some(&status), &metrics);
    assert_eq!(
        state.created_at,
        Some(Timestamp::from_second(1_000).unwrap())
    );
    assert_eq!(
        state.last_active_time,
        Some(last_active),
        "the cooldown must not restart"
    );
    assert_eq!(
        state.failures.get("s0-cron"),
        Some(&4),
        "fallback must not need new failures: health is keyed by metric, failures by trigger"
    );
    assert_eq!(state.paused_replica_count, Some(2));

    let fresh = initial_state(&object(1, &[]), None, &metrics);
    assert_eq!(fresh.last_active_time, None);
    assert!(fresh.failures.is_empty());
}

#[test]
fn target_problems_split_into_user_errors_and_transient_ones() {
    let missing = problem(&target::Error::NotFound {
        kind: "Deployment".into(),
        namespace: "ns".into(),
        name: "web".into(),
    });
    assert!(!missing.transient);
    assert_eq!(missing.reason, "ScaleTargetNotFound");
    let unscalable = problem(&target::Error::NotScalable {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
    });
    assert_eq!(
        (unscalable.reason.as_str(), unscalable.transient),
        ("ScaleTargetNotScalable", false)
    );
    assert!(unscalable.message.contains("ConfigMap") && unscalable.message.contains("/scale"));
}
