//! The scale lifecycle on a real control plane: activation, scale-out, stabilized scale-in,
//! cooldown to zero, pause, fallback and restore on delete.
//!
//! Run with `scripts/test-e2e.sh` (the tests are `#[ignore]`d so `cargo test --workspace`
//! does not need a cluster).

use std::time::Duration;

use serde_json::json;
use tidal_api::v1alpha1::ConditionStatus;
use tidal_e2e::cluster::metrics_api_trigger;
use tidal_e2e::{ReplicaRecorder, Scenario, wait_until};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn activates_scales_out_stabilizes_in_and_cools_down_to_zero() -> anyhow::Result<()> {
    let scenario = Scenario::start("lifecycle", 0.0, 0).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let operator = scenario.operator("a").await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 1,
            "cooldownPeriod": 4,
            "maxReplicaCount": 10,
            "advanced": { "horizontalPodAutoscalerConfig": { "behavior": {
                "scaleDown": { "stabilizationWindowSeconds": 3 }
            } } },
            "triggers": [metrics_api_trigger(&metric.url(), 10.0)]
        }
    }))
    .await?;
    let recorder = ReplicaRecorder::start(ns.deployments(), "web");
    wait_until("Ready=True", Duration::from_secs(20), || async {
        Ok(ns
            .condition_is("web", "Ready", ConditionStatus::True, None)
            .await?
            .then_some(()))
    })
    .await?;
    assert_eq!(
        ns.replicas("web").await?,
        0,
        "an inactive object stays at zero"
    );

    metric.set(5.0);
    ns.expect_replicas("web", 1, Duration::from_secs(10))
        .await?;
    // The operator writes `/scale` before the status of the same pass, so the condition may land
    // a moment after the replicas do.
    ns.expect_condition(
        "web",
        "Active",
        ConditionStatus::True,
        None,
        Duration::from_secs(5),
    )
    .await?;

    metric.set(45.0);
    ns.expect_replicas("web", 5, Duration::from_secs(10))
        .await?;

    // 12 per 10 per replica wants 2; the 3 s window holds 5 first.
    metric.set(12.0);
    let lowered = std::time::Instant::now();
    ns.expect_replicas("web", 2, Duration::from_secs(15))
        .await?;
    assert!(
        lowered.elapsed() >= Duration::from_secs(2),
        "scale-in ignored the stabilization window"
    );

    metric.set(0.0);
    let inactive = std::time::Instant::now();
    ns.expect_replicas("web", 0, Duration::from_secs(20))
        .await?;
    assert!(
        inactive.elapsed() >= Duration::from_secs(3),
        "went to zero before the cooldown"
    );

    // Inactive, the HPA math takes the count to its floor of one (the window has passed), and
    // KEDA's rule takes it from one to zero once the cooldown ends: each step once, no flapping.
    recorder.caught_up(0).await?;
    assert_eq!(recorder.history(), [0, 1, 5, 2, 1, 0]);
    let reasons: Vec<String> = ns.event_reasons("web").await?;
    for expected in [
        "ScaledObjectReady",
        "KEDAScalersStarted",
        "KEDAScaleTargetActivated",
        "KEDAScaleTargetDeactivated",
    ] {
        assert!(
            reasons.iter().any(|r| r == expected),
            "no {expected} Event in {reasons:?}"
        );
    }
    let status = ns.status("web").await?;
    assert_eq!(status.original_replica_count, Some(0));
    assert!(status.last_active_time.is_some());
    let decision = status.last_decision.expect("lastDecision is written");
    assert_eq!(decision.desired_replicas, 0);
    assert!(!decision.reason.is_empty());

    scenario.finish(operator, &["web"]).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn paused_replicas_hold_the_target_until_resumed() -> anyhow::Result<()> {
    let scenario = Scenario::start("pause", 30.0, 1).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let operator = scenario.operator("a").await?;
    let object = |annotations: serde_json::Value| {
        json!({
            "metadata": { "name": "web", "annotations": annotations },
            "spec": {
                "scaleTargetRef": { "name": "web" },
                "pollingInterval": 1,
                "minReplicaCount": 1,
                "triggers": [metrics_api_trigger(&metric.url(), 10.0)]
            }
        })
    };
    ns.apply_scaled_object(object(json!({}))).await?;
    ns.expect_replicas("web", 3, Duration::from_secs(15))
        .await?;

    ns.apply_scaled_object(object(
        json!({ "autoscaling.keda.sh/paused-replicas": "2" }),
    ))
    .await?;
    ns.expect_replicas("web", 2, Duration::from_secs(10))
        .await?;
    wait_until("Paused=True", Duration::from_secs(10), || async {
        Ok(ns
            .condition_is("web", "Paused", ConditionStatus::True, None)
            .await?
            .then_some(()))
    })
    .await?;
    metric.set(80.0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ns.replicas("web").await?,
        2,
        "a paused object ignores its triggers"
    );
    let status = ns.status("web").await?;
    assert_eq!(status.paused_replica_count, Some(2));

    ns.apply_scaled_object(object(json!({}))).await?;
    ns.expect_replicas("web", 8, Duration::from_secs(15))
        .await?;
    ns.expect_condition(
        "web",
        "Paused",
        ConditionStatus::False,
        None,
        Duration::from_secs(5),
    )
    .await?;
    let reasons: Vec<String> = ns.event_reasons("web").await?;
    assert!(
        reasons.iter().any(|r| r == "ScaledObjectPaused"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r == "ScaledObjectUnpaused"),
        "{reasons:?}"
    );

    scenario.finish(operator, &["web"]).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn a_failing_metric_source_falls_back_to_the_fallback_count() -> anyhow::Result<()> {
    let scenario = Scenario::start("fallback", 10.0, 1).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let operator = scenario.operator("a").await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 1,
            "minReplicaCount": 1,
            "fallback": { "failureThreshold": 2, "replicas": 4 },
            "triggers": [metrics_api_trigger(&metric.url(), 10.0)]
        }
    }))
    .await?;
    wait_until("Ready=True", Duration::from_secs(20), || async {
        Ok(ns
            .condition_is("web", "Ready", ConditionStatus::True, None)
            .await?
            .then_some(()))
    })
    .await?;
    assert_eq!(ns.replicas("web").await?, 1);

    metric.fail();
    ns.expect_replicas("web", 4, Duration::from_secs(15))
        .await?;
    wait_until("Fallback=True", Duration::from_secs(10), || async {
        Ok(ns
            .condition_is("web", "Fallback", ConditionStatus::True, None)
            .await?
            .then_some(()))
    })
    .await?;
    let status = ns.status("web").await?;
    let failures: Vec<i32> = status
        .health
        .unwrap_or_default()
        .values()
        .filter_map(|h| h.number_of_failures)
        .collect();
    assert!(
        failures.iter().any(|f| *f > 2),
        "health counts the failures: {failures:?}"
    );
    let reasons: Vec<String> = ns.event_reasons("web").await?;
    assert!(
        reasons.iter().any(|r| r == "KEDAScalerFailed"),
        "{reasons:?}"
    );

    metric.set(20.0);
    ns.expect_replicas("web", 2, Duration::from_secs(20))
        .await
        .ok();
    wait_until("Fallback=False", Duration::from_secs(10), || async {
        Ok(ns
            .condition_is("web", "Fallback", ConditionStatus::False, None)
            .await?
            .then_some(()))
    })
    .await?;

    scenario.finish(operator, &["web"]).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane: run scripts/test-e2e.sh"]
