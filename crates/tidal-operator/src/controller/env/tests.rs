use serde_json::json;

use super::*;

fn containers(value: serde_json::Value) -> Vec<Container> {
    serde_json::from_value(value).expect("containers")
}

fn fetched() -> FetchedData {
    let mut fetched = FetchedData::default();
    fetched.secrets.insert(
        "redis".into(),
        BTreeMap::from([("password".into(), SecretBytes(b"s3cr3t".to_vec()))]),
    );
    fetched.config_maps.insert(
        "settings".into(),
        BTreeMap::from([
            ("REDIS_HOST".into(), "127.0.0.1".into()),
            ("LIST".into(), "jobs".into()),
        ]),
    );
    fetched
}

fn plain(env: &TargetEnv, container: Option<&str>) -> BTreeMap<String, String> {
    env.container(container)
        .expect("container")
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect()
}

#[test]
fn env_from_then_env_in_order_with_references_expanded() {
    let containers = containers(json!([{
        "name": "app",
        "envFrom": [{ "configMapRef": { "name": "settings" }, "prefix": "CFG_" }],
        "env": [
            { "name": "PORT", "value": "16380" },
            { "name": "ADDRESS", "value": "$(CFG_REDIS_HOST):$(PORT)" },
            { "name": "LITERAL", "value": "$$(PORT) and $(UNKNOWN)" },
            { "name": "REDIS_PASSWORD", "valueFrom": { "secretKeyRef": { "name": "redis", "key": "password" } } },
            { "name": "LIST_NAME", "valueFrom": { "configMapKeyRef": { "name": "settings", "key": "LIST" } } },
            { "name": "POD_IP", "valueFrom": { "fieldRef": { "fieldPath": "status.podIP" } } }
        ]
    }]));
    let env = resolve(&containers, &fetched(), None).expect("resolves");
    let vars = plain(&env, None);
    assert_eq!(vars["ADDRESS"], "127.0.0.1:16380");
    assert_eq!(vars["LITERAL"], "$(PORT) and $(UNKNOWN)");
    assert_eq!(vars["REDIS_PASSWORD"], "s3cr3t");
    assert_eq!(vars["LIST_NAME"], "jobs");
    assert_eq!(vars["CFG_LIST"], "jobs");
    assert!(
        !vars.contains_key("POD_IP"),
        "fieldRef is known only in a running pod"
    );
}

#[test]
fn the_env_source_container_is_the_named_one_or_the_first() {
    let containers = containers(json!([
        { "name": "app", "env": [{ "name": "WHO", "value": "app" }] },
        { "name": "sidecar", "env": [{ "name": "WHO", "value": "sidecar" }] }
    ]));
    let first = resolve(&containers, &fetched(), None).expect("resolves");
    assert_eq!(first.resolved_env()["WHO"], "app");
    let named = resolve(&containers, &fetched(), Some("sidecar")).expect("resolves");
    assert_eq!(named.resolved_env()["WHO"], "sidecar");
    assert_eq!(plain(&named, Some("app"))["WHO"], "app");
}

#[test]
fn an_unknown_env_source_container_is_named_with_the_ones_there_are() {
    let containers = containers(json!([{ "name": "app" }]));
    let error = resolve(&containers, &fetched(), Some("worker")).expect_err("no such container");
    assert_eq!(
        error,
        "spec.scaleTargetRef.envSourceContainerName: \"worker\" names no container of the \
         target; its containers are [\"app\"]"
    );
}

#[test]
fn missing_references_are_errors_unless_optional_and_never_show_values() {
    let missing_key = containers(json!([{
        "name": "app",
        "env": [{ "name": "P", "valueFrom": { "secretKeyRef": { "name": "redis", "key": "pasword" } } }]
    }]));
    let error = resolve(&missing_key, &fetched(), None).expect_err("missing key");
    assert_eq!(
        error,
        "container \"app\": env \"P\": key \"pasword\" of Secret \"redis\" was not found"
    );
    assert!(!error.contains("s3cr3t"));

    let missing_map = containers(json!([{
        "name": "app",
        "envFrom": [{ "configMapRef": { "name": "nope" } }]
    }]));
    assert_eq!(
        resolve(&missing_map, &fetched(), None).expect_err("missing ConfigMap"),
        "container \"app\": envFrom ConfigMap \"nope\" was not found"
    );

    let optional = containers(json!([{
        "name": "app",
        "envFrom": [{ "secretRef": { "name": "nope", "optional": true } }],
        "env": [{ "name": "P", "valueFrom": { "configMapKeyRef": { "name": "settings", "key": "x", "optional": true } } }]
    }]));
    let env = resolve(&optional, &fetched(), None).expect("optional references may be missing");
    assert!(env.resolved_env().is_empty());
}

#[test]
fn referenced_objects_are_listed_once() {
    let containers = containers(json!([
        { "name": "a", "envFrom": [{ "secretRef": { "name": "redis" } }] },
        { "name": "b", "env": [
            { "name": "P", "valueFrom": { "secretKeyRef": { "name": "redis", "key": "password" } } },
            { "name": "L", "valueFrom": { "configMapKeyRef": { "name": "settings", "key": "LIST" } } }
        ] }
    ]));
    let (secrets, config_maps) = referenced(&containers);
    assert_eq!(secrets.into_iter().collect::<Vec<_>>(), ["redis"]);
    assert_eq!(config_maps.into_iter().collect::<Vec<_>>(), ["settings"]);
}

#[test]
fn a_target_without_containers_has_an_empty_environment() {
    let env = resolve(&[], &FetchedData::default(), None).expect("resolves");
    assert!(env.resolved_env().is_empty());
}
