//! Clients shared by every trigger in the process.
//!
//! KEDA once built an HTTP transport per scaler, and 30k Prometheus triggers re-dialled their
//! way into failed polls (kedacore/keda#7789); Sarama clients per trigger cost gigabytes
//! (#7453). Tidal keeps one client per (endpoint, credentials) instead: a [`Pool`] maps a key
//! that holds everything that makes two clients different to one cheap-to-clone handle.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Mutex;

use crate::http::TlsConfig;

/// A map from a client key to a shared client handle.
pub struct Pool<K, V> {
    entries: Mutex<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Pool<K, V> {
    /// An empty pool.
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `key`, creating it with `make` on first use.
    ///
    /// # Errors
    /// Whatever `make` returns; nothing is stored then.
    pub fn get_or_try_insert<E>(
        &self,
        key: K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = entries.get(&key) {
            return Ok(existing.clone());
        }
        let value = make()?;
        entries.insert(key, value.clone());
        Ok(value)
    }

    /// The client for `key`, if one was made.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Stores `value` for `key`, replacing any previous client.
    pub fn insert(&self, key: K, value: V) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, value);
    }

    /// Drops the client for `key`, e.g. after it broke.
    pub fn remove(&self, key: &K) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }

    /// How many distinct clients the pool holds.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether the pool holds no client.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Eq + Hash, V: Clone> Default for Pool<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> fmt::Debug for Pool<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).unwrap_or_default();
        f.debug_struct("Pool").field("clients", &len).finish()
    }
}

/// Every client pool the scalers use.
#[derive(Debug, Default)]
pub struct ClientPools {
    /// HTTP clients per TLS configuration (credentials go per request, so they do not split
    /// the pool).
    pub http: Pool<TlsConfig, reqwest::Client>,
    /// AMQP connections per URI (credentials included) and TLS material.
    pub amqp: Pool<(crate::secret::Secret, TlsConfig), std::sync::Arc<lapin::Connection>>,
    /// Kafka broker connections per bootstrap servers and credentials.
    pub kafka: crate::kafka::ClientPool,
    /// gRPC channels to external scalers per address and TLS settings.
    pub external: crate::external::ChannelPool,
    /// MySQL connection pools per server, database and credentials.
    pub mysql: Pool<crate::mysql::Dsn, mysql_async::Pool>,
    /// PostgreSQL clients per connection string.
    pub postgres: Pool<crate::secret::Secret, std::sync::Arc<tokio_postgres::Client>>,
    /// Multiplexed Redis connections per server, database and credentials.
    pub redis: Pool<crate::redis::ConnectionSettings, crate::redis::RedisConnection>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_per_key_and_failures_are_not_stored() {
        let pool: Pool<&str, u32> = Pool::new();
        let mut made = 0;
        for _ in 0..3 {
            let v = pool
                .get_or_try_insert("a", || {
                    made += 1;
                    Ok::<_, ()>(7)
                })
                .unwrap();
            assert_eq!(v, 7);
        }
        assert_eq!(made, 1);
        assert!(
            pool.get_or_try_insert("b", || Err::<u32, _>("down"))
                .is_err()
        );
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.get(&"b"), None);
    }
}
