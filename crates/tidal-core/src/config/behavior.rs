//! `advanced.horizontalPodAutoscalerConfig.behavior` to [`Behavior`], with the API server's
//! per-field defaults and validation, and the pause annotations folded in.

use jiff::SignedDuration;
use tidal_api::v1alpha1::{
    HorizontalPodAutoscalerBehavior, HpaScalingPolicyType, HpaScalingRules, ScalingPolicySelect,
};

use super::Result;
use super::convert::Site;
use crate::behavior::{Behavior, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy};
use crate::keda::pause::Pause;
use crate::quantity::Quantity;

const PATH: &str = "spec.advanced.horizontalPodAutoscalerConfig.behavior";

/// The behavior in effect: the written one completed with Kubernetes' defaults, or `None` for
/// the legacy path, with the pause annotations applied ([`Pause::apply`]).
pub(super) fn behavior(
    site: &Site<'_>,
    written: Option<&HorizontalPodAutoscalerBehavior>,
    pause: Pause,
) -> Result<Option<Behavior>> {
    let behavior = match written {
        None => None,
        Some(written) => Some(Behavior {
            scale_up: rules(
                site,
                "scaleUp",
                written.scale_up.as_ref(),
                ScalingRules::default_scale_up(),
            )?,
            scale_down: rules(
                site,
                "scaleDown",
                written.scale_down.as_ref(),
                ScalingRules::default_scale_down(),
            )?,
        }),
    };
    Ok(pause.apply(behavior))
}

fn rules(
    site: &Site<'_>,
    direction: &str,
    written: Option<&HpaScalingRules>,
    defaults: ScalingRules,
) -> Result<ScalingRules> {
    let Some(written) = written else {
        return Ok(defaults);
    };
    let path = format!("{PATH}.{direction}");
    let stabilization_window = match written.stabilization_window_seconds {
        None => defaults.stabilization_window,
        Some(seconds @ 0..=3600) => Some(SignedDuration::from_secs(i64::from(seconds))),
        Some(seconds) => {
            return Err(site.invalid(
                format!("{path}.stabilizationWindowSeconds"),
                seconds,
                "a number of seconds from 0 to 3600",
            ));
        }
    };
    let select_policy = match written.select_policy {
        None => defaults.select_policy,
        Some(ScalingPolicySelect::Max) => SelectPolicy::Max,
        Some(ScalingPolicySelect::Min) => SelectPolicy::Min,
        Some(ScalingPolicySelect::Disabled) => SelectPolicy::Disabled,
    };
    let policies = match &written.policies {
        None => defaults.policies,
        Some(list) if list.is_empty() && select_policy != SelectPolicy::Disabled => {
            return Err(site.invalid(
                format!("{path}.policies"),
                "[]",
                "at least one policy, unless selectPolicy is Disabled",
            ));
        }
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let at = format!("{path}.policies[{i}]");
                if p.value <= 0 {
                    return Err(site.invalid(
                        format!("{at}.value"),
                        p.value,
                        "a number greater than 0",
                    ));
                }
                if !(1..=1800).contains(&p.period_seconds) {
                    return Err(site.invalid(
                        format!("{at}.periodSeconds"),
                        p.period_seconds,
                        "a number of seconds from 1 to 1800",
                    ));
                }
                Ok(ScalingPolicy {
                    kind: match p.type_ {
                        HpaScalingPolicyType::Pods => PolicyKind::Pods,
                        HpaScalingPolicyType::Percent => PolicyKind::Percent,
                    },
                    value: p.value,
                    period: SignedDuration::from_secs(i64::from(p.period_seconds)),
                })
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let tolerance = match &written.tolerance {
        None => None,
        Some(quantity) => {
            let text = quantity.0.as_str();
            match Quantity::parse(text).map(|q| q.as_f64()) {
                Ok(t) if t >= 0.0 => Some(t),
                _ => {
                    return Err(site.invalid(
                        format!("{path}.tolerance"),
                        format!("{text:?}"),
                        "a non-negative quantity such as \"0.05\" or \"50m\"",
                    ));
                }
            }
        }
    };
    Ok(ScalingRules {
        stabilization_window,
        select_policy,
        policies,
        tolerance,
    })
}
