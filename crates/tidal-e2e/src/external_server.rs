//! The independent KEDA external scaler (`crates/tidal-scalers/tests/grpc/server.py`, Python
//! grpcio) as a process the test drives over stdin/stdout, one JSON command per line.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::Context as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// A running external scaler; killed when dropped.
#[derive(Debug)]
pub struct ExternalScaler {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// `127.0.0.1:<port>`, for the trigger's `scalerAddress`.
    pub address: String,
}

impl ExternalScaler {
    /// Starts the server (Python with `grpcio` and `grpcio-tools`, which
    /// `scripts/test-e2e.sh` installs).
    ///
    /// # Errors
    ///
    /// When Python or the server does not start.
    pub async fn start() -> anyhow::Result<Self> {
        let scalers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tidal-scalers");
        let mut child = Command::new("python3")
            .arg(scalers.join("tests/grpc/server.py"))
            .arg(scalers.join("proto/externalscaler.proto"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start python3")?;
        let stdin = child.stdin.take().context("stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line).await?;
        let started: Value = serde_json::from_str(&line)
            .with_context(|| format!("the external scaler did not start: {line:?}"))?;
        let address = format!("127.0.0.1:{}", started["port"]);
        Ok(Self {
            child,
            stdin,
            stdout,
            address,
        })
    }

    /// Sends one command and returns its reply.
    ///
    /// # Errors
    ///
    /// When the process is gone or replies with something other than JSON.
    pub async fn command(&mut self, command: &Value) -> anyhow::Result<Value> {
        anyhow::ensure!(
            self.child.try_wait()?.is_none(),
            "the external scaler exited"
        );
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await?;
        self.stdin.flush().await?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).await?;
        serde_json::from_str(&line).with_context(|| format!("reply to {command}: {line:?}"))
    }
}
