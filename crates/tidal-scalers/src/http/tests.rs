use std::collections::BTreeMap;

use super::*;
use crate::auth::AuthParams;
use crate::testutil::{HttpStub, closed_port, silent_listener};

fn parse(meta: &[(&str, &str)], auth: &[(&str, &str)]) -> Result<HttpAuth, ParamError> {
    let metadata: BTreeMap<String, String> = meta
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let auth = AuthParams::from_pairs(auth.iter().copied());
    let env = BTreeMap::new();
    HttpAuth::parse(&Params::new(&metadata, &auth, &env))
}

#[test]
fn auth_modes_need_their_credentials() {
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        &'a [(&'a str, &'a str)],
        Option<&'a str>,
    );
    let cases: &[Case<'_>] = &[
        (&[], &[], None),
        (
            &[("authMode", "apiKey")],
            &[],
            Some("\"apiKey\" is required"),
        ),
        (
            &[("authMode", "basic")],
            &[],
            Some("\"username\" is required"),
        ),
        (
            &[("authMode", "bearer")],
            &[],
            Some("\"bearerToken\" is required"),
        ),
        (
            &[("authMode", "tls")],
            &[("cert", "c")],
            Some("\"key\" is required"),
        ),
        (
            &[("authMode", "custom")],
            &[],
            Some("\"customAuthHeader\" is required"),
        ),
        (
            &[("authMode", "kerberos")],
            &[],
            Some("\"authMode\" has the value \"kerberos\""),
        ),
        (
            &[("authMode", "apiKey"), ("method", "cookie")],
            &[("apiKey", "k")],
            Some(
                "\"method\" has the value \"cookie\", which is not one of \"header\" or \"query\"",
            ),
        ),
        (
            &[("authMode", "apiKey,basic")],
            &[("apiKey", "k"), ("username", "u")],
            None,
        ),
        (&[("unsafeSsl", "maybe")], &[], Some("\"unsafeSsl\"")),
    ];
    for (meta, auth, want) in cases {
        let got = parse(meta, auth);
        match want {
            None => assert!(got.is_ok(), "{meta:?} {auth:?}: {got:?}"),
            Some(text) => {
                let err = got.unwrap_err().to_string();
                assert!(err.contains(text), "{meta:?}: {err}");
            }
        }
    }
}

#[tokio::test]
async fn credentials_reach_the_server() {
    let stub = HttpStub::start(200, "text/plain", "ok").await;
    let auth = parse(
        &[
            ("authMode", "apiKey,basic,custom"),
            ("customAuthHeader", "X-Tenant"),
        ],
        &[
            ("apiKey", "k-123"),
            ("username", "alice"),
            ("password", "pw"),
            ("customAuthValue", "t-9"),
        ],
    )
    .unwrap();
    let client = auth.tls.client(&ClientPools::default()).unwrap();
    let url = url::Url::parse(&stub.url("/m")).unwrap();
    let body = get(&client, &url, &auth, Duration::from_secs(2), |r| r)
        .await
        .unwrap();
    assert_eq!(body, b"ok");
    let head = stub.last_request();
    assert!(head.contains("x-api-key: k-123"), "{head}");
    assert!(head.contains("authorization: basic ywxpy2u6chc="), "{head}");
    assert!(head.contains("x-tenant: t-9"), "{head}");

    let query = parse(
        &[
            ("authMode", "apiKey"),
            ("method", "query"),
            ("keyParamName", "key"),
        ],
        &[("apiKey", "k-456")],
    )
    .unwrap();
    get(&client, &url, &query, Duration::from_secs(2), |r| r)
        .await
        .unwrap();
    assert!(
        stub.last_request().starts_with("get /m?key=k-456 "),
        "{}",
        stub.last_request()
    );
}

#[tokio::test]
async fn faults_are_typed_and_never_show_credentials() {
    let pools = ClientPools::default();
    let auth = parse(
        &[("authMode", "apiKey"), ("method", "query")],
        &[("apiKey", "very-secret")],
    )
    .unwrap();
    let client = auth.tls.client(&pools).unwrap();

    let closed = url::Url::parse(&format!("http://{}/m?token=very-secret", closed_port())).unwrap();
    let err = get(&client, &closed, &auth, Duration::from_secs(2), |r| r)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Unreachable { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("very-secret"));

    let silent = url::Url::parse(&format!("http://{}/m", silent_listener().await)).unwrap();
    let err = get(&client, &silent, &auth, Duration::from_millis(200), |r| r)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");

    let stub = HttpStub::start(503, "text/plain", "down").await;
    let url = url::Url::parse(&stub.url("/m")).unwrap();
    let err = get(&client, &url, &auth, Duration::from_secs(2), |r| r)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} answered HTTP 503: down", stub.url("/m"))
    );
}

#[test]
fn clients_are_shared_per_tls_configuration() {
    let pools = ClientPools::default();
    let plain = TlsConfig::default();
    let insecure = TlsConfig {
        unsafe_ssl: true,
        ..TlsConfig::default()
    };
    plain.client(&pools).unwrap();
    plain.client(&pools).unwrap();
    insecure.client(&pools).unwrap();
    assert_eq!(pools.http.len(), 2);
}

#[test]
fn bad_pem_material_is_a_tls_error_without_the_material() {
    let tls = TlsConfig {
        ca: Some(Secret::new(
            "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
        )),
        ..TlsConfig::default()
    };
    let err = tls.client(&ClientPools::default()).unwrap_err();
    assert!(matches!(err, HttpError::Tls { .. }), "{err:?}");
    assert!(!err.to_string().contains("not base64"));
}

#[test]
fn urls_are_printed_without_credentials() {
    let url = url::Url::parse("https://user:pw@example.com:8443/api/v1/query?query=up&token=x#f")
        .unwrap();
    assert_eq!(display_url(&url), "https://example.com:8443/api/v1/query");
}
