//! redis-cluster and redis-sentinel (and their streams variants) against a real three-node
//! Redis Cluster and a real sentinel, both with passwords.

use redis::AsyncCommands;

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_REDIS_CLUSTER_ADDRESSES",
    "TIDAL_REDIS_SENTINEL_ADDRESS",
    "TIDAL_REDIS_SENTINEL_MASTER",
    "TIDAL_REDIS_AUTH_PASSWORD",
    "TIDAL_REDIS_URL",
];

/// A connection to the cluster at `addresses` (over TLS with the test certificates when `tls`
/// is given) and three lists of `lengths` items, pinned by hash tags to slots 15495, 3300 and
/// 7365: one on each of the three masters.
async fn fill_cluster(
    addresses: &str,
    password: &str,
    tls: Option<&common::TlsFiles>,
    lengths: [usize; 3],
) -> (
    redis::cluster_async::ClusterConnection,
    Vec<(String, usize)>,
) {
    let scheme = if tls.is_some() { "rediss" } else { "redis" };
    let seeds: Vec<String> = addresses
        .split(',')
        .map(|a| format!("{scheme}://:{password}@{a}"))
        .collect();
    let mut builder = redis::cluster::ClusterClientBuilder::new(seeds);
    if let Some(tls) = tls {
        builder = builder.certs(certificates(tls));
    }
    let mut conn = builder
        .build()
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    let lists: Vec<(String, usize)> = ["a", "b", "c"]
        .iter()
        .zip(lengths)
        .map(|(tag, len)| (common::unique(&format!("{{{tag}}}tidal-it-list")), len))
        .collect();
    for (list, len) in &lists {
        let items: Vec<String> = (0..*len).map(|i| format!("job-{i}")).collect();
        let _: () = conn.rpush(list, &items).await.unwrap();
    }
    (conn, lists)
}

#[tokio::test]
async fn cluster_lists_and_streams_are_read_on_the_node_that_owns_them() {
    let Some(env) = common::env(VARS) else { return };
    let password = env["TIDAL_REDIS_AUTH_PASSWORD"].as_str();
    let addresses = env["TIDAL_REDIS_CLUSTER_ADDRESSES"].as_str();
    let (mut conn, lists) = fill_cluster(addresses, password, None, [3, 5, 8]).await;
    let stream = common::unique("{a}tidal-it-stream");
    for i in 0..4 {
        let _: String = conn.xadd(&stream, "*", &[("n", i)]).await.unwrap();
    }
    // Every node as a seed, or one node alone: the cluster client finds the owner either way.
    let first = addresses.split(',').next().unwrap();
    let (host, port) = first.rsplit_once(':').unwrap();
    let seed_sets: [&[(&str, &str)]; 2] = [
        &[("addresses", addresses)],
        &[("hosts", host), ("ports", port)],
    ];
    for seeds in seed_sets {
        for (list, len) in &lists {
            let mut metadata = seeds.to_vec();
            metadata.push(("listName", list));
            let scaler = common::build("redis-cluster", &metadata, &[("password", password)])
                .await
                .unwrap_or_else(|e| panic!("{seeds:?}: {e}"));
            let values = scaler
                .sample()
                .await
                .unwrap_or_else(|e| panic!("{list}: {e}"));
            assert_eq!(values[0].value, *len as f64, "{list} via {seeds:?}");
        }
        let mut metadata = seeds.to_vec();
        metadata.push(("stream", &stream));
        let scaler = common::build(
            "redis-cluster-streams",
            &metadata,
            &[("password", password)],
        )
        .await
        .unwrap();
        assert_eq!(scaler.sample().await.unwrap()[0].value, 4.0, "{seeds:?}");
    }

    let wrong = common::build(
        "redis-cluster",
        &[("addresses", addresses), ("listName", &lists[0].0)],
        &[("password", "wrong-pw")],
    )
    .await
    .unwrap();
    let error = wrong.sample().await.unwrap_err().to_string();
    assert!(error.contains("cluster 127.0.0.1:"), "{error}");
    assert!(!error.contains("wrong-pw"), "{error}");

    for (list, _) in &lists {
        let _: () = conn.del(list).await.unwrap();
    }
    let _: () = conn.del(&stream).await.unwrap();
}

