use super::*;
use crate::Error as CrateError;
use crate::testutil::{Pairs, overrides, plain_context};

fn build(metadata: &[(&str, &str)]) -> crate::Result<RedisStreamsScaler> {
    RedisStreamsScaler::new(&plain_context(TYPE, metadata, &[]))
}

const OK: Pairs<'static> = &[("address", "redis:6379"), ("stream", "orders")];

#[test]
fn the_measure_follows_the_parameters_given() {
    let cases: &[(Pairs<'_>, Measure, i64)] = &[
        (&[], Measure::StreamLength, 5),
        (&[("streamLength", "50")], Measure::StreamLength, 50),
        (
            &[("consumerGroup", "workers")],
            Measure::PendingEntries {
                group: "workers".into(),
            },
            5,
        ),
        (
            &[("consumerGroup", "workers"), ("pendingEntriesCount", "7")],
            Measure::PendingEntries {
                group: "workers".into(),
            },
            7,
        ),
        (
            &[("consumerGroup", "workers"), ("lagCount", "12")],
            Measure::Lag {
                group: "workers".into(),
            },
            12,
        ),
    ];
    for (extra, measure, target) in cases {
        let scaler = build(&overrides(OK, extra)).unwrap();
        assert_eq!(&scaler.config().measure, measure, "{extra:?}");
        assert_eq!(scaler.metric_specs()[0].target, *target as f64, "{extra:?}");
        assert_eq!(scaler.metric_specs()[0].name, "s0-redis-streams-orders");
    }
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, &str)] = &[
        (&[("stream", "")], "\"stream\" is required"),
        (
            &[("streamLength", "0")],
            "\"streamLength\": must be greater than 0",
        ),
        (
            &[("consumerGroup", "g"), ("pendingEntriesCount", "x")],
            "\"pendingEntriesCount\"",
        ),
        (
            &[("consumerGroup", "g"), ("lagCount", "-1")],
            "\"lagCount\": must be greater than 0",
        ),
        (&[("activationLagCount", "many")], "\"activationLagCount\""),
        (&[("address", "")], "\"host\" is required"),
    ];
    for (extra, want) in cases {
        let err = build(&overrides(OK, extra)).unwrap_err().to_string();
        assert!(
            err.starts_with("redis: ") && err.contains(want),
            "{extra:?}: {err}"
        );
    }
    assert!(matches!(
        build(&overrides(OK, &[("stream", "")])),
        Err(CrateError::Redis(Error::Param(_)))
    ));
}

fn bulk(text: &str) -> Value {
    Value::BulkString(text.as_bytes().to_vec())
}

#[test]
fn lag_is_read_from_resp2_and_resp3_answers() {
    let resp2 = Value::Array(vec![
        Value::Array(vec![
            bulk("name"),
            bulk("other"),
            bulk("lag"),
            Value::Int(3),
        ]),
        Value::Array(vec![
            bulk("name"),
            bulk("workers"),
            bulk("pending"),
            Value::Int(1),
            bulk("lag"),
            Value::Int(27),
        ]),
    ]);
    assert_eq!(group_lag(&resp2, "workers"), Some(27));
    assert_eq!(group_lag(&resp2, "absent"), None);
    let resp3 = Value::Array(vec![Value::Map(vec![
        (bulk("name"), bulk("workers")),
        (bulk("lag"), Value::Nil),
    ])]);
    assert_eq!(
        group_lag(&resp3, "workers"),
        None,
        "an unknown lag falls back to the length"
    );
}
