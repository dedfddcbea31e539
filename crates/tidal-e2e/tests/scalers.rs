//! Scalers in the operator against real servers on the real control plane: a `redis` and a
//! `prometheus` trigger with the Redis password from a Secret through a TriggerAuthentication
//! and addresses from the target's container environment; wrong credentials counted toward
//! fallback without a secret value anywhere; `cpu` triggers fed by metrics-server, over whole
//! pods and over one named container.
//!
//! Run with `scripts/test-e2e.sh`, which starts the local control plane and the servers.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::{Value, json};
use tidal_api::v1alpha1::{ConditionStatus, HealthStatusType, TriggerDecision};
use tidal_e2e::services::prometheus_url;
use tidal_e2e::{Env, Exporter, ExternalScaler, Operator, Redis, TestNamespace, wait_until};

/// The gauge the prometheus trigger queries, one series per test namespace.
const GAUGE: &str = "tidal_e2e_backlog";

/// The application container: where the triggers' addresses come from (`…FromEnv`), and,
/// with `password_secret`, a `REDIS_PASSWORD` read from that Secret as the app would.
fn app_container(redis: &Redis, password_secret: Option<&str>) -> Value {
    let mut env = vec![
        json!({ "name": "REDIS_PORT", "value": redis.address.rsplit_once(':').map(|(_, p)| p).unwrap_or_default() }),
        json!({ "name": "REDIS_ADDRESS", "value": "127.0.0.1:$(REDIS_PORT)" }),
        json!({ "name": "PROMETHEUS_URL", "valueFrom": { "configMapKeyRef": { "name": "endpoints", "key": "prometheus" } } }),
    ];
    if let Some(secret) = password_secret {
        env.push(json!({ "name": "REDIS_PASSWORD", "valueFrom": { "secretKeyRef": { "name": secret, "key": "password" } } }));
    }
    json!({ "name": "app", "image": "registry.invalid/app:1", "env": env })
}

fn redis_trigger(list: &str, auth: &str) -> Value {
    json!({
        "type": "redis",
        "name": "queue",
        "metadata": { "addressFromEnv": "REDIS_ADDRESS", "listName": list, "listLength": "5" },
        "authenticationRef": { "name": auth }
    })
}

fn prometheus_trigger(namespace: &str) -> Value {
    json!({
        "type": "prometheus",
        "name": "backlog",
        "metadata": {
            "serverAddressFromEnv": "PROMETHEUS_URL",
            "query": format!("sum({GAUGE}{{ns=\"{namespace}\"}})"),
            "threshold": "10"
        }
    })
}

/// Trigger `name`'s part in the last decision of ScaledObject `object`.
async fn decided(ns: &TestNamespace, object: &str, name: &str) -> anyhow::Result<TriggerDecision> {
    let decision = ns
        .status(object)
        .await?
        .last_decision
        .context("lastDecision is written")?;
    decision
        .triggers
        .into_iter()
        .find(|t| t.name == name)
        .with_context(|| format!("trigger {name} is in lastDecision"))
}

/// Trigger `name`'s part in the first decision of `object` that has a value for it. The
/// operator writes `/scale` before the status of the same pass, so right after the replicas
/// change the status may still hold an earlier pass, one from before metrics arrived.
async fn decided_value(ns: &TestNamespace, object: &str, name: &str) -> anyhow::Result<f64> {
    let what = format!("a value for {name} in {object}'s lastDecision");
    wait_until(&what, Duration::from_secs(30), || async {
        Ok(decided(ns, object, name).await.ok().and_then(|t| t.value))
    })
    .await
}

/// The operator under test for `ns`, electing through a Lease of its own.
async fn operator(env: &Env, ns: &TestNamespace) -> anyhow::Result<Operator> {
    Operator::start(env, &ns.name, &format!("lease-{}", ns.name), "a").await
}

