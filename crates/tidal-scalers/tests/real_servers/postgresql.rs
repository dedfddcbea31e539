//! postgresql against a real server.

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_POSTGRES_CONNECTION",
    "TIDAL_POSTGRES_HOST",
    "TIDAL_POSTGRES_PORT",
    "TIDAL_POSTGRES_USER",
    "TIDAL_POSTGRES_PASSWORD",
    "TIDAL_POSTGRES_DB",
];

#[tokio::test]
async fn query_value_and_activity() {
    let Some(env) = common::env(VARS) else { return };
    let (client, connection) =
        tokio_postgres::connect(&env["TIDAL_POSTGRES_CONNECTION"], tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    let table = common::unique("tidal_it_jobs");
    client
        .batch_execute(&format!(
            "CREATE TABLE {table} (id int); INSERT INTO {table} SELECT generate_series(1, 37);"
        ))
        .await
        .unwrap();
    let query = format!("SELECT count(*) FROM {table}");

    let by_string = common::build(
        "postgresql",
        &[("query", &query), ("targetQueryValue", "10")],
        &[("connection", &env["TIDAL_POSTGRES_CONNECTION"])],
    )
    .await
    .unwrap();
    let values = by_string.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (37.0, true));

    let by_fields = common::build(
        "postgresql",
        &[
            ("host", &env["TIDAL_POSTGRES_HOST"]),
            ("port", &env["TIDAL_POSTGRES_PORT"]),
            ("userName", &env["TIDAL_POSTGRES_USER"]),
            ("dbName", &env["TIDAL_POSTGRES_DB"]),
            (
                "query",
                &format!("SELECT avg(id)::numeric(10,2) FROM {table}"),
            ),
            ("targetQueryValue", "10"),
            ("activationTargetQueryValue", "19"),
        ],
        &[("password", &env["TIDAL_POSTGRES_PASSWORD"])],
    )
    .await
    .unwrap();
    let values = by_fields.sample().await.unwrap();
    assert_eq!(
        (values[0].value, values[0].active),
        (19.0, false),
        "avg(1..37) = 19 is not above 19"
    );

    client
        .batch_execute(&format!("DROP TABLE {table}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_queries_results_and_credentials() {
    let Some(env) = common::env(VARS) else { return };
    let connection = env["TIDAL_POSTGRES_CONNECTION"].as_str();
    for (query, want) in [
        ("SELECT 'many'", "is not a number: \"many\""),
        ("SELECT 1 WHERE false", "no rows"),
        ("SELECT NULL", "NULL"),
        ("SELECT FROM nowhere_at_all", "the query failed"),
    ] {
        let scaler = common::build(
            "postgresql",
            &[("query", query), ("targetQueryValue", "1")],
            &[("connection", connection)],
        )
        .await
        .unwrap();
        let err = scaler.sample().await.unwrap_err().to_string();
        assert!(err.contains(want), "{query}: {err}");
    }

    let scaler = common::build(
        "postgresql",
        &[
            ("host", &env["TIDAL_POSTGRES_HOST"]),
            ("port", &env["TIDAL_POSTGRES_PORT"]),
            ("userName", &env["TIDAL_POSTGRES_USER"]),
            ("dbName", &env["TIDAL_POSTGRES_DB"]),
            ("query", "SELECT 1"),
            ("targetQueryValue", "1"),
        ],
        &[("password", "wrong-password")],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(
        err.contains("cannot connect") && err.contains("password authentication failed"),
        "{err}"
    );
    assert!(!err.contains("wrong-password"), "{err}");
}
