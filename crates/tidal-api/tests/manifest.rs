//! Loading and converting manifests: KEDA manifests load unchanged, conversion between the groups
//! loses nothing, and load errors point at the right document.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use tidal_api::manifest::{Group, Manifest, Object, convert, load, load_all};
use tidal_api::path::FieldPath;
use tidal_api::v1alpha1::{
    AuthenticationKind, AuthenticationRef, Fallback, FallbackBehavior,
    HorizontalPodAutoscalerBehavior, HpaScalingPolicy, HpaScalingPolicyType, HpaScalingRules,
    MetricType, ScaleTarget, ScaleTrigger, ScaledObject, ScaledObjectSpec, ScalingPolicySelect,
};

fn corpus(folder: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/manifests")
        .join(folder);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read");
            (path.display().to_string(), text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn keda_manifests_load_unchanged_and_remember_their_group() {
    let mut keda = 0;
    for (name, text) in corpus("valid") {
        let documents = load(&name, &text).unwrap_or_else(|error| panic!("{error}"));
        for document in documents {
            keda += usize::from(document.manifest.group == Group::Keda);
            // What was written is what is kept: re-serializing in the original group and loading
            // again gives the same object, and no field of the corpus was dropped as unknown.
            let again = load("again", &document.manifest.to_yaml().unwrap()).unwrap();
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].manifest, document.manifest, "{name}");
            assert!(
                document.unknown_fields.is_empty(),
                "{name}: {:?}",
                document.unknown_fields
            );
        }
    }
    assert!(
        keda >= 10,
        "only {keda} keda.sh manifests in the valid corpus"
    );
}

#[test]
fn converting_to_the_other_group_and_back_is_the_identity() {
    for (name, text) in corpus("valid") {
        for document in load(&name, &text).unwrap() {
            let original = &document.manifest;
            for group in Group::ALL {
                let there = convert(original, group);
                assert_eq!(there.group, group);
                let value = there.to_value();
                assert_eq!(value["apiVersion"], group.api_version(), "{name}");
                let back = convert(&there, original.group);
                assert_eq!(&back, original, "{name}");
            }
        }
    }
}

#[test]
fn a_stream_of_converted_manifests_loads_back_in_order() {
    let mut manifests = Vec::new();
    for (name, text) in corpus("valid") {
        manifests.extend(
            load(&name, &text)
                .unwrap()
                .into_iter()
                .map(|d| convert(&d.manifest, Group::Tidal)),
        );
    }
    let stream = tidal_api::manifest::to_yaml_stream(&manifests).unwrap();
    let loaded: Vec<Manifest> = load("stream", &stream)
        .unwrap()
        .into_iter()
        .map(|d| d.manifest)
        .collect();
    assert_eq!(loaded, manifests);
}

#[test]
fn a_scaled_object_keeps_keda_defaults_in_accessors_not_in_the_text() {
    let text = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web}\n\
                spec:\n  scaleTargetRef: {name: web}\n  triggers:\n  - type: cpu\n    \
                metadata: {value: '50'}\n";
    let documents = load("inline", text).unwrap();
    let Object::ScaledObject(object) = &documents[0].manifest.object else {
        panic!("not a ScaledObject");
    };
    let spec = &object.spec;
    assert_eq!(
        (
            spec.polling_interval(),
            spec.cooldown_period(),
            spec.initial_cooldown_period()
        ),
        (30, 300, 0)
    );
    assert_eq!(
        (spec.min_replica_count(), spec.max_replica_count()),
        (0, 100)
    );
    assert_eq!(spec.scale_target_ref.kind(), "Deployment");
    assert_eq!(spec.scale_target_ref.api_version(), "apps/v1");
    assert_eq!(spec.triggers[0].metric_type(), MetricType::AverageValue);
    let written = documents[0].manifest.to_yaml().unwrap();
    assert!(
        !written.contains("pollingInterval"),
        "defaults leaked into the text:\n{written}"
    );
}

#[test]
fn errors_name_the_document_and_line_and_spare_the_other_documents() {
    let text = "apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: a}\n\
                spec: {}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  \
                name: b\nspec:\n  scaleTargetRef: {name: b}\n  maxReplicaCount: many\n  \
                triggers: []\n";
    let (documents, errors) = load_all("two.yaml", text);
    assert_eq!(documents.len(), 1, "the good document still loads");
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert!(
        message.starts_with("two.yaml:12: document 2: ScaledObject b: spec.maxReplicaCount:"),
        "{message}"
    );
    let broken = "a: 1\n---\nb: [\n";
    let message = load("broken.yaml", broken).unwrap_err().to_string();
    assert!(message.starts_with("broken.yaml:3:"), "{message}");
    assert!(message.contains("document 2"), "{message}");
}

#[test]
fn line_lookup_falls_back_to_the_nearest_written_field() {
    let text = "apiVersion: tidal.dev/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: w\nspec:\n  \
                scaleTargetRef:\n    name: w\n  triggers:\n  - type: cpu\n    metadata:\n      \
                value: '10'\n";
    let document = load("w.yaml", text).unwrap().remove(0);
    let value = FieldPath::parse("spec.triggers")
        .index(0)
        .key("metadata")
        .key("value");
    assert_eq!(document.line_of(&value), Some(11));
    let absent = FieldPath::parse("spec.triggers").index(0).key("metricType");
    assert_eq!(
        document.line_of(&absent),
        Some(9),
        "falls back to the trigger's line"
    );
}

