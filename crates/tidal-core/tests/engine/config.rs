//! ScaledObject → engine configuration: KEDA's defaults, and errors that name the object, the
//! field, the bad value and what is allowed.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use tidal_api::v1alpha1::ScaledObjectSpec;
use tidal_core::behavior::SelectPolicy;
use tidal_core::config::{MetricType, ScalingConfig, TriggerMetric};

use crate::support::try_config;

fn trigger(yaml: &str) -> String {
    format!("scaleTargetRef: {{name: web}}\ntriggers:\n  - {yaml}\n")
}

fn external(config: &ScalingConfig, index: usize) -> (MetricType, Option<f64>, f64) {
    match config.triggers[index].metric {
        TriggerMetric::External {
            metric_type,
            target,
            activation,
        } => (metric_type, target, activation),
        ref other @ TriggerMetric::Resource { .. } => panic!("{other:?}"),
    }
}

#[test]
fn keda_defaults_apply() {
    let config = try_config(
        "scaleTargetRef: {name: web}
triggers:
  - {type: kafka, metadata: {topic: t}}
  - {type: cron, metadata: {start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '3'}}
  - {type: prometheus, metricType: Value, metadata: {threshold: '2.5', activationThreshold: '-1'}}
",
        &[],
    )
    .unwrap();
    assert_eq!(
        (
            config.min_replicas,
            config.max_replicas,
            config.idle_replicas
        ),
        (0, 100, None)
    );
    assert_eq!(config.polling_interval, SignedDuration::from_secs(30));
    assert_eq!(config.cooldown, SignedDuration::from_secs(300));
    assert_eq!(config.initial_cooldown, SignedDuration::ZERO);
    assert_eq!(config.triggers[0].name, "s0-kafka");
    assert_eq!(
        external(&config, 0),
        (MetricType::AverageValue, Some(10.0), 0.0)
    );
    assert_eq!(
        external(&config, 1),
        (MetricType::AverageValue, Some(1.0), 0.0)
    );
    assert_eq!(external(&config, 2), (MetricType::Value, Some(2.5), -1.0));
    // No behavior written: the HPA's legacy rules.
    assert_eq!(config.behavior, None);
}

#[test]
fn from_env_parameters_read_the_containers_environment() {
    let spec: ScaledObjectSpec = serde_saphyr::from_str(&trigger(
        "{type: prometheus, metadata: {thresholdFromEnv: QUEUE_TARGET}}",
    ))
    .unwrap();
    let env = BTreeMap::from([("QUEUE_TARGET".to_owned(), "25".to_owned())]);
    let config =
        ScalingConfig::from_spec("ScaledObject a/b", &spec, &BTreeMap::new(), &env).unwrap();
    assert_eq!(external(&config, 0).1, Some(25.0));
    let error = ScalingConfig::from_spec(
        "ScaledObject a/b",
        &spec,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "ScaledObject a/b: spec.triggers[0].metadata.thresholdFromEnv: \"QUEUE_TARGET\" is not \
         allowed; the name of an environment variable of the scale target's container"
    );
}

#[test]
fn pause_annotations_fold_into_the_behavior() {
    let config = try_config(
        &trigger("{type: prometheus, metadata: {threshold: '1'}}"),
        &[("autoscaling.keda.sh/paused-scale-in", "true")],
    )
    .unwrap();
    let behavior = config
        .behavior
        .expect("a default behavior with scale-down disabled");
    assert_eq!(behavior.scale_down.select_policy, SelectPolicy::Disabled);
    assert_eq!(behavior.scale_up.select_policy, SelectPolicy::Max);
}

