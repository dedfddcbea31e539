use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::config::{OffsetResetPolicy, ScramMechanism};
use super::lag::{PartitionOffsets, PreviousOffsets, compute};
use super::*;
use crate::AuthParams;
use crate::params::Params;
use crate::testutil::{self, Pairs, overrides};

const BASE: Pairs<'static> = &[
    ("bootstrapServers", "kafka-0:9092,kafka-1:9092"),
    ("consumerGroup", "orders-consumer"),
    ("topic", "orders"),
];

fn parse(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> Result<Config, ParamError> {
    let map: BTreeMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let auth = AuthParams::from_pairs(auth.iter().copied());
    let env = BTreeMap::from([("BROKERS".to_owned(), "env-kafka:9092".to_owned())]);
    Config::parse(&Params::new(&map, &auth, &env))
}

#[test]
fn defaults_follow_keda() {
    let config = parse(BASE, &[]).unwrap();
    assert_eq!(
        config.cluster.bootstrap_servers,
        ["kafka-0:9092", "kafka-1:9092"]
    );
    assert_eq!(config.consumer_group, "orders-consumer");
    assert_eq!(config.topic.as_deref(), Some("orders"));
    assert_eq!(config.lag, LagSettings::default());
    assert_eq!(config.lag.lag_threshold, 10);
    assert_eq!(config.lag.offset_reset_policy, OffsetResetPolicy::Latest);
    assert_eq!(config.cluster.sasl, None);
    assert_eq!(config.cluster.tls, None);
    assert_eq!(config.metric_name(), "kafka-orders");
    let no_topic = parse(&overrides(BASE, &[("topic", "")]), &[]).unwrap();
    assert_eq!(no_topic.metric_name(), "kafka-orders-consumer-topics");
}

#[test]
fn every_parameter_is_read() {
    let config = parse(
        &overrides(
            BASE,
            &[
                ("bootstrapServers", ""),
                ("bootstrapServersFromEnv", "BROKERS"),
                ("lagThreshold", "50"),
                ("activationLagThreshold", "5"),
                ("offsetResetPolicy", "earliest"),
                ("excludePersistentLag", "true"),
                ("scaleToZeroOnInvalidOffset", "1"),
                ("limitToPartitionsWithLag", "true"),
                ("partitionLimitation", "0, 2,4-6,5"),
                ("version", "2.8.1"),
                ("tls", "enable"),
                ("unsafeSsl", "true"),
            ],
        ),
        &[
            ("sasl", "scram_sha512"),
            ("username", "scaler"),
            ("password", "pw"),
            ("ca", "CA PEM"),
        ],
    )
    .unwrap();
    assert_eq!(config.cluster.bootstrap_servers, ["env-kafka:9092"]);
    assert_eq!(config.lag.lag_threshold, 50);
    assert_eq!(config.lag.activation_lag_threshold, 5);
    assert_eq!(config.lag.offset_reset_policy, OffsetResetPolicy::Earliest);
    assert!(config.lag.exclude_persistent_lag);
    assert!(config.lag.scale_to_zero_on_invalid_offset);
    assert!(config.lag.limit_to_partitions_with_lag);
    assert_eq!(config.partition_limitation, Some(vec![0, 2, 4, 5, 6]));
    let tls = config.cluster.tls.unwrap();
    assert!(tls.unsafe_ssl);
    assert_eq!(tls.ca.unwrap().expose(), "CA PEM");
    assert!(matches!(
        config.cluster.sasl,
        Some(Sasl::Scram { mechanism: ScramMechanism::Sha512, ref username, .. }) if username == "scaler"
    ));
}

#[test]
fn partition_limitation_is_ignored_without_a_topic() {
    let config = parse(
        &overrides(BASE, &[("topic", ""), ("partitionLimitation", "1,2")]),
        &[],
    )
    .unwrap();
    assert_eq!(config.partition_limitation, None);
}

#[test]
fn invalid_parameters_are_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("bootstrapServers", "")], &[], "bootstrapServers"),
        (&[("bootstrapServers", "kafka-0")], &[], "bootstrapServers"),
        (
            &[("bootstrapServers", "a:9092,:1")],
            &[],
            "bootstrapServers",
        ),
        (&[("consumerGroup", "")], &[], "consumerGroup"),
        (&[("lagThreshold", "0")], &[], "lagThreshold"),
        (&[("lagThreshold", "1.5")], &[], "lagThreshold"),
        (
            &[("activationLagThreshold", "-1")],
            &[],
            "activationLagThreshold",
        ),
        (&[("offsetResetPolicy", "newest")], &[], "offsetResetPolicy"),
        (&[("allowIdleConsumers", "yes")], &[], "allowIdleConsumers"),
        (
            &[("excludePersistentLag", "2")],
            &[],
            "excludePersistentLag",
        ),
        (
            &[("scaleToZeroOnInvalidOffset", "x")],
            &[],
            "scaleToZeroOnInvalidOffset",
        ),
        (
            &[("partitionLimitation", "1,a")],
            &[],
            "partitionLimitation",
        ),
        (
            &[("partitionLimitation", "5-2")],
            &[],
            "partitionLimitation",
        ),
        (&[("partitionLimitation", "-1")], &[], "partitionLimitation"),
        (&[("version", "latest")], &[], "version"),
        (&[("fullMetadata", "maybe")], &[], "fullMetadata"),
        (
            &[
                ("allowIdleConsumers", "true"),
                ("limitToPartitionsWithLag", "true"),
            ],
            &[],
            "limitToPartitionsWithLag",
        ),
        (
            &[
                ("limitToPartitionsWithLag", "true"),
                ("ensureEvenDistributionOfPartitions", "true"),
            ],
            &[],
            "ensureEvenDistributionOfPartitions",
        ),
        (
            &[("topic", ""), ("limitToPartitionsWithLag", "true")],
            &[],
            "limitToPartitionsWithLag",
        ),
        (
            &[
                ("topic", ""),
                ("ensureEvenDistributionOfPartitions", "true"),
            ],
            &[],
            "ensureEvenDistributionOfPartitions",
        ),
        (&[("sasl", "kerberos")], &[], "sasl"),
        (&[], &[("sasl", "gssapi")], "sasl"),
        (
            &[("sasl", "oauthbearer")],
            &[("username", "client"), ("password", "secret")],
            "oauthTokenEndpointUri",
        ),
        (
            &[("sasl", "oauthbearer")],
            &[
                ("username", "client"),
                ("password", "secret"),
                ("oauthTokenEndpointUri", "https://idp/token"),
                ("saslTokenProvider", "aws_msk_iam"),
            ],
            "saslTokenProvider",
        ),
        (
            &[("sasl", "oauthbearer")],
            &[
                ("username", "client"),
                ("password", "secret"),
                ("oauthTokenEndpointUri", "https://idp/token"),
                ("oauthExtensions", "traceId=1,auth=x"),
            ],
            "oauthExtensions",
        ),
        (
            &[],
            &[("sasl", "plaintext"), ("password", "pw")],
            "username",
        ),
        (
            &[],
            &[("sasl", "scram_sha256"), ("username", "u")],
            "password",
        ),
        (&[("tls", "on")], &[], "tls"),
        (&[("tls", "enable")], &[("cert", "C")], "key"),
        (&[("tls", "enable")], &[("key", "K")], "cert"),
        (&[("tls", "enable")], &[("keyPassword", "p")], "key"),
        (
            &[("tls", "enable"), ("unsafeSsl", "sure")],
            &[],
            "unsafeSsl",
        ),
    ];
    for (extra, auth, param) in cases {
        let err = parse(&overrides(BASE, extra), auth).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("\"{param}\"")),
            "{extra:?} {auth:?}: {text}"
        );
    }
}

