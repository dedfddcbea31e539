//! `tidal operator`: runs the Kubernetes operator in the foreground.
//!
//! Parses the flags into [`tidal_operator::Settings`], sets up logging and the TLS crypto
//! provider, and hands over to the operator's runtime until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use tidal_operator::lease::Timings;

/// Arguments of `tidal operator`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kubeconfig file; without it the in-cluster service account or $KUBECONFIG is used.
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// Watch ScaledObjects in this namespace only (default: all namespaces).
    #[arg(long, env = "TIDAL_WATCH_NAMESPACE")]
    namespace: Option<String>,
    /// Address for /metrics, /healthz and /readyz.
    #[arg(long, default_value = "127.0.0.1:8080")]
    metrics_addr: SocketAddr,
    /// Name of the coordination.k8s.io Lease used for leader election.
    #[arg(long, default_value = tidal_operator::constants::DEFAULT_LEASE_NAME)]
    lease_name: String,
    /// Namespace of the Lease (default: the kubeconfig's namespace, in-cluster the pod's).
    #[arg(long, env = "POD_NAMESPACE")]
    lease_namespace: Option<String>,
    /// This replica's identity in the Lease (default: host name and process id).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
    /// Seconds a follower waits after the last lease renewal before taking over.
    #[arg(long, default_value_t = 15)]
    lease_duration: u64,
    /// Seconds a leader keeps writing without a successful renewal.
    #[arg(long, default_value_t = 10)]
    renew_deadline: u64,
    /// Seconds between lease reads and renewals.
    #[arg(long, default_value_t = 2)]
    retry_period: u64,
    /// Requests to the kube-apiserver in flight at once (each holds one HTTP/1.1
    /// connection); more wait in a queue.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    kube_api_concurrency: u16,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Runs `tidal operator`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // One crypto provider for every TLS client in the process (kube, reqwest), before any is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    let settings = tidal_operator::Settings {
        kubeconfig: args.kubeconfig.clone(),
        namespace: args.namespace.clone(),
        metrics_addr: args.metrics_addr,
        lease_name: args.lease_name.clone(),
        lease_namespace: args.lease_namespace.clone(),
        identity: args.identity.clone(),
        timings: Timings {
            lease_duration: Duration::from_secs(args.lease_duration),
            renew_deadline: Duration::from_secs(args.renew_deadline),
            retry_period: Duration::from_secs(args.retry_period),
        },
        api_concurrency: usize::from(args.kube_api_concurrency),
        ..tidal_operator::Settings::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(tidal_operator::run(settings))?;
    Ok(ExitCode::SUCCESS)
}
