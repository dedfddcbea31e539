use std::sync::Arc;

use jiff::civil::datetime;

use super::*;
use crate::Error as CrateError;
use crate::testutil::plain_context;

fn config(metadata: &[(&str, &str)]) -> Result<CronScaler, CrateError> {
    CronScaler::new(&plain_context(TYPE, metadata, &[]))
}

fn at(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Timestamp {
    datetime(y, mo, d, h, mi, 0, 0)
        .in_tz(tz)
        .unwrap()
        .timestamp()
}

const OFFICE: &[(&str, &str)] = &[
    ("timezone", "Europe/Berlin"),
    ("start", "0 8 * * 1-5"),
    ("end", "0 18 * * 1-5"),
    ("desiredReplicas", "10"),
];

#[test]
fn the_window_is_start_inclusive_end_exclusive_in_the_trigger_timezone() {
    let scaler = config(OFFICE).unwrap();
    let cases = [
        // 2026-11-25 is a Wednesday.
        (at("Europe/Berlin", 2026, 11, 25, 7, 59), false),
        (at("Europe/Berlin", 2026, 11, 25, 8, 0), true),
        (at("Europe/Berlin", 2026, 11, 25, 12, 30), true),
        (at("Europe/Berlin", 2026, 11, 25, 17, 59), true),
        (at("Europe/Berlin", 2026, 11, 25, 18, 0), false),
        // Saturday: closed all day.
        (at("Europe/Berlin", 2026, 11, 28, 12, 0), false),
        // 08:30 in Berlin is 07:30 UTC: the zone decides, not the host.
        (at("UTC", 2026, 11, 25, 7, 30), true),
        (at("UTC", 2026, 11, 25, 6, 30), false),
    ];
    for (now, active) in cases {
        let window = scaler.config().evaluate(now).unwrap();
        assert_eq!(window.active, active, "{now}");
        assert_eq!(window.value, if active { 10.0 } else { 0.0 }, "{now}");
    }
}

#[test]
fn windows_may_span_midnight() {
    let scaler = config(&[
        ("timezone", "UTC"),
        ("start", "0 22 * * *"),
        ("end", "0 6 * * *"),
        ("desiredReplicas", "3"),
    ])
    .unwrap();
    assert!(
        scaler
            .config()
            .evaluate(at("UTC", 2026, 1, 1, 23, 0))
            .unwrap()
            .active
    );
    assert!(
        scaler
            .config()
            .evaluate(at("UTC", 2026, 1, 2, 5, 59))
            .unwrap()
            .active
    );
    assert!(
        !scaler
            .config()
            .evaluate(at("UTC", 2026, 1, 2, 6, 0))
            .unwrap()
            .active
    );
    assert!(
        !scaler
            .config()
            .evaluate(at("UTC", 2026, 1, 2, 12, 0))
            .unwrap()
            .active
    );
}

#[test]
fn metric_spec_targets_one_replica_per_unit() {
    let scaler = config(OFFICE).unwrap();
    let spec = &scaler.metric_specs()[0];
    assert_eq!(spec.target, 1.0);
    assert_eq!(spec.name, "s0-cron-Europe-Berlin-08xx1-5-018xx1-5");
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(&str, &str, &str)] = &[
        ("timezone", "", "\"timezone\" is required"),
        (
            "timezone",
            "Mars/Olympus",
            "\"timezone\" has the value \"Mars/Olympus\"",
        ),
        ("start", "", "\"start\" is required"),
        (
            "start",
            "0 8 * *",
            "\"start\" has the value \"0 8 * *\", which is not a five-field cron expression",
        ),
        ("start", "0 0 8 * * 1", "it has 6 fields"),
        ("end", "0 25 * * *", "\"end\" has the value \"0 25 * * *\""),
        ("end", "0 8 * * 1-5", "start and end must differ"),
        ("desiredReplicas", "", "\"desiredReplicas\" is required"),
        (
            "desiredReplicas",
            "ten",
            "\"desiredReplicas\" has the value \"ten\"",
        ),
        (
            "desiredReplicas",
            "0",
            "\"desiredReplicas\": must be greater than 0",
        ),
        (
            "desiredReplicas",
            "2.5",
            "must be a whole number of replicas",
        ),
    ];
    for (param, value, want) in cases {
        let metadata: Vec<(&str, &str)> = OFFICE
            .iter()
            .map(|(k, v)| if k == param { (*k, *value) } else { (*k, *v) })
            .collect();
        let err = config(&metadata).unwrap_err().to_string();
        assert!(
            err.starts_with("cron: ") && err.contains(want),
            "{param}={value:?}: {err}"
        );
    }
}

#[tokio::test]
async fn sample_reports_the_current_window() {
    let scaler = config(&[
        ("timezone", "UTC"),
        ("start", "* * * * *"),
        ("end", "0 0 1 1 *"),
        ("desiredReplicas", "4"),
    ])
    .unwrap();
    // The window opens every minute and closes once a year, so it is open now unless the
    // test runs in the first minute of the year.
    let values = scaler.sample().await.unwrap();
    assert_eq!(values[0].name, scaler.metric_specs()[0].name);
    let expected = scaler.config().evaluate(Timestamp::now()).unwrap();
    assert_eq!(values[0].active, expected.active);
}

#[test]
fn triggers_with_the_same_schedule_share_one_parse() {
    // A parsed schedule holds several KB of bitfields; a fleet of identical triggers must not
    // hold one copy each.
    let first = config(OFFICE).unwrap();
    let second = config(OFFICE).unwrap();
    assert!(Arc::ptr_eq(&first.config().start, &second.config().start));
    assert!(Arc::ptr_eq(&first.config().end, &second.config().end));
    let other = config(&[
        ("timezone", "UTC"),
        ("start", "0 9 * * *"),
        ("end", "0 18 * * 1-5"),
        ("desiredReplicas", "2"),
    ])
    .unwrap();
    assert!(!Arc::ptr_eq(&first.config().start, &other.config().start));
    assert!(Arc::ptr_eq(&first.config().end, &other.config().end));
}
