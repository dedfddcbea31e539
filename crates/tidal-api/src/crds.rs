//! The CustomResourceDefinitions of Tidal's API, generated from the Rust types.
//!
//! The YAML is checked in under `deploy/crds/` (one file per CRD) and a test fails when it is
//! stale, so the schema users install is always the one the code reads. Regenerate with
//! `TIDAL_UPDATE_CRDS=1 cargo test -p tidal-api --test crds` or `tidal crds --out deploy/crds`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::v1alpha1::{
    ClusterTriggerAuthentication, ScaledJob, ScaledObject, TriggerAuthentication,
};

/// Errors while rendering CRDs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A CRD could not be serialized to YAML (a bug in the schema generation, not user input).
    #[error("cannot render CRD {name} as YAML: {source}")]
    Render {
        /// The CRD's name, e.g. `scaledobjects.tidal.dev`.
        name: String,
        /// The serializer's error.
        source: serde_saphyr::SerializeError,
    },
}

/// Result of this module's functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every CRD of the API, in a fixed order: ScaledObject, ScaledJob, TriggerAuthentication,
/// ClusterTriggerAuthentication.
pub fn all() -> Vec<CustomResourceDefinition> {
    vec![
        ScaledObject::crd(),
        ScaledJob::crd(),
        TriggerAuthentication::crd(),
        ClusterTriggerAuthentication::crd(),
    ]
}

/// One CRD as a YAML document, with a header naming its source.
///
/// # Errors
///
/// [`Error::Render`] if serialization fails.
pub fn render_one(crd: &CustomResourceDefinition) -> Result<String> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let body = serde_saphyr::to_string(crd).map_err(|source| Error::Render {
        name: name.clone(),
        source,
    })?;
    Ok(format!(
        "# {name}: generated from crates/tidal-api by `tidal crds`; do not edit.\n---\n{body}"
    ))
}

/// Every CRD as one multi-document YAML stream, deterministic byte for byte.
///
/// # Errors
///
/// [`Error::Render`] if serialization fails.
pub fn render_yaml() -> Result<String> {
    all()
        .iter()
        .map(render_one)
        .collect::<Result<Vec<_>>>()
        .map(|docs| docs.concat())
}

/// The checked-in files: `(file name, contents)` pairs such as
/// `("tidal.dev_scaledobjects.yaml", …)`, one per CRD.
///
/// # Errors
///
/// [`Error::Render`] if serialization fails.
pub fn files() -> Result<Vec<(String, String)>> {
    all()
        .iter()
        .map(|crd| {
            let file = format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural);
            render_one(crd).map(|contents| (file, contents))
        })
        .collect()
}