#[test]
fn errors_name_the_field_the_value_and_what_is_allowed() {
    let prefix = "ScaledObject test/web: ";
    for (spec, message) in [
        (
            trigger("{type: prometheus, metadata: {query: q}}"),
            "spec.triggers[0].metadata.threshold is required; the prometheus trigger's target, a \
             decimal number such as \"10\"",
        ),
        (
            trigger("{type: prometheus, metadata: {threshold: ten}}"),
            "spec.triggers[0].metadata.threshold: \"ten\" is not allowed; a decimal number \
             greater than 0, such as \"10\" or \"2.5\"",
        ),
        (
            trigger("{type: prometheus, metadata: {threshold: '0'}}"),
            "spec.triggers[0].metadata.threshold: \"0\" is not allowed; a decimal number of at \
             least 0.001, such as \"10\" or \"2.5\"",
        ),
        (
            trigger("{type: prometheus, metadata: {threshold: '1', activationThreshold: NaN}}"),
            "spec.triggers[0].metadata.activationThreshold: \"NaN\" is not allowed; a decimal \
             number such as \"0\" or \"5\"",
        ),
        (
            trigger("{type: prometheus, metricType: Utilization, metadata: {threshold: '1'}}"),
            "spec.triggers[0].metricType: Utilization is not allowed; AverageValue or Value \
             (Utilization is only for cpu and memory triggers)",
        ),
        (
            trigger("{type: cpu, metricType: Utilization, metadata: {value: 50%}}"),
            "spec.triggers[0].metadata.value: \"50%\" is not allowed; a whole percentage greater \
             than 0, such as \"60\"",
        ),
        (
            "scaleTargetRef: {name: web}\nminReplicaCount: 2\nidleReplicaCount: 2\ntriggers: \
             [{type: redis, metadata: {listName: l}}]\n"
                .to_owned(),
            "spec.idleReplicaCount: 2 is not allowed; 0 or more and less than \
             spec.minReplicaCount (2)",
        ),
        (
            "scaleTargetRef: {name: web}\nminReplicaCount: 5\nmaxReplicaCount: 3\ntriggers: \
             [{type: redis, metadata: {listName: l}}]\n"
                .to_owned(),
            "spec.minReplicaCount: 5 is not allowed; at most spec.maxReplicaCount (3)",
        ),
        (
            "scaleTargetRef: {name: web}\ntriggers:\n  - {type: redis, name: a, metadata: {}}\n  \
             - {type: redis, name: a, metadata: {}}\n"
                .to_owned(),
            "spec.triggers[1].name: \"a\" is not allowed; a name not used by another trigger \
             (spec.triggers[0] has it)",
        ),
        (
            "scaleTargetRef: {name: web}\nfallback: {failureThreshold: 3, replicas: 2}\n\
             triggers: [{type: cpu, metricType: Utilization, metadata: {value: '50'}}]\n"
                .to_owned(),
            "spec.fallback: set is not allowed; a fallback only with at least one trigger other \
             than cpu and memory",
        ),
        (
            "scaleTargetRef: {name: web}\nfallback: {failureThreshold: 3, replicas: 2, behavior: \
             scalingModifiers}\ntriggers: [{type: redis, metadata: {}}]\n"
                .to_owned(),
            "spec.fallback.behavior: scalingModifiers is not allowed; static, currentReplicas, \
             currentReplicasIfHigher or currentReplicasIfLower (scalingModifiers needs \
             spec.advanced.scalingModifiers.formula)",
        ),
    ] {
        let error = try_config(&spec, &[]).expect_err(&spec);
        assert_eq!(error.to_string(), format!("{prefix}{message}"), "{spec}");
    }
}

#[test]
fn unknown_trigger_types_list_the_known_ones() {
    let error = try_config(&trigger("{type: carbon-aware, metadata: {}}"), &[]).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "ScaledObject test/web: spec.triggers[0].type: \"carbon-aware\" is not allowed; a \
             trigger type whose target the decision engine knows: apache-kafka, aws-sqs-queue,"
        ),
        "{message}"
    );
}

#[test]
fn behavior_fields_are_checked_like_the_api_server_does() {
    let behavior = |rules: &str| {
        format!(
            "scaleTargetRef: {{name: web}}\nadvanced: {{horizontalPodAutoscalerConfig: \
             {{behavior: {{scaleDown: {rules}}}}}}}\ntriggers: [{{type: redis, metadata: {{}}}}]\n"
        )
    };
    let at =
        "ScaledObject test/web: spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown";
    for (rules, message) in [
        (
            "{stabilizationWindowSeconds: 4000}",
            ".stabilizationWindowSeconds: 4000 is not allowed; a number of seconds from 0 to 3600",
        ),
        (
            "{policies: [{type: Pods, value: 0, periodSeconds: 15}]}",
            ".policies[0].value: 0 is not allowed; a number greater than 0",
        ),
        (
            "{policies: [{type: Percent, value: 10, periodSeconds: 2000}]}",
            ".policies[0].periodSeconds: 2000 is not allowed; a number of seconds from 1 to 1800",
        ),
        (
            "{policies: []}",
            ".policies: [] is not allowed; at least one policy, unless selectPolicy is Disabled",
        ),
        (
            "{tolerance: '-0.1'}",
            ".tolerance: \"-0.1\" is not allowed; a non-negative quantity such as \"0.05\" or \
             \"50m\"",
        ),
    ] {
        let error = try_config(&behavior(rules), &[]).expect_err(rules);
        assert_eq!(error.to_string(), format!("{at}{message}"), "{rules}");
    }
    let config = try_config(&behavior("{tolerance: 50m, selectPolicy: Min}"), &[]).unwrap();
    let rules = config.behavior.unwrap().scale_down;
    assert_eq!(
        (rules.tolerance, rules.select_policy),
        (Some(0.05), SelectPolicy::Min)
    );
    // The API server's default for an unset scale-down window: the controller's 5 minutes.
    assert_eq!(rules.stabilization_window, None);
}
