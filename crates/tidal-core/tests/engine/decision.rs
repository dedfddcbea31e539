//! The decision as a value: its JSON shape and its conversion into `status.lastDecision`.

use tidal_api::v1alpha1::LastDecision;
use tidal_core::engine::Reading;

use crate::support::{active_at, decide, engine, observe, queue_spec};

#[test]
fn decisions_serialize_with_camel_case_keys() {
    let engine = engine(&queue_spec(""));
    let d = decide(
        &engine,
        &observe(3, vec![Reading::value(80.0)]),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["desiredReplicas"], 6);
    assert_eq!(json["currentReplicas"], 3);
    assert_eq!(json["boundBy"], "scaleUpLimit");
    assert_eq!(json["active"], true);
    assert_eq!(json["time"], "2026-01-01T00:10:00Z");
    assert_eq!(json["triggers"][0]["type"], "prometheus");
    assert_eq!(json["triggers"][0]["metricType"], "AverageValue");
    assert_eq!(json["triggers"][0]["proposal"], 8);
    assert_eq!(json["triggers"][0]["rule"], "proportional");
    assert!(
        json["triggers"][0].get("error").is_none(),
        "absent fields are omitted"
    );
}

#[test]
fn decisions_convert_into_last_decision() {
    let engine = engine(&queue_spec(""));
    let d = decide(
        &engine,
        &observe(3, vec![Reading::error("boom")]),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    let last = LastDecision::from(&d);
    assert_eq!(last.time.0, d.time);
    assert_eq!((last.desired_replicas, last.current_replicas), (3, 3));
    assert_eq!(last.bound_by, "triggerError");
    assert_eq!(last.reason, d.reason);
    assert_eq!(last.triggers[0].name, "queue");
    assert_eq!(last.triggers[0].error.as_deref(), Some("boom"));
    assert_eq!(last.triggers[0].value, None);
}
