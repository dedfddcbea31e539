//! mysql against a real MariaDB.

use mysql_async::prelude::Queryable;

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_MYSQL_DSN",
    "TIDAL_MYSQL_URL",
    "TIDAL_MYSQL_HOST",
    "TIDAL_MYSQL_PORT",
    "TIDAL_MYSQL_USER",
    "TIDAL_MYSQL_PASSWORD",
    "TIDAL_MYSQL_DB",
];

#[tokio::test]
async fn query_value_activity_and_faults() {
    let Some(env) = common::env(VARS) else { return };
    let pool = mysql_async::Pool::from_url(env["TIDAL_MYSQL_URL"].as_str()).unwrap();
    let mut conn = pool.get_conn().await.unwrap();
    let table = common::unique("tidal_it_jobs");
    conn.query_drop(format!("CREATE TABLE {table} (id INT)"))
        .await
        .unwrap();
    let rows: Vec<String> = (1..=37).map(|i| format!("({i})")).collect();
    conn.query_drop(format!("INSERT INTO {table} VALUES {}", rows.join(",")))
        .await
        .unwrap();

    let count = format!("SELECT COUNT(*) FROM {table}");
    let by_dsn = common::build(
        "mysql",
        &[("query", &count), ("queryValue", "10")],
        &[("connectionString", &env["TIDAL_MYSQL_DSN"])],
    )
    .await
    .unwrap();
    let values = by_dsn.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (37.0, true));

    let fields = |query: &str, password: &str| {
        let query = query.to_owned();
        let password = password.to_owned();
        let env = env.clone();
        async move {
            common::build(
                "mysql",
                &[
                    ("host", &env["TIDAL_MYSQL_HOST"]),
                    ("port", &env["TIDAL_MYSQL_PORT"]),
                    ("username", &env["TIDAL_MYSQL_USER"]),
                    ("dbName", &env["TIDAL_MYSQL_DB"]),
                    ("query", &query),
                    ("queryValue", "10"),
                    ("activationQueryValue", "19"),
                ],
                &[("password", &password)],
            )
            .await
            .unwrap()
        }
    };
    let password = env["TIDAL_MYSQL_PASSWORD"].clone();
    let avg = fields(&format!("SELECT AVG(id) FROM {table}"), &password).await;
    let values = avg.sample().await.unwrap();
    assert_eq!(
        (values[0].value, values[0].active),
        (19.0, false),
        "AVG(1..37) = 19 is not above 19"
    );

    for (query, want) in [
        ("SELECT 'many'", "\"many\""),
        ("SELECT NULL", "NULL"),
        ("SELECT * FROM nowhere_at_all", "the query failed"),
    ] {
        let err = fields(query, &password)
            .await
            .sample()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{query}: {err}");
    }
    let err = fields("SELECT 1", "wrong-password")
        .await
        .sample()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot connect") && err.contains("Access denied"),
        "{err}"
    );
    assert!(!err.contains("wrong-password"), "{err}");

    conn.query_drop(format!("DROP TABLE {table}"))
        .await
        .unwrap();
    drop(conn);
    pool.disconnect().await.unwrap();
}

/// 1 when the server sees this session encrypted, 0 when not.
const ENCRYPTED: &str = "SELECT COUNT(*) FROM information_schema.SESSION_STATUS \
                         WHERE VARIABLE_NAME = 'Ssl_cipher' AND VARIABLE_VALUE <> ''";

#[tokio::test]
async fn the_dsn_tls_parameter_encrypts_and_verifies_as_the_go_driver_does() {
    let Some(env) = common::env(&["TIDAL_MYSQL_DSN"]) else {
        return;
    };
    let sample = |tls: &str| {
        let dsn = format!("{}?tls={tls}", env["TIDAL_MYSQL_DSN"]);
        async move {
            let scaler = common::build(
                "mysql",
                &[("query", ENCRYPTED), ("queryValue", "1")],
                &[("connectionString", &dsn)],
            )
            .await
            .map_err(|e| e.to_string())?;
            let values = scaler.sample().await.map_err(|e| e.to_string())?;
            Ok::<f64, String>(values[0].value)
        }
    };
    for (tls, encrypted) in [("false", 0.0), ("skip-verify", 1.0), ("preferred", 1.0)] {
        assert_eq!(sample(tls).await, Ok(encrypted), "tls={tls}");
    }
    // tls=true checks the certificate against the system's roots, which do not hold the test
    // CA: the handshake must fail rather than fall back to plain text.
    let error = sample("true").await.unwrap_err();
    assert!(
        error.contains("cannot connect to MySQL")
            && error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );
    assert!(!error.contains(&env["TIDAL_MYSQL_DSN"]), "{error}");
}

#[tokio::test]
async fn tls_preferred_falls_back_to_plain_text_where_the_server_offers_no_tls() {
    let Some(env) = common::env(&[
        "TIDAL_MYSQL_HOST",
        "TIDAL_MYSQL_PLAIN_PORT",
        "TIDAL_MYSQL_USER",
        "TIDAL_MYSQL_PASSWORD",
        "TIDAL_MYSQL_DB",
    ]) else {
        return;
    };
    // The second MariaDB runs with --skip-ssl.
    let dsn = |tls: &str| {
        format!(
            "{}:{}@tcp({}:{})/{}?tls={tls}",
            env["TIDAL_MYSQL_USER"],
            env["TIDAL_MYSQL_PASSWORD"],
            env["TIDAL_MYSQL_HOST"],
            env["TIDAL_MYSQL_PLAIN_PORT"],
            env["TIDAL_MYSQL_DB"]
        )
    };
    let build = |tls: &str| {
        let dsn = dsn(tls);
        async move {
            common::build(
                "mysql",
                &[("query", ENCRYPTED), ("queryValue", "1")],
                &[("connectionString", &dsn)],
            )
            .await
            .unwrap()
        }
    };
    let preferred = build("preferred").await;
    // Twice: the first poll falls back, the second uses the plain pool it left.
    for poll in 0..2 {
        let values = preferred
            .sample()
            .await
            .unwrap_or_else(|e| panic!("poll {poll}: {e}"));
        assert_eq!(values[0].value, 0.0, "poll {poll}: plain text");
    }
    // Only preferred falls back: skip-verify and true require TLS.
    for tls in ["skip-verify", "true"] {
        let error = build(tls).await.sample().await.unwrap_err().to_string();
        assert!(
            error.contains("cannot connect to MySQL"),
            "tls={tls}: {error}"
        );
        assert!(!error.contains(&env["TIDAL_MYSQL_PASSWORD"]), "{error}");
    }
}
