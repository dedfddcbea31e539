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

const TLS_VARS: &[&str] = &[
    "TIDAL_POSTGRES_HOST",
    "TIDAL_POSTGRES_PORT",
    "TIDAL_POSTGRES_USER",
    "TIDAL_POSTGRES_PASSWORD",
    "TIDAL_POSTGRES_DB",
    "TIDAL_TLS_CA",
    "TIDAL_TLS_OTHER_CA",
];

/// 1 when the server sees this session encrypted, 0 when not.
const ENCRYPTED: &str = "SELECT ssl::int FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

#[tokio::test]
async fn sslmodes_encrypt_and_verify_the_server_as_libpq_does() {
    let Some(env) = common::env(TLS_VARS) else {
        return;
    };
    let (host, port) = (&env["TIDAL_POSTGRES_HOST"], &env["TIDAL_POSTGRES_PORT"]);
    let (ca, other_ca) = (&env["TIDAL_TLS_CA"], &env["TIDAL_TLS_OTHER_CA"]);
    let credentials = format!(
        "port={port} user={} password={} dbname={}",
        env["TIDAL_POSTGRES_USER"], env["TIDAL_POSTGRES_PASSWORD"], env["TIDAL_POSTGRES_DB"]
    );
    // The certificate names 127.0.0.1 and localhost. Connecting to the same address under
    // another name (host for the certificate check, hostaddr for the socket) tells verify-ca,
    // which checks only the chain, from verify-full, which checks the name too.
    let direct = format!("host={host} {credentials}");
    let renamed = format!("host=pg.tidal.test hostaddr={host} {credentials}");
    let url = format!(
        "postgresql://{}:{}@{host}:{port}/{}?sslmode=verify-full&sslrootcert={}",
        env["TIDAL_POSTGRES_USER"],
        env["TIDAL_POSTGRES_PASSWORD"],
        env["TIDAL_POSTGRES_DB"],
        url_escape(ca)
    );
    let encrypted = [
        (format!("{direct} sslmode=disable"), 0.0),
        // allow: plain text, which this role may use.
        (format!("{direct} sslmode=allow"), 0.0),
        (format!("{direct} sslmode=require"), 1.0),
        (
            format!("{direct} sslmode=verify-full sslrootcert={ca}"),
            1.0,
        ),
        (format!("{renamed} sslmode=verify-ca sslrootcert={ca}"), 1.0),
        (url, 1.0),
    ];
    for (connection, want) in encrypted {
        let value = sample(&connection)
            .await
            .unwrap_or_else(|e| panic!("{connection}: {e}"));
        assert_eq!(value, want, "{connection}");
    }
    let refused = [
        (
            format!("{renamed} sslmode=verify-full sslrootcert={ca}"),
            "not valid for name",
        ),
        (
            format!("{direct} sslmode=verify-full sslrootcert={other_ca}"),
            "invalid peer certificate",
        ),
        (
            format!("{direct} sslmode=require sslrootcert={other_ca}"),
            "invalid peer certificate",
        ),
    ];
    for (connection, want) in refused {
        let error = sample(&connection).await.unwrap_err();
        assert!(
            error.contains("cannot connect") && error.contains(want),
            "{connection}: {error}"
        );
        assert!(!error.contains(&env["TIDAL_POSTGRES_PASSWORD"]), "{error}");
    }
}

const MTLS_VARS: &[&str] = &[
    "TIDAL_POSTGRES_HOST",
    "TIDAL_POSTGRES_PORT",
    "TIDAL_POSTGRES_MTLS_USER",
    "TIDAL_POSTGRES_PASSWORD",
    "TIDAL_POSTGRES_DB",
    "TIDAL_TLS_CA",
    "TIDAL_TLS_CLIENT_CERT",
    "TIDAL_TLS_CLIENT_KEY",
    "TIDAL_TLS_CLIENT_KEY_ENCRYPTED",
    "TIDAL_TLS_CLIENT_KEY_LEGACY",
    "TIDAL_TLS_CLIENT_KEY_PASSWORD",
];

