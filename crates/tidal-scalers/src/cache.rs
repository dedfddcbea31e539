//! The last sample of each trigger, for `useCachedMetrics`.
//!
//! In KEDA a trigger with `useCachedMetrics: true` answers the HPA's metric requests from the
//! value its scale loop stored, instead of querying the upstream again. Tidal's scale loop
//! records every sample here; anything else that needs a trigger's value between polls (the
//! external metrics endpoint, `tidal explain`) reads it back rather than hitting the server.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;

use crate::metric::MetricValue;
use crate::scaler::ObjectRef;

/// Identifies one trigger of one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TriggerKey {
    /// The owning object.
    pub object: ObjectRef,
    /// The trigger's index in `spec.triggers`.
    pub index: usize,
}

/// A recorded sample: values, or the error message, and when it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedSample {
    /// When the sample was taken.
    pub at: Timestamp,
    /// The values, or the error's message.
    pub result: Result<Vec<MetricValue>, String>,
}

/// Last samples per trigger, shared by the scale loops of a process.
#[derive(Debug, Default)]
pub struct MetricsCache {
    entries: Mutex<HashMap<TriggerKey, CachedSample>>,
}

impl MetricsCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the outcome of a poll.
    pub fn record(&self, key: TriggerKey, at: Timestamp, result: &crate::Result<Vec<MetricValue>>) {
        let result = match result {
            Ok(values) => Ok(values.clone()),
            Err(e) => Err(e.to_string()),
        };
        self.lock().insert(key, CachedSample { at, result });
    }

    /// The last recorded outcome of a trigger.
    pub fn get(&self, key: &TriggerKey) -> Option<CachedSample> {
        self.lock().get(key).cloned()
    }

    /// Forgets every trigger of `object` (it was deleted or its spec changed).
    pub fn forget(&self, object: &ObjectRef) {
        self.lock().retain(|key, _| &key.object != object);
    }

    /// How many triggers have a recorded sample.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TriggerKey, CachedSample>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaler::ObjectKind;

    fn key(name: &str, index: usize) -> TriggerKey {
        TriggerKey {
            object: ObjectRef {
                kind: ObjectKind::ScaledObject,
                namespace: "ns".into(),
                name: name.into(),
            },
            index,
        }
    }

    #[test]
    fn records_per_trigger_and_forgets_per_object() {
        let cache = MetricsCache::new();
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        cache.record(
            key("a", 0),
            at,
            &Ok(vec![MetricValue::new("s0-x", 3.0, true)]),
        );
        cache.record(
            key("a", 1),
            at,
            &Err(crate::Error::Cron(crate::cron::Error::NeverFires {
                which: "start",
                expression: "0 0 30 2 *".into(),
            })),
        );
        cache.record(key("b", 0), at, &Ok(vec![]));
        assert_eq!(
            cache.get(&key("a", 0)).unwrap().result.unwrap()[0].value,
            3.0
        );
        assert!(
            cache
                .get(&key("a", 1))
                .unwrap()
                .result
                .unwrap_err()
                .contains("never fires")
        );
        cache.forget(&key("a", 0).object);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&key("b", 0)).is_some());
    }
}
