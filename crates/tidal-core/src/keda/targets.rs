//! Where each trigger type keeps its scaling target and its activation target.
//!
//! Every KEDA scaler names its target its own way (`threshold` for prometheus, `lagThreshold` for
//! kafka, `listLength` for redis…) and pairs it with an `activation…` parameter (default 0). The
//! engine needs only the two numbers, so this one table maps a trigger type to the parameter
//! names and KEDA's defaults (keda reference §2.2).
//!
//! In the operator the scalers' typed configs are the source of a trigger's target: each
//! reading carries its scaler's target, which overrides this table's. The table serves what
//! runs without scalers (`tidal decide`, `tidal simulate`, validation); a test in
//! `tidal-operator` (`controller/triggers/agreement_tests.rs`) builds every sampled trigger type
//! both ways and keeps the two readings equal.

use std::collections::BTreeMap;

/// Where a trigger's scaling target comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// A metadata parameter, with KEDA's default when it may be omitted.
    Parameter {
        /// The parameter name, e.g. `threshold`.
        name: &'static str,
        /// The default when the parameter is absent; `None` when it is required.
        default: Option<f64>,
    },
    /// A constant (cron: 1, so that the value, `desiredReplicas`, is the replica count).
    Fixed(f64),
    /// The scaler reports it with each reading (`external` scalers, over gRPC).
    FromScaler,
}

/// The target and activation parameters of one trigger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetSpec {
    /// The scaling target.
    pub target: Target,
    /// The activation parameter, default 0; `None` when the scaler decides activity itself.
    pub activation: Option<&'static str>,
}

const fn param(name: &'static str, default: Option<f64>, activation: &'static str) -> TargetSpec {
    TargetSpec {
        target: Target::Parameter { name, default },
        activation: Some(activation),
    }
}

/// Trigger types whose target parameters the table knows, for error messages.
pub const KNOWN_TYPES: &[&str] = &[
    "apache-kafka",
    "aws-sqs-queue",
    "azure-servicebus",
    "cpu",
    "cron",
    "external",
    "external-push",
    "gcp-pubsub",
    "kafka",
    "kubernetes-workload",
    "memory",
    "metrics-api",
    "mysql",
    "nats-jetstream",
    "postgresql",
    "prometheus",
    "rabbitmq",
    "redis",
    "redis-cluster",
    "redis-cluster-streams",
    "redis-sentinel",
    "redis-sentinel-streams",
    "redis-streams",
];

/// The target parameters of `trigger_type`, reading `metadata` where the choice depends on it;
/// `None` for a type the table does not know. `cpu` and `memory` are listed for completeness:
/// their `value` is read as a utilization or quantity, not a plain number.
pub fn target_spec(trigger_type: &str, metadata: &BTreeMap<String, String>) -> Option<TargetSpec> {
    let has =
        |key: &str| metadata.contains_key(key) || metadata.contains_key(&format!("{key}FromEnv"));
    Some(match trigger_type {
        "prometheus" => param("threshold", None, "activationThreshold"),
        "kafka" | "apache-kafka" | "nats-jetstream" => {
            param("lagThreshold", Some(10.0), "activationLagThreshold")
        }
        // `value` replaced the deprecated `queueLength`; both default to 20 messages.
        "rabbitmq" if !has("value") && has("queueLength") => {
            param("queueLength", Some(20.0), "activationValue")
        }
        "rabbitmq" => param("value", Some(20.0), "activationValue"),
        "redis" | "redis-cluster" | "redis-sentinel" => {
            param("listLength", Some(5.0), "activationListLength")
        }
        // Streams scale on lag when `lagCount` is set, on pending entries of the consumer group
        // when there is one, else on the stream length.
        "redis-streams" | "redis-cluster-streams" | "redis-sentinel-streams" => {
            let name = if has("lagCount") {
                "lagCount"
            } else if has("consumerGroup") {
                "pendingEntriesCount"
            } else {
                "streamLength"
            };
            let default = (name != "lagCount").then_some(5.0);
            param(name, default, "activationLagCount")
        }
        "aws-sqs-queue" => param("queueLength", Some(5.0), "activationQueueLength"),
        "azure-servicebus" => param("messageCount", Some(5.0), "activationMessageCount"),
        "gcp-pubsub" => param("value", Some(10.0), "activationValue"),
        "postgresql" => param("targetQueryValue", None, "activationTargetQueryValue"),
        "mysql" => param("queryValue", None, "activationQueryValue"),
        "metrics-api" => param("targetValue", None, "activationTargetValue"),
        "kubernetes-workload" => param("value", None, "activationValue"),
        "cpu" | "memory" => TargetSpec {
            target: Target::Parameter {
                name: "value",
                default: None,
            },
            activation: None,
        },
        "cron" => TargetSpec {
            target: Target::Fixed(1.0),
            activation: None,
        },
        "external" | "external-push" => TargetSpec {
            target: Target::FromScaler,
            activation: None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(trigger_type: &str, keys: &[&str]) -> TargetSpec {
        let metadata = keys
            .iter()
            .map(|k| ((*k).to_owned(), "1".to_owned()))
            .collect();
        target_spec(trigger_type, &metadata).expect(trigger_type)
    }

    #[test]
    fn every_listed_type_is_in_the_table() {
        for t in KNOWN_TYPES {
            assert!(target_spec(t, &BTreeMap::new()).is_some(), "{t}");
        }
        assert!(target_spec("carbon-aware", &BTreeMap::new()).is_none());
    }

    #[test]
    fn metadata_picks_the_parameter_where_keda_does() {
        let name = |s: TargetSpec| match s.target {
            Target::Parameter { name, .. } => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name(spec("redis-streams", &["lagCount"])), "lagCount");
        assert_eq!(
            name(spec("redis-streams", &["consumerGroup"])),
            "pendingEntriesCount"
        );
        assert_eq!(name(spec("redis-streams", &[])), "streamLength");
        assert_eq!(name(spec("rabbitmq", &["queueLength"])), "queueLength");
        assert_eq!(name(spec("rabbitmq", &["valueFromEnv"])), "value");
        assert_eq!(
            spec("kafka", &[]).target,
            Target::Parameter {
                name: "lagThreshold",
                default: Some(10.0)
            }
        );
    }
}
