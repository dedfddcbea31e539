//! Policies that run Tidal's own decision engine (`tidal-core`): a ScaledObject from a
//! manifest, and the HPA and KEDA baselines expressed as the same engine's configuration.

use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::scenario::{PolicySpec, Prepared};

/// Builds an engine-backed policy.
///
/// # Errors
/// [`Error::Policy`] until the engine is wired.
pub fn build(spec: &PolicySpec, _prepared: &Prepared) -> Result<Box<dyn Policy>> {
    Err(Error::Policy {
        policy: spec.name(),
        message: "the decision engine is not wired yet".into(),
    })
}
