//! The operator under test: the real `tidal operator` process, as its ServiceAccount.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use tokio::process::{Child, Command};

use crate::cluster::Env;

/// Namespace of the operator's ServiceAccount, where its Leases live.
pub const OPERATOR_NAMESPACE: &str = "tidal-system";
/// Lease timings the tests run with (seconds): short, so failover tests stay fast.
pub const LEASE_DURATION: u64 = 4;
const RENEW_DEADLINE: u64 = 3;
const RETRY_PERIOD: u64 = 1;

/// A running `tidal operator`; killed when dropped.
#[derive(Debug)]
pub struct Operator {
    child: Child,
    /// The identity it writes into the Lease.
    pub identity: String,
    /// The port of its `/metrics`.
    pub metrics_port: u16,
    /// Where its log goes, when `TIDAL_E2E_LOG_DIR` is set.
    pub log: Option<std::path::PathBuf>,
}

impl Operator {
    /// Starts an operator watching `namespace` only, electing through Lease `lease`.
    ///
    /// # Errors
    ///
    /// When the binary cannot be started.
    pub async fn start(
        env: &Env,
        namespace: &str,
        lease: &str,
        identity: &str,
    ) -> anyhow::Result<Self> {
        let metrics_port = free_port()?;
        let log = std::env::var_os("TIDAL_E2E_LOG_DIR").map(std::path::PathBuf::from);
        let log = log.map(|dir| dir.join(format!("{namespace}-{identity}.log")));
        let stderr = match &log {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                Stdio::from(std::fs::File::create(path)?)
            }
            None => Stdio::null(),
        };
        let child = Command::new(&env.tidal)
            .args(["operator", "--kubeconfig"])
            .arg(&env.operator_kubeconfig)
            .args([
                "--namespace",
                namespace,
                "--lease-name",
                lease,
                "--lease-namespace",
                OPERATOR_NAMESPACE,
            ])
            .args([
                "--identity",
                identity,
                "--metrics-addr",
                &format!("127.0.0.1:{metrics_port}"),
            ])
            .args(["--lease-duration", &LEASE_DURATION.to_string()])
            .args(["--renew-deadline", &RENEW_DEADLINE.to_string()])
            .args(["--retry-period", &RETRY_PERIOD.to_string()])
            .env("RUST_LOG", "info,tidal_operator=debug")
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", env.tidal.display()))?;
        let mut operator = Self {
            child,
            identity: identity.to_owned(),
            metrics_port,
            log,
        };
        // Ready to be tested once it has listed the ScaledObjects (`/readyz`). Objects found by
        // that first list start after a random share of their polling interval, so a test that
        // applies its object earlier could wait up to a whole interval for the first pass.
        let start = std::time::Instant::now();
        loop {
            if let Ok(response) = operator.get("/readyz").await
                && response.split_whitespace().nth(1) == Some("200")
            {
                break;
            }
            anyhow::ensure!(operator.is_running(), "the operator exited at start-up");
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(30),
                "the operator did not answer /readyz within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(operator)
    }

    /// Kills the process at once (SIGKILL): no lease hand-over, no finished writes.
    ///
    /// # Errors
    ///
    /// When the process cannot be signalled.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// Stops the process with SIGTERM and waits for it, as Kubernetes stops a pod.
    ///
    /// # Errors
    ///
    /// When it does not exit within 10 s.
    pub async fn terminate(mut self) -> anyhow::Result<std::process::ExitStatus> {
        let pid = self.child.id().context("the operator already exited")?;
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        Ok(tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await??)
    }

    /// The text of its `/metrics` endpoint.
    ///
    /// # Errors
    ///
    /// When the endpoint does not answer.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        self.get("/metrics").await
    }

    /// The whole HTTP/1.0 response (status line included) to `GET path` on its endpoints.
    async fn get(&self, path: &str) -> anyhow::Result<String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.metrics_port)).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok(response)
    }

    /// Whether the process is still running (a crash loop would show as an exit).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// The current holder of Lease `lease`.
///
/// # Errors
///
/// The apiserver's error.
pub async fn lease_holder(env: &Env, lease: &str) -> anyhow::Result<Option<String>> {
    let leases: Api<Lease> = Api::namespaced(env.admin.clone(), OPERATOR_NAMESPACE);
    Ok(leases
        .get_opt(lease)
        .await?
        .and_then(|l| l.spec)
        .and_then(|s| s.holder_identity)
        .filter(|h| !h.is_empty()))
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
