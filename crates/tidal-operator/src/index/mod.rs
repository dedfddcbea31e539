//! Plain, synchronous indexes of cluster state, fed by watches.
//!
//! Watch events arrive as `apply(obj)` and `delete(namespace, name)` calls (the shape of
//! linkerd's policy-controller indexes); readers query the index without IO. Keeping the
//! indexes sans-IO lets their rules — who owns a scale target, which pods count — be tested
//! with plain values, and lets followers keep them warm for a fast takeover.

mod claims;
mod endpoints;
mod pods;
mod requests;

pub use claims::{Claim, Claims};
pub use endpoints::EndpointIndex;
pub use pods::PodIndex;

/// An index a watch feeds: the events of `kube::runtime::watcher`, as plain calls.
pub trait WatchIndex<K>: Send + Sync {
    /// An object was added or changed.
    fn apply(&self, object: &K);
    /// Object `namespace/name` was deleted.
    fn delete(&self, namespace: &str, name: &str);
    /// The full listing that begins every watch (and every re-watch) replaces everything.
    fn replace(&self, objects: &[K]);
}

impl WatchIndex<k8s_openapi::api::core::v1::Pod> for PodIndex {
    fn apply(&self, object: &k8s_openapi::api::core::v1::Pod) {
        Self::apply(self, object);
    }
    fn delete(&self, namespace: &str, name: &str) {
        Self::delete(self, namespace, name);
    }
    fn replace(&self, objects: &[k8s_openapi::api::core::v1::Pod]) {
        Self::replace(self, objects);
    }
}

impl WatchIndex<k8s_openapi::api::discovery::v1::EndpointSlice> for EndpointIndex {
    fn apply(&self, object: &k8s_openapi::api::discovery::v1::EndpointSlice) {
        Self::apply(self, object);
    }
    fn delete(&self, namespace: &str, name: &str) {
        Self::delete(self, namespace, name);
    }
    fn replace(&self, objects: &[k8s_openapi::api::discovery::v1::EndpointSlice]) {
        Self::replace(self, objects);
    }
}