#[test]
fn secrets_never_reach_messages() {
    let config = parse(
        BASE,
        &[
            ("sasl", "plaintext"),
            ("username", "scaler"),
            ("password", "hunter2"),
        ],
    )
    .unwrap();
    assert!(!format!("{config:?}").contains("hunter2"));
}

fn offsets(rows: &[(i32, Option<i64>, i64)]) -> Vec<PartitionOffsets> {
    rows.iter()
        .map(|&(partition, committed, latest)| PartitionOffsets {
            topic: "orders".into(),
            partition,
            committed,
            latest,
        })
        .collect()
}

fn settings(edit: impl FnOnce(&mut LagSettings)) -> LagSettings {
    let mut settings = LagSettings::default();
    edit(&mut settings);
    settings
}

fn lag(settings: &LagSettings, rows: &[(i32, Option<i64>, i64)]) -> Lag {
    compute(settings, &offsets(rows), &mut PreviousOffsets::default())
}

#[test]
fn lag_is_latest_minus_committed_summed_over_partitions() {
    // A threshold high enough that the cap (partitions × threshold) stays out of the way.
    let result = lag(
        &settings(|s| s.lag_threshold = 100),
        &[(0, Some(10), 40), (1, Some(5), 25), (2, Some(7), 7)],
    );
    assert_eq!((result.value, result.with_persistent), (50, 50));
    assert_eq!((result.partitions, result.partitions_with_lag), (3, 2));
    assert!(result.active);
}

