//! What must hold when things go wrong: operator restarts, leader failover, objects that
//! cannot work, and two objects on one target.
//!
//! Run with `scripts/test-e2e.sh`.

use std::time::{Duration, Instant};

use serde_json::json;
use tidal_api::v1alpha1::ConditionStatus;
use tidal_e2e::cluster::metrics_api_trigger;
use tidal_e2e::operator::{LEASE_DURATION, lease_holder};
use tidal_e2e::{ReplicaRecorder, Scenario, wait_until};

fn scaled_object(url: &str, extra: &serde_json::Value) -> serde_json::Value {
    let mut object = json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 1,
            "minReplicaCount": 1,
            "advanced": { "horizontalPodAutoscalerConfig": { "behavior": {
                "scaleDown": { "stabilizationWindowSeconds": 30 }
            } } },
            "triggers": [metrics_api_trigger(url, 10.0)]
        }
    });
    if let (Some(spec), Some(extra)) = (object["spec"].as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    object
}

/// Whether the count only ever moved in one direction, as it must while the metric only rises.
fn monotonic(history: &[i32]) -> bool {
    history.windows(2).all(|w| w[0] <= w[1])
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn an_operator_restart_mid_scale_loses_nothing() -> anyhow::Result<()> {
    let scenario = Scenario::start("restart", 10.0, 1).await?;
    let (env, ns, metric, lease) = (
        &scenario.env,
        &scenario.ns,
        &scenario.metric,
        &scenario.lease,
    );
    let first = scenario.operator("first").await?;
    ns.apply_scaled_object(scaled_object(&metric.url(), &json!({})))
        .await?;
    ns.expect_condition(
        "web",
        "Ready",
        ConditionStatus::True,
        None,
        Duration::from_secs(20),
    )
    .await?;
    let recorder = ReplicaRecorder::start(ns.deployments(), "web");
    let before = ns.status("web").await?;

    metric.set(50.0);
    ns.expect_replicas("web", 5, Duration::from_secs(10))
        .await?;
    // The metric falls, then the operator dies: the 30 s window must survive the restart.
    metric.set(20.0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill().await?;
    let mut second = scenario.operator("second").await?;
    wait_until(
        "the new operator to lead",
        Duration::from_secs(LEASE_DURATION + 6),
        || async {
            Ok((lease_holder(env, lease).await?.as_deref() == Some("second")).then_some(()))
        },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        ns.replicas("web").await?,
        5,
        "a restart must not skip the scale-down stabilization"
    );
    assert!(second.is_running());

    metric.set(70.0);
    ns.expect_replicas("web", 7, Duration::from_secs(10))
        .await?;
    assert!(
        monotonic(&recorder.history()),
        "replicas flapped: {:?}",
        recorder.history()
    );
    let after = ns.status("web").await?;
    assert_eq!(
        after.original_replica_count, before.original_replica_count,
        "the original count survives"
    );
    assert!(after.last_active_time.is_some());

    scenario.finish(second, &["web"]).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn the_follower_takes_over_within_the_lease_duration_without_flapping() -> anyhow::Result<()>
{
    let scenario = Scenario::start("failover", 30.0, 1).await?;
    let (env, ns, metric, lease) = (
        &scenario.env,
        &scenario.ns,
        &scenario.metric,
        &scenario.lease,
    );
    let a = scenario.operator("a").await?;
    let holder = wait_until("a leader", Duration::from_secs(10), || async {
        lease_holder(env, lease).await
    })
    .await?;
    let b = scenario.operator("b").await?;
    assert_eq!(holder, "a");
    ns.apply_scaled_object(scaled_object(&metric.url(), &json!({})))
        .await?;
    ns.expect_replicas("web", 3, Duration::from_secs(15))
        .await?;
    let recorder = ReplicaRecorder::start(ns.deployments(), "web");
    // Let the follower's engine see a few passes.
    tokio::time::sleep(Duration::from_secs(3)).await;

    a.kill().await?;
    let killed = Instant::now();
    metric.set(60.0);
    wait_until(
        "b to lead",
        Duration::from_secs(LEASE_DURATION + 5),
        || async { Ok((lease_holder(env, lease).await?.as_deref() == Some("b")).then_some(())) },
    )
    .await?;
    let takeover = killed.elapsed();
    assert!(
        takeover <= Duration::from_secs(LEASE_DURATION + 2),
        "takeover took {takeover:?}, lease duration is {LEASE_DURATION}s"
    );
    // The scale-up rate policy (4 pods or 100 % per 15 s) counts the old leader's step too.
    ns.expect_replicas("web", 6, Duration::from_secs(20))
        .await?;
    assert!(
        monotonic(&recorder.history()),
        "replicas flapped across the failover: {:?}",
        recorder.history()
    );

    scenario.finish(b, &["web"]).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn objects_that_cannot_work_say_why_without_crashing_the_operator() -> anyhow::Result<()> {
    let scenario = Scenario::start("unready", 20.0, 0).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let mut operator = scenario.operator("a").await?;
    let within = Duration::from_secs(20);

    // A target that does not exist yet.
    ns.apply_scaled_object(json!({
        "metadata": { "name": "ghost" },
        "spec": { "scaleTargetRef": { "name": "ghost" }, "pollingInterval": 1,
                  "triggers": [metrics_api_trigger(&metric.url(), 10.0)] }
    }))
    .await?;
    // A kind without /scale.
    ns.apply_scaled_object(json!({
        "metadata": { "name": "config" },
        "spec": { "scaleTargetRef": { "apiVersion": "v1", "kind": "ConfigMap", "name": "settings" },
                  "pollingInterval": 1, "triggers": [metrics_api_trigger(&metric.url(), 10.0)] }
    }))
    .await?;
    // Valid for the schema, unusable for the scaler: no targetValue.
    ns.apply_scaled_object(json!({
        "metadata": { "name": "untargeted" },
        "spec": { "scaleTargetRef": { "name": "ghost" }, "pollingInterval": 1,
                  "triggers": [{ "type": "metrics-api", "metadata": { "url": metric.url(), "valueLocation": "value" } }] }
    }))
    .await?;

    let missing = ns
        .expect_condition(
            "ghost",
            "Ready",
            ConditionStatus::False,
            Some("ScaleTargetNotFound"),
            within,
        )
        .await?;
    assert!(missing.message.unwrap_or_default().contains("ghost"));
    let unscalable = ns
        .expect_condition(
            "config",
            "Ready",
            ConditionStatus::False,
            Some("ScaleTargetNotScalable"),
            within,
        )
        .await?;
    assert!(unscalable.message.unwrap_or_default().contains("ConfigMap"));
    let invalid = ns
        .expect_condition("untargeted", "Ready", ConditionStatus::False, None, within)
        .await?;
    let message = invalid.message.unwrap_or_default();
    assert!(
        message.contains("targetValue"),
        "the message names the missing parameter: {message}"
    );
    let warnings: Vec<String> = ns.event_reasons("ghost").await?;
    assert!(
        warnings.iter().any(|r| r == "ScaledObjectCheckFailed"),
        "{warnings:?}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        operator.is_running(),
        "the operator must not crash on objects that cannot work"
    );

    // The target appears: the object recovers by itself.
    ns.create_deployment("ghost", 1).await?;
    ns.expect_condition("ghost", "Ready", ConditionStatus::True, None, within)
        .await?;
    ns.expect_replicas("ghost", 2, within).await?;

    // A second object on the same target is refused, and the first keeps the target.
    ns.apply_scaled_object(json!({
        "metadata": { "name": "second" },
        "spec": { "scaleTargetRef": { "name": "ghost" }, "pollingInterval": 1, "minReplicaCount": 9,
                  "triggers": [metrics_api_trigger(&metric.url(), 10.0)] }
    }))
    .await?;
    let conflict = ns
        .expect_condition(
            "second",
            "Ready",
            ConditionStatus::False,
            Some("ScaleTargetConflict"),
            within,
        )
        .await?;
    assert!(conflict.message.unwrap_or_default().contains("ghost"));
    let events: Vec<String> = ns.event_reasons("second").await?;
    assert!(
        events.iter().any(|r| r == "ScaledObjectCheckFailed"),
        "{events:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        ns.replicas("ghost").await?,
        2,
        "the second object must not touch the target"
    );

    scenario
        .finish(operator, &["ghost", "config", "untargeted", "second"])
        .await
}
