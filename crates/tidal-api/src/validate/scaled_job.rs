//! The ScaledJob rules: bounds, the Job template, the custom scaling strategy's parameters and the
//! shared trigger checks.

use super::{Findings, at_least, named, quoted, shown, triggers};
use crate::path::FieldPath;
use crate::v1alpha1::ScaledJob;

pub(super) fn check(object: &ScaledJob, findings: &mut Findings) {
    named(&object.metadata, findings);
    let spec = &object.spec;
    let root = FieldPath::parse("spec");
    at_least(
        findings,
        &root.key("pollingInterval"),
        spec.polling_interval,
        1,
        "pollingInterval",
    );
    at_least(
        findings,
        &root.key("successfulJobsHistoryLimit"),
        spec.successful_jobs_history_limit,
        0,
        "successfulJobsHistoryLimit",
    );
    at_least(
        findings,
        &root.key("failedJobsHistoryLimit"),
        spec.failed_jobs_history_limit,
        0,
        "failedJobsHistoryLimit",
    );
    at_least(
        findings,
        &root.key("minReplicaCount"),
        spec.min_replica_count,
        0,
        "minReplicaCount",
    );
    at_least(
        findings,
        &root.key("maxReplicaCount"),
        spec.max_replica_count,
        0,
        "maxReplicaCount",
    );
    if let Some(min) = spec.min_replica_count
        && min > spec.max_replica_count()
    {
        findings.warn(
            &root.key("minReplicaCount"),
            shown(min),
            format!(
                "is greater than maxReplicaCount {}",
                spec.max_replica_count()
            ),
            "KEDA caps minReplicaCount at maxReplicaCount for ScaledJobs",
        );
    }
    let containers = spec
        .job_target_ref
        .template
        .spec
        .as_ref()
        .map_or(0, |pod| pod.containers.len());
    if containers == 0 {
        findings.error(
            &FieldPath::parse("spec.jobTargetRef.template.spec.containers"),
            None,
            "is empty",
            "the Job template needs at least one container",
        );
    }
    if let Some(percentage) = spec
        .scaling_strategy
        .as_ref()
        .and_then(|strategy| strategy.custom_scaling_running_job_percentage.as_deref())
        && !percentage.parse::<f64>().is_ok_and(f64::is_finite)
    {
        findings.error(
            &FieldPath::parse("spec.scalingStrategy.customScalingRunningJobPercentage"),
            quoted(percentage),
            "is not a number",
            "customScalingRunningJobPercentage must be a decimal such as \"0.5\"",
        );
    }
    triggers::check(&spec.triggers, &root, findings);
}