#[test]
fn missing_committed_offsets_follow_the_reset_policy() {
    let rows = [(0, None, 30), (1, Some(10), 15)];
    let latest = lag(&settings(|s| s.lag_threshold = 100), &rows);
    assert_eq!(latest.value, 1 + 5);
    let earliest = lag(
        &settings(|s| {
            s.offset_reset_policy = OffsetResetPolicy::Earliest;
            s.lag_threshold = 100;
        }),
        &rows,
    );
    assert_eq!(earliest.value, 30 + 5);
    for policy in [OffsetResetPolicy::Latest, OffsetResetPolicy::Earliest] {
        let zero = lag(
            &settings(|s| {
                s.offset_reset_policy = policy;
                s.scale_to_zero_on_invalid_offset = true;
            }),
            &rows,
        );
        assert_eq!(zero.value, 5, "{policy:?}");
    }
}

#[test]
fn a_new_group_on_an_empty_topic_still_activates_under_latest() {
    let result = lag(&LagSettings::default(), &[(0, None, 0), (1, None, 0)]);
    assert_eq!(result.value, 2);
    assert!(result.active);
    let zero = lag(
        &settings(|s| s.scale_to_zero_on_invalid_offset = true),
        &[(0, None, 0)],
    );
    assert!(!zero.active);
}

#[test]
fn total_lag_is_capped_at_partitions_times_threshold() {
    // 3 partitions, threshold 10: at most 30, so the HPA asks for at most 3 consumers.
    let rows = [(0, Some(0), 100), (1, Some(0), 100), (2, Some(0), 0)];
    let capped = lag(&LagSettings::default(), &rows);
    assert_eq!(capped.value, 30);
    assert_eq!(capped.with_persistent, 200);
    let idle = lag(&settings(|s| s.allow_idle_consumers = true), &rows);
    assert_eq!(idle.value, 200);
    let with_lag = lag(&settings(|s| s.limit_to_partitions_with_lag = true), &rows);
    assert_eq!(with_lag.value, 20);
    // Below the cap nothing changes; the cap compares whole replicas (integer division).
    let under = lag(
        &LagSettings::default(),
        &[(0, Some(0), 39), (1, Some(0), 0), (2, Some(0), 0)],
    );
    assert_eq!(under.value, 39);
}

#[test]
fn even_distribution_rounds_up_to_a_divisor_of_the_partition_count() {
    let even = settings(|s| s.ensure_even_distribution = true);
    // 6 partitions, threshold 10: divisors 1, 2, 3, 6.
    let rows = |total: i64| -> Vec<(i32, Option<i64>, i64)> {
        (0..6)
            .map(|p| (p, Some(0), if p == 0 { total } else { 0 }))
            .collect()
    };
    for (total, want) in [(5, 10), (15, 20), (25, 30), (35, 60), (1000, 60)] {
        assert_eq!(lag(&even, &rows(total)).value, want, "total {total}");
    }
    // With allowIdleConsumers the rounding still happens (KEDA enters the cap block for it).
    let idle_even = settings(|s| {
        s.ensure_even_distribution = true;
        s.allow_idle_consumers = true;
    });
    assert_eq!(lag(&idle_even, &rows(35)).value, 60);
}

#[test]
fn persistent_lag_counts_for_activation_but_not_for_the_value() {
    let exclude = settings(|s| {
        s.exclude_persistent_lag = true;
        s.lag_threshold = 100;
    });
    let mut previous = PreviousOffsets::default();
    let first = compute(&exclude, &offsets(&[(0, Some(5), 20)]), &mut previous);
    assert_eq!((first.value, first.with_persistent), (15, 15));
    // The consumer is stuck at 5: excluded from the value, still active.
    let stuck = compute(&exclude, &offsets(&[(0, Some(5), 30)]), &mut previous);
    assert_eq!((stuck.value, stuck.with_persistent), (0, 25));
    assert!(stuck.active);
    // It moved: counted again.
    let moving = compute(&exclude, &offsets(&[(0, Some(8), 30)]), &mut previous);
    assert_eq!(moving.value, 22);
    // Without the setting, a stuck consumer keeps counting.
    let mut fresh = PreviousOffsets::default();
    let plain = settings(|s| s.lag_threshold = 100);
    compute(&plain, &offsets(&[(0, Some(5), 20)]), &mut fresh);
    assert_eq!(
        compute(&plain, &offsets(&[(0, Some(5), 20)]), &mut fresh).value,
        15
    );
}

