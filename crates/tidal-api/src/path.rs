//! Field paths such as `spec.triggers[1].metadata.activationThreshold`.
//!
//! Every error a user can cause names the field it is about; loading, validation and line lookup
//! all build paths with this one type so that the same field always prints the same way.

use std::fmt;

/// A path from the root of an object to one field, printed the way `kubectl` prints them:
/// `spec.triggers[0].metadata.threshold`, or `metadata.annotations[autoscaling.keda.sh/paused]`
/// for keys that are not plain words.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(String);

impl FieldPath {
    /// The empty path: the object itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// Parses a dotted path such as `spec.fallback.replicas` (plain keys only).
    pub fn parse(path: &str) -> Self {
        path.split('.')
            .filter(|key| !key.is_empty())
            .fold(Self::root(), |path, key| path.key(key))
    }

    /// This path extended by a map key or field name.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let mut path = self.0.clone();
        if plain {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        } else {
            path.push('[');
            path.push_str(key);
            path.push(']');
        }
        Self(path)
    }

    /// This path extended by a list index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// A path from text already in this type's format (used when re-rooting paths).
    pub(crate) fn from_raw(path: &str) -> Self {
        Self(path.to_owned())
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The enclosing path (`spec.triggers[0]` for `spec.triggers[0].type`), or `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        if self.0.is_empty() {
            return None;
        }
        let cut = if self.0.ends_with(']') {
            // Find the bracket opening this last segment, skipping brackets inside the key.
            self.0.rfind('[').unwrap_or(0)
        } else {
            self.0.rfind(['.', ']']).map_or(0, |at| {
                if self.0.as_bytes()[at] == b']' {
                    at + 1
                } else {
                    at
                }
            })
        };
        Some(Self(self.0[..cut].to_owned()))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_kubectl() {
        let trigger = FieldPath::root().key("spec").key("triggers").index(1);
        assert_eq!(
            trigger.key("metadata").key("activationThreshold").as_str(),
            "spec.triggers[1].metadata.activationThreshold"
        );
        let annotation = FieldPath::parse("metadata.annotations").key("autoscaling.keda.sh/paused");
        assert_eq!(
            annotation.as_str(),
            "metadata.annotations[autoscaling.keda.sh/paused]"
        );
    }

    #[test]
    fn parents_walk_back_one_segment_at_a_time() {
        let path = FieldPath::parse("spec.triggers")
            .index(2)
            .key("x.y")
            .key("name");
        let mut seen = vec![path.to_string()];
        let mut current = path;
        while let Some(parent) = current.parent() {
            seen.push(parent.to_string());
            current = parent;
        }
        assert_eq!(
            seen,
            [
                "spec.triggers[2][x.y].name",
                "spec.triggers[2][x.y]",
                "spec.triggers[2]",
                "spec.triggers",
                "spec",
                ""
            ]
        );
    }
}
