//! Manifests: typed objects read from YAML or JSON text, in either API group.
//!
//! Users bring KEDA manifests (`keda.sh/v1alpha1`) and Tidal ones (`tidal.dev/v1alpha1`); both load
//! into the same [`v1alpha1`](crate::v1alpha1) types and remember their [`Group`], so tools can
//! report on them, [`convert`] them and write them back unchanged. Loading lives in [`load`];
//! line numbers for field paths come from [`tree`].

use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::v1alpha1::{
    ClusterTriggerAuthentication, GROUP, KEDA_GROUP, ScaledJob, ScaledObject,
    TriggerAuthentication, VERSION,
};

pub mod load;
pub mod tree;

pub use load::{Document, Error, Origin, Result, load, load_all};

/// The API group a manifest is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// `tidal.dev/v1alpha1`.
    Tidal,
    /// `keda.sh/v1alpha1`, read unchanged.
    Keda,
}

impl Group {
    /// Both groups, Tidal's first.
    pub const ALL: [Group; 2] = [Group::Tidal, Group::Keda];

    /// The group name, e.g. `keda.sh`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tidal => GROUP,
            Self::Keda => KEDA_GROUP,
        }
    }

    /// The full `apiVersion`, e.g. `keda.sh/v1alpha1`.
    pub fn api_version(self) -> String {
        format!("{}/{VERSION}", self.name())
    }

    /// The group of an `apiVersion`, if it is one Tidal reads.
    pub fn from_api_version(api_version: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|group| group.api_version() == api_version)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The four kinds of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// ScaledObject.
    ScaledObject,
    /// ScaledJob.
    ScaledJob,
    /// TriggerAuthentication.
    TriggerAuthentication,
    /// ClusterTriggerAuthentication.
    ClusterTriggerAuthentication,
}

impl Kind {
    /// Every kind, in the order CRDs are listed.
    pub const ALL: [Kind; 4] = [
        Kind::ScaledObject,
        Kind::ScaledJob,
        Kind::TriggerAuthentication,
        Kind::ClusterTriggerAuthentication,
    ];

    /// The kind's name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScaledObject => "ScaledObject",
            Self::ScaledJob => "ScaledJob",
            Self::TriggerAuthentication => "TriggerAuthentication",
            Self::ClusterTriggerAuthentication => "ClusterTriggerAuthentication",
        }
    }

    /// The kind with this name, if it is one of the four.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One typed object of any of the four kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    /// A ScaledObject.
    ScaledObject(Box<ScaledObject>),
    /// A ScaledJob.
    ScaledJob(Box<ScaledJob>),
    /// A TriggerAuthentication.
    TriggerAuthentication(Box<TriggerAuthentication>),
    /// A ClusterTriggerAuthentication.
    ClusterTriggerAuthentication(Box<ClusterTriggerAuthentication>),
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Self::ScaledObject(_) => Kind::ScaledObject,
            Self::ScaledJob(_) => Kind::ScaledJob,
            Self::TriggerAuthentication(_) => Kind::TriggerAuthentication,
            Self::ClusterTriggerAuthentication(_) => Kind::ClusterTriggerAuthentication,
        }
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::ScaledObject(object) => &object.metadata,
            Self::ScaledJob(object) => &object.metadata,
            Self::TriggerAuthentication(object) => &object.metadata,
            Self::ClusterTriggerAuthentication(object) => &object.metadata,
        }
    }

    /// The object as JSON, with `apiVersion` in the given group.
    fn to_value(&self, group: Group) -> serde_json::Value {
        let mut value = match self {
            Self::ScaledObject(object) => to_value(object),
            Self::ScaledJob(object) => to_value(object),
            Self::TriggerAuthentication(object) => to_value(object),
            Self::ClusterTriggerAuthentication(object) => to_value(object),
        };
        if let Some(map) = value.as_object_mut() {
            map.insert("apiVersion".into(), group.api_version().into());
        }
        value
    }
}

/// Serializes one of our types, which cannot fail: they hold only strings, numbers and maps with
/// string keys, and every float is finite by construction of the loader.
fn to_value<T: Serialize>(object: &T) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or(serde_json::Value::Null)
}

/// A typed object and the API group it was written in.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The group of its `apiVersion`.
    pub group: Group,
    /// The object.
    pub object: Object,
}

impl Manifest {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        self.object.kind()
    }

    /// Kind, namespace and name, for messages.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::of(self.kind(), self.object.metadata())
    }

    /// The manifest as JSON, `apiVersion` in its own group.
    pub fn to_value(&self) -> serde_json::Value {
        self.object.to_value(self.group)
    }

    /// The manifest as a YAML document (no leading `---`).
    ///
    /// # Errors
    ///
    /// [`serde_saphyr::SerializeError`] if the YAML writer fails, which our types do not cause.
    pub fn to_yaml(&self) -> std::result::Result<String, serde_saphyr::SerializeError> {
        serde_saphyr::to_string(&self.to_value())
    }
}

/// Several manifests as one multi-document YAML stream, each document opened by `---`.
///
/// # Errors
///
/// [`serde_saphyr::SerializeError`] if the YAML writer fails, which our types do not cause.
pub fn to_yaml_stream(
    manifests: &[Manifest],
) -> std::result::Result<String, serde_saphyr::SerializeError> {
    manifests
        .iter()
        .map(|manifest| manifest.to_yaml().map(|yaml| format!("---\n{yaml}")))
        .collect()
}

/// The same object in another group: only `apiVersion` changes; names, annotations (including
/// KEDA's `autoscaling.keda.sh/…` keys, which Tidal reads too), spec and status are kept as they are,
/// so converting back gives the original.
pub fn convert(manifest: &Manifest, group: Group) -> Manifest {
    Manifest {
        group,
        object: manifest.object.clone(),
    }
}

/// Kind, namespace and name of an object, printed as `ScaledObject default/web`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// The kind.
    pub kind: Kind,
    /// The namespace, when the manifest sets one.
    pub namespace: Option<String>,
    /// The name, when the manifest sets one.
    pub name: Option<String>,
}

impl ObjectRef {
    /// The reference of an object with this kind and metadata.
    pub fn of(kind: Kind, metadata: &ObjectMeta) -> Self {
        Self {
            kind,
            namespace: metadata.namespace.clone(),
            name: metadata.name.clone().or_else(|| {
                metadata
                    .generate_name
                    .clone()
                    .map(|prefix| format!("{prefix}*"))
            }),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind)?;
        if let Some(namespace) = &self.namespace {
            write!(f, "{namespace}/")?;
        }
        f.write_str(self.name.as_deref().unwrap_or("<unnamed>"))
    }
}
