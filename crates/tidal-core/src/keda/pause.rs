//! The pause annotations KEDA reads on a ScaledObject, parsed strictly.
//!
//! - `autoscaling.keda.sh/paused: "true"` freezes the replica count where it is;
//! - `autoscaling.keda.sh/paused-replicas: "<n>"` scales to `n` and holds it there (it wins over
//!   `paused` when both are set, as in KEDA);
//! - `autoscaling.keda.sh/paused-scale-in` and `…/paused-scale-out` keep autoscaling but forbid
//!   one direction, including the steps to and from zero;
//! - `autoscaling.keda.sh/force-activation` treats the object as active whatever its triggers say.
//!
//! Booleans are read like Go's `strconv.ParseBool` (`true`, `True`, `TRUE`, `t`, `T`, `1` and
//! their false counterparts). KEDA counts any other text as true; Tidal rejects it with an
//! error naming the annotation instead, because a typo in a pause annotation should not silently
//! freeze a production workload.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Error, Result};
use crate::behavior::{Behavior, SelectPolicy};

/// `autoscaling.keda.sh/paused`.
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// `autoscaling.keda.sh/paused-replicas`.
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// `autoscaling.keda.sh/paused-scale-in`.
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// `autoscaling.keda.sh/paused-scale-out`.
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// `autoscaling.keda.sh/force-activation`.
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";

/// The pause state an object's annotations ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    /// `paused`: freeze the current count.
    pub paused: bool,
    /// `paused-replicas`: scale to this count and hold it.
    pub replicas: Option<i32>,
    /// `paused-scale-in`: never reduce the count.
    pub scale_in: bool,
    /// `paused-scale-out`: never raise the count.
    pub scale_out: bool,
}

impl Pause {
    /// Reads the pause annotations.
    ///
    /// # Errors
    /// [`Error::Annotation`] naming the annotation when a boolean is not one of Go's spellings
    /// or `paused-replicas` is not a whole number ≥ 0.
    pub fn from_annotations(annotations: &BTreeMap<String, String>) -> Result<Self> {
        let replicas = match annotations.get(PAUSED_REPLICAS) {
            None => None,
            Some(value) => match value.trim().parse::<i32>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    return Err(Error::Annotation {
                        key: PAUSED_REPLICAS,
                        value: value.clone(),
                        allowed: "a whole number of replicas, 0 or more, such as \"3\"",
                    });
                }
            },
        };
        Ok(Self {
            paused: flag(annotations, PAUSED)?,
            replicas,
            scale_in: flag(annotations, PAUSED_SCALE_IN)?,
            scale_out: flag(annotations, PAUSED_SCALE_OUT)?,
        })
    }

    /// Whether autoscaling is stopped altogether (`paused` or `paused-replicas`).
    pub fn is_frozen(&self) -> bool {
        self.paused || self.replicas.is_some()
    }

    /// The behavior in effect under `paused-scale-in`/`paused-scale-out`: KEDA disables that
    /// direction in the HPA it generates, writing a behavior when there is none, which the API
    /// server then completes with the defaults.
    pub fn apply(&self, behavior: Option<Behavior>) -> Option<Behavior> {
        if !self.scale_in && !self.scale_out {
            return behavior;
        }
        let mut behavior = behavior.unwrap_or_default();
        if self.scale_in {
            behavior.scale_down.select_policy = SelectPolicy::Disabled;
        }
        if self.scale_out {
            behavior.scale_up.select_policy = SelectPolicy::Disabled;
        }
        Some(behavior)
    }
}

/// Reads a boolean annotation; absent is false.
///
/// # Errors
/// [`Error::Annotation`] when the value is not one of Go's `strconv.ParseBool` spellings.
pub fn flag(annotations: &BTreeMap<String, String>, key: &'static str) -> Result<bool> {
    match annotations.get(key).map(String::as_str) {
        None | Some("false" | "False" | "FALSE" | "f" | "F" | "0") => Ok(false),
        Some("true" | "True" | "TRUE" | "t" | "T" | "1") => Ok(true),
        Some(other) => Err(Error::Annotation {
            key,
            value: other.to_owned(),
            allowed: "\"true\" or \"false\"",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_every_annotation() {
        let pause = Pause::from_annotations(&annotations(&[
            (PAUSED, "True"),
            (PAUSED_REPLICAS, "3"),
            (PAUSED_SCALE_IN, "1"),
            (PAUSED_SCALE_OUT, "false"),
        ]))
        .unwrap();
        assert_eq!(
            pause,
            Pause {
                paused: true,
                replicas: Some(3),
                scale_in: true,
                scale_out: false
            }
        );
        assert!(pause.is_frozen());
        assert!(!Pause::default().is_frozen());
    }

    #[test]
    fn pausing_a_direction_disables_it_in_the_behavior() {
        let both = Pause {
            scale_in: true,
            scale_out: true,
            ..Pause::default()
        };
        let behavior = both.apply(None).expect("a behavior is created");
        assert_eq!(behavior.scale_up.select_policy, SelectPolicy::Disabled);
        assert_eq!(behavior.scale_down.select_policy, SelectPolicy::Disabled);
        assert_eq!(
            behavior.scale_up.policies,
            Behavior::default().scale_up.policies
        );
        assert_eq!(Pause::default().apply(None), None);
    }

    #[test]
    fn bad_values_name_the_annotation() {
        let error = Pause::from_annotations(&annotations(&[(PAUSED, "yes")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "annotation autoscaling.keda.sh/paused: \"yes\" is not allowed; expected \"true\" or \
             \"false\""
        );
        for bad in ["-1", "two", "1.5", ""] {
            let error =
                Pause::from_annotations(&annotations(&[(PAUSED_REPLICAS, bad)])).unwrap_err();
            assert!(
                error.to_string().contains(PAUSED_REPLICAS),
                "{bad}: {error}"
            );
        }
    }
}
