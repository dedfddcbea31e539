//! Waiting for the cluster to converge, and recording what it did on the way.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use tokio::task::JoinHandle;

/// Polls `check` every 200 ms until it returns `Some`, failing after `timeout` with the last
/// state `describe` gives, so a failed test says what it saw.
///
/// # Errors
///
/// When the condition does not hold within `timeout`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let start = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => last_error = Some(error),
        }
        if start.elapsed() > timeout {
            anyhow::bail!(
                "timed out after {timeout:?} waiting for {what}{}",
                last_error
                    .map(|e| format!(" (last error: {e:#})"))
                    .unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Samples a Deployment's `spec.replicas` every 100 ms in the background.
#[derive(Debug)]
pub struct ReplicaRecorder {
    samples: Arc<Mutex<Vec<(Instant, i32)>>>,
    task: JoinHandle<()>,
}

impl ReplicaRecorder {
    /// Starts recording Deployment `name`.
    pub fn start(api: Api<Deployment>, name: &str) -> Self {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&samples);
        let name = name.to_owned();
        let task = tokio::spawn(async move {
            loop {
                if let Ok(deployment) = api.get(&name).await {
                    let replicas = deployment.spec.and_then(|s| s.replicas).unwrap_or(0);
                    let mut samples = sink
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if samples.last().is_none_or(|(_, last)| *last != replicas) {
                        samples.push((Instant::now(), replicas));
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Self { samples, task }
    }

    /// Every distinct replica count seen, in order (consecutive repeats folded).
    pub fn history(&self) -> Vec<i32> {
        self.samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(_, r)| *r)
            .collect()
    }

    /// Waits until the recorder has seen `replicas` as its latest sample, so a history read
    /// right after a wait on the Deployment includes the last step.
    ///
    /// # Errors
    ///
    /// When it does not within two seconds.
    pub async fn caught_up(&self, replicas: i32) -> anyhow::Result<()> {
        wait_until(
            "the replica recorder to catch up",
            Duration::from_secs(2),
            || async { Ok((self.history().last() == Some(&replicas)).then_some(())) },
        )
        .await
    }
}

impl Drop for ReplicaRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}
