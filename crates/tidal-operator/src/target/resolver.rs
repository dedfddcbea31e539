//! Discovery of scale targets, cached per apiVersion and kind.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kube::core::{ApiResource, DynamicObject};
use kube::discovery::{self, ApiCapabilities};
use kube::{Api, Client};

use super::{Error, Result, ScaleClient, TargetRef};

/// How long a successful discovery is reused. Kinds rarely change; a day-old answer only costs
/// a failed call and a fresh lookup when a CRD is removed.
const POSITIVE_TTL: Duration = Duration::from_mins(10);
/// How long "no such kind" is believed: short, so installing a CRD is noticed within a poll.
const NEGATIVE_TTL: Duration = Duration::from_secs(15);

/// A kind that exposes `/scale`.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resource to build API handles with.
    pub resource: ApiResource,
}

/// Discovery answers keyed by (group, version, kind), with the instant they were fetched.
type Cache = HashMap<(String, String, String), (Entry, Instant)>;

#[derive(Debug, Clone)]
enum Entry {
    Scalable(ApiResource),
    Missing,
    NotScalable,
}

/// Resolves [`TargetRef`]s to scale clients through API discovery, sharing one cache across
/// every ScaledObject (a thousand objects on Deployments cost one discovery call).
pub struct Resolver {
    client: Client,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("cached_kinds", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl Resolver {
    /// A resolver using `client` for discovery.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Resolves `target` and returns a client for its `/scale` subresource in `namespace`.
    ///
    /// # Errors
    ///
    /// [`Error::KindNotFound`] when discovery does not know the kind, [`Error::NotScalable`]
    /// when the kind has no `/scale`, [`Error::Api`] when discovery itself failed.
    pub async fn scale_client(&self, target: &TargetRef, namespace: &str) -> Result<ScaleClient> {
        let resolved = self.resolve(target).await?;
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), namespace, &resolved.resource);
        Ok(ScaleClient::new(
            api,
            target.kind.clone(),
            namespace.to_owned(),
        ))
    }

    /// Resolves `target`'s kind, from the cache when fresh.
    ///
    /// # Errors
    ///
    /// As [`Resolver::scale_client`].
    pub async fn resolve(&self, target: &TargetRef) -> Result<Resolved> {
        let key = (
            target.group.clone(),
            target.version.clone(),
            target.kind.clone(),
        );
        let cached = self
            .lock()
            .get(&key)
            .filter(|(entry, at)| at.elapsed() < ttl(entry))
            .map(|(e, _)| e.clone());
        let entry = if let Some(entry) = cached {
            entry
        } else {
            let entry = match discovery::pinned_kind(&self.client, &target.gvk()).await {
                Ok((resource, caps)) if has_scale(&caps) => Entry::Scalable(resource),
                Ok(_) => Entry::NotScalable,
                Err(kube::Error::Discovery(_)) => Entry::Missing,
                Err(kube::Error::Api(status)) if status.is_not_found() => Entry::Missing,
                Err(error) => return Err(Error::Api(error)),
            };
            self.lock().insert(key, (entry.clone(), Instant::now()));
            entry
        };
        match entry {
            Entry::Scalable(resource) => Ok(Resolved { resource }),
            Entry::Missing => Err(Error::KindNotFound {
                api_version: target.api_version(),
                kind: target.kind.clone(),
            }),
            Entry::NotScalable => Err(Error::NotScalable {
                api_version: target.api_version(),
                kind: target.kind.clone(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding this lock cannot leave the map inconsistent: recover the guard.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn ttl(entry: &Entry) -> Duration {
    match entry {
        Entry::Scalable(_) | Entry::NotScalable => POSITIVE_TTL,
        Entry::Missing => NEGATIVE_TTL,
    }
}

/// Whether discovery lists a `scale` subresource we can read and update.
fn has_scale(caps: &ApiCapabilities) -> bool {
    caps.subresources.iter().any(|(resource, sub_caps)| {
        resource.plural == "scale"
            && (sub_caps.operations.is_empty()
                || (sub_caps.supports_operation("get") && sub_caps.supports_operation("update")))
    })
}
