//! Tidal's KEDA-compatible API: the custom resource types, their CRDs, manifest loading and
//! validation.
//!
//! This crate sits at the bottom of the house: the engine (`tidal-core`), the operator, the
//! simulator and the CLI all speak these types. It does no IO; callers pass text in and get typed
//! values, CRDs or validation findings out.
//!
//! - [`v1alpha1`]: ScaledObject, ScaledJob, TriggerAuthentication and ClusterTriggerAuthentication
//!   in group `tidal.dev`, field-for-field KEDA 2.20, plus Tidal's `status.lastDecision`.
//! - [`crds`]: the CustomResourceDefinitions, as values and as deterministic YAML.

pub mod crds;
pub mod v1alpha1;