fn trigger() -> impl Strategy<Value = ScaleTrigger> {
    (
        prop::sample::select(vec!["prometheus", "cpu", "kafka", "external", "x-custom"]),
        prop::option::of("[a-z][a-z0-9-]{0,10}"),
        prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9]{0,12}", "[ -~\n\t]{0,24}", 0..5),
        prop::option::of(any::<bool>()),
        prop::option::of(("[a-z]{1,8}", prop::option::of(prop::bool::ANY))),
        prop::option::of(prop::sample::select(vec![
            MetricType::AverageValue,
            MetricType::Value,
            MetricType::Utilization,
        ])),
    )
        .prop_map(
            |(kind, name, metadata, cached, auth, metric_type)| ScaleTrigger {
                type_: kind.to_owned(),
                name,
                metadata,
                use_cached_metrics: cached,
                authentication_ref: auth.map(|(name, cluster)| AuthenticationRef {
                    name,
                    kind: cluster.map(|cluster| {
                        if cluster {
                            AuthenticationKind::ClusterTriggerAuthentication
                        } else {
                            AuthenticationKind::TriggerAuthentication
                        }
                    }),
                }),
                metric_type,
            },
        )
}

fn rules() -> impl Strategy<Value = HpaScalingRules> {
    (
        prop::option::of(0..=3600i32),
        prop::option::of(prop::sample::select(vec![
            ScalingPolicySelect::Max,
            ScalingPolicySelect::Min,
            ScalingPolicySelect::Disabled,
        ])),
        prop::option::of(prop::collection::vec(
            (any::<bool>(), 1..500i32, 1..=1800i32),
            0..3,
        )),
        prop::option::of(prop::sample::select(vec!["0.05", "50m", "0", "1"])),
    )
        .prop_map(|(window, select, policies, tolerance)| HpaScalingRules {
            stabilization_window_seconds: window,
            select_policy: select,
            policies: policies.map(|policies| {
                policies
                    .into_iter()
                    .map(|(pods, value, period_seconds)| HpaScalingPolicy {
                        type_: if pods {
                            HpaScalingPolicyType::Pods
                        } else {
                            HpaScalingPolicyType::Percent
                        },
                        value,
                        period_seconds,
                    })
                    .collect()
            }),
            tolerance: tolerance
                .map(|t| k8s_openapi::apimachinery::pkg::api::resource::Quantity(t.to_owned())),
        })
}

fn scaled_object() -> impl Strategy<Value = ScaledObject> {
    (
        "[a-z][a-z0-9-]{0,20}",
        prop::option::of("[a-z]{1,10}"),
        prop::collection::btree_map("[a-z.]{1,10}/[a-z-]{1,10}", "[ -~]{0,10}", 0..3),
        prop::collection::vec(prop::option::of(-5..500i32), 6),
        prop::collection::vec(trigger(), 0..4),
        prop::option::of((prop::option::of(rules()), prop::option::of(rules()))),
        prop::option::of((0..10i32, 0..10i32, prop::option::of(any::<bool>()))),
    )
        .prop_map(
            |(name, namespace, annotations, numbers, triggers, behavior, fallback)| {
                let mut object = ScaledObject::new(
                    &name,
                    ScaledObjectSpec {
                        scale_target_ref: ScaleTarget {
                            name: name.clone(),
                            api_version: None,
                            kind: numbers[0].map(|_| "StatefulSet".to_owned()),
                            env_source_container_name: None,
                        },
                        polling_interval: numbers[0],
                        initial_cooldown_period: numbers[1],
                        cooldown_period: numbers[2],
                        idle_replica_count: numbers[3],
                        min_replica_count: numbers[4],
                        max_replica_count: numbers[5],
                        advanced: behavior.map(|(scale_up, scale_down)| {
                            tidal_api::v1alpha1::AdvancedConfig {
                                horizontal_pod_autoscaler_config: Some(
                                    tidal_api::v1alpha1::HorizontalPodAutoscalerConfig {
                                        name: None,
                                        behavior: Some(HorizontalPodAutoscalerBehavior {
                                            scale_up,
                                            scale_down,
                                        }),
                                    },
                                ),
                                restore_to_original_replica_count: Some(true),
                                scaling_modifiers: None,
                            }
                        }),
                        triggers,
                        fallback: fallback.map(|(failure_threshold, replicas, higher)| Fallback {
                            failure_threshold,
                            replicas,
                            behavior: higher.map(|higher| {
                                if higher {
                                    FallbackBehavior::CurrentReplicasIfHigher
                                } else {
                                    FallbackBehavior::Static
                                }
                            }),
                        }),
                    },
                );
                object.metadata.namespace = namespace;
                object.metadata.annotations =
                    Some(annotations).filter(|map: &BTreeMap<_, _>| !map.is_empty());
                object
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any ScaledObject written as YAML in either group loads back identical, and converting it to
    /// the other group and back changes nothing.
    #[test]
    fn scaled_objects_round_trip_through_yaml_in_both_groups(object in scaled_object()) {
        let object = Object::ScaledObject(Box::new(object));
        for group in Group::ALL {
            let manifest = Manifest { group, object: object.clone() };
            let yaml = manifest.to_yaml().unwrap();
            let loaded = load("generated", &yaml).map_err(|error| TestCaseError::fail(format!("{error}\n{yaml}")))?;
            prop_assert_eq!(loaded.len(), 1);
            prop_assert_eq!(&loaded[0].manifest, &manifest, "{}", yaml);
            prop_assert!(loaded[0].unknown_fields.is_empty());
            let other = if group == Group::Keda { Group::Tidal } else { Group::Keda };
            prop_assert_eq!(convert(&convert(&manifest, other), group), manifest);
        }
    }
}