#[test]
fn activation_is_strictly_above_the_threshold() {
    let activation = settings(|s| s.activation_lag_threshold = 15);
    assert!(!lag(&activation, &[(0, Some(5), 20)]).active);
    assert!(lag(&activation, &[(0, Some(5), 21)]).active);
    assert!(!lag(&LagSettings::default(), &[(0, Some(5), 5)]).active);
}

fn services() -> Arc<crate::Services> {
    Arc::new(crate::Services::new().with_default_timeout(Duration::from_millis(300)))
}

#[tokio::test]
async fn an_unreachable_broker_is_a_connect_error_naming_it() {
    let addr = testutil::closed_port().to_string();
    let ctx = testutil::context(
        TYPE,
        &overrides(BASE, &[("bootstrapServers", &addr)]),
        &[],
        &[],
        services(),
    );
    let err = KafkaScaler::new(&ctx).unwrap().lag().await.unwrap_err();
    assert!(
        matches!(&err, Error::Wire(WireError::Connect { broker, .. }) if *broker == addr),
        "{err}"
    );
}

#[tokio::test]
async fn a_silent_broker_times_out() {
    let addr = testutil::silent_listener().await.to_string();
    let ctx = testutil::context(
        TYPE,
        &overrides(BASE, &[("bootstrapServers", &addr)]),
        &[],
        &[],
        services(),
    );
    let started = std::time::Instant::now();
    let err = KafkaScaler::new(&ctx).unwrap().lag().await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Wire(WireError::Timeout {
                api: "ApiVersions",
                ..
            })
        ),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn triggers_with_the_same_cluster_share_one_client() {
    let services = services();
    let a = testutil::context(TYPE, BASE, &[], &[], services.clone());
    let b = testutil::context(
        TYPE,
        &overrides(BASE, &[("consumerGroup", "other"), ("topic", "")]),
        &[],
        &[],
        services.clone(),
    );
    let c = testutil::context(
        TYPE,
        BASE,
        &[("sasl", "plaintext"), ("username", "u"), ("password", "p")],
        &[],
        services.clone(),
    );
    for ctx in [&a, &b, &c] {
        KafkaScaler::new(ctx).unwrap();
    }
    assert_eq!(services.pools.kafka.len(), 2);
}

#[tokio::test]
async fn bad_tls_material_fails_the_build() {
    let ctx = testutil::context(
        TYPE,
        &overrides(BASE, &[("tls", "enable")]),
        &[(
            "ca",
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )],
        &[],
        services(),
    );
    let err = KafkaScaler::new(&ctx).unwrap_err().to_string();
    assert!(err.contains("TLS") && err.contains("ca"), "{err}");
}

#[test]
fn oauthbearer_takes_the_client_credentials_scopes_and_extensions() {
    let config = parse(
        BASE,
        &[
            ("sasl", "oauthbearer"),
            ("username", "scaler-client"),
            ("password", "client-secret"),
            ("oauthTokenEndpointUri", "https://idp.example/oauth2/token"),
            ("scopes", "kafka, lag:read"),
            (
                "oauthExtensions",
                "logicalCluster=lkc-1,identityPoolId=pool-2",
            ),
        ],
    )
    .unwrap();
    let Some(Sasl::OAuthBearer { oauth, extensions }) = &config.cluster.sasl else {
        panic!("{:?}", config.cluster.sasl);
    };
    assert_eq!(oauth.client_id, "scaler-client");
    assert_eq!(oauth.client_secret.expose(), "client-secret");
    assert_eq!(oauth.token_uri.as_str(), "https://idp.example/oauth2/token");
    assert_eq!(oauth.scopes, ["kafka", "lag:read"]);
    assert_eq!(
        extensions,
        &[
            ("logicalCluster".to_owned(), "lkc-1".to_owned()),
            ("identityPoolId".to_owned(), "pool-2".to_owned())
        ]
    );
    assert!(!format!("{config:?}").contains("client-secret"));
}
