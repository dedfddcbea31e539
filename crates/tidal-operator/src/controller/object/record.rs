//! What a decision leaves behind: the status report, the metric series and the Events.

use kube::runtime::events::EventType;
use tidal_api::v1alpha1::{LastDecision, ScaledObject};
use tidal_core::decision::Decision;

use super::{Built, ObjectLoop};
use crate::constants::reasons;
use crate::controller::triggers;
use crate::status::{EventSpec, Report, TriggerHealth};
use crate::target::{ScaleClient, TargetRef};
use crate::telemetry::TriggerLabels;

impl ObjectLoop {
    /// Fills the report and the metrics from a decision.
    pub(super) async fn record(
        &self,
        object: &ScaledObject,
        built: &Built,
        samples: &[triggers::Sample],
        decision: &Decision,
        report: &mut Report,
    ) {
        let state = self.state.as_ref();
        report.active = Some(decision.active);
        report.fallback = decision.fallback;
        report.decision = Some(LastDecision::from(decision));
        report.last_active_time = state.and_then(|s| s.last_active_time);
        let pause = built.engine.config().pause;
        if pause.is_frozen() {
            report.paused = Some(match pause.replicas {
                Some(n) => {
                    format!("autoscaling.keda.sh/paused-replicas holds the target at {n} replicas")
                }
                None => {
                    "autoscaling.keda.sh/paused freezes the target at its current replica count"
                        .to_owned()
                }
            });
            report.paused_replica_count = pause.replicas;
        }
        let object_labels = self.object_labels();
        self.ctx
            .metrics
            .desired_replicas
            .get_or_create(&object_labels)
            .set(i64::from(decision.desired_replicas));
        self.ctx
            .metrics
            .paused
            .get_or_create(&object_labels)
            .set(i64::from(pause.is_frozen()));
        let configs = &built.engine.config().triggers;
        for ((outcome, sample), config) in decision.triggers.iter().zip(samples).zip(configs) {
            report
                .triggers_activity
                .insert(outcome.name.clone(), outcome.active);
            // KEDA keys health by metric name (`s0-redis-jobs`), one entry per external metric;
            // cpu/memory metrics are the HPA's and never fail over to fallback.
            let failures = i32::try_from(outcome.failures).unwrap_or(i32::MAX);
            if !config.is_resource() {
                for metric in &sample.metric_names {
                    report
                        .health
                        .insert(metric.clone(), TriggerHealth { failures });
                }
            }
            report
                .metric_names
                .extend(sample.metric_names.iter().cloned());
            for metric in &sample.metric_names {
                let labels = TriggerLabels {
                    namespace: self.namespace.clone(),
                    scaled_object: self.name.clone(),
                    metric: metric.clone(),
                    scaler: sample.type_name.clone(),
                };
                match &sample.result {
                    Ok(values) => {
                        for value in values.iter().filter(|v| v.name == *metric) {
                            self.ctx
                                .metrics
                                .scaler_value
                                .get_or_create(&labels)
                                .set(value.value);
                            self.ctx
                                .metrics
                                .scaler_active
                                .get_or_create(&labels)
                                .set(i64::from(value.active));
                        }
                    }
                    Err(_) => {
                        self.ctx.metrics.scaler_errors.get_or_create(&labels).inc();
                    }
                }
            }
            if let (Err(error), 1) = (&sample.result, outcome.failures) {
                tracing::warn!(trigger = %outcome.name, %error, "Trigger failed.");
                let note = format!(
                    "Trigger {} ({}) failed: {error}",
                    outcome.name, sample.type_name
                );
                self.ctx
                    .publish(
                        object,
                        EventSpec {
                            type_: EventType::Warning,
                            reason: reasons::SCALER_FAILED,
                            note,
                        },
                    )
                    .await;
            }
        }
    }
}

/// The Event for a completed scale: KEDA's activation and deactivation reasons for the steps to
/// and from zero, Tidal's own for the rest.
pub(super) fn scaled_event(
    client: &ScaleClient,
    namespace: &str,
    target: &TargetRef,
    from: i32,
    decision: &Decision,
) -> EventSpec {
    let to = decision.desired_replicas;
    let what = format!("{} {namespace}/{}", client.kind(), target.name);
    if from == 0 && to > 0 {
        let active: Vec<&str> = decision
            .triggers
            .iter()
            .filter(|t| t.active)
            .map(|t| t.name.as_str())
            .collect();
        EventSpec {
            type_: EventType::Normal,
            reason: reasons::SCALE_TARGET_ACTIVATED,
            note: format!(
                "Scaled {what} from 0 to {to}, triggered by {}",
                active.join(";")
            ),
        }
    } else if to == 0 {
        EventSpec {
            type_: EventType::Normal,
            reason: reasons::SCALE_TARGET_DEACTIVATED,
            note: format!("Deactivated {what} from {from} to 0: {}", decision.reason),
        }
    } else {
        EventSpec {
            type_: EventType::Normal,
            reason: reasons::SCALED,
            note: format!("Scaled {what} from {from} to {to}: {}", decision.reason),
        }
    }
}
