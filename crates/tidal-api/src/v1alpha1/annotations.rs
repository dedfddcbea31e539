//! The annotation keys KEDA defines on ScaledObjects and ScaledJobs, read by Tidal unchanged.
//!
//! Tidal keeps KEDA's `autoscaling.keda.sh/…` keys rather than inventing its own so that an object
//! paused for KEDA stays paused under Tidal.

use std::collections::BTreeMap;

/// Pause autoscaling and leave the replica count where it is.
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// Pause autoscaling after scaling to the given replica count.
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// Keep autoscaling but never scale in.
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// Keep autoscaling but never scale out.
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// Treat the object as active whatever its triggers say.
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";
/// Take over an existing HPA of the same target.
pub const TRANSFER_HPA_OWNERSHIP: &str = "scaledobject.keda.sh/transfer-hpa-ownership";
/// Labels not to copy onto the generated HPA, comma-separated.
pub const HPA_EXCLUDED_LABELS: &str = "scaledobject.keda.sh/hpa-excluded-labels";
/// Skip the check that no other HPA targets the workload.
pub const VALIDATIONS_HPA_OWNERSHIP: &str = "validations.keda.sh/hpa-ownership";

/// Reads a boolean annotation the way KEDA does (Go's `strconv.ParseBool`, with anything it cannot
/// parse counting as true): absent or one of `false`, `False`, `FALSE`, `f`, `F`, `0` is false;
/// every other value, even empty, is true.
pub fn flag(annotations: Option<&BTreeMap<String, String>>, key: &str) -> bool {
    annotations
        .and_then(|annotations| annotations.get(key))
        .is_some_and(|value| !FALSE_SPELLINGS.contains(&value.as_str()))
}

/// The spellings Go's `strconv.ParseBool` reads as false.
const FALSE_SPELLINGS: [&str; 6] = ["false", "False", "FALSE", "f", "F", "0"];

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(PAUSED.to_owned(), value.to_owned())])
    }

    #[test]
    fn flags_follow_keda_parse_bool_and_treat_garbage_as_true() {
        assert!(!flag(None, PAUSED));
        assert!(!flag(Some(&BTreeMap::new()), PAUSED));
        for value in ["false", "False", "FALSE", "0", "f", "F"] {
            assert!(
                !flag(Some(&with(value)), PAUSED),
                "{value} should read as false"
            );
        }
        for value in ["true", "1", "t", "yes", "please", "", "fAlSe"] {
            assert!(
                flag(Some(&with(value)), PAUSED),
                "{value} should read as true"
            );
        }
    }
}
