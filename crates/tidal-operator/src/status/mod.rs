//! `status` of a ScaledObject: what one pass of the scale loop found, as KEDA shapes it.
//!
//! [`Report`] is what a pass observed; [`build`] turns it and the previous status into the next
//! status (keeping each condition's `lastTransitionTime` unless its status flips) and
//! [`transitions`] lists the Events the change deserves. Both are pure, so the rules a user sees
//! in `kubectl describe` are tested without a cluster. [`write`] sends the result with
//! server-side apply.

mod report;
mod writer;

pub use report::{Problem, Report, TriggerHealth};
pub use writer::write;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::runtime::events::EventType;
use tidal_api::v1alpha1::status::condition_types;
use tidal_api::v1alpha1::{
    Condition, ConditionStatus, HealthStatus, HealthStatusType, ScaledObjectStatus, TriggerActivity,
};

use crate::constants::reasons;

/// The next status after a pass that observed `report` at `now`.
pub fn build(
    previous: Option<&ScaledObjectStatus>,
    report: &Report,
    now: Timestamp,
) -> ScaledObjectStatus {
    let previous_conditions = previous
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let condition = |type_: &str, status: ConditionStatus, reason: &str, message: String| {
        let kept = previous_conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == status);
        Condition {
            type_: type_.to_owned(),
            status,
            reason: Some(reason.to_owned()),
            message: Some(message),
            last_transition_time: kept
                .and_then(|c| c.last_transition_time.clone())
                .or(Some(Time(now))),
            observed_generation: report.generation,
        }
    };
    let ready = match &report.problem {
        None => condition(
            condition_types::READY,
            ConditionStatus::True,
            "ScaledObjectReady",
            "ScaledObject is defined correctly and is ready for scaling".to_owned(),
        ),
        Some(problem) => condition(
            condition_types::READY,
            if problem.transient {
                ConditionStatus::Unknown
            } else {
                ConditionStatus::False
            },
            &problem.reason,
            problem.message.clone(),
        ),
    };
    let active = match report.active {
        Some(true) => condition(
            condition_types::ACTIVE,
            ConditionStatus::True,
            "ScalerActive",
            "Scaling is performed because triggers are active".to_owned(),
        ),
        Some(false) => condition(
            condition_types::ACTIVE,
            ConditionStatus::False,
            "ScalerNotActive",
            "Scaling is not performed because triggers are not active".to_owned(),
        ),
        None => condition(
            condition_types::ACTIVE,
            ConditionStatus::Unknown,
            "ScalerUnknown",
            "Triggers have not been read".to_owned(),
        ),
    };
    let fallback = if report.fallback {
        condition(
            condition_types::FALLBACK,
            ConditionStatus::True,
            "FallbackExists",
            "At least one trigger is failing past its failure threshold; the fallback replica count applies".to_owned(),
        )
    } else {
        condition(
            condition_types::FALLBACK,
            ConditionStatus::False,
            "NoFallbackFound",
            "No fallback was found".to_owned(),
        )
    };
    let paused = match &report.paused {
        Some(message) => condition(
            condition_types::PAUSED,
            ConditionStatus::True,
            "ScaledObjectPaused",
            message.clone(),
        ),
        None => condition(
            condition_types::PAUSED,
            ConditionStatus::False,
            "ScaledObjectUnpaused",
            "Autoscaling is not paused".to_owned(),
        ),
    };
    let keep = |pick: fn(&ScaledObjectStatus) -> Option<i32>| previous.and_then(pick);
    ScaledObjectStatus {
        scale_target_kind: report
            .target_kind
            .clone()
            .or_else(|| previous.and_then(|s| s.scale_target_kind.clone())),
        scale_target_gvkr: report
            .target_gvkr
            .clone()
            .or_else(|| previous.and_then(|s| s.scale_target_gvkr.clone())),
        original_replica_count: keep(|s| s.original_replica_count)
            .or(report.original_replica_count),
        last_active_time: report
            .last_active_time
            .map(Time)
            .or_else(|| previous.and_then(|s| s.last_active_time.clone())),
        external_metric_names: (!report.metric_names.is_empty())
            .then(|| report.metric_names.clone()),
        resource_metric_names: None,
        composite_scaler_name: None,
        conditions: Some(vec![ready, active, fallback, paused]),
        health: (!report.health.is_empty()).then(|| {
            report
                .health
                .iter()
                .map(|(name, h)| {
                    let status = if h.failures == 0 {
                        HealthStatusType::Happy
                    } else {
                        HealthStatusType::Failing
                    };
                    (
                        name.clone(),
                        HealthStatus {
                            number_of_failures: Some(h.failures),
                            status: Some(status),
                        },
                    )
                })
                .collect()
        }),
        triggers_activity: (!report.triggers_activity.is_empty()).then(|| {
            report
                .triggers_activity
                .iter()
                .map(|(name, active)| (name.clone(), TriggerActivity { is_active: *active }))
                .collect::<BTreeMap<_, _>>()
        }),
        paused_replica_count: report.paused_replica_count,
        hpa_name: None,
        triggers_types: report.triggers_types.clone(),
        authentications_types: report.authentications_types.clone(),
        last_decision: report
            .decision
            .clone()
            .or_else(|| previous.and_then(|s| s.last_decision.clone())),
    }
}

