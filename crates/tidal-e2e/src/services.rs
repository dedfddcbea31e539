//! The real metric servers `scripts/services.sh` runs (Redis with a password, Prometheus
//! scraping the settable exporter), driven the way an application would fill them.
//!
//! Addresses come from `scripts/services.sh env`, which `scripts/test-e2e.sh` exports.

use anyhow::Context as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is not set: run the end-to-end suite with scripts/test-e2e.sh")
    })
}

/// The password-protected Redis (`requirepass`), reached with `redis-cli`.
#[derive(Debug, Clone)]
pub struct Redis {
    /// `host:port`.
    pub address: String,
    /// The default user's password.
    pub password: String,
}

impl Redis {
    /// The server from `TIDAL_REDIS_AUTH_ADDRESS` and `TIDAL_REDIS_AUTH_PASSWORD`.
    ///
    /// # Errors
    ///
    /// When the variables are missing.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            address: var("TIDAL_REDIS_AUTH_ADDRESS")?,
            password: var("TIDAL_REDIS_AUTH_PASSWORD")?,
        })
    }

    /// Makes list `key` hold exactly `length` items.
    ///
    /// # Errors
    ///
    /// When `redis-cli` fails.
    pub async fn set_list_length(&self, key: &str, length: usize) -> anyhow::Result<()> {
        self.cli(&["DEL", key]).await?;
        if length > 0 {
            let mut args = vec!["RPUSH", key];
            args.extend(std::iter::repeat_n("job", length));
            self.cli(&args).await?;
        }
        Ok(())
    }

    async fn cli(&self, args: &[&str]) -> anyhow::Result<()> {
        let (host, port) = self
            .address
            .rsplit_once(':')
            .context("TIDAL_REDIS_AUTH_ADDRESS is host:port")?;
        let output = Command::new("redis-cli")
            .args(["-h", host, "-p", port, "--no-auth-warning"])
            .env("REDISCLI_AUTH", &self.password)
            .args(args)
            .output()
            .await
            .context("cannot run redis-cli")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success() && !stdout.contains("ERR"),
            "redis-cli {args:?} failed: {stdout}"
        );
        Ok(())
    }
}

/// The settable exporter Prometheus scrapes every second.
#[derive(Debug, Clone)]
pub struct Exporter {
    port: String,
}

impl Exporter {
    /// The exporter from `TIDAL_EXPORTER_PORT`.
    ///
    /// # Errors
    ///
    /// When the variable is missing.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            port: var("TIDAL_EXPORTER_PORT")?,
        })
    }

    /// Sets gauge `name{label="value"}` to `value`.
    ///
    /// # Errors
    ///
    /// When the exporter does not answer 200.
    pub async fn set(&self, name: &str, label: (&str, &str), value: f64) -> anyhow::Result<()> {
        let path = format!("/set?name={name}&value={value}&{}={}", label.0, label.1);
        let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{}", self.port)).await?;
        let request =
            format!("POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        anyhow::ensure!(
            response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
            "the exporter refused {path}: {response}"
        );
        Ok(())
    }
}

/// `TIDAL_PROMETHEUS_URL`.
///
/// # Errors
///
/// When the variable is missing.
pub fn prometheus_url() -> anyhow::Result<String> {
    var("TIDAL_PROMETHEUS_URL")
}
