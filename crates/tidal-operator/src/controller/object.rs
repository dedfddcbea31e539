//! The scale loop of one ScaledObject.
//!
//! Each object gets a task that wakes every `pollingInterval` (the first wake after a restart
//! is spread over one interval so a thousand objects do not poll at once), or at once when its
//! spec, annotations or deletion state change. A pass reads the target's `/scale`, samples the
//! triggers, asks the engine, and — only while this replica leads — writes `/scale`, status and
//! Events. Followers run the same passes without writing, so their engine state (stabilization
//! history, failure counts, last active time) is warm when they take over.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kube::Api;
use kube::runtime::events::EventType;
use tidal_api::v1alpha1::{GroupVersionKindResource, ScaledObject, ScaledObjectStatus};
use tidal_core::engine::{Engine, Observation, ScalerState};
use tidal_scalers::ObjectKind;
use tidal_scalers::external::ActivityPush;
use tidal_scalers::kubernetes_workload::LabelSelector;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::triggers::{self, Triggers};
use super::usage::Usage;
use super::{Context, finalizer};
use crate::constants::reasons;
use crate::status::{self, EventSpec, Problem, Report};
use crate::target::{self, ScaleState, TargetRef};
use crate::telemetry::{ObjectLabels, ResultLabels};
use record::scaled_event;

/// How many times a pass re-reads and decides again after a `/scale` write conflict.
const CONFLICT_RETRIES: usize = 3;

/// What is built from one generation of the spec.
struct Built {
    generation: Option<i64>,
    annotations: BTreeMap<String, String>,
    engine: Engine,
    triggers: Triggers,
    target: TargetRef,
}

impl Built {
    /// Metric name → the name of the trigger that produces it (the engine's key).
    fn trigger_of_metric(&self) -> BTreeMap<String, String> {
        self.engine
            .config()
            .triggers
            .iter()
            .zip(self.triggers.metric_names())
            .flat_map(|(trigger, metrics)| {
                metrics
                    .into_iter()
                    .map(move |metric| (metric, trigger.name.clone()))
            })
            .collect()
    }
}

/// The task state of one ScaledObject's loop.
pub(crate) struct ObjectLoop {
    ctx: Arc<Context>,
    namespace: String,
    name: String,
    rx: watch::Receiver<Arc<ScaledObject>>,
    built: Option<Built>,
    state: Option<ScalerState>,
    written: Option<ScaledObjectStatus>,
    started_announced: bool,
    /// `spec.replicas` of the target after the previous pass (what we read, or what we wrote).
    observed_replicas: Option<i32>,
    /// The triggers (by index) that failed in the previous pass, rebuilt before the next.
    failed_triggers: Vec<usize>,
    /// Whether the last rebuild after a failure failed too (it is logged once, at warn).
    rebuild_failing: bool,
    /// Activity streamed by `external-push` triggers, while the object has any.
    pushes: Option<broadcast::Receiver<ActivityPush>>,
}

/// How a pass ended.
enum PassEnd {
    /// Poll again after the interval.
    Continue,
    /// The finalizer was released: the object is going away.
    Released,
}

impl ObjectLoop {
    pub(crate) fn new(ctx: Arc<Context>, rx: watch::Receiver<Arc<ScaledObject>>) -> Self {
        let (namespace, name) = {
            let object = rx.borrow();
            (
                object.metadata.namespace.clone().unwrap_or_default(),
                object.metadata.name.clone().unwrap_or_default(),
            )
        };
        Self {
            ctx,
            namespace,
            name,
            rx,
            built: None,
            state: None,
            written: None,
            started_announced: false,
            observed_replicas: None,
            failed_triggers: Vec::new(),
            rebuild_failing: false,
            pushes: None,
        }
    }