async fn deleting_the_scaled_object_restores_the_original_count() -> anyhow::Result<()> {
    let scenario = Scenario::start("restore", 60.0, 2).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let operator = scenario.operator("a").await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": {
            "scaleTargetRef": { "name": "web" },
            "pollingInterval": 1,
            "advanced": { "restoreToOriginalReplicaCount": true },
            "triggers": [metrics_api_trigger(&metric.url(), 10.0)]
        }
    }))
    .await?;
    ns.expect_replicas("web", 6, Duration::from_secs(15))
        .await?;
    let status = ns.status("web").await?;
    assert_eq!(status.original_replica_count, Some(2));
    let finalizers = ns
        .scaled_objects()
        .get("web")
        .await?
        .metadata
        .finalizers
        .unwrap_or_default();
    assert!(
        finalizers.iter().any(|f| f == "tidal.dev/finalizer"),
        "{finalizers:?}"
    );

    ns.delete_scaled_object("web").await?;
    ns.expect_replicas("web", 2, Duration::from_secs(10))
        .await?;
    wait_until(
        "the ScaledObject to be gone",
        Duration::from_secs(10),
        || async {
            Ok(ns
                .scaled_objects()
                .get_opt("web")
                .await?
                .is_none()
                .then_some(()))
        },
    )
    .await?;
    // Nothing scales it any more.
    metric.set(90.0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(ns.replicas("web").await?, 2);

    scenario.finish(operator, &[]).await
}
