//! Loopback servers for unit tests: canned or computed HTTP answers, a listener that never
//! answers, and a port nobody listens on. Everything binds 127.0.0.1 and stops with the test's runtime.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Key/value pairs as tests write them.
pub(crate) type Pairs<'a> = &'a [(&'a str, &'a str)];

/// What a stub answers to one request.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: &str) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            body: body.to_owned(),
        }
    }
}

/// A loopback HTTP server; `requests` holds every request it received, head and body, as sent.
pub(crate) struct HttpStub {
    pub(crate) addr: SocketAddr,
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

impl HttpStub {
    /// Serves `status` and `body` (with `content_type`) to every request.
    pub(crate) async fn start(status: u16, content_type: &str, body: &str) -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_on(any_port, status, content_type, body)
            .await
            .unwrap()
    }

    /// Like [`HttpStub::start`], bound to `addr`, which must be a loopback address.
    pub(crate) async fn start_on(
        addr: SocketAddr,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> std::io::Result<Self> {
        let (content_type, body) = (content_type.to_owned(), body.to_owned());
        Self::serve_on(addr, move |_| Reply::new(status, &content_type, &body)).await
    }

    /// Answers each request with `handler(request)`, the request being its head and body as
    /// received: a token endpoint or an API that checks credentials.
    pub(crate) async fn serve(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::serve_on(any_port, handler).await.unwrap()
    }

    async fn serve_on(
        addr: SocketAddr,
        handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        assert!(addr.ip().is_loopback(), "tests bind loopback only: {addr}");
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let request = read_request(&mut stream).await;
                let reply = handler(&request);
                seen.lock().unwrap().push(request);
                let response = format!(
                    "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    reply.status,
                    reply.content_type,
                    reply.body.len(),
                    reply.body
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        Ok(Self { addr, requests })
    }

    /// How many requests the stub has answered.
    pub(crate) fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// `http://127.0.0.1:<port><path>`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The last request, head and body, lower-cased.
    pub(crate) fn last_request(&self) -> String {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
            .to_lowercase()
    }
}

/// One request's head and, after it, as many body bytes as its `content-length` announces.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut wanted = None;
    loop {
        if wanted.is_none()
            && let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            wanted = Some(end + 4 + length);
        }
        if wanted.is_some_and(|total| data.len() >= total) {
            break;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

/// A listener that accepts connections and never answers; the returned address stays bound
/// until the runtime ends.
pub(crate) async fn silent_listener() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// A loopback port with nothing listening on it.
pub(crate) fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

/// A build context for trigger `type_name` with `metadata`, authentication `auth` and
/// environment `env`, owned by ScaledObject `shop/web` at trigger index 0.
pub(crate) fn context(
    type_name: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
    env: &[(&str, &str)],
    services: Arc<crate::Services>,
) -> crate::BuildContext {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    crate::BuildContext {
        object: crate::ObjectRef {
            kind: crate::ObjectKind::ScaledObject,
            namespace: "shop".into(),
            name: "web".into(),
        },
        trigger: crate::TriggerSpec {
            index: 0,
            type_name: type_name.into(),
            name: None,
            metadata: map(metadata),
            metric_type: None,
            use_cached_metrics: false,
        },
        env: map(env),
        auth: crate::AuthParams::from_pairs(auth.iter().copied()),
        services,
    }
}

/// [`context`] with no environment and fresh [`crate::Services`]: what most parameter
/// tests build from.
pub(crate) fn plain_context(
    type_name: &str,
    metadata: &[(&str, &str)],
    auth: &[(&str, &str)],
) -> crate::BuildContext {
    context(
        type_name,
        metadata,
        auth,
        &[],
        Arc::new(crate::Services::new()),
    )
}

/// `base` with the keys of `extra` replaced; an empty value in `extra` removes the key.
pub(crate) fn overrides<'a>(
    base: &[(&'a str, &'a str)],
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = base
        .iter()
        .copied()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .collect();
    all.extend(extra.iter().copied().filter(|(_, v)| !v.is_empty()));
    all
}