/// An Event to publish about the ScaledObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// `Normal` or `Warning`.
    pub type_: EventType,
    /// The PascalCase reason (see [`crate::constants::reasons`]).
    pub reason: &'static str,
    /// The human-readable note.
    pub note: String,
}

/// The Events deserved by the change from `previous` to `next`: readiness gained or lost, and
/// pause set or lifted. Steady states emit nothing, so a thousand idle objects stay quiet.
pub fn transitions(
    previous: Option<&ScaledObjectStatus>,
    next: &ScaledObjectStatus,
) -> Vec<EventSpec> {
    let find = |status: Option<&ScaledObjectStatus>, type_: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|conditions| conditions.iter().find(|c| c.type_ == type_).cloned())
    };
    let mut events = Vec::new();
    let (before, after) = (
        find(previous, condition_types::READY),
        find(Some(next), condition_types::READY),
    );
    if let Some(after) = after {
        let was_ready = before
            .as_ref()
            .is_some_and(|c| c.status == ConditionStatus::True);
        match after.status {
            ConditionStatus::True if !was_ready => events.push(EventSpec {
                type_: EventType::Normal,
                reason: reasons::SCALED_OBJECT_READY,
                note: "ScaledObject is ready for scaling".to_owned(),
            }),
            ConditionStatus::False
                if before.as_ref().is_none_or(|b| {
                    b.status != ConditionStatus::False || b.reason != after.reason
                }) =>
            {
                events.push(EventSpec {
                    type_: EventType::Warning,
                    reason: reasons::SCALED_OBJECT_CHECK_FAILED,
                    note: after.message.clone().unwrap_or_default(),
                });
            }
            _ => {}
        }
    }
    let paused = |s: Option<&ScaledObjectStatus>| {
        find(s, condition_types::PAUSED).is_some_and(|c| c.status == ConditionStatus::True)
    };
    match (paused(previous), paused(Some(next))) {
        (false, true) => events.push(EventSpec {
            type_: EventType::Normal,
            reason: reasons::SCALED_OBJECT_PAUSED,
            note: find(Some(next), condition_types::PAUSED)
                .and_then(|c| c.message)
                .unwrap_or_default(),
        }),
        (true, false) => events.push(EventSpec {
            type_: EventType::Normal,
            reason: reasons::SCALED_OBJECT_UNPAUSED,
            note: "Autoscaling resumed".to_owned(),
        }),
        _ => {}
    }
    events
}

/// Keeps `previous`'s `lastActiveTime` in `next` while it is younger than `refresh`, so a
/// continuously active object does not need a status write every poll just to move it.
pub fn hold_last_active_time(
    previous: Option<&ScaledObjectStatus>,
    next: &mut ScaledObjectStatus,
    refresh: jiff::SignedDuration,
) {
    let Some(before) = previous.and_then(|p| p.last_active_time.as_ref()) else {
        return;
    };
    let Some(after) = next.last_active_time.as_ref() else {
        return;
    };
    if after.0 >= before.0 && after.0.duration_since(before.0) < refresh {
        next.last_active_time = Some(before.clone());
    }
}

/// Whether two statuses differ in anything but the decision's timestamp: the loop skips the
/// write otherwise, so a steady object costs no apiserver write per poll.
pub fn differs(previous: Option<&ScaledObjectStatus>, next: &ScaledObjectStatus) -> bool {
    let Some(previous) = previous else {
        return true;
    };
    let strip = |s: &ScaledObjectStatus| {
        let mut s = s.clone();
        if let Some(decision) = s.last_decision.as_mut() {
            decision.time = Time(Timestamp::UNIX_EPOCH);
        }
        s
    };
    strip(previous) != strip(next)
}

#[cfg(test)]
mod tests;
