//! redis against a real server: lists, sets, sorted sets, hashes, credentials.

use redis::AsyncCommands;

use crate::common;

const VARS: &[&str] = &[
    "TIDAL_REDIS_ADDRESS",
    "TIDAL_REDIS_AUTH_ADDRESS",
    "TIDAL_REDIS_AUTH_USERNAME",
    "TIDAL_REDIS_AUTH_PASSWORD",
    "TIDAL_REDIS_URL",
];

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn list_length_and_activity() {
    let Some(env) = common::env(VARS) else { return };
    let mut conn = connection(&env["TIDAL_REDIS_URL"]).await;
    let list = common::unique("tidal-it-list");
    let items: Vec<String> = (0..37).map(|i| format!("job-{i}")).collect();
    let _: () = conn.rpush(&list, &items).await.unwrap();

    let address = env["TIDAL_REDIS_ADDRESS"].as_str();
    for (activation, active) in [("0", true), ("36", true), ("37", false)] {
        let scaler = common::build(
            "redis",
            &[
                ("address", address),
                ("listName", &list),
                ("activationListLength", activation),
            ],
            &[],
        )
        .await
        .unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!(
            (values[0].value, values[0].active),
            (37.0, active),
            "activation {activation}"
        );
    }
    let _: () = conn.del(&list).await.unwrap();
}

#[tokio::test]
async fn other_key_types_and_missing_keys() {
    let Some(env) = common::env(VARS) else { return };
    let mut conn = connection(&env["TIDAL_REDIS_URL"]).await;
    let address = env["TIDAL_REDIS_ADDRESS"].as_str();
    let set = common::unique("tidal-it-set");
    let zset = common::unique("tidal-it-zset");
    let hash = common::unique("tidal-it-hash");
    let stream = common::unique("tidal-it-stream");
    let _: () = conn.sadd(&set, &["a", "b", "c"]).await.unwrap();
    let _: () = conn
        .zadd_multiple(&zset, &[(1, "a"), (2, "b")])
        .await
        .unwrap();
    let _: () = conn
        .hset_multiple(&hash, &[("a", 1), ("b", 2), ("c", 3), ("d", 4)])
        .await
        .unwrap();
    let _: String = conn.xadd(&stream, "*", &[("k", "v")]).await.unwrap();
    let missing = common::unique("tidal-it-missing");
    for (key, want) in [(&set, 3.0), (&zset, 2.0), (&hash, 4.0), (&missing, 0.0)] {
        let scaler = common::build("redis", &[("address", address), ("listName", key)], &[])
            .await
            .unwrap();
        assert_eq!(scaler.sample().await.unwrap()[0].value, want, "{key}");
    }
    let scaler = common::build("redis", &[("address", address), ("listName", &stream)], &[])
        .await
        .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("holds a stream"), "{err}");
    let _: () = conn.del(&[&set, &zset, &hash, &stream]).await.unwrap();
}

#[tokio::test]
async fn credentials_from_authentication_and_wrong_ones() {
    let Some(env) = common::env(VARS) else { return };
    let address = env["TIDAL_REDIS_AUTH_ADDRESS"].as_str();
    let user = env["TIDAL_REDIS_AUTH_USERNAME"].as_str();
    let password = env["TIDAL_REDIS_AUTH_PASSWORD"].as_str();
    let list = common::unique("tidal-it-auth");
    let scaler = common::build(
        "redis",
        &[("address", address), ("listName", &list)],
        &[("username", user), ("password", password)],
    )
    .await
    .unwrap();
    assert_eq!(scaler.sample().await.unwrap()[0].value, 0.0);

    let scaler = common::build(
        "redis",
        &[("address", address), ("listName", &list)],
        &[("username", user), ("password", "wrong-password")],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("rejected the credentials"), "{err}");
    assert!(!err.contains("wrong-password"), "{err}");

    let closed = format!("127.0.0.1:{}", common::closed_port());
    let scaler = common::build("redis", &[("address", &closed), ("listName", &list)], &[])
        .await
        .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("cannot connect"), "{err}");
}

#[tokio::test]
async fn stream_length_pending_entries_and_lag() {
    let Some(env) = common::env(VARS) else { return };
    let mut conn = connection(&env["TIDAL_REDIS_URL"]).await;
    let address = env["TIDAL_REDIS_ADDRESS"].as_str();
    let stream = common::unique("tidal-it-stream");
    for i in 0..37 {
        let _: String = conn.xadd(&stream, "*", &[("n", i)]).await.unwrap();
    }
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg("workers")
        .arg("0")
        .query_async(&mut conn)
        .await
        .unwrap();
    // A consumer takes 10 entries and acknowledges none of them.
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("workers")
        .arg("c1")
        .arg("COUNT")
        .arg(10)
        .arg("STREAMS")
        .arg(&stream)
        .arg(">")
        .query_async(&mut conn)
        .await
        .unwrap();

    let cases: &[(&[(&str, &str)], f64)] = &[
        (&[], 37.0),
        (&[("consumerGroup", "workers")], 10.0),
        (&[("consumerGroup", "workers"), ("lagCount", "5")], 27.0),
        // A group that does not exist yet has read nothing: the lag is the stream's length.
        (&[("consumerGroup", "late"), ("lagCount", "5")], 37.0),
    ];
    for (extra, want) in cases {
        let mut metadata = vec![("address", address), ("stream", stream.as_str())];
        metadata.extend_from_slice(extra);
        let scaler = common::build("redis-streams", &metadata, &[])
            .await
            .unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!(values[0].value, *want, "{extra:?}");
        assert!(values[0].active);
    }

    let scaler = common::build(
        "redis-streams",
        &[
            ("address", address),
            ("stream", &stream),
            ("consumerGroup", "ghost"),
        ],
        &[],
    )
    .await
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert!(err.contains("has no consumer group \"ghost\""), "{err}");
    let _: () = conn.del(&stream).await.unwrap();
}
