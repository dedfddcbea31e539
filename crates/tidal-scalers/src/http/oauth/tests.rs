use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;

use super::*;
use crate::auth::AuthParams;
use crate::http::{HttpAuth, get};
use crate::metrics_api::MetricsApiScaler;
use crate::pools::ClientPools;
use crate::prometheus::PrometheusScaler;
use crate::scaler::Scaler;
use crate::testutil::{HttpStub, Pairs, Reply, closed_port, context, silent_listener};
use crate::{Error as CrateError, Services};

const SECRET: &str = "s3cr~t:x";

fn parse(meta: Pairs<'_>, auth: Pairs<'_>) -> Result<HttpAuth, ParamError> {
    let metadata: BTreeMap<String, String> = meta
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let auth = AuthParams::from_pairs(auth.iter().copied());
    HttpAuth::parse(&Params::new(&metadata, &auth, &BTreeMap::new()))
}

/// The TriggerAuthentication parameters of a client of `token_uri`.
fn credentials(token_uri: &str) -> Vec<(&str, &str)> {
    vec![
        ("oauthTokenURI", token_uri),
        ("clientID", "my client"),
        ("clientSecret", SECRET),
    ]
}

/// A token endpoint handing out `tok-1`, `tok-2`, … with `extra` JSON fields.
async fn token_server(extra: &'static str) -> HttpStub {
    let issued = AtomicUsize::new(0);
    HttpStub::serve(move |_| {
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        Reply::new(
            200,
            "application/json",
            &format!(r#"{{"access_token":"tok-{n}","token_type":"bearer"{extra}}}"#),
        )
    })
    .await
}

/// A metrics API answering `{"v":7}` to requests carrying `Bearer <token>`, and 401 otherwise.
async fn api_requiring(token: &'static str) -> HttpStub {
    HttpStub::serve(move |request| {
        if request.contains(&format!("authorization: Bearer {token}\r\n")) {
            Reply::new(200, "application/json", r#"{"v":7}"#)
        } else {
            Reply::new(401, "text/plain", "who are you")
        }
    })
    .await
}

fn metrics_api(api: &HttpStub, auth: Pairs<'_>) -> MetricsApiScaler {
    let url = api.url("/stats");
    MetricsApiScaler::new(&context(
        crate::metrics_api::TYPE,
        &[
            ("url", url.as_str()),
            ("valueLocation", "v"),
            ("targetValue", "1"),
            ("authMode", "oauth"),
            ("timeout", "500"),
        ],
        auth,
        &[],
        Arc::new(Services::new()),
    ))
    .unwrap()
}

fn requests(stub: &HttpStub) -> Vec<String> {
    stub.requests.lock().unwrap().clone()
}

#[test]
fn oauth_parameters_are_required_and_checked() {
    type Case<'a> = (Pairs<'a>, Pairs<'a>, &'a str);
    let uri = ("oauthTokenURI", "http://127.0.0.1:1/token");
    let id = ("clientID", "c");
    let secret = ("clientSecret", "s");
    let oauth = [("authMode", "oauth")];
    let cases: &[Case<'_>] = &[
        (&oauth, &[], "parameter \"oauthTokenURI\" is required"),
        (&oauth, &[uri], "parameter \"clientID\" is required"),
        (&oauth, &[uri, id], "parameter \"clientSecret\" is required"),
        (
            &oauth,
            &[("oauthTokenURI", "ftp://idp/token"), id, secret],
            "parameter \"oauthTokenURI\" has the value \"ftp://idp/token\"",
        ),
        (
            &oauth,
            &[uri, id, secret, ("endpointParams", "a=1;b=2")],
            "parameter \"endpointParams\" has the value <redacted>, which is not a URL-encoded query string",
        ),
        (
            &oauth,
            &[uri, id, secret, ("endpointParams", "a=%zz")],
            "parameter \"endpointParams\" has the value <redacted>",
        ),
        (
            &oauth,
            &[
                uri,
                id,
                secret,
                ("scope", "a"),
                ("endpointParams", "scope=b"),
            ],
            "parameter \"endpointParams\": sets \"scope\"",
        ),
        (
            &[("authMode", "oauth,bearer")],
            &[uri, id, secret, ("bearerToken", "t")],
            "parameter \"authMode\": bearer and oauth cannot be combined",
        ),
        (
            &[("authMode", "basic,oauth")],
            &[uri, id, secret, ("username", "u")],
            "parameter \"authMode\": basic and oauth cannot be combined",
        ),
    ];
    for (meta, auth, want) in cases {
        let err = parse(meta, auth).unwrap_err().to_string();
        assert!(err.contains(want), "{auth:?}: {err}");
    }

    let auth = parse(
        &[("authMode", "oauth, tls"), ("scope", " read, write,,")],
        &[
            uri,
            id,
            secret,
            ("cert", "c"),
            ("key", "k"),
            (
                "endpointParams",
                "audience=abc&&resource=x+y%2Fz&audience=def",
            ),
        ],
    )
    .unwrap();
    let oauth = auth.oauth.unwrap();
    assert_eq!(oauth.scopes, ["read", "write"]);
    assert_eq!(
        oauth.endpoint_params,
        [
            ("audience".to_owned(), "abc".to_owned()),
            ("resource".to_owned(), "x y/z".to_owned()),
            ("audience".to_owned(), "def".to_owned()),
        ]
    );
    let keda_name = parse(&oauth_meta(), &[uri, id, secret, ("scopes", "a,b")]).unwrap();
    assert_eq!(keda_name.oauth.unwrap().scopes, ["a", "b"]);
}

fn oauth_meta() -> [(&'static str, &'static str); 1] {
    [("authMode", "oauth")]
}

#[test]
fn escaping_and_token_types_follow_x_oauth2() {
    assert_eq!(query_escape("a b~*:/é-_."), "a+b~%2A%3A%2F%C3%A9-_.");
    assert_eq!(scheme(""), "Bearer");
    assert_eq!(scheme("bearer"), "Bearer");
    assert_eq!(scheme("mac"), "MAC");
    assert_eq!(scheme("DPoP"), "DPoP");
}

#[test]
fn freshness_leaves_a_margin_before_expiry() {
    let now = Instant::now();
    let at = |secs| Some(now + Duration::from_secs(secs));
    assert!(is_fresh(None, now), "no expires_in: kept until refused");
    assert!(is_fresh(at(3600), now));
    assert!(is_fresh(at(10), now));
    assert!(!is_fresh(at(9), now));
    assert!(!is_fresh(Some(now), now));
}

#[test]
fn token_answers_are_read_as_x_oauth2_reads_them() {
    let token = |expires_in| TokenAnswer {
        access_token: "t".into(),
        token_type: "bearer".into(),
        expires_in,
    };
    let json = Some("application/json; charset=utf-8");
    let form = Some("text/plain");
    let cases: &[(Option<&str>, &str, Result<TokenAnswer, &str>)] = &[
        (
            json,
            r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#,
            Ok(token(Some(3600))),
        ),
        (
            None,
            r#"{"access_token":"t","token_type":"bearer","expires_in":"3599"}"#,
            Ok(token(Some(3599))),
        ),
        (
            json,
            r#"{"access_token":"t","token_type":"bearer","expires_in":99999999999}"#,
            Ok(token(Some(2_147_483_647))),
        ),
        (
            json,
            r#"{"access_token":"t","token_type":"bearer","expires_in":null}"#,
            Ok(token(None)),
        ),
        (
            form,
            "access_token=t&token_type=bearer&expires_in=soon",
            Ok(token(None)),
        ),
        (
            json,
            r#"{"token_type":"bearer"}"#,
            Err("without an access_token"),
        ),
        (form, "error=invalid_scope", Err("without an access_token")),
        (json, "<html>", Err("not JSON")),
        (json, "[1]", Err("not a JSON object")),
        (
            json,
            r#"{"access_token":7}"#,
            Err("access_token is not a string"),
        ),
        (
            json,
            r#"{"access_token":"t","expires_in":"soon"}"#,
            Err("expires_in is not a whole number"),
        ),
    ];
    for (content_type, body, want) in cases {
        let got = read_answer(*content_type, body.as_bytes());
        match want {
            Ok(answer) => assert_eq!(got.as_ref(), Ok(answer), "{body}"),
            Err(text) => {
                let err = got.unwrap_err().to_string();
                assert!(err.contains(text), "{body}: {err}");
            }
        }
    }
}

#[tokio::test]
async fn the_grant_is_what_keda_sends_and_the_token_reaches_the_api() {
    let idp = token_server(r#","expires_in":3600"#).await;
    let api = api_requiring("tok-1").await;
    let token_uri = idp.url("/token");
    let mut auth = credentials(&token_uri);
    auth.extend([
        ("scope", "read, write"),
        ("endpointParams", "resource=x&audience=abc"),
    ]);
    let scaler = metrics_api(&api, &auth);

    assert_eq!(scaler.sample().await.unwrap()[0].value, 7.0);
    let grant = &requests(&idp)[0];
    let basic = base64::engine::general_purpose::STANDARD.encode("my+client:s3cr~t%3Ax");
    assert!(grant.starts_with("POST /token HTTP/1.1\r\n"), "{grant}");
    assert!(
        grant.contains("content-type: application/x-www-form-urlencoded\r\n"),
        "{grant}"
    );
    assert!(
        grant.contains(&format!("authorization: Basic {basic}\r\n")),
        "{grant}"
    );
    assert!(
        grant.ends_with(
            "\r\n\r\naudience=abc&grant_type=client_credentials&resource=x&scope=read+write"
        ),
        "{grant}"
    );
    assert!(!grant.contains("client_secret"), "{grant}");
    assert!(
        requests(&api)[0].contains("authorization: Bearer tok-1\r\n"),
        "{:?}",
        requests(&api)
    );
}

#[tokio::test]
async fn prometheus_sends_the_token_too() {
    let idp = token_server("").await;
    let prometheus = HttpStub::serve(|request| {
        if request.contains("authorization: Bearer tok-1\r\n") {
            let answer = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"3"]}]}}"#;
            Reply::new(200, "application/json", answer)
        } else {
            Reply::new(401, "text/plain", "")
        }
    })
    .await;
    let (token_uri, server) = (idp.url("/token"), prometheus.url(""));
    let scaler = PrometheusScaler::new(&context(
        crate::prometheus::TYPE,
        &[
            ("serverAddress", server.as_str()),
            ("query", "up"),
            ("threshold", "1"),
            ("authModes", "oauth"),
        ],
        &credentials(&token_uri),
        &[],
        Arc::new(Services::new()),
    ))
    .unwrap();
    assert_eq!(scaler.sample().await.unwrap()[0].value, 3.0);
}

