use super::*;

fn spec() -> AuthSpec {
    AuthSpec {
        kind: AuthKind::TriggerAuthentication,
        namespace: "shop".into(),
        name: "redis-auth".into(),
        pod_identity_provider: None,
        secret_target_refs: vec![TargetRef {
            parameter: "password".into(),
            name: "redis".into(),
            key: "pw".into(),
        }],
        config_map_target_refs: vec![TargetRef {
            parameter: "username".into(),
            name: "redis-cm".into(),
            key: "user".into(),
        }],
        env: vec![EnvRef {
            parameter: "host".into(),
            name: "REDIS_HOST".into(),
            container_name: None,
        }],
    }
}

fn data() -> FetchedData {
    let mut data = FetchedData::default();
    data.secrets.insert(
        "redis".into(),
        [("pw".to_owned(), SecretBytes(b"s3cr3t".to_vec()))].into(),
    );
    data.config_maps.insert(
        "redis-cm".into(),
        [("user".to_owned(), "app".to_owned())].into(),
    );
    data
}

fn env() -> TargetEnv {
    TargetEnv {
        containers: vec![
            (
                "main".into(),
                [("REDIS_HOST".to_owned(), Secret::new("10.0.0.1"))].into(),
            ),
            (
                "sidecar".into(),
                [("REDIS_HOST".to_owned(), Secret::new("sidecar-host"))].into(),
            ),
        ],
        env_source_container: None,
    }
}

#[test]
fn resolves_secret_config_map_and_env_entries() {
    let params = resolve(&spec(), &data(), &env()).unwrap();
    assert_eq!(params.get("password").unwrap().expose(), "s3cr3t");
    assert_eq!(params.get("username").unwrap().expose(), "app");
    assert_eq!(params.get("host").unwrap().expose(), "10.0.0.1");
    assert!(!format!("{params:?}").contains("s3cr3t"));
}

#[test]
fn env_entries_honour_container_name_and_env_source_container() {
    let mut spec = spec();
    spec.env[0].container_name = Some("sidecar".into());
    let params = resolve(&spec, &data(), &env()).unwrap();
    assert_eq!(params.get("host").unwrap().expose(), "sidecar-host");

    let mut spec2 = self::spec();
    spec2.env[0].container_name = None;
    let mut env = env();
    env.env_source_container = Some("sidecar".into());
    let params = resolve(&spec2, &data(), &env).unwrap();
    assert_eq!(params.get("host").unwrap().expose(), "sidecar-host");
}

#[test]
fn later_sources_override_earlier_ones() {
    let mut spec = spec();
    spec.env[0].parameter = "password".into();
    let params = resolve(&spec, &data(), &env()).unwrap();
    assert_eq!(params.get("password").unwrap().expose(), "s3cr3t");
}

#[test]
fn missing_objects_and_keys_name_the_entry() {
    let mut data = data();
    data.secrets.clear();
    let err = resolve(&spec(), &data, &env()).unwrap_err().to_string();
    assert_eq!(
        err,
        "TriggerAuthentication shop/redis-auth: spec.secretTargetRef[0] (parameter \"password\"): Secret \"redis\" was not found"
    );

    let mut spec = spec();
    spec.config_map_target_refs[0].key = "nope".into();
    let err = resolve(&spec, &self::data(), &env())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("spec.configMapTargetRef[0]") && err.contains("has no key \"nope\""),
        "{err}"
    );

    let mut spec = self::spec();
    spec.env[0].container_name = Some("ghost".into());
    let err = resolve(&spec, &self::data(), &env())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no container \"ghost\""), "{err}");
}

#[test]
fn binary_secret_values_are_rejected_without_showing_them() {
    let mut data = data();
    data.secrets.insert(
        "redis".into(),
        [("pw".to_owned(), SecretBytes(vec![0xff, 0xfe]))].into(),
    );
    let err = resolve(&spec(), &data, &env()).unwrap_err();
    assert!(matches!(err, Error::NotText { .. }), "{err}");
}

#[test]
fn cloud_pod_identities_are_refused_and_none_is_accepted() {
    let mut spec = spec();
    spec.pod_identity_provider = Some("none".into());
    assert!(resolve(&spec, &data(), &env()).is_ok());
    spec.pod_identity_provider = Some("azure-workload".into());
    let err = resolve(&spec, &data(), &env()).unwrap_err().to_string();
    assert!(err.contains("\"azure-workload\" is not supported"), "{err}");
}

#[test]
fn cluster_trigger_authentication_is_named_without_namespace() {
    let mut spec = spec();
    spec.kind = AuthKind::ClusterTriggerAuthentication;
    spec.namespace.clear();
    let err = resolve(&spec, &FetchedData::default(), &env())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("ClusterTriggerAuthentication redis-auth:"),
        "{err}"
    );
}
