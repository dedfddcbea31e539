use std::sync::Arc;

use super::*;
use crate::secret::Secret;
use crate::testutil::{Pairs, closed_port, context, overrides, silent_listener};
use crate::{Error as CrateError, Services};

fn build(
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
    env: &[(&str, &str)],
) -> crate::Result<RedisScaler> {
    let services = Arc::new(Services::new());
    RedisScaler::new(&context(TYPE, metadata, auth, env, services))
}

/// A trigger of `type_name` (`redis-cluster`, `redis-sentinel`) without environment.
fn build_as(
    type_name: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> crate::Result<RedisScaler> {
    let services = Arc::new(Services::new());
    RedisScaler::new(&context(type_name, metadata, auth, &[], services))
}

const OK: &[(&str, &str)] = &[("address", "redis:6379"), ("listName", "jobs")];

#[test]
fn defaults_follow_keda() {
    let scaler = build(OK, &[], &[]).unwrap();
    let config = scaler.config();
    assert_eq!(config.list_length, 5);
    assert_eq!(config.activation_list_length, 0);
    assert_eq!(config.connection.database_index, 0);
    assert_eq!(config.connection.tls, None);
    assert_eq!(scaler.metric_specs()[0].name, "s0-redis-jobs");
    assert_eq!(scaler.metric_specs()[0].target, 5.0);
}

#[test]
fn connection_parameters_come_from_metadata_env_and_authentication() {
    let scaler = build(
        &[
            ("hostFromEnv", "REDIS_HOST"),
            ("port", "6380"),
            ("listName", "q"),
            ("enableTLS", "true"),
            ("unsafeSsl", "true"),
        ],
        &[("password", "pw"), ("username", "app")],
        &[("REDIS_HOST", "cache.internal")],
    )
    .unwrap();
    let c = &scaler.config().connection;
    assert_eq!(
        c.topology,
        Topology::Standalone {
            host: "cache.internal".to_owned(),
            port: 6380
        }
    );
    assert_eq!(c.username.as_deref(), Some("app"));
    assert_eq!(c.password.as_ref().map(Secret::expose), Some("pw"));
    assert!(c.tls.as_ref().is_some_and(|t| t.unsafe_ssl));
    assert!(!format!("{scaler:?}").contains("\"pw\""));

    let tls_by_auth = build(OK, &[("tls", "enable")], &[]).unwrap();
    assert!(tls_by_auth.config().connection.tls.is_some());
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("address", "")], &[], "\"host\" is required"),
        (
            &[("address", "redis")],
            &[],
            "\"address\" has the value \"redis\", which is not host:port",
        ),
        (
            &[("address", "redis:http")],
            &[],
            "host:port with a port number",
        ),
        (
            &[("address", ""), ("host", "redis")],
            &[],
            "\"port\" is required",
        ),
        (
            &[("address", ""), ("host", "redis"), ("port", "99999")],
            &[],
            "\"port\"",
        ),
        (&[("listName", "")], &[], "\"listName\" is required"),
        (
            &[("listLength", "0")],
            &[],
            "\"listLength\": must be greater than 0",
        ),
        (
            &[("listLength", "2.5")],
            &[],
            "\"listLength\" has the value \"2.5\", which is not a whole number",
        ),
        (
            &[("activationListLength", "x")],
            &[],
            "\"activationListLength\"",
        ),
        (&[("databaseIndex", "first")], &[], "\"databaseIndex\""),
        (&[("enableTLS", "sometimes")], &[], "\"enableTLS\""),
        (&[("enableTLS", "true")], &[("tls", "enable")], "not both"),
        (
            &[],
            &[("tls", "on")],
            "\"tls\" has the value <redacted>, which is not \"enable\"",
        ),
        (
            &[("enableTLS", "true")],
            &[("cert", "c")],
            "\"key\" is required",
        ),
    ];
    for (extra, auth, want) in cases {
        let err = build(&overrides(OK, extra), auth, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("redis: ") && err.contains(want),
            "{extra:?} {auth:?}: {err}"
        );
    }
}