#[tokio::test]
async fn a_token_is_kept_across_samples_until_it_nearly_expires() {
    let api = api_requiring("tok-1").await;
    let idp = token_server(r#","expires_in":3600"#).await;
    let scaler = metrics_api(&api, &credentials(&idp.url("/token")));
    scaler.sample().await.unwrap();
    scaler.sample().await.unwrap();
    assert_eq!((idp.hits(), api.hits()), (1, 2));

    // Inside the margin from the start: each sample fetches a token of its own.
    let any = HttpStub::serve(|_| Reply::new(200, "application/json", r#"{"v":7}"#)).await;
    let short = token_server(r#","expires_in":5"#).await;
    let scaler = metrics_api(&any, &credentials(&short.url("/token")));
    scaler.sample().await.unwrap();
    scaler.sample().await.unwrap();
    assert_eq!(short.hits(), 2);
    assert!(requests(&any)[1].contains("authorization: Bearer tok-2\r\n"));
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    // No expires_in: tok-1 is kept until the API refuses it, then tok-2 serves from then on.
    let idp = token_server("").await;
    let api = api_requiring("tok-2").await;
    let scaler = metrics_api(&api, &credentials(&idp.url("/token")));
    assert_eq!(scaler.sample().await.unwrap()[0].value, 7.0);
    assert_eq!((idp.hits(), api.hits()), (2, 2));
    scaler.sample().await.unwrap();
    assert_eq!((idp.hits(), api.hits()), (2, 3));

    // An API that refuses every token: one retry, then the 401 is the sample's error.
    let idp = token_server("").await;
    let api = api_requiring("never").await;
    let scaler = metrics_api(&api, &credentials(&idp.url("/token")));
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("answered HTTP 401: who are you"), "{err}");
    assert_eq!((idp.hits(), api.hits()), (2, 2));
}

#[tokio::test]
async fn an_endpoint_refusing_basic_gets_the_credentials_in_the_form() {
    let idp = HttpStub::serve(|request| {
        let body = request.split("\r\n\r\n").nth(1).unwrap_or_default();
        if !request.contains("authorization: Basic")
            && body.contains("client_id=my+client&client_secret=s3cr~t%3Ax")
        {
            let token = r#"{"access_token":"tok-1","expires_in":5}"#;
            Reply::new(200, "application/json", token)
        } else {
            Reply::new(401, "application/json", r#"{"error":"invalid_client"}"#)
        }
    })
    .await;
    let api = api_requiring("tok-1").await;
    let scaler = metrics_api(&api, &credentials(&idp.url("/token")));
    scaler.sample().await.unwrap();
    assert_eq!(idp.hits(), 2, "the Basic try, then the form");
    // The token is inside the margin, so the next sample fetches again, straight in the form.
    scaler.sample().await.unwrap();
    assert_eq!(idp.hits(), 3);
}

#[tokio::test]
async fn token_faults_name_the_endpoint_and_never_the_secret() {
    let echo = HttpStub::serve(|request| {
        let body = request
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        Reply::new(500, "text/plain", &format!("cannot handle {body}"))
    })
    .await;
    let not_json = HttpStub::start(200, "application/json", "<html>").await;
    let no_token = HttpStub::start(200, "application/json", r#"{"token_type":"bearer"}"#).await;
    let api = HttpStub::start(200, "application/json", r#"{"v":7}"#).await;
    let cases = [
        (
            format!("http://{}/token", closed_port()),
            "cannot be reached",
        ),
        (
            format!("http://{}/token", silent_listener().await),
            "did not answer within 300ms",
        ),
        (echo.url("/token"), "answered HTTP 500: cannot handle"),
        (
            not_json.url("/token"),
            "sent an answer that is not a token response: not JSON",
        ),
        (no_token.url("/token"), "answered without an access_token"),
    ];
    let pools = ClientPools::default();
    let url = url::Url::parse(&api.url("/stats")).unwrap();
    for (token_uri, want) in cases {
        let auth = parse(
            &oauth_meta(),
            &credentials(&format!("{token_uri}?tenant=t")),
        )
        .unwrap();
        let client = auth.tls.client(&pools).unwrap();
        let err = get(&client, &url, &auth, Duration::from_millis(300), |r| r)
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::OAuthToken { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("the OAuth2 token endpoint {token_uri} {want}")),
            "{text}"
        );
        if want.contains("cannot handle") {
            assert!(text.contains("client_secret=<redacted>"), "{text}");
        }
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains(SECRET) && !shown.contains("s3cr~t%3Ax"),
            "{shown}"
        );
    }
    assert_eq!(api.hits(), 0, "no token, no metric request");

    // Through a scaler, the error says which trigger type failed.
    let scaler = metrics_api(&api, &credentials(&no_token.url("/token")));
    let err = scaler.sample().await.unwrap_err();
    assert!(matches!(err, CrateError::MetricsApi(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("metrics-api: the OAuth2 token endpoint"),
        "{err}"
    );
}

#[tokio::test]
async fn debug_output_shows_neither_secret_nor_token() {
    let idp = token_server(r#","expires_in":3600"#).await;
    let api = api_requiring("tok-1").await;
    let token_uri = idp.url("/token");
    let mut auth = credentials(&token_uri);
    auth.push(("endpointParams", "client_assertion=hush"));
    let scaler = metrics_api(&api, &auth);
    scaler.sample().await.unwrap();
    let shown = format!("{scaler:?} {:#?}", scaler.config());
    for hidden in [SECRET, "tok-1", "hush"] {
        assert!(!shown.contains(hidden), "{hidden} in {shown}");
    }
    assert!(shown.contains("client_assertion") && shown.contains("<redacted>"));
}
