//! Wiring: settings in, every task started, and a clean stop on SIGTERM or SIGINT.
//!
//! The order matters at shutdown: the scale loops stop first (no write is cut in half), then
//! the lease is handed over (a follower takes over on its next retry instead of waiting out
//! the lease), then the HTTP endpoints close.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::WatchStreamExt;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};
use tidal_api::v1alpha1::ScaledObject;
use tidal_scalers::{Registry, Services};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::constants::{DEFAULT_LEASE_NAME, REPORTING_CONTROLLER};
use crate::controller::{self, Context};
use crate::index::{Claims, EndpointIndex, PodIndex, WatchIndex};
use crate::lease::{self, Elector, Leadership, Timings};
use crate::target::Resolver;
use crate::telemetry::{self, Health, Metrics};

/// Errors that stop the operator from starting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kubeconfig could not be read or used.
    #[error("cannot load the kubeconfig {path}: {source}")]
    Kubeconfig {
        /// The file given with `--kubeconfig`, or `(inferred)`.
        path: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The metrics address is taken or not allowed.
    #[error("cannot listen on --metrics-addr {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The leader election timings are unsafe.
    #[error(transparent)]
    Lease(#[from] lease::Error),
}

/// Result of starting the operator.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How to run the operator; every field has a command-line flag in `tidal operator`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Kubeconfig file; `None` infers (in-cluster service account, then `$KUBECONFIG`).
    pub kubeconfig: Option<PathBuf>,
    /// Watch ScaledObjects in this namespace only; `None` watches all namespaces.
    pub namespace: Option<String>,
    /// Address of `/metrics`, `/healthz` and `/readyz`.
    pub metrics_addr: SocketAddr,
    /// Name of the leader election Lease.
    pub lease_name: String,
    /// Namespace of the Lease; `None` uses the kubeconfig's namespace.
    pub lease_namespace: Option<String>,
    /// This replica's identity in the Lease; `None` uses the host name and process id.
    pub identity: Option<String>,
    /// Leader election timings.
    pub timings: Timings,
    /// Bound on reading all triggers of one object in one pass.
    pub sample_timeout: Duration,
    /// Requests to the kube-apiserver in flight at once. The client speaks HTTP/1.1, one
    /// request per connection, so without a bound a thousand objects polled together open a
    /// thousand connections; waiting requests queue instead.
    pub api_concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            namespace: None,
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            lease_name: DEFAULT_LEASE_NAME.to_owned(),
            lease_namespace: None,
            identity: None,
            timings: Timings::default(),
            sample_timeout: Duration::from_secs(5),
            api_concurrency: 32,
        }
    }
}

/// Runs the operator until SIGTERM or SIGINT.
///
/// # Errors
///
/// [`Error`] when it cannot start; once running, apiserver failures are retried, not returned.
pub async fn run(settings: Settings) -> Result<()> {
    let (clients, default_namespace) =
        clients(settings.kubeconfig.as_ref(), settings.api_concurrency).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(signalled(shutdown.clone()));
    run_until(settings, clients, default_namespace, shutdown).await
}

/// The operator's two connections to the apiserver.
#[derive(Clone)]
pub struct Clients {
    /// Everything but leader election: requests in flight bounded by `--kube-api-concurrency`.
    pub api: Client,
    /// Leader election alone, unbounded, so a Lease renewal never queues behind a burst of
    /// scale loops and loses the lease to a slow queue rather than to a dead leader.
    pub lease: Client,
}

