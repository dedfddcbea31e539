//! Which simulated signal each trigger of a ScaledObject reads.
//!
//! In a cluster a trigger's scaler queries Prometheus, a metrics API or a broker; here the same
//! trigger reads the scraped [`Signal`] its metadata names, so a manifest written for
//! production runs unchanged. The mapping is deliberately small and documented in
//! `docs/simulate.md`: a trigger it cannot map is an error naming the trigger, the field and
//! what would work — never a silent zero.

use tidal_api::v1alpha1::ScaleTrigger;

use crate::signals::{Aggregation, Signal, parse_query};

/// KEDA scalers whose value is a queue's backlog; they read [`Signal::QueueLength`].
pub const QUEUE_SCALERS: [&str; 18] = [
    "activemq",
    "apache-kafka",
    "artemis-queue",
    "aws-sqs-queue",
    "azure-eventhub",
    "azure-queue",
    "azure-servicebus",
    "beanstalkd",
    "gcp-pubsub",
    "ibmmq",
    "kafka",
    "nats-jetstream",
    "rabbitmq",
    "redis",
    "redis-cluster",
    "redis-sentinel",
    "redis-streams",
    "stan",
];

/// Where a trigger's reading comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A scraped signal, combined as the query asks.
    Signal(Signal, Aggregation),
    /// The pods' CPU usage (`cpu` triggers): the engine computes it from the pods.
    Cpu,
}

/// The source of trigger `index`, or a message naming the field, the bad value and what is
/// allowed.
///
/// # Errors
/// A trigger type with no simulated counterpart, a query or `valueLocation` naming no
/// signal, or a `memory` trigger (the simulator has no memory model).
pub fn source(index: usize, trigger: &ScaleTrigger) -> Result<Source, String> {
    let field = |key: &str| format!("spec.triggers[{index}].metadata.{key}");
    let named = |key: &str| -> Result<Source, String> {
        let text = trigger
            .metadata
            .get(key)
            .ok_or_else(|| format!("{} is required to pick a simulated signal", field(key)))?;
        parse_query(text)
            .map(|(signal, aggregation)| Source::Signal(signal, aggregation))
            .map_err(|message| format!("{}: {message}", field(key)))
    };
    match trigger.type_.as_str() {
        "cpu" => Ok(Source::Cpu),
        "memory" => Err(format!(
            "spec.triggers[{index}].type: \"memory\" cannot be simulated: the simulator models \
             CPU, not memory; use a cpu trigger or a prometheus trigger naming a signal"
        )),
        "prometheus" => named("query"),
        "metrics-api" => named("valueLocation"),
        // RabbitMQ's MessageRate mode reads the publish rate, not the backlog.
        "rabbitmq"
            if trigger
                .metadata
                .get("mode")
                .is_some_and(|m| m == "MessageRate") =>
        {
            Ok(Source::Signal(Signal::RequestRate, Aggregation::Fleet))
        }
        kind if QUEUE_SCALERS.contains(&kind) => {
            Ok(Source::Signal(Signal::QueueLength, Aggregation::Fleet))
        }
        other => Err(format!(
            "spec.triggers[{index}].type: {other:?} has no simulated signal; use cpu, \
             prometheus (query naming a signal), metrics-api (valueLocation naming a signal) \
             or a queue scaler ({})",
            QUEUE_SCALERS.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tidal_api::v1alpha1::ScaleTrigger;

    use super::{Source, source};
    use crate::signals::{Aggregation, Signal};

    fn trigger(type_: &str, metadata: &[(&str, &str)]) -> ScaleTrigger {
        ScaleTrigger {
            type_: type_.into(),
            name: None,
            metadata: metadata
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            use_cached_metrics: None,
            authentication_ref: None,
            metric_type: None,
        }
    }

    #[test]
    fn triggers_read_the_signal_their_metadata_names() {
        let signal = |s, a| Ok(Source::Signal(s, a));
        let cases = [
            (
                trigger("prometheus", &[("query", "sum(vllm:num_requests_waiting)")]),
                signal(Signal::VllmWaiting, Aggregation::Fleet),
            ),
            (
                trigger("prometheus", &[("query", "avg(in_flight{app=\"web\"})")]),
                signal(Signal::InFlight, Aggregation::Average),
            ),
            (
                trigger("metrics-api", &[("valueLocation", "requests_per_second")]),
                signal(Signal::RequestRate, Aggregation::Fleet),
            ),
            (
                trigger("rabbitmq", &[("mode", "QueueLength"), ("value", "5")]),
                signal(Signal::QueueLength, Aggregation::Fleet),
            ),
            (
                trigger("rabbitmq", &[("mode", "MessageRate"), ("value", "5")]),
                signal(Signal::RequestRate, Aggregation::Fleet),
            ),
            (
                trigger("aws-sqs-queue", &[]),
                signal(Signal::QueueLength, Aggregation::Fleet),
            ),
            (trigger("cpu", &[("value", "70")]), Ok(Source::Cpu)),
        ];
        for (trigger, expected) in cases {
            assert_eq!(source(0, &trigger), expected, "{}", trigger.type_);
        }
    }

    #[test]
    fn unmappable_triggers_name_the_field_and_the_way_out() {
        for (trigger, needles) in [
            (
                trigger("prometheus", &[("query", "rate(http_requests_total[1m])")]),
                &["spec.triggers[2].metadata.query", "known signals"][..],
            ),
            (
                trigger("prometheus", &[]),
                &["spec.triggers[2].metadata.query is required"][..],
            ),
            (
                trigger("memory", &[("value", "80")]),
                &["spec.triggers[2].type", "memory"][..],
            ),
            (
                trigger("cron", &[]),
                &["\"cron\" has no simulated signal", "prometheus"][..],
            ),
        ] {
            let message = source(2, &trigger).unwrap_err();
            for needle in needles {
                assert!(message.contains(needle), "{needle}: {message}");
            }
        }
    }
}
