//! Several metrics on one target: the highest proposal wins, and a broken metric may block a
//! scale-down but never a scale-up (`computeReplicasForMetrics` in Kubernetes' `horizontal.go`).
//!
//! The reasoning is that a metric that cannot be read might be the one asking for more pods:
//! scaling down without it risks an outage, while scaling up on the others is always safe.

use serde::{Deserialize, Serialize};

use super::proposal::Proposal;
use super::{Error, Result};

/// The outcome of combining every metric's proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Combined {
    /// The highest proposal.
    pub replicas: i32,
    /// Index (in the order given) of the metric whose proposal won.
    pub winner: usize,
    /// Indexes of metrics that failed; when non-empty the scale may still go ahead (upwards or
    /// unchanged), but the failure should be reported, as Kubernetes does.
    pub invalid: Vec<usize>,
}

/// Combines the outcome of every metric of one target, given its `spec.replicas`.
///
/// Ties go to the first metric, except among zero proposals, where the last one is named, as in
/// Kubernetes.
///
/// # Errors
/// - [`Error::NoMetrics`] when `outcomes` is empty;
/// - [`Error::InvalidMetrics`] (carrying the first failure) when every metric failed, or when
///   some failed and the highest valid proposal is below `spec_replicas`: do not scale at all.
pub fn combine(spec_replicas: i32, outcomes: &[Result<Proposal>]) -> Result<Combined> {
    if outcomes.is_empty() {
        return Err(Error::NoMetrics);
    }
    let mut best: Option<(usize, i32)> = None;
    let mut invalid = Vec::new();
    let mut first_error = None;
    for (index, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Err(error) => {
                first_error.get_or_insert(error);
                invalid.push(index);
            }
            Ok(proposal) => {
                // Kubernetes starts from 0 and replaces on `replicas == 0 || proposal > replicas`.
                if best.is_none_or(|(_, replicas)| replicas == 0 || proposal.replicas > replicas) {
                    best = Some((index, proposal.replicas));
                }
            }
        }
    }
    let blocked = match best {
        None => true,
        Some((_, replicas)) => !invalid.is_empty() && replicas < spec_replicas,
    };
    if let (true, Some(first)) = (blocked, first_error) {
        return Err(Error::InvalidMetrics {
            invalid: invalid.len(),
            total: outcomes.len(),
            first: Box::new(first.clone()),
        });
    }
    let (winner, replicas) = best.unwrap_or((0, 0));
    Ok(Combined {
        replicas,
        winner,
        invalid,
    })
}