/// Runs the operator with `clients` until `shutdown` is cancelled.
///
/// # Errors
///
/// As [`run`].
pub async fn run_until(
    settings: Settings,
    clients: Clients,
    default_namespace: String,
    shutdown: CancellationToken,
) -> Result<()> {
    let client = clients.api;
    let timings = settings.timings;
    let identity = settings.identity.clone().unwrap_or_else(default_identity);
    let elector = Elector::new(identity.clone(), timings)?;
    let listener = tokio::net::TcpListener::bind(settings.metrics_addr)
        .await
        .map_err(|source| Error::Bind {
            addr: settings.metrics_addr,
            source,
        })?;
    let lease_namespace = settings
        .lease_namespace
        .clone()
        .unwrap_or(default_namespace);
    tracing::info!(
        identity = %identity,
        lease = %settings.lease_name,
        lease_namespace = %lease_namespace,
        namespace = settings.namespace.as_deref().unwrap_or("(all)"),
        "Starting the Tidal operator."
    );

    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let (leadership_tx, leadership) = watch::channel(Leadership::default());
    let pods = Arc::new(PodIndex::new());
    let endpoints = Arc::new(EndpointIndex::new());
    let services = Arc::new(
        Services::new()
            .with_pods(Arc::clone(&pods) as _)
            .with_endpoints(Arc::clone(&endpoints) as _),
    );
    let reporter = Reporter {
        controller: REPORTING_CONTROLLER.to_owned(),
        instance: Some(identity.clone()),
    };
    let ctx = Arc::new(Context {
        client: client.clone(),
        resolver: Resolver::new(client.clone()),
        registry: Registry::builtin(),
        services,
        pods: Arc::clone(&pods),
        claims: Mutex::new(Claims::new()),
        leadership: leadership.clone(),
        metrics: Arc::clone(&metrics),
        recorder: Recorder::new(client.clone(), reporter),
        sample_timeout: settings.sample_timeout,
        cluster_object_namespace: lease_namespace.clone(),
    });

    let lease_stop = CancellationToken::new();
    let lease_task = tokio::spawn(lease::run(
        Api::<Lease>::namespaced(clients.lease, &lease_namespace),
        settings.lease_name.clone(),
        elector,
        leadership_tx,
        lease_stop.clone(),
    ));
    tokio::spawn(mirror_leadership(
        leadership,
        Arc::clone(&metrics),
        lease_stop.clone(),
    ));
    let http_stop = CancellationToken::new();
    let http_task = tokio::spawn(telemetry::serve(
        listener,
        Arc::clone(&metrics),
        Arc::clone(&health),
        http_stop.clone(),
    ));
    let (pod_api, slice_api, so_api) = match &settings.namespace {
        Some(namespace) => (
            Api::<Pod>::namespaced(client.clone(), namespace),
            Api::<EndpointSlice>::namespaced(client.clone(), namespace),
            Api::<ScaledObject>::namespaced(client.clone(), namespace),
        ),
        None => (
            Api::<Pod>::all(client.clone()),
            Api::<EndpointSlice>::all(client.clone()),
            Api::<ScaledObject>::all(client.clone()),
        ),
    };
    let pods_task = tokio::spawn(watch_into(pod_api, pods, "pods", shutdown.clone()));
    let slices_task = tokio::spawn(watch_into(
        slice_api,
        endpoints,
        "endpointslices",
        shutdown.clone(),
    ));

    controller::run(ctx, so_api, health, shutdown.clone()).await;
    tracing::info!("Scale loops stopped; handing over the lease.");
    let _ = pods_task.await;
    let _ = slices_task.await;
    lease_stop.cancel();
    let _ = lease_task.await;
    http_stop.cancel();
    let _ = http_task.await;
    tracing::info!("Stopped.");
    Ok(())
}

/// Builds the clients from `path` (or the inferred configuration) and returns them with the
/// configuration's default namespace.
async fn clients(path: Option<&PathBuf>, concurrency: usize) -> Result<(Clients, String)> {
    let label = path.map_or_else(|| "(inferred)".to_owned(), |p| p.display().to_string());
    let wrap = |source: Box<dyn std::error::Error + Send + Sync>| Error::Kubeconfig {
        path: label.clone(),
        source,
    };
    let config = match path {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| wrap(Box::new(e)))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| wrap(Box::new(e)))?
        }
        None => kube::Config::infer().await.map_err(|e| wrap(Box::new(e)))?,
    };
    let namespace = config.default_namespace.clone();
    let lease = Client::try_from(config.clone()).map_err(|e| wrap(Box::new(e)))?;
    let api = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| wrap(Box::new(e)))?
        .with_layer(&tower::limit::ConcurrencyLimitLayer::new(
            concurrency.max(1),
        ))
        .build();
    Ok((Clients { api, lease }, namespace))
}

/// Cancels `shutdown` on SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C).
async fn signalled(shutdown: CancellationToken) {
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!(signal = "SIGTERM", "Shutting down."),
            _ = tokio::signal::ctrl_c() => tracing::info!(signal = "SIGINT", "Shutting down."),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!(signal = "SIGINT", "Shutting down.");
    }
    shutdown.cancel();
}

/// Keeps the `tidal_leader` gauge in step with the lease, including expiry of the deadline.
async fn mirror_leadership(
    mut leadership: watch::Receiver<Leadership>,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) {
    loop {
        metrics
            .leader
            .set(i64::from(leadership.borrow().is_leader()));
        tokio::select! {
            () = stop.cancelled() => break,
            changed = leadership.changed() => if changed.is_err() { break },
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    metrics.leader.set(0);
}

/// Feeds `index` from a watch of `api` until `shutdown`.
async fn watch_into<K, I>(
    api: Api<K>,
    index: Arc<I>,
    what: &'static str,
    shutdown: CancellationToken,
) where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    I: WatchIndex<K> + ?Sized,
{
    let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
    let mut stream = std::pin::pin!(stream);
    let mut listing: Vec<K> = Vec::new();
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => break,
            event = stream.next() => event,
        };
        match event {
            None => break,
            Some(Ok(Event::Init)) => listing.clear(),
            Some(Ok(Event::InitApply(object))) => listing.push(object),
            Some(Ok(Event::InitDone)) => index.replace(&std::mem::take(&mut listing)),
            Some(Ok(Event::Apply(object))) => index.apply(&object),
            Some(Ok(Event::Delete(object))) => {
                index.delete(
                    object.meta().namespace.as_deref().unwrap_or_default(),
                    object.meta().name.as_deref().unwrap_or_default(),
                );
            }
            Some(Err(error)) => {
                tracing::warn!(%error, what, "Watch failed; retrying with backoff.");
            }
        }
    }
}

/// `<host name>-<process id>`: unique per process, readable in `kubectl get lease -o yaml`.
fn default_identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tidal".to_owned());
    format!("{host}-{}", std::process::id())
}
