use super::*;
use crate::Error as CrateError;
use crate::secret::Secret;
use crate::testutil::{Pairs, closed_port, overrides, plain_context};

fn build(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> crate::Result<MySqlScaler> {
    MySqlScaler::new(&plain_context(TYPE, metadata, auth))
}

const FIELDS: Pairs<'static> = &[
    ("host", "db"),
    ("username", "app"),
    ("dbName", "shop"),
    ("query", "SELECT COUNT(*) FROM jobs"),
    ("queryValue", "5"),
];

#[test]
fn fields_and_connection_strings() {
    let scaler = build(FIELDS, &[("password", "s3cret")]).unwrap();
    let dsn = &scaler.config().dsn;
    assert_eq!(
        (dsn.host.as_str(), dsn.port, dsn.db_name.as_str()),
        ("db", 3306, "shop")
    );
    assert_eq!(dsn.password.as_ref().map(Secret::expose), Some("s3cret"));
    assert_eq!(scaler.metric_specs()[0].name, "s0-mysql-shop");
    assert!(!format!("{scaler:?}").contains("s3cret"));

    let by_dsn = build(
        &[("query", "SELECT 1"), ("queryValue", "1")],
        &[("connectionString", "app:pw@tcp(mysql.internal:3307)/orders")],
    )
    .unwrap();
    assert_eq!(by_dsn.config().dsn.port, 3307);
    assert_eq!(by_dsn.metric_specs()[0].name, "s0-mysql-orders");
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("query", "")], &[], "\"query\" is required"),
        (&[("queryValue", "")], &[], "\"queryValue\" is required"),
        (
            &[("queryValue", "0")],
            &[],
            "\"queryValue\": must be greater than 0",
        ),
        (
            &[("activationQueryValue", "x")],
            &[],
            "\"activationQueryValue\"",
        ),
        (&[("host", "")], &[], "\"host\" is required"),
        (&[("username", "")], &[], "\"username\" is required"),
        (&[("dbName", "")], &[], "\"dbName\" is required"),
        (&[("port", "x")], &[], "\"port\""),
        (
            &[],
            &[("connectionString", "app:pw@db/orders")],
            "\"connectionString\" has the value <redacted>",
        ),
    ];
    for (extra, auth, want) in cases {
        let err = build(&overrides(FIELDS, extra), auth)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("mysql: ") && err.contains(want),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn result_values_become_numbers() {
    use mysql_async::Value;
    assert_eq!(number(&Value::Int(-3)).unwrap(), -3.0);
    assert_eq!(number(&Value::UInt(37)).unwrap(), 37.0);
    assert_eq!(number(&Value::Double(2.5)).unwrap(), 2.5);
    assert_eq!(number(&Value::Bytes(b"19.0000".to_vec())).unwrap(), 19.0);
    assert!(matches!(
        number(&Value::NULL),
        Err(Error::NotANumber { .. })
    ));
    assert!(matches!(
        number(&Value::Bytes(b"many".to_vec())),
        Err(Error::NotANumber { .. })
    ));
}

#[tokio::test]
async fn an_unreachable_server_is_a_typed_error() {
    let port = closed_port().port().to_string();
    let scaler = build(
        &overrides(FIELDS, &[("host", "127.0.0.1"), ("port", &port)]),
        &[],
    )
    .unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::MySql(Error::Connect { .. } | Error::Timeout { .. })
        ),
        "{err}"
    );
}