#[tokio::test]
async fn sentinel_finds_the_master_and_refuses_wrong_settings() {
    let Some(env) = common::env(VARS) else { return };
    let password = env["TIDAL_REDIS_AUTH_PASSWORD"].as_str();
    let sentinel = env["TIDAL_REDIS_SENTINEL_ADDRESS"].as_str();
    let master = env["TIDAL_REDIS_SENTINEL_MASTER"].as_str();
    // The sentinel monitors the open instance: data written there is the master's.
    let mut conn = redis::Client::open(env["TIDAL_REDIS_URL"].as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let list = common::unique("tidal-it-sentinel-list");
    let items: Vec<String> = (0..11).map(|i| format!("job-{i}")).collect();
    let _: () = conn.rpush(&list, &items).await.unwrap();
    let stream = common::unique("tidal-it-sentinel-stream");
    for i in 0..6 {
        let _: String = conn.xadd(&stream, "*", &[("n", i)]).await.unwrap();
    }

    let scaler = common::build(
        "redis-sentinel",
        &[("addresses", sentinel), ("listName", &list)],
        &[("sentinelMaster", master), ("sentinelPassword", password)],
    )
    .await
    .unwrap();
    let values = scaler.sample().await.unwrap();
    assert_eq!((values[0].value, values[0].active), (11.0, true));
    let streams = common::build(
        "redis-sentinel-streams",
        &[("addresses", sentinel), ("stream", &stream)],
        &[("sentinelMaster", master), ("sentinelPassword", password)],
    )
    .await
    .unwrap();
    assert_eq!(streams.sample().await.unwrap()[0].value, 6.0);

    for (what, auth, want) in [
        (
            "a wrong sentinel password",
            [("sentinelMaster", master), ("sentinelPassword", "wrong-pw")],
            "master \"tidal-master\" of sentinels",
        ),
        (
            "a master the sentinels do not monitor",
            [
                ("sentinelMaster", "no-such-master"),
                ("sentinelPassword", password),
            ],
            "master \"no-such-master\" of sentinels",
        ),
    ] {
        let scaler = common::build(
            "redis-sentinel",
            &[("addresses", sentinel), ("listName", &list)],
            &auth,
        )
        .await
        .unwrap();
        let error = scaler.sample().await.unwrap_err().to_string();
        assert!(error.contains(want), "{what}: {error}");
        assert!(
            !error.contains("wrong-pw") && !error.contains(password),
            "{error}"
        );
    }
    let _: () = conn.del(&list).await.unwrap();
    let _: () = conn.del(&stream).await.unwrap();
}

const TLS_VARS: &[&str] = &[
    "TIDAL_REDIS_CLUSTER_TLS_ADDRESSES",
    "TIDAL_REDIS_SENTINEL_TLS_ADDRESS",
    "TIDAL_REDIS_SENTINEL_MASTER",
    "TIDAL_REDIS_TLS_ADDRESS",
    "TIDAL_REDIS_AUTH_PASSWORD",
];

/// The test CA and client certificate, as the redis client takes them.
fn certificates(tls: &common::TlsFiles) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: Some(redis::ClientTlsConfig {
            client_cert: tls.cert.clone().into_bytes(),
            client_key: tls.key.clone().into_bytes(),
        }),
        root_cert: Some(tls.ca.clone().into_bytes()),
    }
}

#[tokio::test]
async fn tls_reaches_a_cluster_and_a_sentinel_that_require_client_certificates() {
    let (Some(env), Some(tls)) = (common::env(TLS_VARS), common::tls_files()) else {
        return;
    };
    let password = env["TIDAL_REDIS_AUTH_PASSWORD"].as_str();
    let addresses = env["TIDAL_REDIS_CLUSTER_TLS_ADDRESSES"].as_str();
    let (mut cluster, lists) = fill_cluster(addresses, password, Some(&tls), [2, 4, 6]).await;
    let trusted = [
        ("ca", tls.ca.as_str()),
        ("cert", &tls.cert),
        ("key", &tls.key),
        ("password", password),
    ];
    for (list, len) in &lists {
        let scaler = common::build(
            "redis-cluster",
            &[
                ("addresses", addresses),
                ("listName", list),
                ("enableTLS", "true"),
            ],
            &trusted,
        )
        .await
        .unwrap();
        let values = scaler
            .sample()
            .await
            .unwrap_or_else(|e| panic!("{list}: {e}"));
        assert_eq!(values[0].value, *len as f64, "{list}");
    }

    // The sentinel and the master it names both speak only TLS.
    let (host, port) = env["TIDAL_REDIS_TLS_ADDRESS"].rsplit_once(':').unwrap();
    let mut master =
        redis::Client::build_with_tls(format!("rediss://{host}:{port}"), certificates(&tls))
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
    let list = common::unique("tidal-it-sentinel-tls");
    let items: Vec<String> = (0..9).map(|i| format!("job-{i}")).collect();
    let _: () = master.rpush(&list, &items).await.unwrap();
    let sentinel = env["TIDAL_REDIS_SENTINEL_TLS_ADDRESS"].as_str();
    let master_name = env["TIDAL_REDIS_SENTINEL_MASTER"].as_str();
    let sentinel_auth = |ca: &str| {
        vec![
            ("ca", ca.to_owned()),
            ("cert", tls.cert.clone()),
            ("key", tls.key.clone()),
            ("sentinelMaster", master_name.to_owned()),
            ("sentinelPassword", password.to_owned()),
        ]
    };
    let build_sentinel = |auth: Vec<(&'static str, String)>| {
        let list = list.clone();
        async move {
            let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::build(
                "redis-sentinel",
                &[
                    ("addresses", sentinel),
                    ("listName", &list),
                    ("enableTLS", "true"),
                ],
                &auth,
            )
            .await
            .unwrap()
        }
    };
    let scaler = build_sentinel(sentinel_auth(&tls.ca)).await;
    assert_eq!(scaler.sample().await.unwrap()[0].value, 9.0);

    // A CA that signed neither: refused, for the cluster and for the sentinel.
    let mut foreign = trusted.to_vec();
    foreign[0] = ("ca", tls.other_ca.as_str());
    let scaler = common::build(
        "redis-cluster",
        &[
            ("addresses", addresses),
            ("listName", &lists[0].0),
            ("enableTLS", "true"),
        ],
        &foreign,
    )
    .await
    .unwrap();
    let error = scaler.sample().await.unwrap_err().to_string();
    assert!(error.contains("cluster 127.0.0.1:"), "{error}");
    let scaler = build_sentinel(sentinel_auth(&tls.other_ca)).await;
    let error = scaler.sample().await.unwrap_err().to_string();
    assert!(error.contains("of sentinels"), "{error}");

    for (list, _) in &lists {
        let _: () = cluster.del(list).await.unwrap();
    }
    let _: () = master.del(&list).await.unwrap();
}
