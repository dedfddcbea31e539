//! KEDA's lag arithmetic, without IO: offsets in, the metric value and activity out.
//!
//! Per partition, lag is the log end offset minus the group's committed offset. A partition
//! with no committed offset counts by `offsetResetPolicy` (latest: 1, so one consumer starts;
//! earliest: the whole log end offset) unless `scaleToZeroOnInvalidOffset` makes it 0. With
//! `excludePersistentLag`, a partition whose committed offset has not moved since the previous
//! poll adds nothing to the value, but still counts towards activation. Finally, unless
//! `allowIdleConsumers`, the total is capped at `partitions × lagThreshold` so the HPA never
//! asks for more consumers than there are partitions (`limitToPartitionsWithLag` caps at the
//! partitions that have lag; `ensureEvenDistributionOfPartitions` first rounds the replica
//! count up to a divisor of the partition count).

use std::collections::HashMap;

use super::config::{LagSettings, OffsetResetPolicy};

/// What the brokers said about one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    /// The topic.
    pub topic: String,
    /// The partition index.
    pub partition: i32,
    /// The group's committed offset; `None` when it never committed on this partition.
    pub committed: Option<i64>,
    /// The log end offset (the offset the next produced message will get).
    pub latest: i64,
}

/// The result of one lag computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lag {
    /// The metric value: the summed lag after persistent-lag exclusion and the cap.
    pub value: i64,
    /// The summed lag with persistent lag included and no cap; activity compares this.
    pub with_persistent: i64,
    /// Partitions measured.
    pub partitions: usize,
    /// Partitions whose (value) lag is above 0.
    pub partitions_with_lag: usize,
    /// Whether the trigger is active: `with_persistent > activationLagThreshold`.
    pub active: bool,
}

/// Committed offsets seen at the previous poll, for `excludePersistentLag`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousOffsets(HashMap<(String, i32), i64>);

/// The lag of one partition: (counted in the value, counted for activation).
fn partition_lag(
    settings: &LagSettings,
    offsets: &PartitionOffsets,
    previous: &mut PreviousOffsets,
) -> (i64, i64) {
    let Some(committed) = offsets.committed else {
        let lag = match (
            settings.scale_to_zero_on_invalid_offset,
            settings.offset_reset_policy,
        ) {
            (true, _) => 0,
            (false, OffsetResetPolicy::Latest) => 1,
            (false, OffsetResetPolicy::Earliest) => offsets.latest,
        };
        return (lag, lag);
    };
    let lag = offsets.latest - committed;
    if settings.exclude_persistent_lag {
        let key = (offsets.topic.clone(), offsets.partition);
        if previous.0.insert(key, committed) == Some(committed) {
            return (0, lag);
        }
    }
    (lag, lag)
}

/// KEDA's `getNextFactorThatBalancesConsumersToTopicPartitions`: the smallest divisor of
/// `partitions` whose share of lag covers `total`, or `partitions`.
fn even_factor(total: i64, partitions: i64, threshold: i64) -> i64 {
    (1..=partitions)
        .filter(|f| partitions % f == 0)
        .find(|f| f.saturating_mul(threshold) >= total)
        .unwrap_or(partitions)
}

/// Computes the value and activity of one poll, updating `previous` for
/// `excludePersistentLag`.
pub fn compute(
    settings: &LagSettings,
    offsets: &[PartitionOffsets],
    previous: &mut PreviousOffsets,
) -> Lag {
    let mut value = 0_i64;
    let mut with_persistent = 0_i64;
    let mut partitions_with_lag = 0_usize;
    for partition in offsets {
        let (lag, lag_with_persistent) = partition_lag(settings, partition, previous);
        value = value.saturating_add(lag);
        with_persistent = with_persistent.saturating_add(lag_with_persistent);
        if lag > 0 {
            partitions_with_lag += 1;
        }
    }
    let partitions = offsets.len() as i64;
    let threshold = settings.lag_threshold;
    if !settings.allow_idle_consumers
        || settings.limit_to_partitions_with_lag
        || settings.ensure_even_distribution
    {
        if settings.ensure_even_distribution {
            value = even_factor(value, partitions, threshold).saturating_mul(threshold);
        }
        let upper_bound = if settings.limit_to_partitions_with_lag {
            partitions_with_lag as i64
        } else {
            partitions
        };
        if value / threshold > upper_bound {
            value = upper_bound.saturating_mul(threshold);
        }
    }
    Lag {
        value,
        with_persistent,
        partitions: offsets.len(),
        partitions_with_lag,
        active: with_persistent > settings.activation_lag_threshold,
    }
}
