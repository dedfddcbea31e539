//! The engine's configuration and the scalers read a trigger's target and activation target
//! from the same metadata: `tidal-core` for `tidal decide` and `tidal simulate` (which run no
//! scalers), the scalers' typed configs at run time. This table keeps the two readings equal
//! for every sampled trigger type, defaults included.

#![allow(clippy::float_cmp)] // parsed from the same text: the two readings must be identical

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tidal_api::v1alpha1::ScaledObject;
use tidal_core::config::{MetricType, ScalingConfig, TriggerMetric};
use tidal_scalers::{MetricTargetType, Registry, Services};

use super::Triggers;

/// (type, metadata, metricType) covering each target parameter and its default.
fn cases() -> Vec<(&'static str, Value, Option<&'static str>)> {
    vec![
        (
            "prometheus",
            json!({ "serverAddress": "http://127.0.0.1:1", "query": "sum(up)", "threshold": "7", "activationThreshold": "2" }),
            None,
        ),
        (
            "metrics-api",
            json!({ "url": "http://127.0.0.1:1/", "valueLocation": "v", "targetValue": "12.5" }),
            Some("Value"),
        ),
        (
            "redis",
            json!({ "address": "127.0.0.1:1", "listName": "jobs" }),
            None,
        ),
        (
            "redis",
            json!({ "address": "127.0.0.1:1", "listName": "jobs", "listLength": "9", "activationListLength": "3" }),
            None,
        ),
        (
            "redis-streams",
            json!({ "address": "127.0.0.1:1", "stream": "s" }),
            None,
        ),
        (
            "redis-streams",
            json!({ "address": "127.0.0.1:1", "stream": "s", "consumerGroup": "g", "pendingEntriesCount": "4" }),
            None,
        ),
        (
            "redis-streams",
            json!({ "address": "127.0.0.1:1", "stream": "s", "consumerGroup": "g", "lagCount": "6", "activationLagCount": "1" }),
            None,
        ),
        (
            "rabbitmq",
            json!({ "host": "amqp://u:p@127.0.0.1:1/", "queueName": "q" }),
            None,
        ),
        (
            "rabbitmq",
            json!({ "host": "amqp://u:p@127.0.0.1:1/", "queueName": "q", "mode": "QueueLength", "value": "30", "activationValue": "5" }),
            None,
        ),
        (
            "postgresql",
            json!({ "connectionFromEnv": "", "host": "127.0.0.1", "port": "1", "userName": "u", "dbName": "d", "sslmode": "disable", "passwordFromEnv": "", "query": "SELECT 1", "targetQueryValue": "3" }),
            None,
        ),
        (
            "mysql",
            json!({ "host": "127.0.0.1", "port": "1", "username": "u", "dbName": "d", "query": "SELECT 1", "queryValue": "4", "activationQueryValue": "1" }),
            None,
        ),
        (
            "nats-jetstream",
            json!({ "natsServerMonitoringEndpoint": "127.0.0.1:1", "account": "$G", "stream": "s", "consumer": "c" }),
            None,
        ),
        (
            "kafka",
            json!({ "bootstrapServers": "127.0.0.1:1", "consumerGroup": "g", "topic": "t", "lagThreshold": "50", "activationLagThreshold": "5" }),
            None,
        ),
        (
            "kafka",
            json!({ "bootstrapServers": "127.0.0.1:1", "consumerGroup": "g", "topic": "t" }),
            None,
        ),
        (
            "kubernetes-workload",
            json!({ "podSelector": "app=worker", "value": "2" }),
            None,
        ),
        (
            "cron",
            json!({ "timezone": "UTC", "start": "0 6 * * *", "end": "0 20 * * *", "desiredReplicas": "3" }),
            None,
        ),
    ]
}

fn object(type_: &str, metadata: &Value, metric_type: Option<&str>) -> ScaledObject {
    let mut trigger = json!({ "type": type_, "metadata": metadata });
    if let Some(metric_type) = metric_type {
        trigger["metricType"] = json!(metric_type);
    }
    serde_json::from_value(json!({
        "apiVersion": "tidal.dev/v1alpha1",
        "kind": "ScaledObject",
        "metadata": { "name": "web", "namespace": "shop" },
        "spec": { "scaleTargetRef": { "name": "web" }, "triggers": [trigger] }
    }))
    .expect("ScaledObject")
}

#[tokio::test]
async fn the_engine_and_the_scalers_read_the_same_targets() {
    let registry = Registry::builtin();
    let services = Arc::new(Services::new().with_pods(Arc::new(crate::index::PodIndex::new())));
    for (type_, metadata, metric_type) in cases() {
        let object = object(type_, &metadata, metric_type);
        let config = ScalingConfig::from_scaled_object(&object, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{type_} {metadata}: {e}"));
        let TriggerMetric::External {
            metric_type: engine_type,
            target,
            activation,
        } = config.triggers[0].metric.clone()
        else {
            panic!("{type_} is an external metric");
        };
        let triggers = Triggers::build(&registry, &services, &object, &BTreeMap::new(), Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{type_} {metadata}: {e}"));
        let spec = triggers.entries[0].scaler.metric_specs()[0].clone();
        triggers.close().await;
        let what = format!("{type_} {metadata}");
        assert_eq!(target, Some(spec.target), "target of {what}");
        assert_eq!(activation, spec.activation_target, "activation of {what}");
        let scaler_type = match spec.target_type {
            MetricTargetType::Value => MetricType::Value,
            _ => MetricType::AverageValue,
        };
        assert_eq!(engine_type, scaler_type, "metricType of {what}");
    }
}
