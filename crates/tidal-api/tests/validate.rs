//! Table-driven checks of the validation rules, and of the trigger catalog against itself.

use std::collections::BTreeMap;

use tidal_api::manifest::{Group, Manifest, Object};
use tidal_api::triggers::{CATALOG, ParamKind, Support};
use tidal_api::v1alpha1::{
    Fallback, MetricType, ScaleTarget, ScaleTrigger, ScaledObject, ScaledObjectSpec,
};
use tidal_api::validate::{FormulaCheck, Severity, ValidationError, validate, validate_with};

fn trigger(kind: &str, metadata: &[(&str, &str)]) -> ScaleTrigger {
    ScaleTrigger {
        type_: kind.to_owned(),
        name: None,
        metadata: metadata
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
        use_cached_metrics: None,
        authentication_ref: None,
        metric_type: None,
    }
}

fn prometheus() -> ScaleTrigger {
    trigger(
        "prometheus",
        &[
            ("serverAddress", "http://p:9090"),
            ("query", "up"),
            ("threshold", "5"),
        ],
    )
}

fn scaled_object(edit: impl FnOnce(&mut ScaledObjectSpec)) -> Manifest {
    let mut spec = ScaledObjectSpec {
        scale_target_ref: ScaleTarget {
            name: "web".into(),
            api_version: None,
            kind: None,
            env_source_container_name: None,
        },
        polling_interval: None,
        initial_cooldown_period: None,
        cooldown_period: None,
        idle_replica_count: None,
        min_replica_count: None,
        max_replica_count: None,
        advanced: None,
        triggers: vec![prometheus()],
        fallback: None,
    };
    edit(&mut spec);
    let mut object = ScaledObject::new("web", spec);
    object.metadata.namespace = Some("default".into());
    Manifest {
        group: Group::Keda,
        object: Object::ScaledObject(Box::new(object)),
    }
}

fn errors(manifest: &Manifest) -> Vec<ValidationError> {
    validate(manifest)
        .into_iter()
        .filter(|finding| finding.severity == Severity::Error)
        .collect()
}

fn paths(findings: &[ValidationError]) -> Vec<String> {
    findings
        .iter()
        .map(|finding| finding.path.to_string())
        .collect()
}

#[test]
fn the_message_names_object_path_value_and_rule() {
    let manifest = scaled_object(|spec| {
        spec.min_replica_count = Some(10);
        spec.max_replica_count = Some(5);
    });
    let found = errors(&manifest);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].to_string(),
        "ScaledObject default/web: spec.minReplicaCount: 10 is greater than spec.maxReplicaCount \
         5; minReplicaCount must be ≤ maxReplicaCount"
    );
}

#[test]
fn min_must_not_exceed_max_over_a_grid() {
    for min in 0..=6 {
        for max in 1..=5 {
            let manifest = scaled_object(|spec| {
                spec.min_replica_count = Some(min);
                spec.max_replica_count = Some(max);
            });
            let flagged = paths(&errors(&manifest)).contains(&"spec.minReplicaCount".to_owned());
            assert_eq!(flagged, min > max, "min {min} max {max}");
        }
    }
}

#[test]
fn idle_must_be_below_min_as_keda_counts_it() {
    // KEDA compares idleReplicaCount with the HPA's floor: an explicit minReplicaCount of 0 counts
    // as 1, an omitted one as 0.
    let cases = [
        (0, None, true),
        (0, Some(0), false),
        (0, Some(1), false),
        (1, Some(1), true),
        (2, Some(3), false),
        (3, Some(3), true),
    ];
    for (idle, min, rejected) in cases {
        let manifest = scaled_object(|spec| {
            spec.idle_replica_count = Some(idle);
            spec.min_replica_count = min;
        });
        let flagged = paths(&errors(&manifest)).contains(&"spec.idleReplicaCount".to_owned());
        assert_eq!(flagged, rejected, "idle {idle} min {min:?}");
    }
}

/// (triggers, minReplicaCount, with a fallback, the error paths expected)
type Case = (
    Vec<ScaleTrigger>,
    Option<i32>,
    bool,
    &'static [&'static str],
);

#[test]
fn resource_only_objects_cannot_scale_to_zero_or_fall_back() {
    let cpu = || {
        let mut cpu = trigger("cpu", &[("value", "50")]);
        cpu.metric_type = Some(MetricType::Utilization);
        cpu
    };
    let cron = trigger(
        "cron",
        &[
            ("timezone", "UTC"),
            ("start", "0 8 * * *"),
            ("end", "0 9 * * *"),
            ("desiredReplicas", "2"),
        ],
    );
    let fallback = Fallback {
        failure_threshold: 3,
        replicas: 2,
        behavior: None,
    };
    let cases: [Case; 5] = [
        (vec![cpu()], None, false, &["spec.minReplicaCount"]),
        (vec![cpu()], Some(1), false, &[]),
        (vec![cpu(), cron.clone()], Some(0), false, &[]),
        (vec![cpu()], Some(1), true, &["spec.fallback"]),
        (vec![cpu(), prometheus()], Some(1), true, &[]),
    ];
    for (triggers, min, with_fallback, expected) in cases {
        let manifest = scaled_object(|spec| {
            spec.triggers = triggers.clone();
            spec.min_replica_count = min;
            spec.fallback = with_fallback.then(|| fallback.clone());
        });
        let types: Vec<_> = triggers.iter().map(|t| t.type_.clone()).collect();
        assert_eq!(paths(&errors(&manifest)), expected, "{types:?} min {min:?}");
    }
}

