//! The apiserver goes away and comes back: the operator retries with backoff and converges,
//! and the status it could not write while the apiserver was down is written after.
//!
//! This test restarts the shared local kube-apiserver, so `scripts/test-e2e.sh` runs it alone,
//! after the other suites.

use std::time::Duration;

use serde_json::json;
use tidal_api::v1alpha1::ConditionStatus;
use tidal_e2e::cluster::metrics_api_trigger;
use tidal_e2e::{Scenario, wait_until};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "restarts the local kube-apiserver: run scripts/test-e2e.sh"]
async fn the_operator_converges_after_the_apiserver_restarts() -> anyhow::Result<()> {
    let cluster = std::env::var("TIDAL_E2E_CLUSTER_SCRIPT")?;
    let pid_file = std::env::var("TIDAL_E2E_APISERVER_PIDFILE")?;
    let scenario = Scenario::start("apiserver", 30.0, 1).await?;
    let (ns, metric) = (&scenario.ns, &scenario.metric);
    let mut operator = scenario.operator("a").await?;
    ns.apply_scaled_object(json!({
        "metadata": { "name": "web" },
        "spec": { "scaleTargetRef": { "name": "web" }, "pollingInterval": 1, "minReplicaCount": 1,
                  "triggers": [metrics_api_trigger(&metric.url(), 10.0)] }
    }))
    .await?;
    ns.expect_replicas("web", 3, Duration::from_secs(15))
        .await?;

    let pid = std::fs::read_to_string(&pid_file)?.trim().to_owned();
    std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()?;
    // Killed outright: a graceful stop would drain open watches for longer than a test should
    // wait, and a crash is the harsher case anyway.
    wait_until(
        "the old kube-apiserver to exit",
        Duration::from_secs(20),
        || async {
            // Gone, or a zombie nobody has reaped yet: either way it no longer holds the port.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat.rsplit(')').next().unwrap_or_default().trim_start();
            Ok((state.is_empty() || state.starts_with(['Z', 'X'])).then_some(()))
        },
    )
    .await?;
    // While it is down the metric doubles; nobody can write.
    metric.set(60.0);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let up = std::process::Command::new(&cluster).arg("up").status()?;
    anyhow::ensure!(up.success(), "{cluster} up failed");

    ns.expect_replicas("web", 6, Duration::from_mins(1)).await?;
    wait_until(
        "the status to catch up",
        Duration::from_secs(30),
        || async {
            let status = ns.status("web").await?;
            Ok(status
                .last_decision
                .filter(|d| d.desired_replicas == 6)
                .map(|_| ()))
        },
    )
    .await?;
    assert!(
        ns.condition_is("web", "Ready", ConditionStatus::True, None)
            .await?
    );
    assert!(
        operator.is_running(),
        "the operator must ride out an apiserver restart"
    );

    scenario.finish(operator, &["web"]).await
}
