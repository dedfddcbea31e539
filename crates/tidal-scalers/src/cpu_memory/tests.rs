use std::sync::Arc;

use super::*;
use crate::Services;
use crate::testutil::{Pairs, context};

fn build(
    resource: &'static str,
    metadata: &[(&str, &str)],
    metric_type: Option<MetricTargetType>,
) -> crate::Result<ResourceScaler> {
    let mut ctx = context(resource, metadata, &[], &[], Arc::new(Services::new()));
    ctx.trigger.metric_type = metric_type;
    ResourceScaler::new(resource, &ctx)
}

#[test]
fn targets_in_percent_cores_and_bytes() {
    let cpu = build(CPU, &[("value", "60")], Some(MetricTargetType::Utilization)).unwrap();
    let spec = &cpu.metric_specs()[0];
    assert_eq!(
        (spec.name.as_str(), spec.target, spec.target_type),
        ("cpu", 60.0, MetricTargetType::Utilization)
    );
    assert_eq!(
        spec.source,
        MetricSource::Resource {
            resource: "cpu".into(),
            container: None
        }
    );

    let millis = build(
        CPU,
        &[("value", "500m"), ("containerName", "app")],
        Some(MetricTargetType::AverageValue),
    )
    .unwrap();
    assert_eq!(millis.metric_specs()[0].target, 0.5);
    assert_eq!(millis.config().container_name.as_deref(), Some("app"));

    let memory = build(
        MEMORY,
        &[("value", "256Mi"), ("type", "AverageValue")],
        None,
    )
    .unwrap();
    assert_eq!(memory.metric_specs()[0].target, 268_435_456.0);
    assert_eq!(
        memory.metric_specs()[0].target_type,
        MetricTargetType::AverageValue
    );
}

#[tokio::test]
async fn sampling_reads_nothing() {
    let cpu = build(CPU, &[("value", "60")], Some(MetricTargetType::Utilization)).unwrap();
    assert!(cpu.sample().await.unwrap().is_empty());
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, Option<MetricTargetType>, &str)] = &[
        (&[("value", "60")], None, "\"metricType\" is required"),
        (
            &[("value", "60")],
            Some(MetricTargetType::Value),
            "\"Value\" is not allowed for cpu triggers",
        ),
        (
            &[("value", "60"), ("type", "Utilization")],
            Some(MetricTargetType::Utilization),
            "\"type\": is deprecated",
        ),
        (
            &[("value", "60"), ("type", "Percent")],
            None,
            "\"type\" has the value \"Percent\"",
        ),
        (
            &[],
            Some(MetricTargetType::Utilization),
            "\"value\" is required",
        ),
        (
            &[("value", "60.5")],
            Some(MetricTargetType::Utilization),
            "a whole percent greater than 0",
        ),
        (
            &[("value", "0")],
            Some(MetricTargetType::Utilization),
            "a whole percent greater than 0",
        ),
        (
            &[("value", "lots")],
            Some(MetricTargetType::AverageValue),
            "a quantity greater than 0",
        ),
    ];
    for (metadata, metric_type, want) in cases {
        let err = build(CPU, metadata, *metric_type).unwrap_err().to_string();
        assert!(
            err.starts_with("cpu: ") && err.contains(want),
            "{metadata:?}: {err}"
        );
    }
}