async fn setup(prefix: &str) -> anyhow::Result<(Env, TestNamespace, Redis, Exporter)> {
    let env = Env::load().await?;
    let ns = TestNamespace::create(&env, prefix).await?;
    let redis = Redis::from_env()?;
    let exporter = Exporter::from_env()?;
    ns.create_config_map("endpoints", json!({ "prometheus": prometheus_url()? }))
        .await?;
    Ok((env, ns, redis, exporter))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane and servers: run scripts/test-e2e.sh"]
async fn redis_and_prometheus_triggers_scale_a_deployment_with_the_password_from_a_secret()
-> anyhow::Result<()> {
    let (env, ns, redis, exporter) = setup("redis-prom").await?;
    let list = format!("{}-jobs", ns.name);
    redis.set_list_length(&list, 20).await?;
    exporter.set(GAUGE, ("ns", &ns.name), 10.0).await?;
    ns.create_secret("redis", json!({ "password": redis.password }))
        .await?;
    ns.apply_trigger_authentication(
        "redis-auth",
        json!({ "secretTargetRef": [{ "parameter": "password", "name": "redis", "key": "password" }] }),
    )
    .await?;
    ns.create_deployment_with("web", 1, app_container(&redis, None), json!({}))
        .await?;
    let operator = operator(&env, &ns).await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 1,
            "minReplicaCount": 1,
            "maxReplicaCount": 10,
            "advanced": { "horizontalPodAutoscalerConfig": { "behavior": {
                "scaleDown": { "stabilizationWindowSeconds": 0 }
            } } },
            "triggers": [redis_trigger(&list, "redis-auth"), prometheus_trigger(&ns.name)]
        }
    }))
    .await?;

    // 20 items at 5 per replica want 4; a backlog of 10 at 10 per replica wants 1.
    ns.expect_replicas("web", 4, Duration::from_secs(30))
        .await?;
    let queue = decided(&ns, "web", "queue").await?;
    assert_eq!(queue.value, Some(20.0), "Tidal read the list length");
    assert_eq!(queue.proposal, Some(4));

    // Prometheus now wants 6: the larger proposal wins.
    exporter.set(GAUGE, ("ns", &ns.name), 60.0).await?;
    ns.expect_replicas("web", 6, Duration::from_secs(30))
        .await?;
    let backlog = decided(&ns, "web", "backlog").await?;
    assert_eq!(
        backlog.value,
        Some(60.0),
        "Tidal read the Prometheus series"
    );

    // Both drained: back to the minimum.
    redis.set_list_length(&list, 0).await?;
    exporter.set(GAUGE, ("ns", &ns.name), 0.0).await?;
    ns.expect_replicas("web", 1, Duration::from_secs(30))
        .await?;
    // Health is keyed by metric name, as in KEDA, and no read failed.
    let health = ns.status("web").await?.health.unwrap_or_default();
    let failures: Vec<(&str, Option<i32>)> = health
        .iter()
        .map(|(metric, h)| (metric.as_str(), h.number_of_failures))
        .collect();
    assert_eq!(
        failures,
        [
            (format!("s0-redis-{list}").as_str(), Some(0)),
            ("s1-prometheus", Some(0))
        ]
    );

    ns.delete_scaled_object("web").await?;
    operator.terminate().await?;
    ns.delete().await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane and servers: run scripts/test-e2e.sh"]
