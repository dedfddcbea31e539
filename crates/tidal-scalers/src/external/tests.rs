use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::AuthParams;
use crate::params::Params;
use crate::testutil::{self, Pairs, overrides};

const BASE: Pairs<'static> = &[
    ("scalerAddress", "my-scaler.default:6000"),
    ("queue", "orders"),
];

fn parse(
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
    env: &[(&str, &str)],
) -> Result<Config, ParamError> {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let (metadata, env) = (map(metadata), map(env));
    let auth = AuthParams::from_pairs(auth.iter().copied());
    Config::parse(&Params::new(&metadata, &auth, &env), &env)
}

#[test]
fn all_metadata_is_forwarded_with_from_env_values_resolved() {
    let config = parse(
        &overrides(
            BASE,
            &[
                ("passwordFromEnv", "QUEUE_PASSWORD"),
                ("regionFromEnv", "UNSET_VARIABLE"),
            ],
        ),
        &[],
        &[("QUEUE_PASSWORD", "s3cret")],
    )
    .unwrap();
    assert_eq!(config.endpoint.address, "my-scaler.default:6000");
    assert_eq!(config.endpoint.tls, None);
    let forwarded: Vec<(&str, &str)> = config
        .scaler_metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // KEDA keeps the key's name (with FromEnv) and drops keys whose variable is unset.
    assert_eq!(
        forwarded,
        [
            ("passwordFromEnv", "s3cret"),
            ("queue", "orders"),
            ("scalerAddress", "my-scaler.default:6000"),
        ]
    );
}

#[test]
fn tls_is_on_with_enable_tls_or_any_certificate() {
    let off = parse(BASE, &[], &[]).unwrap();
    assert!(off.endpoint.tls.is_none());
    let on = parse(&overrides(BASE, &[("enableTLS", "true")]), &[], &[]).unwrap();
    assert_eq!(
        on.endpoint.tls,
        Some(ExternalTls {
            ca_cert: None,
            client: None,
            unsafe_ssl: false,
        })
    );
    let unsafe_ssl = parse(
        &overrides(BASE, &[("enableTLS", "true"), ("unsafeSsl", "true")]),
        &[],
        &[],
    )
    .unwrap();
    assert!(unsafe_ssl.endpoint.tls.unwrap().unsafe_ssl);
    let ca = parse(BASE, &[("caCert", "PEM")], &[]).unwrap();
    assert_eq!(ca.endpoint.tls.unwrap().ca_cert.unwrap().expose(), "PEM");
    let client = parse(BASE, &[("tlsClientCert", "C"), ("tlsClientKey", "K")], &[]).unwrap();
    assert_eq!(client.endpoint.host(), "my-scaler.default");
    assert!(client.endpoint.tls.unwrap().client.is_some());
}

#[test]
fn invalid_parameters_are_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("scalerAddress", "")], &[], "scalerAddress"),
        (&[("scalerAddress", "my-scaler")], &[], "scalerAddress"),
        (&[("scalerAddress", "my-scaler:http")], &[], "scalerAddress"),
        (&[("enableTLS", "yes")], &[], "enableTLS"),
        (&[("unsafeSsl", "nope")], &[], "unsafeSsl"),
        (&[], &[("tlsClientCert", "C")], "tlsClientKey"),
        (&[], &[("tlsClientKey", "K")], "tlsClientCert"),
    ];
    for (extra, auth, param) in cases {
        let err = parse(&overrides(BASE, extra), auth, &[]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("\"{param}\"")),
            "{extra:?} {auth:?}: {text}"
        );
    }
}

fn services() -> Arc<crate::Services> {
    Arc::new(crate::Services::new().with_default_timeout(Duration::from_millis(300)))
}

async fn build_error(address: &str) -> String {
    let ctx = testutil::context(
        TYPE,
        &overrides(BASE, &[("scalerAddress", address)]),
        &[],
        &[],
        services(),
    );
    ExternalScaler::new(&ctx).await.unwrap_err().to_string()
}

#[tokio::test]
async fn an_unreachable_server_fails_the_build_naming_the_call() {
    let addr = testutil::closed_port().to_string();
    let err = build_error(&addr).await;
    assert!(
        err.contains(&addr) && err.contains("GetMetricSpec") && err.contains("Unavailable"),
        "{err}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let addr = testutil::silent_listener().await.to_string();
    let started = std::time::Instant::now();
    let err = build_error(&addr).await;
    assert!(
        err.contains("no answer") && err.contains("GetMetricSpec"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn bad_tls_material_is_reported_before_any_call() {
    let ctx = testutil::context(
        TYPE,
        BASE,
        &[
            ("tlsClientCert", "not a certificate"),
            ("tlsClientKey", "not a key"),
        ],
        &[],
        services(),
    );
    // tonic checks the identity when the channel is built or first used; either way the
    // error names the server and never succeeds.
    let err = ExternalScaler::new(&ctx).await.unwrap_err().to_string();
    assert!(err.contains("my-scaler.default:6000"), "{err}");
}