#[test]
fn cluster_and_sentinel_nodes_come_from_addresses_or_hosts_and_ports() {
    let nodes = |list: &[(&str, u16)]| {
        list.iter()
            .map(|(h, p)| ((*h).to_owned(), *p))
            .collect::<Vec<_>>()
    };
    let cluster = build_as(
        CLUSTER_TYPE,
        &[
            ("addresses", "a:7000, b:7001,[::1]:7002"),
            ("listName", "q"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        cluster.config().connection.topology,
        Topology::Cluster {
            nodes: nodes(&[("a", 7000), ("b", 7001), ("::1", 7002)])
        }
    );
    let sentinel = build_as(
        SENTINEL_TYPE,
        &[
            ("hosts", "s1,s2"),
            ("ports", "26379,26380"),
            ("listName", "q"),
            ("databaseIndex", "2"),
        ],
        &[
            ("sentinelMaster", "mymaster"),
            ("sentinelPassword", "sentinel-pw"),
            ("password", "pw"),
        ],
    )
    .unwrap();
    let connection = &sentinel.config().connection;
    assert_eq!(
        connection.topology,
        Topology::Sentinel {
            nodes: nodes(&[("s1", 26379), ("s2", 26380)]),
            master: "mymaster".to_owned(),
            username: None,
            password: Some(Secret::new("sentinel-pw".to_owned())),
        }
    );
    assert_eq!(connection.database_index, 2);
    assert_eq!(
        connection.address(),
        "master \"mymaster\" of sentinels s1:26379,s2:26380"
    );
    assert!(!format!("{sentinel:?}").contains("sentinel-pw"));
}

#[test]
fn cluster_and_sentinel_parameters_are_named_when_wrong() {
    let cases: &[(&str, Pairs<'_>, &str)] = &[
        (CLUSTER_TYPE, &[], "\"hosts\" is required"),
        (
            CLUSTER_TYPE,
            &[("addresses", "a:7000,b")],
            "\"addresses\" has the value \"b\", which is not host:port",
        ),
        (
            CLUSTER_TYPE,
            &[("hosts", "a,b"), ("ports", "7000")],
            "\"ports\": 2 hosts but 1 ports",
        ),
        (
            CLUSTER_TYPE,
            &[("hosts", "a"), ("ports", "x")],
            "\"ports\" has the value \"x\"",
        ),
        (CLUSTER_TYPE, &[("hosts", "a")], "\"ports\" is required"),
        (
            CLUSTER_TYPE,
            &[("addresses", "a:7000"), ("databaseIndex", "1")],
            "\"databaseIndex\": a Redis Cluster has only database 0, got 1",
        ),
        (
            SENTINEL_TYPE,
            &[("addresses", "s:26379")],
            "\"sentinelMaster\" is required",
        ),
    ];
    for (type_name, metadata, want) in cases {
        let mut metadata = metadata.to_vec();
        metadata.push(("listName", "q"));
        let err = build_as(type_name, &metadata, &[]).unwrap_err().to_string();
        assert!(err.contains(want), "{type_name} {metadata:?}: {err}");
    }
}

#[tokio::test]
async fn unreachable_and_silent_servers_are_typed_errors() {
    let closed = closed_port().to_string();
    let scaler = build(&overrides(OK, &[("address", closed.as_str())]), &[], &[]).unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::Redis(Error::Redis(RedisError::Connect { .. }))
        ),
        "{err}"
    );

    let silent = silent_listener().await.to_string();
    let services = Arc::new(Services::new().with_default_timeout(Duration::from_millis(300)));
    let scaler = RedisScaler::new(&context(
        TYPE,
        &overrides(OK, &[("address", silent.as_str())]),
        &[],
        &[],
        services,
    ))
    .unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::Redis(Error::Redis(
                RedisError::Timeout { .. } | RedisError::Connect { .. }
            ))
        ),
        "{err}"
    );
}

#[tokio::test]
async fn silent_sentinels_and_cluster_seeds_time_out() {
    let silent = silent_listener().await.to_string();
    for (type_name, extra) in [
        (SENTINEL_TYPE, vec![("sentinelMaster", "mymaster")]),
        (CLUSTER_TYPE, vec![]),
    ] {
        let mut metadata = vec![("addresses", silent.as_str()), ("listName", "q")];
        metadata.extend(extra);
        let services = Arc::new(Services::new().with_default_timeout(Duration::from_millis(300)));
        let scaler = RedisScaler::new(&context(type_name, &metadata, &[], &[], services)).unwrap();
        // The outer bound only keeps a regression from hanging the suite.
        let err = tokio::time::timeout(Duration::from_secs(30), scaler.sample())
            .await
            .unwrap_or_else(|_| panic!("{type_name}: the poll never ended"))
            .unwrap_err();
        assert!(
            matches!(
                err,
                CrateError::Redis(Error::Redis(RedisError::Timeout { .. }))
            ),
            "{type_name}: {err}"
        );
    }
}
