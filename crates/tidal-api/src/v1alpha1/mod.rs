//! Tidal's `tidal.dev/v1alpha1` API: KEDA's four kinds, field for field.
//!
//! One file per kind ([`scaled_object`], [`scaled_job`], [`trigger_authentication`],
//! [`cluster_trigger_authentication`]) plus the pieces they share. The same types read
//! `keda.sh/v1alpha1` manifests: only the group differs (see [`crate::manifest`]).

pub mod advanced;
pub mod annotations;
pub mod auth;
pub mod behavior;
pub mod cloud_secrets;
pub mod cluster_trigger_authentication;
pub mod decision;
pub mod scaled_job;
pub mod scaled_object;
pub mod status;
pub mod trigger;
pub mod trigger_authentication;

pub use advanced::{
    AdvancedConfig, Fallback, FallbackBehavior, HorizontalPodAutoscalerConfig, ModifierMetricType,
    ScalingModifiers,
};
pub use behavior::{
    HorizontalPodAutoscalerBehavior, HpaScalingPolicy, HpaScalingPolicyType, HpaScalingRules,
    ScalingPolicySelect,
};
pub use cluster_trigger_authentication::{
    ClusterTriggerAuthentication, ClusterTriggerAuthenticationSpec,
};
pub use decision::{LastDecision, TriggerDecision};
pub use scaled_job::{ScaledJob, ScaledJobSpec};
pub use scaled_object::{ScaleTarget, ScaledObject, ScaledObjectSpec};
pub use status::{
    Condition, ConditionStatus, GroupVersionKindResource, HealthStatus, HealthStatusType,
    ScaledJobStatus, ScaledObjectStatus, TriggerActivity,
};
pub use trigger::{AuthenticationKind, AuthenticationRef, MetricType, ScaleTrigger};
pub use trigger_authentication::{
    TriggerAuthentication, TriggerAuthenticationSpec, TriggerAuthenticationStatus,
};

/// Tidal's API group.
pub const GROUP: &str = "tidal.dev";
/// KEDA's API group, accepted on input.
pub const KEDA_GROUP: &str = "keda.sh";
/// The version shared by both groups.
pub const VERSION: &str = "v1alpha1";

/// Schema transform for enums: drops the type's own description so that the description of the
/// field using it survives kube's hoisting of `Option<enum>` schemas, since `kubectl explain` should
/// describe the field, not the type.
pub(crate) fn field_docs_only(schema: &mut schemars::Schema) {
    schema.remove("description");
}
