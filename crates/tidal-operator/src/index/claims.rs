//! Which ScaledObject owns each scale target.
//!
//! Two ScaledObjects on one target would fight over its replicas (KEDA's admission webhook
//! rejects the second). Tidal has no webhook, so the index decides: the oldest object (by
//! creation time, then name) owns the target; every other claimant is told who owns it and
//! reports `Ready=False`. When the owner goes away, the next oldest takes over.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use crate::target::TargetKey;

/// A ScaledObject's claim on a target: ordered oldest first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Claim {
    /// When the ScaledObject was created; `None` sorts first (objects not yet persisted).
    pub created: Option<Timestamp>,
    /// The ScaledObject's name (its namespace is the target's).
    pub name: String,
}

/// The target claims of every ScaledObject.
#[derive(Debug, Default)]
pub struct Claims {
    by_target: HashMap<TargetKey, BTreeSet<Claim>>,
    by_object: HashMap<(String, String), (TargetKey, Claim)>,
}

impl Claims {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that ScaledObject `claim.name` in `target.namespace` points at `target`,
    /// replacing any earlier claim of the same object.
    pub fn apply(&mut self, target: TargetKey, claim: Claim) {
        let object = (target.namespace.clone(), claim.name.clone());
        if let Some((old_target, old_claim)) = self.by_object.get(&object) {
            if *old_target == target && *old_claim == claim {
                return;
            }
            let (old_target, old_claim) = (old_target.clone(), old_claim.clone());
            self.remove(&old_target, &old_claim);
        }
        self.by_target
            .entry(target.clone())
            .or_default()
            .insert(claim.clone());
        self.by_object.insert(object, (target, claim));
    }

    /// Forgets ScaledObject `namespace/name`.
    pub fn delete(&mut self, namespace: &str, name: &str) {
        if let Some((target, claim)) = self
            .by_object
            .remove(&(namespace.to_owned(), name.to_owned()))
        {
            self.remove(&target, &claim);
        }
    }

    /// The ScaledObject that owns the target of `namespace/name`, when it is another one.
    pub fn owner_other_than(&self, namespace: &str, name: &str) -> Option<&str> {
        let (target, _) = self
            .by_object
            .get(&(namespace.to_owned(), name.to_owned()))?;
        let owner = self.by_target.get(target)?.first()?;
        (owner.name != name).then_some(owner.name.as_str())
    }

    /// How many ScaledObjects are indexed.
    pub fn len(&self) -> usize {
        self.by_object.len()
    }

    /// Whether no ScaledObject is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_object.is_empty()
    }

    fn remove(&mut self, target: &TargetKey, claim: &Claim) {
        if let Some(claims) = self.by_target.get_mut(target) {
            claims.remove(claim);
            if claims.is_empty() {
                self.by_target.remove(target);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> TargetKey {
        TargetKey {
            namespace: "ns".into(),
            group: "apps".into(),
            kind: "Deployment".into(),
            name: name.into(),
        }
    }

    fn claim(name: &str, second: i64) -> Claim {
        Claim {
            created: Some(Timestamp::from_second(second).unwrap()),
            name: name.into(),
        }
    }

    #[test]
    fn the_oldest_claimant_owns_the_target_and_the_others_are_told_who() {
        let mut claims = Claims::new();
        claims.apply(target("web"), claim("second", 20));
        claims.apply(target("web"), claim("first", 10));
        assert_eq!(claims.owner_other_than("ns", "first"), None);
        assert_eq!(claims.owner_other_than("ns", "second"), Some("first"));
    }

    #[test]
    fn the_next_claimant_takes_over_when_the_owner_is_deleted() {
        let mut claims = Claims::new();
        claims.apply(target("web"), claim("first", 10));
        claims.apply(target("web"), claim("second", 20));
        claims.delete("ns", "first");
        assert_eq!(claims.owner_other_than("ns", "second"), None);
        assert_eq!(claims.len(), 1);
    }

    #[test]
    fn retargeting_an_object_releases_its_old_target() {
        let mut claims = Claims::new();
        claims.apply(target("web"), claim("a", 10));
        claims.apply(target("web"), claim("b", 20));
        claims.apply(target("api"), claim("a", 10));
        assert_eq!(
            claims.owner_other_than("ns", "b"),
            None,
            "b now owns web alone"
        );
        assert_eq!(claims.owner_other_than("ns", "a"), None);
    }

    #[test]
    fn same_target_name_in_another_namespace_or_kind_is_no_conflict() {
        let mut claims = Claims::new();
        claims.apply(target("web"), claim("a", 10));
        let mut other_ns = target("web");
        other_ns.namespace = "other".into();
        claims.apply(other_ns, claim("b", 20));
        let mut sts = target("web");
        sts.kind = "StatefulSet".into();
        claims.apply(sts, claim("c", 30));
        assert_eq!(claims.owner_other_than("other", "b"), None);
        assert_eq!(claims.owner_other_than("ns", "c"), None);
    }
}
