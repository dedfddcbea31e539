//! The parsed `scaleTargetRef` and the key that identifies a target across apiVersions.

use kube::core::GroupVersionKind;

use super::{Error, Result};

/// A ScaledObject's `spec.scaleTargetRef`, with KEDA's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetRef {
    /// The target's API group (empty for the core group).
    pub group: String,
    /// The target's API version.
    pub version: String,
    /// The target's kind.
    pub kind: String,
    /// The target's name, in the ScaledObject's namespace.
    pub name: String,
}

impl TargetRef {
    /// Parses `apiVersion` (default `apps/v1`) and `kind` (default `Deployment`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidApiVersion`] when `apiVersion` has more than one `/` or an empty part.
    pub fn new(api_version: Option<&str>, kind: Option<&str>, name: &str) -> Result<Self> {
        let api_version = api_version.filter(|v| !v.is_empty()).unwrap_or("apps/v1");
        let kind = kind.filter(|k| !k.is_empty()).unwrap_or("Deployment");
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        if version.is_empty()
            || version.contains('/')
            || (api_version.contains('/') && group.is_empty())
        {
            return Err(Error::InvalidApiVersion {
                api_version: api_version.to_owned(),
            });
        }
        Ok(Self {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The apiVersion as written in manifests.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group-version-kind to look up in discovery.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::gvk(&self.group, &self.version, &self.kind)
    }

    /// The key of the object this reference points at from `namespace`.
    pub fn key(&self, namespace: &str) -> TargetKey {
        TargetKey {
            namespace: namespace.to_owned(),
            group: self.group.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }
}

/// Identifies one scale target object. The version is left out on purpose: `apps/v1` and
/// `apps/v1beta2` references to the same Deployment are one target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetKey {
    /// Namespace of the target.
    pub namespace: String,
    /// API group of the target.
    pub group: String,
    /// Kind of the target.
    pub kind: String,
    /// Name of the target.
    pub name: String,
}

impl std::fmt::Display for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)?;
        if !self.group.is_empty() {
            write!(f, " ({})", self.group)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_keda_s_apps_v1_deployment() {
        let r = TargetRef::new(None, None, "web").unwrap();
        assert_eq!(
            (r.group.as_str(), r.version.as_str(), r.kind.as_str()),
            ("apps", "v1", "Deployment")
        );
        assert_eq!(r.api_version(), "apps/v1");
    }

    #[test]
    fn core_group_and_custom_groups_parse() {
        let core = TargetRef::new(Some("v1"), Some("ReplicationController"), "rc").unwrap();
        assert_eq!(
            (core.group.as_str(), core.api_version()),
            ("", "v1".to_owned())
        );
        let argo = TargetRef::new(Some("argoproj.io/v1alpha1"), Some("Rollout"), "r").unwrap();
        assert_eq!(
            argo.gvk(),
            GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout")
        );
    }

    #[test]
    fn malformed_api_versions_are_rejected_naming_the_value() {
        for bad in ["apps/v1/x", "/v1", "apps/"] {
            let err = TargetRef::new(Some(bad), None, "web")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!("{bad:?}")) && err.contains("spec.scaleTargetRef.apiVersion"),
                "{err}"
            );
        }
    }

    #[test]
    fn references_in_other_versions_are_the_same_target() {
        let a = TargetRef::new(Some("apps/v1"), None, "web")
            .unwrap()
            .key("ns");
        let b = TargetRef::new(Some("apps/v1beta2"), None, "web")
            .unwrap()
            .key("ns");
        assert_eq!(a, b);
        assert_ne!(
            a,
            TargetRef::new(Some("apps/v1"), None, "web")
                .unwrap()
                .key("other")
        );
    }
}
