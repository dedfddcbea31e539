//! The trigger catalog: every KEDA 2.20 trigger type, whether Tidal runs it yet, and the metadata
//! parameters of the ones it does.
//!
//! Validation uses the catalog to reject an unknown type (naming the allowed ones), warn about a
//! type Tidal cannot run yet, and check each parameter's value against its declared kind before the
//! object reaches a cluster. The scalers crate parses the same parameters into typed configs; the
//! names and defaults here are KEDA's (reference: keda.md §2.1–2.2).

mod catalog;
mod value;

pub use catalog::CATALOG;
pub use value::{Problem, check_value, is_dns_label, parse_bool, quantity_sign};

/// Whether Tidal can run a trigger type today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Tidal has a scaler for it.
    Supported,
    /// A valid KEDA type Tidal has no scaler for yet; objects using it load but do not scale.
    NotYetSupported,
}

/// One KEDA trigger type.
#[derive(Debug)]
pub struct TriggerType {
    /// The `type:` value, e.g. `prometheus`.
    pub name: &'static str,
    /// Whether Tidal runs it.
    pub support: Support,
    /// The metadata parameters Tidal knows that are particular to this type (empty for types not
    /// yet supported).
    pub params: &'static [Param],
    /// Parameters shared with related types, e.g. the connection settings of the redis family.
    pub shared: &'static [Param],
    /// Groups of parameters of which at least one must be present, e.g. `[address, host]` for
    /// redis; a parameter given through `<name>FromEnv` or, for [`Param::from_auth`] ones, through
    /// `authenticationRef` counts.
    pub one_of: &'static [&'static [&'static str]],
    /// Whether keys beyond `params` are expected (external scalers forward every key).
    pub open: bool,
}

impl TriggerType {
    /// Every parameter Tidal knows for this type.
    pub fn params(&self) -> impl Iterator<Item = &'static Param> + use<> {
        self.params.iter().chain(self.shared)
    }

    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params().find(|param| param.name == name)
    }
}

/// One metadata parameter.
#[derive(Debug)]
pub struct Param {
    /// The key, e.g. `threshold`.
    pub name: &'static str,
    /// What its value must look like.
    pub kind: ParamKind,
    /// Whether the trigger cannot work without it.
    pub required: bool,
    /// KEDA's default when omitted, as written in metadata.
    pub default: Option<&'static str>,
    /// Sign constraint on numbers.
    pub bound: Bound,
    /// Whether a TriggerAuthentication may supply it (then `authenticationRef` makes it present).
    pub from_auth: bool,
}

/// The kinds of parameter values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number, e.g. `"10"`.
    Int,
    /// A decimal number, e.g. `"2.5"`.
    Float,
    /// `"true"` or `"false"` (Go's spellings).
    Bool,
    /// Free text.
    String,
    /// One of a fixed list of words.
    Enum(&'static [&'static str]),
    /// A Kubernetes quantity, e.g. `"500m"` or `"2Gi"`.
    Quantity,
    /// A standard five-field cron expression or a `@descriptor`.
    Cron,
    /// An RFC 1123 label, as Kubernetes names containers.
    DnsLabel,
}

/// Sign constraints on numeric parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Any finite value.
    Any,
    /// Zero or more (counts, activation thresholds).
    NonNegative,
    /// More than zero (scaling targets: the replica math divides by them).
    Positive,
}

/// The catalog entry for a trigger type.
pub fn lookup(name: &str) -> Option<&'static TriggerType> {
    CATALOG.iter().find(|trigger| trigger.name == name)
}

/// Every known type name, sorted, for messages.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<_> = CATALOG.iter().map(|trigger| trigger.name).collect();
    names.sort_unstable();
    names
}

/// The known name closest to a misspelt one, if it is close (at most two edits).
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, case-insensitive, over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_are_unique_and_cover_the_supported_set() {
        let names = names();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique, "duplicate trigger type in the catalog");
        let supported: Vec<_> = CATALOG
            .iter()
            .filter(|trigger| trigger.support == Support::Supported)
            .map(|trigger| trigger.name)
            .collect();
        for name in [
            "cpu",
            "memory",
            "cron",
            "metrics-api",
            "prometheus",
            "kubernetes-workload",
            "redis",
            "redis-cluster",
            "redis-sentinel",
            "redis-streams",
            "redis-cluster-streams",
            "redis-sentinel-streams",
            "rabbitmq",
            "postgresql",
            "mysql",
            "nats-jetstream",
            "kafka",
            "external",
            "external-push",
        ] {
            assert!(supported.contains(&name), "{name} should be supported");
            assert!(
                lookup(name).unwrap().params().next().is_some(),
                "{name} needs parameters"
            );
        }
        assert_eq!(supported.len(), 19);
        // KEDA's main branch has 78 production types; two of them (clickhouse, gcp-spanner) came
        // after 2.20.
        assert_eq!(
            CATALOG.len(),
            76,
            "KEDA 2.20 has 76 production trigger types"
        );
    }

    #[test]
    fn every_default_satisfies_its_own_parameter() {
        for trigger in CATALOG {
            for param in trigger.params() {
                if let Some(default) = param.default {
                    assert_eq!(
                        check_value(param, default),
                        Ok(()),
                        "{}.{} default {default:?}",
                        trigger.name,
                        param.name
                    );
                }
                for group in trigger.one_of {
                    for name in *group {
                        assert!(trigger.param(name).is_some(), "{}: {name}", trigger.name);
                    }
                }
            }
        }
    }

    #[test]
    fn misspellings_suggest_the_nearest_name() {
        assert_eq!(suggest("promethues", names()), Some("prometheus"));
        assert_eq!(suggest("Kafka", names()), Some("kafka"));
        assert_eq!(suggest("something-else-entirely", names()), None);
    }
}
