//! The API server's rules for `autoscaling/v2` behavior, applied to
//! `advanced.horizontalPodAutoscalerConfig.behavior`.

use super::{Findings, at_least, quoted, shown};
use crate::path::FieldPath;
use crate::triggers::quantity_sign;
use crate::v1alpha1::HorizontalPodAutoscalerBehavior;
use crate::v1alpha1::behavior::{MAX_PERIOD_SECONDS, MAX_STABILIZATION_WINDOW_SECONDS};

pub(super) fn check(
    behavior: &HorizontalPodAutoscalerBehavior,
    path: &FieldPath,
    findings: &mut Findings,
) {
    let directions = [
        ("scaleUp", &behavior.scale_up),
        ("scaleDown", &behavior.scale_down),
    ];
    for (direction, rules) in directions {
        let Some(rules) = rules else {
            continue;
        };
        let path = path.key(direction);
        let window = path.key("stabilizationWindowSeconds");
        at_least(
            findings,
            &window,
            rules.stabilization_window_seconds,
            0,
            "stabilizationWindowSeconds",
        );
        if let Some(seconds) = rules
            .stabilization_window_seconds
            .filter(|seconds| *seconds > MAX_STABILIZATION_WINDOW_SECONDS)
        {
            findings.error(
                &window,
                shown(seconds),
                "is longer than an hour",
                format!("stabilizationWindowSeconds must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}"),
            );
        }
        if let Some(policies) = &rules.policies {
            if policies.is_empty() {
                findings.error(
                    &path.key("policies"),
                    Some("[]".to_owned()),
                    "is empty",
                    "give at least one policy, or leave policies out for the defaults (use \
                     selectPolicy: Disabled to forbid this direction)",
                );
            }
            for (index, policy) in policies.iter().enumerate() {
                let path = path.key("policies").index(index);
                if policy.value <= 0 {
                    findings.error(
                        &path.key("value"),
                        shown(policy.value),
                        "is not positive",
                        "a policy's value must be greater than 0",
                    );
                }
                if !(1..=MAX_PERIOD_SECONDS).contains(&policy.period_seconds) {
                    findings.error(
                        &path.key("periodSeconds"),
                        shown(policy.period_seconds),
                        "is out of range",
                        format!("periodSeconds must be between 1 and {MAX_PERIOD_SECONDS}"),
                    );
                }
            }
        }
        if let Some(tolerance) = &rules.tolerance {
            let problem = match quantity_sign(&tolerance.0) {
                None => Some("is not a quantity"),
                Some(-1) => Some("is negative"),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                findings.error(
                    &path.key("tolerance"),
                    quoted(&tolerance.0),
                    problem,
                    "tolerance must be a non-negative quantity such as \"0.05\" or \"50m\"",
                );
            }
        }
    }
}