#[test]
fn a_formula_checker_can_reject_unknown_names() {
    struct OnlyKnown;
    impl FormulaCheck for OnlyKnown {
        fn check(&self, formula: &str, triggers: &[&str]) -> Result<(), String> {
            match formula
                .split_whitespace()
                .find(|word| word.chars().all(char::is_alphabetic) && !triggers.contains(word))
            {
                Some(word) => Err(format!("refers to {word:?}, which is no trigger")),
                None => Ok(()),
            }
        }
    }
    let manifest = scaled_object(|spec| {
        let mut named = prometheus();
        named.name = Some("rps".into());
        spec.triggers = vec![named];
        spec.advanced = Some(tidal_api::v1alpha1::AdvancedConfig {
            scaling_modifiers: Some(tidal_api::v1alpha1::ScalingModifiers {
                formula: Some("rps + lag".into()),
                target: Some("10".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
    });
    assert!(
        errors(&manifest).is_empty(),
        "without a checker the formula is not parsed"
    );
    let found = validate_with(&manifest, &OnlyKnown);
    assert_eq!(paths(&found), ["spec.advanced.scalingModifiers.formula"]);
    assert!(
        found[0].to_string().contains("refers to \"lag\""),
        "{}",
        found[0]
    );
}

/// A value every parameter of this kind accepts.
fn sample(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Int | ParamKind::Float | ParamKind::Quantity => "3",
        ParamKind::Bool => "true",
        ParamKind::String => "x",
        ParamKind::Enum(values) => values[0],
        ParamKind::Cron => "0 8 * * *",
        ParamKind::DnsLabel => "app",
    }
}

/// The smallest metadata that satisfies a supported trigger: its required parameters and the
/// first parameter of each one-of group.
fn minimal(name: &str) -> BTreeMap<String, String> {
    let entry = tidal_api::triggers::lookup(name).unwrap();
    let mut metadata: BTreeMap<String, String> = entry
        .params()
        .filter(|param| param.required)
        .map(|param| (param.name.to_owned(), sample(param.kind).to_owned()))
        .collect();
    for group in entry.one_of {
        let param = entry.param(group[0]).unwrap();
        metadata.insert(param.name.to_owned(), sample(param.kind).to_owned());
    }
    metadata
}

#[test]
fn every_supported_trigger_validates_with_its_required_parameters_only() {
    for entry in CATALOG
        .iter()
        .filter(|entry| entry.support == Support::Supported)
    {
        let mut candidate = trigger(entry.name, &[]);
        candidate.metadata = minimal(entry.name);
        let manifest = scaled_object(|spec| {
            spec.min_replica_count = Some(1);
            spec.triggers = vec![candidate];
        });
        assert_eq!(validate(&manifest), [], "{}", entry.name);
    }
}

#[test]
fn every_required_parameter_is_reported_when_missing_and_every_number_when_malformed() {
    for entry in CATALOG
        .iter()
        .filter(|entry| entry.support == Support::Supported)
    {
        for param in entry.params() {
            let path = format!("spec.triggers[0].metadata.{}", param.name);
            let run = |metadata: BTreeMap<String, String>| {
                let mut candidate = trigger(entry.name, &[]);
                candidate.metadata = metadata;
                paths(&errors(&scaled_object(|spec| {
                    spec.min_replica_count = Some(1);
                    spec.triggers = vec![candidate];
                })))
            };
            if param.required {
                let mut metadata = minimal(entry.name);
                metadata.remove(param.name);
                assert_eq!(
                    run(metadata.clone()),
                    std::slice::from_ref(&path),
                    "{}.{}",
                    entry.name,
                    param.name
                );
                metadata.insert(format!("{}FromEnv", param.name), "ENV_VAR".into());
                assert_eq!(
                    run(metadata),
                    Vec::<String>::new(),
                    "{}.{}FromEnv",
                    entry.name,
                    param.name
                );
            }
            if param.kind != ParamKind::String {
                let mut metadata = minimal(entry.name);
                metadata.insert(param.name.to_owned(), "Not a value!".into());
                assert_eq!(
                    run(metadata),
                    std::slice::from_ref(&path),
                    "{}.{}",
                    entry.name,
                    param.name
                );
            }
        }
    }
}