/// 1 when the server sees this session encrypted and authenticated by a client certificate.
const CERTIFIED: &str =
    "SELECT (ssl AND client_dn IS NOT NULL)::int FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

#[tokio::test]
async fn client_certificates_log_in_where_the_server_requires_one() {
    let Some(env) = common::env(MTLS_VARS) else {
        return;
    };
    // The _mtls role logs in only over TLS with a certificate from the test CA (pg_hba.conf).
    let base = format!(
        "host={} port={} user={} password={} dbname={}",
        env["TIDAL_POSTGRES_HOST"],
        env["TIDAL_POSTGRES_PORT"],
        env["TIDAL_POSTGRES_MTLS_USER"],
        env["TIDAL_POSTGRES_PASSWORD"],
        env["TIDAL_POSTGRES_DB"]
    );
    let (ca, cert) = (&env["TIDAL_TLS_CA"], &env["TIDAL_TLS_CLIENT_CERT"]);
    let (key, encrypted) = (
        &env["TIDAL_TLS_CLIENT_KEY"],
        &env["TIDAL_TLS_CLIENT_KEY_ENCRYPTED"],
    );
    let legacy = &env["TIDAL_TLS_CLIENT_KEY_LEGACY"];
    let password = &env["TIDAL_TLS_CLIENT_KEY_PASSWORD"];
    let accepted = [
        format!("{base} sslmode=verify-full sslrootcert={ca} sslcert={cert} sslkey={key}"),
        format!("{base} sslmode=require sslcert={cert} sslkey={encrypted} sslpassword={password}"),
        format!("{base} sslmode=require sslcert={cert} sslkey={legacy} sslpassword={password}"),
        // allow: plain text is refused to this role, so TLS, with the certificate.
        format!("{base} sslmode=allow sslcert={cert} sslkey={key}"),
    ];
    for connection in accepted {
        let value = sample_query(&connection, CERTIFIED)
            .await
            .unwrap_or_else(|e| panic!("{connection}: {e}"));
        assert_eq!(value, 1.0, "{connection}");
    }
    let refused = [
        (
            format!("{base} sslmode=verify-full sslrootcert={ca}"),
            "certificate",
        ),
        (format!("{base} sslmode=disable"), "pg_hba.conf rejects"),
        (
            format!("{base} sslmode=require sslcert={cert} sslkey={encrypted}"),
            "is encrypted; give its password in sslpassword",
        ),
        (
            format!(
                "{base} sslmode=require sslcert={cert} sslkey={encrypted} sslpassword=wrong-pw"
            ),
            "does not decrypt",
        ),
        (
            format!("{base} sslmode=require sslcert={cert} sslkey={legacy}"),
            "is encrypted; give its password in sslpassword",
        ),
    ];
    for (connection, want) in refused {
        let error = sample_query(&connection, CERTIFIED).await.unwrap_err();
        assert!(
            error.contains("cannot connect") && error.contains(want),
            "{connection}: {error}"
        );
        for secret in [&env["TIDAL_POSTGRES_PASSWORD"], password, "wrong-pw"] {
            assert!(!error.contains(secret), "{error}");
        }
    }
}

/// The value of [`ENCRYPTED`] through a `postgresql` trigger on `connection`.
async fn sample(connection: &str) -> Result<f64, String> {
    sample_query(connection, ENCRYPTED).await
}

/// The value of `query` through a `postgresql` trigger on `connection`.
async fn sample_query(connection: &str, query: &str) -> Result<f64, String> {
    let scaler = common::build(
        "postgresql",
        &[("query", query), ("targetQueryValue", "1")],
        &[("connection", connection)],
    )
    .await
    .map_err(|e| e.to_string())?;
    let values = scaler.sample().await.map_err(|e| e.to_string())?;
    Ok(values[0].value)
}

/// `path` as a URL query value.
fn url_escape(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
