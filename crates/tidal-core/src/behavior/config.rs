//! The scaling behavior a user configures (`spec.behavior` of an HPA, `advanced.
//! horizontalPodAutoscalerConfig.behavior` of a KEDA ScaledObject) in normalized, core-native
//! form, with Kubernetes' defaults, and the controller-wide knobs that apply when it is absent.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::hpa::Tolerances;

/// How a policy limits the change within its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyKind {
    /// An absolute number of pods.
    Pods,
    /// A percentage of the replica count at the start of the period.
    Percent,
}

/// One rate policy: at most `value` pods (or percent) of change per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicy {
    /// Pods or percent.
    pub kind: PolicyKind,
    /// The allowed change (> 0).
    pub value: i32,
    /// The sliding window the change is measured over (`periodSeconds`, 1 s to 30 min).
    pub period: SignedDuration,
}

impl ScalingPolicy {
    /// At most `value` pods per `period_seconds`.
    pub const fn pods(value: i32, period_seconds: i64) -> Self {
        Self {
            kind: PolicyKind::Pods,
            value,
            period: SignedDuration::from_secs(period_seconds),
        }
    }

    /// At most `value` percent per `period_seconds`.
    pub const fn percent(value: i32, period_seconds: i64) -> Self {
        Self {
            kind: PolicyKind::Percent,
            value,
            period: SignedDuration::from_secs(period_seconds),
        }
    }
}

/// Which policy applies when several are given (`selectPolicy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectPolicy {
    /// The policy allowing the largest change (the default).
    #[default]
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction at all.
    Disabled,
}

/// The rules for one direction (`scaleUp` or `scaleDown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds` (0 to 1 h). `None` means 0 for scale-up and the controller's
    /// `downscale_stabilization` (5 min) for scale-down, as Kubernetes defaults them.
    pub stabilization_window: Option<SignedDuration>,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`; a user list replaces the default list as a whole.
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (KEP-4951); `None` means the controller tolerance.
    pub tolerance: Option<f64>,
}

impl ScalingRules {
    /// Kubernetes' default scale-up rules: no window, the larger of 4 pods or 100 % per 15 s.
    pub fn default_scale_up() -> Self {
        Self {
            stabilization_window: Some(SignedDuration::ZERO),
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy::pods(4, 15), ScalingPolicy::percent(100, 15)],
            tolerance: None,
        }
    }

    /// Kubernetes' default scale-down rules: the controller window (5 min), 100 % per 15 s.
    pub fn default_scale_down() -> Self {
        Self {
            stabilization_window: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy::percent(100, 15)],
            tolerance: None,
        }
    }

    /// The longest policy period (zero without policies): older scale events no longer count
    /// for this direction.
    pub fn longest_period(&self) -> SignedDuration {
        self.policies
            .iter()
            .map(|p| p.period)
            .max()
            .unwrap_or(SignedDuration::ZERO)
    }
}

/// Both directions' rules: the presence of a `Behavior` selects Kubernetes' behavior path, its
/// absence the legacy path (see [`super::normalize`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Behavior {
    /// `scaleUp`.
    pub scale_up: ScalingRules,
    /// `scaleDown`.
    pub scale_down: ScalingRules,
}

impl Default for Behavior {
    /// The rules Kubernetes applies to a `behavior: {}`.
    fn default() -> Self {
        Self {
            scale_up: ScalingRules::default_scale_up(),
            scale_down: ScalingRules::default_scale_down(),
        }
    }
}

impl Behavior {
    /// The tolerances the replica calculator should use: each direction's own tolerance, else
    /// `controller_default`.
    pub fn tolerances(&self, controller_default: f64) -> Tolerances {
        Tolerances {
            scale_down: self.scale_down.tolerance.unwrap_or(controller_default),
            scale_up: self.scale_up.tolerance.unwrap_or(controller_default),
        }
    }
}

/// Controller-wide knobs of kube-controller-manager that Tidal mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControllerConfig {
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (5 min): the legacy window, and the
    /// scale-down window of a behavior that sets none.
    pub downscale_stabilization: SignedDuration,
    /// `--horizontal-pod-autoscaler-tolerance` (0.1).
    pub tolerance: f64,
    /// Legacy path: a scale-up may at most multiply the count by this factor (2)…
    pub scale_up_limit_factor: f64,
    /// …or reach this many replicas, whichever is larger (4).
    pub scale_up_limit_minimum: f64,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            downscale_stabilization: SignedDuration::from_mins(5),
            tolerance: crate::hpa::DEFAULT_TOLERANCE,
            scale_up_limit_factor: 2.0,
            scale_up_limit_minimum: 4.0,
        }
    }
}
