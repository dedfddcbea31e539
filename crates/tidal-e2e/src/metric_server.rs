//! A loopback HTTP server whose JSON value the test sets: the `metrics-api` trigger's source.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

/// Serves `{"value": <v>}` at `/`, or HTTP 500 after [`MetricServer::fail`].
#[derive(Debug, Clone)]
pub struct MetricServer {
    addr: SocketAddr,
    value: Arc<Mutex<Option<f64>>>,
}

impl MetricServer {
    /// Starts a server on a free port of 127.0.0.1 serving `initial`.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start(initial: f64) -> anyhow::Result<Self> {
        let value = Arc::new(Mutex::new(Some(initial)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/", get(serve))
            .with_state(Arc::clone(&value));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, value })
    }

    /// The URL to put in the trigger's `url` metadata.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves `value` from now on.
    pub fn set(&self, value: f64) {
        *self
            .value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(value);
    }

    /// Answers HTTP 500 from now on.
    pub fn fail(&self) {
        *self
            .value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

async fn serve(State(value): State<Arc<Mutex<Option<f64>>>>) -> impl IntoResponse {
    let current = *value
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match current {
        Some(v) => (StatusCode::OK, format!("{{\"value\": {v}}}")),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "metric source failing".to_owned(),
        ),
    }
}