    /// Runs passes until the object is released, its sender is dropped, or `shutdown`.
    pub(crate) async fn run(mut self, first_delay: Duration, shutdown: CancellationToken) {
        self.ctx.metrics.scaled_objects.inc();
        let mut next = Instant::now() + first_delay;
        loop {
            let seen = Arc::clone(&self.rx.borrow());
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep_until(next) => {
                    let late = Instant::now().saturating_duration_since(next);
                    self.ctx.metrics.loop_latency.observe(late.as_secs_f64());
                }
                changed = self.rx.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    if !needs_pass_now(&seen, &self.rx.borrow()) {
                        continue;
                    }
                }
                push = next_push(self.pushes.as_mut()) => {
                    if !self.pushed_active(push) {
                        continue;
                    }
                    tracing::debug!(namespace = %self.namespace, name = %self.name, "An external-push trigger reported activity; evaluating now.");
                }
            }
            let interval = polling_interval(&self.rx.borrow());
            match self.pass().await {
                PassEnd::Released => break,
                PassEnd::Continue => next = Instant::now() + interval,
            }
        }
        self.stop().await;
    }

    async fn stop(&mut self) {
        self.ctx.metrics.scaled_objects.dec();
        if let Some(built) = self.built.take() {
            self.ctx
                .metrics
                .forget(&self.namespace, &self.name, &built.triggers.metric_labels());
            built.triggers.close().await;
        }
        let object = ObjectLabels {
            namespace: self.namespace.clone(),
            scaled_object: self.name.clone(),
        };
        self.ctx.metrics.desired_replicas.remove(&object);
        tracing::debug!(namespace = %self.namespace, name = %self.name, "Stopped the scale loop.");
    }

    /// Whether a streamed message asks this object for an evaluation now: an activity push
    /// for one of its triggers (KEDA ignores `false`, leaving deactivation to polling), or
    /// pushes lost to a full backlog, which may have held one.
    fn pushed_active(&self, push: Result<ActivityPush, RecvError>) -> bool {
        match push {
            Ok(push) => {
                push.active
                    && push.object.kind == ObjectKind::ScaledObject
                    && push.object.namespace == self.namespace
                    && push.object.name == self.name
            }
            Err(RecvError::Lagged(_)) => true,
            Err(RecvError::Closed) => false,
        }
    }

    fn api(&self) -> Api<ScaledObject> {
        Api::namespaced(self.ctx.client.clone(), &self.namespace)
    }

    #[tracing::instrument(skip(self), fields(namespace = %self.namespace, name = %self.name))]
    async fn pass(&mut self) -> PassEnd {
        let object = Arc::clone(&self.rx.borrow_and_update());
        if object.metadata.deletion_timestamp.is_some() {
            return self.finalize(&object).await;
        }
        if self.ctx.is_leader()
            && !finalizer::has(&object)
            && let Err(error) = finalizer::add(&self.api(), &object).await
        {
            tracing::warn!(%error, "Could not add the finalizer; retrying next pass.");
        }
        let now = Timestamp::now();
        let mut report = Report {
            generation: object.metadata.generation,
            triggers_types: Some(
                object
                    .spec
                    .triggers
                    .iter()
                    .map(|t| t.type_.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            authentications_types: authentications(&object),
            ..Report::default()
        };
        if let Err(problem) = self.rebuild_if_changed(&object).await {
            report.problem = Some(problem);
            self.finish(&object, report, now).await;
            return PassEnd::Continue;
        }
        if let Err(problem) = self.scale(&object, &mut report, now).await {
            self.ctx
                .metrics
                .object_errors
                .get_or_create(&self.object_labels())
                .inc();
            report.problem = Some(problem);
        }
        self.finish(&object, report, now).await;
        PassEnd::Continue
    }

    /// Resolves the target, samples, decides and writes `/scale`.
    async fn scale(
        &mut self,
        object: &ScaledObject,
        report: &mut Report,
        now: Timestamp,
    ) -> Result<(), Problem> {
        let Some(built) = self.built.as_ref() else {
            return Ok(());
        };
        let target = built.target.clone();
        let conflict = self
            .ctx
            .claims()
            .owner_other_than(&self.namespace, &self.name)
            .map(str::to_owned);
        if let Some(owner) = conflict {
            return Err(Problem::user(
                "ScaleTargetConflict",
                format!(
                    "spec.scaleTargetRef: {} {}/{} is already scaled by ScaledObject {}/{owner}; \
                     a target can have only one ScaledObject",
                    target.kind, self.namespace, target.name, self.namespace
                ),
            ));
        }
        let client = self
            .ctx
            .resolver
            .scale_client(&target, &self.namespace)
            .await
            .map_err(|e| problem(&e))?;
        let resolved = self
            .ctx
            .resolver
            .resolve(&target)
            .await
            .map_err(|e| problem(&e))?;
        report.target_kind = Some(target.kind.clone());
        report.target_gvkr = Some(GroupVersionKindResource {
            group: target.group.clone(),
            version: target.version.clone(),
            kind: target.kind.clone(),
            resource: resolved.resource.plural.clone(),
        });
        let mut scale = client.read(&target.name).await.map_err(|e| problem(&e))?;
        report.original_replica_count = Some(scale.desired);

        let usage = if built.triggers.has_resource_triggers() {
            self.usage(&scale).await
        } else {
            None
        };
        let previous = self.written.as_ref().or(object.status.as_ref());
        let state = self
            .state
            .get_or_insert_with(|| initial_state(object, previous, &built.trigger_of_metric()));
        let sampling = std::time::Instant::now();
        let samples = built.triggers.sample(self.ctx.sample_timeout).await;
        self.ctx
            .metrics
            .scaler_latency
            .observe(sampling.elapsed().as_secs_f64());
        self.failed_triggers = samples
            .iter()
            .enumerate()
            .filter(|(_, s)| s.result.is_err())
            .map(|(index, _)| index)
            .collect();
        let readings: Vec<_> = samples.iter().map(triggers::reading).collect();
        let observe = |scale: &ScaleState| {
            let mut observation = Observation {
                replicas: scale.desired,
                status_replicas: Some(scale.current),
                ready_replicas: ready_replicas(&self.ctx, &self.namespace, scale),
                triggers: readings.clone(),
                ..Observation::default()
            };
            if let Some((pods, usage)) = &usage {
                observation.pods.clone_from(pods);
                observation.cpu.clone_from(&usage.cpu);
                observation.memory.clone_from(&usage.memory);
                observation.container_usage.clone_from(&usage.containers);
            }
            observation
        };
        let leading = self.ctx.is_leader();
        if let Some(previous) = self
            .observed_replicas
            .filter(|p| *p != scale.desired && !leading)
        {
            // The leader scaled: mirror its scale event so the rate policies see it after a
            // takeover, as they would in the leader's own history.
            let behavior = built.engine.config().behavior.as_ref();
            state
                .history
                .record_scale(behavior, previous, scale.desired, now);
        }
        let before = state.clone();
        let mut decision = built.engine.decide(&observe(&scale), state, now);
        for attempt in 0..=CONFLICT_RETRIES {
            if decision.desired_replicas == scale.desired {
                break;
            }
            if !self.ctx.is_leader() {
                self.ctx
                    .metrics
                    .scale_writes
                    .get_or_create(&ResultLabels::of("skipped_not_leader"))
                    .inc();
                // Keep what was observed (recommendations, failures, activity) but not the
                // scale event of a decision this replica did not apply.
                state
                    .history
                    .scale_up_events
                    .clone_from(&before.history.scale_up_events);
                state
                    .history
                    .scale_down_events
                    .clone_from(&before.history.scale_down_events);
                break;
            }
            match client
                .write(&target.name, &scale, decision.desired_replicas)
                .await
            {
                Ok(written) => {
                    self.ctx
                        .metrics
                        .scale_writes
                        .get_or_create(&ResultLabels::of("ok"))
                        .inc();
                    let from = scale.desired;
                    scale.desired = written.desired;
                    let event = scaled_event(&client, &self.namespace, &target, from, &decision);
                    tracing::info!(from, to = decision.desired_replicas, bound_by = %decision.bound_by, reason = %decision.reason, "Scaled the target.");
                    self.ctx.publish(object, event).await;
                    break;
                }
                Err(target::Error::Conflict { .. }) if attempt < CONFLICT_RETRIES => {
                    self.ctx
                        .metrics
                        .scale_writes
                        .get_or_create(&ResultLabels::of("conflict"))
                        .inc();
                    *state = before.clone();
                    scale = client.read(&target.name).await.map_err(|e| problem(&e))?;
                    decision = built.engine.decide(&observe(&scale), state, now);
                }
                Err(error) => {
                    self.ctx
                        .metrics
                        .scale_writes
                        .get_or_create(&ResultLabels::of("error"))
                        .inc();
                    *state = before;
                    if scale.desired == 0 || decision.desired_replicas == 0 {
                        let reason = if scale.desired == 0 {
                            reasons::SCALE_TARGET_ACTIVATION_FAILED
                        } else {
                            reasons::SCALE_TARGET_DEACTIVATION_FAILED
                        };
                        let note = format!(
                            "Failed to scale {} {}/{}: {error}",
                            target.kind, self.namespace, target.name
                        );
                        self.ctx
                            .publish(
                                object,
                                EventSpec {
                                    type_: EventType::Warning,
                                    reason,
                                    note,
                                },
                            )
                            .await;
                    }
                    return Err(problem(&error));
                }
            }
        }
        self.observed_replicas = Some(scale.desired);
        self.record(object, built, &samples, &decision, report)
            .await;
        Ok(())
    }

    /// The target's pods and their usage from metrics.k8s.io, for `cpu`/`memory` triggers.
    /// `None` when the target publishes no selector; a failed read leaves the samples empty,
    /// which the HPA math reports on the trigger ("no metrics").
    async fn usage(&self, scale: &ScaleState) -> Option<(Vec<tidal_core::hpa::Pod>, Usage)> {
        let text = scale.selector.as_deref()?;
        let selector = LabelSelector::parse(text).ok()?;
        let pods = self.ctx.pods.hpa_pods(&self.namespace, &selector);
        let usage = match super::usage::fetch(&self.ctx.client, &self.namespace, text).await {
            Ok(usage) => usage,
            Err(error) => {
                tracing::warn!(%error, "Could not read pod usage for cpu/memory triggers.");
                Usage::default()
            }
        };
        Some((pods, usage))
    }

    /// Writes the status if it changed and this replica leads, then publishes its transitions.
    async fn finish(&mut self, object: &ScaledObject, report: Report, now: Timestamp) {
        if let Some(problem) = &report.problem {
            if problem.transient {
                tracing::warn!(reason = %problem.reason, message = %problem.message, "Pass failed; retrying next interval.");
            } else {
                tracing::info!(reason = %problem.reason, message = %problem.message, "ScaledObject is not ready.");
            }
        }
        let previous = self.written.as_ref().or(object.status.as_ref()).cloned();
        let mut next = status::build(previous.as_ref(), &report, now);
        let refresh = last_active_refresh(object);
        status::hold_last_active_time(previous.as_ref(), &mut next, refresh);
        if !self.ctx.is_leader() || !status::differs(previous.as_ref(), &next) {
            return;
        }
        match status::write(&self.api(), &self.name, &next).await {
            Ok(()) => {
                self.ctx
                    .metrics
                    .status_writes
                    .get_or_create(&ResultLabels::of("ok"))
                    .inc();
                for event in status::transitions(previous.as_ref(), &next) {
                    self.ctx.publish(object, event).await;
                }
                self.written = Some(next);
            }
            Err(error) => {
                self.ctx
                    .metrics
                    .status_writes
                    .get_or_create(&ResultLabels::of("error"))
                    .inc();
                tracing::warn!(%error, "Could not write the status; retrying next pass.");
            }
        }
    }

    fn object_labels(&self) -> ObjectLabels {
        ObjectLabels {
            namespace: self.namespace.clone(),
            scaled_object: self.name.clone(),
        }
    }
}

/// The next streamed activity message, or never when the object has no `external-push`
/// trigger.
async fn next_push(
    pushes: Option<&mut broadcast::Receiver<ActivityPush>>,
) -> Result<ActivityPush, RecvError> {
    match pushes {
        Some(pushes) => pushes.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether a watch update needs a pass before the next tick: a spec change, an annotation
/// change (pause) or a deletion. Our own status writes change none of these.
fn needs_pass_now(before: &ScaledObject, after: &ScaledObject) -> bool {
    before.metadata.generation != after.metadata.generation
        || before.metadata.annotations != after.metadata.annotations
        || before.metadata.deletion_timestamp != after.metadata.deletion_timestamp
}

/// How stale `status.lastActiveTime` may get before it is written again: a quarter of the
/// cooldown, at most 30 s. Only a restarted operator reads it back, and then scales to zero at
/// most this much early; in exchange an active object costs no status write per poll.
fn last_active_refresh(object: &ScaledObject) -> jiff::SignedDuration {
    let cooldown = i64::from(object.spec.cooldown_period().max(0));
    jiff::SignedDuration::from_secs((cooldown / 4).min(30))
}

/// The object's `pollingInterval` as a duration.
pub(crate) fn polling_interval(object: &ScaledObject) -> Duration {
    Duration::from_secs(u64::try_from(object.spec.polling_interval().max(1)).unwrap_or(30))
}

/// The engine state of an object first seen by this process: what KEDA keeps in status is
/// restored from it, so a restart does not forget the last active time or failure counts.
///
/// `status.health` is keyed by metric name, as in KEDA; `trigger_of_metric` maps each metric
/// back to the trigger whose failures the engine counts.
fn initial_state(
    object: &ScaledObject,
    status: Option<&ScaledObjectStatus>,
    trigger_of_metric: &BTreeMap<String, String>,
) -> ScalerState {
    let created = object.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let mut state = created.map_or_else(ScalerState::default, ScalerState::new);
    if let Some(status) = status {
        state.last_active_time = status.last_active_time.as_ref().map(|t| t.0);
        state.paused_replica_count = status.paused_replica_count;
        if let Some(health) = &status.health {
            state.failures = health
                .iter()
                .filter_map(|(metric, h)| {
                    let trigger = trigger_of_metric.get(metric)?;
                    Some((trigger.clone(), u32::try_from(h.number_of_failures?).ok()?))
                })
                .collect();
        }
    }
    state
}

/// Ready replicas of the target: ready pods matching its selector, or `status.replicas`
/// when the target publishes no selector.
fn ready_replicas(ctx: &Context, namespace: &str, scale: &ScaleState) -> i32 {
    match scale.selector.as_deref().map(LabelSelector::parse) {
        Some(Ok(selector)) => {
            i32::try_from(ctx.pods.ready(namespace, &selector)).unwrap_or(i32::MAX)
        }
        _ => scale.current,
    }
}

fn authentications(object: &ScaledObject) -> Option<String> {
    let names: Vec<&str> = object
        .spec
        .triggers
        .iter()
        .filter_map(|t| t.authentication_ref.as_ref().map(|a| a.name.as_str()))
        .collect();
    (!names.is_empty()).then(|| names.join(","))
}

fn problem(error: &target::Error) -> Problem {
    if error.is_user_error() {
        Problem::user(error.reason(), error.to_string())
    } else {
        Problem::transient(error.reason(), error.to_string())
    }
}

#[cfg(test)]
mod tests;

mod build;
mod finalize;
mod record;
