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
    RedisScaler::new(&context(
        TYPE,
        metadata,
        auth,
        env,
        Arc::new(Services::new()),
    ))
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
    assert_eq!((c.host.as_str(), c.port), ("cache.internal", 6380));
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