async fn wrong_credentials_fail_the_trigger_count_toward_fallback_and_never_leak()
-> anyhow::Result<()> {
    let (env, ns, redis, exporter) = setup("secrets").await?;
    let wrong = format!("wrong-pw-{}", ns.name);
    let list = format!("{}-jobs", ns.name);
    redis.set_list_length(&list, 3).await?;
    exporter.set(GAUGE, ("ns", &ns.name), 5.0).await?;
    ns.create_secret("good", json!({ "password": redis.password }))
        .await?;
    ns.create_secret("bad", json!({ "password": wrong }))
        .await?;
    // The good password reaches the trigger through the container's environment (a
    // TriggerAuthentication `env` entry), the wrong one straight from its Secret.
    ns.apply_trigger_authentication(
        "good-auth",
        json!({ "env": [{ "parameter": "password", "name": "REDIS_PASSWORD", "containerName": "app" }] }),
    )
    .await?;
    ns.apply_trigger_authentication(
        "bad-auth",
        json!({ "secretTargetRef": [{ "parameter": "password", "name": "bad", "key": "password" }] }),
    )
    .await?;
    for name in ["good", "bad"] {
        ns.create_deployment_with(name, 1, app_container(&redis, Some(name)), json!({}))
            .await?;
    }
    let operator = operator(&env, &ns).await?;
    let object = |name: &str, auth: &str| {
        json!({
            "metadata": { "name": name },
            "spec": {
                "scaleTargetRef": { "name": name },
                "pollingInterval": 1,
                "minReplicaCount": 1,
                "maxReplicaCount": 10,
                "fallback": { "failureThreshold": 2, "replicas": 3 },
                "triggers": [redis_trigger(&list, auth), prometheus_trigger(&ns.name)]
            }
        })
    };
    ns.apply_scaled_object(object("good", "good-auth")).await?;
    ns.apply_scaled_object(object("bad", "bad-auth")).await?;

    // The failing trigger is reported per trigger, and fallback takes the target to 3.
    ns.expect_replicas("bad", 3, Duration::from_secs(30))
        .await?;
    ns.expect_condition(
        "bad",
        "Fallback",
        ConditionStatus::True,
        None,
        Duration::from_secs(10),
    )
    .await?;
    let health = wait_until(
        "health of the redis trigger",
        Duration::from_secs(10),
        || async {
            let health = ns.status("bad").await?.health.unwrap_or_default();
            Ok(health
                .get(&format!("s0-redis-{list}"))
                .filter(|h| h.number_of_failures.unwrap_or(0) > 2)
                .cloned())
        },
    )
    .await?;
    assert_eq!(health.status, Some(HealthStatusType::Failing));
    let events = ns.events("bad").await?;
    let failed = events
        .iter()
        .find(|(reason, _)| reason == "KEDAScalerFailed")
        .expect("a KEDAScalerFailed Event");
    assert!(
        failed.1.contains("queue"),
        "the Event names the trigger: {failed:?}"
    );
    assert!(
        failed.1.to_lowercase().contains("auth") || failed.1.contains("WRONGPASS"),
        "the Event says why: {failed:?}"
    );
    // The object with the right password scales on its own reading: 3 items, 1 replica.
    ns.expect_replicas("good", 1, Duration::from_secs(10))
        .await?;
    let good = ns.status("good").await?.health.unwrap_or_default();
    assert_eq!(
        good.get(&format!("s0-redis-{list}"))
            .and_then(|h| h.number_of_failures),
        Some(0)
    );

    // Neither password appears in what the operator wrote or exposes.
    let mut haystacks = vec![
        ("metrics", operator.metrics().await?),
        (
            "events",
            format!("{:?}", ns.events("good").await?) + &format!("{events:?}"),
        ),
        (
            "status of good",
            serde_json::to_string(&ns.status("good").await?)?,
        ),
        (
            "status of bad",
            serde_json::to_string(&ns.status("bad").await?)?,
        ),
    ];
    let log = operator
        .log
        .clone()
        .expect("TIDAL_E2E_LOG_DIR is set by scripts/test-e2e.sh");
    ns.delete_scaled_object("good").await?;
    ns.delete_scaled_object("bad").await?;
    operator.terminate().await?;
    let log_text = std::fs::read_to_string(&log)?;
    assert!(
        log_text.contains("Trigger failed"),
        "the log records the failure, so the grep below reads a real log"
    );
    haystacks.push(("operator log", log_text));
    for (place, text) in &haystacks {
        for secret in [redis.password.as_str(), wrong.as_str()] {
            assert!(!text.contains(secret), "a password appears in the {place}");
        }
    }
    ns.delete().await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn an_external_push_stream_activates_the_target_between_polls() -> anyhow::Result<()> {
    let env = Env::load().await?;
    let ns = TestNamespace::create(&env, "push").await?;
    let mut scaler = ExternalScaler::start().await?;
    scaler
        .command(&json!({ "specs": [{ "name": "queue", "target": 10 }] }))
        .await?;
    scaler.command(&json!({ "values": { "queue": 0 } })).await?;
    scaler.command(&json!({ "active": false })).await?;
    ns.create_deployment("web", 0).await?;
    let operator = operator(&env, &ns).await?;
    // A minute between polls: only the stream can explain a reaction within seconds.
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 60,
            "minReplicaCount": 0,
            "maxReplicaCount": 10,
            "triggers": [{
                "type": "external-push",
                "metadata": { "scalerAddress": scaler.address, "queue": "orders" }
            }]
        }
    }))
    .await?;
    ns.expect_condition(
        "web",
        "Ready",
        ConditionStatus::True,
        None,
        Duration::from_secs(20),
    )
    .await?;
    let mut streams = 0;
    for _ in 0..100 {
        streams = scaler.command(&json!({ "streams": null })).await?["streams"]
            .as_u64()
            .unwrap_or(0);
        if streams > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(streams > 0, "the operator opened no StreamIsActive stream");
    assert_eq!(
        ns.replicas("web").await?,
        0,
        "inactive, the target stays at zero"
    );

    scaler
        .command(&json!({ "values": { "queue": 30 } }))
        .await?;
    scaler.command(&json!({ "active": true })).await?;
    // The last poll was at creation, the next is a minute later: within 15 s, only the
    // streamed activity can have triggered the evaluation.
    scaler.command(&json!({ "push": true })).await?;
    wait_until(
        "the target activated by the stream",
        Duration::from_secs(15),
        || async { Ok((ns.replicas("web").await? > 0).then_some(())) },
    )
    .await?;
    ns.delete_scaled_object("web").await?;
    operator.terminate().await?;
    drop(scaler);
    ns.delete().await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn a_cpu_trigger_scales_on_usage_from_metrics_server() -> anyhow::Result<()> {
    let env = Env::load().await?;
    let ns = TestNamespace::create(&env, "cpu").await?;
    // Each pod uses 200m of its 100m request: 200% against a 50% target.
    ns.create_deployment_with(
        "web",
        1,
        json!({
            "name": "app",
            "image": "registry.invalid/app:1",
            "resources": { "requests": { "cpu": "100m", "memory": "64Mi" } }
        }),
        json!({ "kwok.x-k8s.io/usage-cpu": "200m" }),
    )
    .await?;
    let operator = operator(&env, &ns).await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 2,
            "minReplicaCount": 1,
            "maxReplicaCount": 3,
            "triggers": [{ "type": "cpu", "metricType": "Utilization", "metadata": { "value": "50" } }]
        }
    }))
    .await?;
    // metrics-server needs a scrape or two before the first sample (resolution 10 s).
    ns.expect_replicas("web", 3, Duration::from_secs(90))
        .await?;
    // kwok's usage counters tick with the clock, so metrics-server's rate is 200% give or take.
    let utilization = decided_value(&ns, "web", "s0-cpu").await?;
    assert!(
        (190.0..=210.0).contains(&utilization),
        "utilization read from metrics.k8s.io: {utilization}"
    );
    ns.delete_scaled_object("web").await?;
    operator.terminate().await?;
    ns.delete().await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn a_cpu_trigger_reads_the_named_container_or_the_pod_level_requests() -> anyhow::Result<()> {
    let env = Env::load().await?;
    let ns = TestNamespace::create(&env, "cpu-container").await?;
    // The app uses 120m of its 100m request; an idle proxy sidecar 10m of its 300m. The app
    // alone is at 120 % of a 50 % target; the whole pod at 130m of 400m is at 32.5 %.
    let containers = json!([
        { "name": "app", "image": "registry.invalid/app:1",
          "resources": { "requests": { "cpu": "100m" } } },
        { "name": "proxy", "image": "registry.invalid/proxy:1",
          "resources": { "requests": { "cpu": "300m" } } }
    ]);
    let usage = json!({ "tidal.dev/usage-cpu.app": "120m", "tidal.dev/usage-cpu.proxy": "10m" });
    for name in ["app-only", "whole-pod"] {
        ns.create_deployment_with(name, 1, containers.clone(), usage.clone())
            .await?;
    }
    // The same usage in pods whose containers request nothing and the pod 200m (pod-level
    // resources, KEP-2837): the pod at 130m of 200m is at 65 %.
    let unrequested = json!([
        { "name": "app", "image": "registry.invalid/app:1" },
        { "name": "proxy", "image": "registry.invalid/proxy:1" }
    ]);
    ns.create_deployment_of(
        "pod-level",
        1,
        json!({ "containers": unrequested, "resources": { "requests": { "cpu": "200m" } } }),
        usage.clone(),
    )
    .await?;
    let operator = operator(&env, &ns).await?;
    for (name, metadata) in [
        ("app-only", json!({ "value": "50", "containerName": "app" })),
        ("whole-pod", json!({ "value": "50" })),
        ("pod-level", json!({ "value": "50" })),
    ] {
        ns.apply_scaled_object(json!({
            "metadata": { "name": name },
            "spec": {
                "scaleTargetRef": { "name": name },
                "pollingInterval": 2,
                "minReplicaCount": 1,
                "maxReplicaCount": 3,
                "triggers": [{ "type": "cpu", "metricType": "Utilization", "metadata": metadata }]
            }
        }))
        .await?;
    }
    // 120 % of 50 % is a ratio of 2.4: ceil(2.4 × 1 pod) = 3.
    ns.expect_replicas("app-only", 3, Duration::from_secs(90))
        .await?;
    let utilization = decided_value(&ns, "app-only", "s0-cpu").await?;
    assert!(
        (110.0..=130.0).contains(&utilization),
        "the app container's utilization: {utilization}"
    );
    // The whole pod, sidecar included, is well under its target and stays at one replica.
    let utilization = decided_value(&ns, "whole-pod", "s0-cpu").await?;
    assert!(
        (28.0..=37.0).contains(&utilization),
        "the whole pod's utilization: {utilization}"
    );
    assert_eq!(ns.replicas("whole-pod").await?, 1);
    // 65 % of 50 % scales out, and keeps scaling to the maximum.
    ns.expect_replicas("pod-level", 3, Duration::from_secs(90))
        .await?;
    let utilization = decided_value(&ns, "pod-level", "s0-cpu").await?;
    assert!(
        (60.0..=70.0).contains(&utilization),
        "the pod-level requests' utilization: {utilization}"
    );
    for name in ["app-only", "whole-pod", "pod-level"] {
        ns.delete_scaled_object(name).await?;
    }
    operator.terminate().await?;
    ns.delete().await
}
