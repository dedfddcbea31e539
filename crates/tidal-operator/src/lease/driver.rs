//! The async half of leader election: reads and writes the Lease on a timer.

use std::time::Instant;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube::api::{ObjectMeta, PostParams};
use tokio::sync::watch;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::{Elector, Step};
use crate::constants::FIELD_MANAGER;

/// Whether this replica may write, as published by [`run`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leadership {
    /// The instant until which this replica may write; `None` when it does not lead.
    ///
    /// A deadline rather than a flag, so a driver stuck on a hung apiserver call cannot leave a
    /// stale `true` behind.
    pub until: Option<Instant>,
    /// The holder last seen in the Lease, for logs and `/readyz`.
    pub holder: Option<String>,
}

impl Leadership {
    /// Whether this replica leads right now.
    pub fn is_leader(&self) -> bool {
        self.until.is_some_and(|until| Instant::now() < until)
    }
}

/// Runs leader election until `shutdown`, then hands the lease over if this replica holds it.
///
/// Every `retry_period` the Lease `name` is read; the [`Elector`] decides whether to create,
/// renew, take over or wait; the outcome is published on `tx`. Each apiserver call is bounded
/// by the retry period so a hung connection cannot extend leadership past its deadline.
pub async fn run(
    api: Api<Lease>,
    name: String,
    mut elector: Elector,
    tx: watch::Sender<Leadership>,
    shutdown: CancellationToken,
) {
    let timings = elector.timings();
    let post = PostParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PostParams::default()
    };
    let mut was_leader = false;
    loop {
        let now = Instant::now();
        let outcome = match timeout(timings.retry_period, api.get_opt(&name)).await {
            Ok(Ok(current)) => {
                let step = elector.plan(
                    current.as_ref().and_then(|l| l.spec.as_ref()),
                    now,
                    Timestamp::now(),
                );
                let holder = current
                    .as_ref()
                    .and_then(|l| l.spec.as_ref())
                    .and_then(|s| s.holder_identity.clone());
                let written = match step {
                    Step::Wait => Ok(None),
                    Step::Create(spec) => {
                        let lease = Lease {
                            metadata: ObjectMeta {
                                name: Some(name.clone()),
                                ..ObjectMeta::default()
                            },
                            spec: Some(spec.clone()),
                        };
                        write(timings.retry_period, api.create(&post, &lease))
                            .await
                            .map(|()| Some(spec))
                    }
                    Step::Update(spec) => {
                        let mut lease = current.clone().unwrap_or_default();
                        lease.spec = Some(spec.clone());
                        write(timings.retry_period, api.replace(&name, &post, &lease))
                            .await
                            .map(|()| Some(spec))
                    }
                };
                match written {
                    Ok(Some(spec)) => {
                        elector.written(&spec, now);
                        Ok(spec.holder_identity)
                    }
                    Ok(None) => Ok(holder),
                    Err(error) => Err(error),
                }
            }
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("timed out reading the lease".to_owned()),
        };
        let holder = match outcome {
            Ok(holder) => holder,
            Err(error) => {
                elector.write_failed(now);
                tracing::warn!(lease = %name, %error, "Leader election round failed; retrying.");
                tx.borrow().holder.clone()
            }
        };
        let leading = elector.is_leader(now);
        if leading != was_leader {
            if leading {
                tracing::info!(lease = %name, identity = elector.identity(), "Became the leader.");
            } else {
                tracing::warn!(lease = %name, identity = elector.identity(), holder = holder.as_deref().unwrap_or(""), "Lost the leadership; writes stop.");
            }
            was_leader = leading;
        }
        let until = leading.then(|| now + timings.renew_deadline);
        tx.send_replace(Leadership { until, holder });
        tokio::select! {
            () = tokio::time::sleep(timings.retry_period) => {}
            () = shutdown.cancelled() => break,
        }
    }
    tx.send_replace(Leadership::default());
    if was_leader {
        release(&api, &name, &mut elector, &post).await;
    }
}

/// Hands the lease over so a follower takes over on its next retry.
async fn release(api: &Api<Lease>, name: &str, elector: &mut Elector, post: &PostParams) {
    let Ok(Some(mut lease)) = api.get_opt(name).await else {
        return;
    };
    let Some(spec) = lease
        .spec
        .as_ref()
        .and_then(|s| elector.release(s, Timestamp::now()))
    else {
        return;
    };
    lease.spec = Some(spec);
    match api.replace(name, post, &lease).await {
        Ok(_) => tracing::info!(lease = %name, "Released the lease."),
        Err(error) => {
            tracing::warn!(lease = %name, %error, "Could not release the lease; followers take over when it expires.");
        }
    }
}

async fn write<T>(
    limit: std::time::Duration,
    call: impl Future<Output = kube::Result<T>>,
) -> Result<(), String> {
    match timeout(limit, call).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(status))) if status.is_conflict() || status.is_already_exists() => {
            Err("another replica wrote the lease first".to_owned())
        }
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("timed out writing the lease".to_owned()),
    }
}
