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
//! - [`manifest`]: YAML/JSON text in either group (`keda.sh` or `tidal.dev`) to typed objects with
//!   line numbers, and conversion between the groups.
//! - [`path`]: the field paths every message names.
//! - [`triggers`]: every KEDA trigger type, which ones Tidal runs, and their parameters.
//! - [`validate`]: KEDA's admission rules and the catalog's checks, with file/line reports.

pub mod crds;
pub mod manifest;
pub mod path;
pub mod triggers;
pub mod v1alpha1;
pub mod validate;
