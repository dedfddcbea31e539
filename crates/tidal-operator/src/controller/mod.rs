//! The ScaledObject controller: one watch, one index, one scale loop per object.
//!
//! [`run`] watches ScaledObjects, keeps the target [`Claims`] index current and starts, updates
//! or stops a [`object::ObjectLoop`] per object. Objects found by the first list (an operator
//! restart) start after a random fraction of their polling interval, so a restart does not
//! make every object poll and write at once; objects created later start at once.

mod auth;
mod env;
mod fetch;
mod finalizer;
mod object;
mod triggers;
mod usage;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use kube::runtime::WatchStreamExt;
use kube::runtime::events::{Event, Recorder};
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::{Api, Client, Resource};
use tidal_api::v1alpha1::ScaledObject;
use tidal_scalers::{Registry, Services};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::index::{Claim, Claims, PodIndex};
use crate::lease::Leadership;
use crate::status::EventSpec;
use crate::target::{Resolver, TargetRef};
use crate::telemetry::{Health, Metrics};

/// What every scale loop shares.
pub struct Context {
    /// The apiserver client.
    pub client: Client,
    /// Scale target discovery, shared by all objects.
    pub resolver: Resolver,
    /// Trigger type → scaler constructor.
    pub registry: Registry,
    /// Pooled clients and the pod index, shared by every scaler.
    pub services: Arc<Services>,
    /// Pods by namespace.
    pub pods: Arc<PodIndex>,
    /// Which ScaledObject owns each target.
    pub claims: Mutex<Claims>,
    /// Whether this replica may write.
    pub leadership: watch::Receiver<Leadership>,
    /// Metric families.
    pub metrics: Arc<Metrics>,
    /// Event publisher.
    pub recorder: Recorder,
    /// Bound on reading all triggers of one object.
    pub sample_timeout: Duration,
    /// Where ClusterTriggerAuthentications read their Secrets: the operator's namespace.
    pub cluster_object_namespace: String,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("sample_timeout", &self.sample_timeout)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Whether this replica holds the lease right now.
    pub fn is_leader(&self) -> bool {
        self.leadership.borrow().is_leader()
    }

    /// Locks the claims index.
    pub fn claims(&self) -> MutexGuard<'_, Claims> {
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Publishes an Event about `object` when this replica leads; failures are logged, never
    /// fatal (Events are best effort in Kubernetes too).
    pub async fn publish(&self, object: &ScaledObject, event: EventSpec) {
        if !self.is_leader() {
            return;
        }
        let reference = object.object_ref(&());
        let event = Event {
            type_: event.type_,
            reason: event.reason.to_owned(),
            note: Some(truncate(event.note, 1024)),
            action: "Scale".to_owned(),
            secondary: None,
        };
        if let Err(error) = self.recorder.publish(&event, &reference).await {
            tracing::warn!(reason = %event.reason, %error, "Could not publish an Event.");
        }
    }
}

/// Runs the controller until `shutdown`; every scale loop is stopped before it returns.
pub async fn run(
    ctx: Arc<Context>,
    api: Api<ScaledObject>,
    health: Arc<Health>,
    shutdown: CancellationToken,
) {
    let mut loops: HashMap<(String, String), watch::Sender<Arc<ScaledObject>>> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut listed: Option<HashSet<(String, String)>> = None;
    let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
    let mut stream = std::pin::pin!(stream);
    let jitter = std::collections::hash_map::RandomState::new();
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => break,
            event = stream.next() => event,
        };
        // Reap loops that ended (released objects) so their slots can be reused.
        while tasks.try_join_next().is_some() {}
        match event {
            None => break,
            Some(Err(error)) => {
                tracing::warn!(%error, "ScaledObject watch failed; retrying with backoff.");
            }
            Some(Ok(WatchEvent::Init)) => listed = Some(HashSet::new()),
            Some(Ok(WatchEvent::InitApply(object))) => {
                let key = key_of(&object);
                if let Some(listed) = listed.as_mut() {
                    listed.insert(key.clone());
                }
                let spread = polling_interval_jitter(&jitter, &key, &object);
                upsert(&ctx, &mut loops, &mut tasks, object, spread, &shutdown);
            }
            Some(Ok(WatchEvent::InitDone)) => {
                if let Some(listed) = listed.take() {
                    let gone: Vec<_> = loops
                        .keys()
                        .filter(|k| !listed.contains(*k))
                        .cloned()
                        .collect();
                    for (namespace, name) in gone {
                        ctx.claims().delete(&namespace, &name);
                        loops.remove(&(namespace, name));
                    }
                }
                if !health.synced.swap(true, Ordering::AcqRel) {
                    tracing::info!(objects = loops.len(), "Indexed every ScaledObject.");
                }
            }
            Some(Ok(WatchEvent::Apply(object))) => upsert(
                &ctx,
                &mut loops,
                &mut tasks,
                object,
                Duration::ZERO,
                &shutdown,
            ),
            Some(Ok(WatchEvent::Delete(object))) => {
                let (namespace, name) = key_of(&object);
                ctx.claims().delete(&namespace, &name);
                // Dropping the sender ends the loop after its current pass.
                loops.remove(&(namespace, name));
            }
        }
    }
    drop(loops);
    while tasks.join_next().await.is_some() {}
}

fn upsert(
    ctx: &Arc<Context>,
    loops: &mut HashMap<(String, String), watch::Sender<Arc<ScaledObject>>>,
    tasks: &mut JoinSet<()>,
    mut object: ScaledObject,
    first_delay: Duration,
    shutdown: &CancellationToken,
) {
    // Server-side apply's bookkeeping is often the largest part of an object and nothing here
    // reads it: dropping it keeps a thousand cached objects small.
    object.metadata.managed_fields = None;
    let key = key_of(&object);
    let reference = &object.spec.scale_target_ref;
    if let Ok(target) = TargetRef::new(
        reference.api_version.as_deref(),
        reference.kind.as_deref(),
        &reference.name,
    ) {
        let claim = Claim {
            created: object.metadata.creation_timestamp.as_ref().map(|t| t.0),
            name: key.1.clone(),
        };
        ctx.claims().apply(target.key(&key.0), claim);
    } else {
        ctx.claims().delete(&key.0, &key.1);
    }
    let object = Arc::new(object);
    if let Some(sender) = loops.get(&key)
        && !sender.is_closed()
    {
        sender.send_replace(object);
        return;
    }
    let (sender, receiver) = watch::channel(object);
    loops.insert(key, sender);
    let task = object::ObjectLoop::new(Arc::clone(ctx), receiver);
    tasks.spawn(task.run(first_delay, shutdown.child_token()));
}

fn key_of(object: &ScaledObject) -> (String, String) {
    (
        object.metadata.namespace.clone().unwrap_or_default(),
        object.metadata.name.clone().unwrap_or_default(),
    )
}

/// A random delay in `[0, pollingInterval)`, different per object and per process.
fn polling_interval_jitter(
    seed: &impl BuildHasher,
    key: &(String, String),
    object: &ScaledObject,
) -> Duration {
    let interval = object::polling_interval(object);
    let millis = u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(seed.hash_one((key, Timestamp::now().as_nanosecond())) % millis)
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max.saturating_sub(3);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}
