use std::sync::Arc;

use super::*;
use crate::testutil::{Pairs, closed_port, context, overrides, plain_context, silent_listener};
use crate::{Error as CrateError, Services};

fn build(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> crate::Result<PostgresScaler> {
    PostgresScaler::new(&plain_context(TYPE, metadata, auth))
}

const FIELDS: Pairs<'static> = &[
    ("host", "db"),
    ("userName", "app"),
    ("dbName", "shop"),
    ("query", "SELECT count(*) FROM jobs"),
    ("targetQueryValue", "5"),
];

#[test]
fn a_connection_string_is_built_from_fields_and_kept_secret() {
    let scaler = build(FIELDS, &[("password", "it's s3cret")]).unwrap();
    let config = scaler.config();
    assert_eq!(
        config.connection.expose(),
        r"host='db' port=5432 user='app' dbname='shop' sslmode=disable password='it\'s s3cret'"
    );
    assert_eq!(config.server, "db:5432/shop");
    assert_eq!(config.tls.mode, SslMode::Disable);
    assert_eq!(scaler.metric_specs()[0].name, "s0-postgresql");
    assert!(!format!("{scaler:?}").contains("s3cret"));
    // The string must be one tokio-postgres accepts.
    assert!(
        config
            .driver
            .expose()
            .parse::<tokio_postgres::Config>()
            .is_ok()
    );
}

#[test]
fn verify_full_from_fields_checks_the_server_against_the_system_store() {
    let scaler = build(&overrides(FIELDS, &[("sslmode", "verify-full")]), &[]).unwrap();
    let config = scaler.config();
    assert!(config.connection.expose().contains("sslmode=verify-full"));
    assert!(config.driver.expose().contains("sslmode='require'"));
    assert_eq!(
        config.tls,
        Tls {
            mode: SslMode::VerifyFull,
            roots: Roots::System,
            client: None,
        }
    );
}

#[test]
fn a_connection_string_from_authentication_wins() {
    let scaler = build(
        &[("query", "SELECT 1"), ("targetQueryValue", "1")],
        &[(
            "connection",
            "postgresql://app:pw@db.internal:6543/orders?sslmode=require",
        )],
    )
    .unwrap();
    assert_eq!(scaler.config().server, "db.internal:6543/orders");
    assert_eq!(scaler.config().tls.mode, SslMode::Require);
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("query", "")], &[], "\"query\" is required"),
        (
            &[("targetQueryValue", "")],
            &[],
            "\"targetQueryValue\" is required",
        ),
        (
            &[("targetQueryValue", "0")],
            &[],
            "\"targetQueryValue\": must be greater than 0",
        ),
        (
            &[("activationTargetQueryValue", "x")],
            &[],
            "\"activationTargetQueryValue\"",
        ),
        (&[("host", "")], &[], "\"host\" is required"),
        (&[("userName", "")], &[], "\"userName\" is required"),
        (&[("dbName", "")], &[], "\"dbName\" is required"),
        (&[("port", "http")], &[], "\"port\""),
        (
            &[("sslmode", "maybe")],
            &[],
            "\"sslmode\" has the value \"maybe\"",
        ),
        (
            &[],
            &[("connection", "host=db user=app sslmode=always")],
            "\"sslmode\": \"always\" is not supported; allowed: \"disable\", \"allow\", \
             \"prefer\", \"require\", \"verify-ca\" or \"verify-full\"",
        ),
        (
            &[],
            &[("connection", "host=db port=notaport")],
            "\"connection\" has the value <redacted>",
        ),
    ];
    for (extra, auth, want) in cases {
        let err = build(&overrides(FIELDS, extra), auth)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("postgresql: ") && err.contains(want),
            "{extra:?}: {err}"
        );
    }
}

#[tokio::test]
async fn unreachable_and_silent_servers_are_typed_errors() {
    let port = closed_port().port().to_string();
    let scaler = build(
        &overrides(FIELDS, &[("host", "127.0.0.1"), ("port", &port)]),
        &[],
    )
    .unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(err, CrateError::Postgres(Error::Connect { .. })),
        "{err}"
    );

    let silent = silent_listener().await.port().to_string();
    let services = Arc::new(Services::new().with_default_timeout(Duration::from_millis(300)));
    let ctx = context(
        TYPE,
        &overrides(FIELDS, &[("host", "127.0.0.1"), ("port", &silent)]),
        &[],
        &[],
        services,
    );
    let err = PostgresScaler::new(&ctx)
        .unwrap()
        .sample()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::Postgres(Error::Timeout { .. } | Error::Connect { .. })
        ),
        "{err}"
    );
}
