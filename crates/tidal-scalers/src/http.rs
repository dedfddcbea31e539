//! HTTP plumbing shared by the HTTP-speaking scalers (metrics-api, prometheus, rabbitmq's
//! management API, nats-jetstream's monitoring endpoint).
//!
//! It holds KEDA's common authentication modes (`authMode: apiKey|basic|bearer|tls|custom|oauth`,
//! comma-combinable; `oauth` is [`OAuth`]), the TLS settings that pick a pooled client,
//! and one GET with a timeout whose errors never carry a credential: URLs are shown without
//! query or user info.

mod oauth;

use std::time::Duration;

use reqwest::header::AUTHORIZATION;

pub(crate) use oauth::scope_list;
pub use oauth::{OAuth, TokenFault};

use crate::params::{self, ParamError, Params};
use crate::pools::ClientPools;
use crate::secret::Secret;

/// Failures talking to an HTTP endpoint. URLs are shown without their query string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The server did not answer in time.
    #[error("no answer from {url} within {after:?}")]
    Timeout {
        /// The endpoint, without query.
        url: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection failed (refused, DNS, TLS handshake).
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The endpoint, without query.
        url: String,
        /// The transport's reason.
        reason: String,
    },
    /// The server answered with a non-200 status.
    #[error("{url} answered HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The endpoint, without query.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the answer's body, which usually says why.
        body: String,
    },
    /// The body could not be read.
    #[error("reading the answer of {url} failed: {reason}")]
    Body {
        /// The endpoint, without query.
        url: String,
        /// The reason.
        reason: String,
    },
    /// The TLS material could not be loaded into a client.
    #[error("the TLS settings are unusable: {reason}")]
    Tls {
        /// The reason (never the key material).
        reason: String,
    },
    /// `authMode: oauth` could not get a token from `oauthTokenURI`.
    #[error("the OAuth2 token endpoint {token_uri} {fault}")]
    OAuthToken {
        /// The token endpoint, without query.
        token_uri: String,
        /// What went wrong (never the client secret or a token).
        fault: TokenFault,
    },
}

/// TLS settings; two triggers with equal settings share one client and its connections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsConfig {
    /// `unsafeSsl`: skip certificate verification.
    pub unsafe_ssl: bool,
    /// `ca`: extra PEM root certificates.
    pub ca: Option<Secret>,
    /// `cert` + `key`: a PEM client certificate and its private key.
    pub client_identity: Option<(Secret, Secret)>,
}

impl TlsConfig {
    /// KEDA's TLS parameters as every scaler names them: `unsafeSsl` in the metadata, `ca` and
    /// the client certificate (`cert`, `key`, `keyPassword`) in the TriggerAuthentication.
    ///
    /// # Errors
    /// A [`ParamError`] naming `unsafeSsl`, half a certificate pair, or a key that does not
    /// decrypt.
    pub fn from_params(params: &Params<'_>) -> Result<Self, ParamError> {
        Ok(Self {
            unsafe_ssl: params.bool_or("unsafeSsl", params::METADATA, false)?,
            ca: params.secret("ca", params::AUTH),
            client_identity: params.client_certificate()?,
        })
    }

    /// The shared client for these settings.
    ///
    /// # Errors
    /// [`HttpError::Tls`] when the PEM material does not load.
    pub fn client(&self, pools: &ClientPools) -> Result<reqwest::Client, HttpError> {
        pools.http.get_or_try_insert(self.clone(), || self.build())
    }

    /// A new client for these settings, outside the pool (for callers without one).
    ///
    /// # Errors
    /// [`HttpError::Tls`] when the PEM material does not load.
    pub(crate) fn build(&self) -> Result<reqwest::Client, HttpError> {
        // reqwest is built without a crypto provider; Tidal uses ring everywhere. Installing
        // fails harmlessly when the binary already did it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = |e: reqwest::Error| HttpError::Tls {
            reason: e.without_url().to_string(),
        };
        let mut builder = reqwest::Client::builder()
            .danger_accept_invalid_certs(self.unsafe_ssl)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("tidal/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &self.ca {
            for cert in
                reqwest::Certificate::from_pem_bundle(ca.expose().as_bytes()).map_err(tls)?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &self.client_identity {
            let pem = format!("{}\n{}", cert.expose(), key.expose());
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).map_err(tls)?);
        }
        builder.build().map_err(tls)
    }
}

/// Where an API key goes (`method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyMethod {
    /// A request header (default `X-API-KEY`).
    Header,
    /// A query parameter (default `api_key`).
    Query,
}

/// The credentials a request carries, from `authMode` and the authentication parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpAuth {
    /// `apiKey` mode: (where, parameter name, key).
    pub api_key: Option<(ApiKeyMethod, String, Secret)>,
    /// `basic` mode: username and optional password.
    pub basic: Option<(String, Option<Secret>)>,
    /// `bearer` mode: the token.
    pub bearer: Option<Secret>,
    /// `custom` mode: header name and value.
    pub custom: Option<(String, Secret)>,
    /// `oauth` mode: the client-credentials grant and the token it got; [`get`] sends it.
    pub oauth: Option<OAuth>,
    /// TLS settings (`tls` mode, `ca`, `unsafeSsl`).
    pub tls: TlsConfig,
}

const AUTH_MODES: [&str; 6] = ["apiKey", "basic", "bearer", "tls", "custom", "oauth"];

impl HttpAuth {
    /// Reads KEDA's authentication parameters.
    ///
    /// `authMode` is a comma-separated list of `apiKey`, `basic`, `bearer`, `tls`, `custom`,
    /// `oauth`, with at most one of `basic`, `bearer` and `oauth` (KEDA's exclusive set: each
    /// writes the `Authorization` header). Credentials come from the TriggerAuthentication (or
    /// `<param>FromEnv`); `method`, `keyParamName`, `customAuthHeader` and oauth's non-secret
    /// parameters may also be plain metadata.
    ///
    /// # Errors
    /// A [`ParamError`] naming the unknown mode or the missing credential.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        Self::parse_modes(params, "authMode")
    }

    /// Like [`HttpAuth::parse`], with the modes read from `mode_param` (the prometheus
    /// scaler calls it `authModes`).
    ///
    /// # Errors
    /// A [`ParamError`] naming the unknown mode or the missing credential.
    pub fn parse_modes(params: &Params<'_>, mode_param: &str) -> Result<Self, ParamError> {
        let mut auth = HttpAuth {
            tls: TlsConfig {
                unsafe_ssl: params.bool_or("unsafeSsl", params::METADATA, false)?,
                ca: params.secret("ca", params::AUTH_ENV),
                client_identity: None,
            },
            ..HttpAuth::default()
        };
        let Some(modes) = params.string(mode_param, params::ANY) else {
            return Ok(auth);
        };
        for mode in modes.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            match mode {
                "apiKey" => {
                    let key = params.secret("apiKey", params::AUTH_ENV).ok_or_else(|| {
                        ParamError::missing(
                            "apiKey",
                            "authMode apiKey needs it in the TriggerAuthentication",
                        )
                    })?;
                    let method = params
                        .choice(
                            "method",
                            params::ANY,
                            &[
                                ("header", ApiKeyMethod::Header),
                                ("query", ApiKeyMethod::Query),
                            ],
                        )?
                        .unwrap_or(ApiKeyMethod::Header);
                    let default_name = match method {
                        ApiKeyMethod::Header => "X-API-KEY",
                        ApiKeyMethod::Query => "api_key",
                    };
                    let name = params
                        .string("keyParamName", params::ANY)
                        .unwrap_or_else(|| default_name.to_owned());
                    auth.api_key = Some((method, name, key));
                }
                "basic" => {
                    let username = params.required_string(
                        "username",
                        params::AUTH_FIRST,
                        "authMode basic needs it",
                    )?;
                    auth.basic = Some((username, params.secret("password", params::AUTH_ENV)));
                }
                "bearer" => {
                    let token = params
                        .secret("bearerToken", params::AUTH_ENV)
                        .or_else(|| params.secret("token", params::AUTH_ENV))
                        .ok_or_else(|| {
                            ParamError::missing("bearerToken", "authMode bearer needs it (or \"token\") in the TriggerAuthentication")
                        })?;
                    auth.bearer = Some(token);
                }
                "tls" => {
                    let cert = params.secret("cert", params::AUTH_ENV).ok_or_else(|| {
                        ParamError::missing("cert", "authMode tls needs a PEM client certificate")
                    })?;
                    let key = params.secret("key", params::AUTH_ENV).ok_or_else(|| {
                        ParamError::missing(
                            "key",
                            "authMode tls needs the client certificate's PEM private key",
                        )
                    })?;
                    auth.tls.client_identity = Some((cert, key));
                }
                "custom" => {
                    let header = params.required_string(
                        "customAuthHeader",
                        params::ANY,
                        "authMode custom needs the header name",
                    )?;
                    let value = params.secret("customAuthValue", params::AUTH_ENV).ok_or_else(|| {
                        ParamError::missing("customAuthValue", "authMode custom needs the header value in the TriggerAuthentication")
                    })?;
                    auth.custom = Some((header, value));
                }
                "oauth" => auth.oauth = Some(OAuth::parse(params)?),
                other => {
                    return Err(ParamError::Invalid {
                        param: mode_param.into(),
                        value: format!("{other:?}"),
                        expected: format!(
                            "a comma-separated list of {}",
                            params::one_of(AUTH_MODES)
                        ),
                    });
                }
            }
        }
        let writers: Vec<&str> = [
            ("basic", auth.basic.is_some()),
            ("bearer", auth.bearer.is_some()),
            ("oauth", auth.oauth.is_some()),
        ]
        .into_iter()
        .filter_map(|(mode, on)| on.then_some(mode))
        .collect();
        if let [first, second, ..] = writers.as_slice() {
            return Err(ParamError::rule(
                mode_param,
                format!(
                    "{first} and {second} cannot be combined: both set the Authorization header"
                ),
            ));
        }
        Ok(auth)
    }

    /// Adds the credentials to a request.
    pub fn apply(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some((method, name, key)) = &self.api_key {
            request = match method {
                ApiKeyMethod::Header => request.header(name.as_str(), key.expose()),
                ApiKeyMethod::Query => request.query(&[(name.as_str(), key.expose())]),
            };
        }
        if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, password.as_ref().map(Secret::expose));
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token.expose());
        }
        if let Some((header, value)) = &self.custom {
            request = request.header(header.as_str(), value.expose());
        }
        request
    }
}

/// The URL as safe to print: no user info, no query, no fragment.
pub fn display_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// A URL that may not parse, as safe to print: cut at the query and without user info.
pub fn display_url_text(text: &str) -> String {
    let cut = text.split(['?', '#']).next().unwrap_or_default();
    match (cut.find("://"), cut.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}{}", &cut[..scheme_end + 3], &cut[at + 1..])
        }
        _ => cut.to_owned(),
    }
}

/// One GET: `extra` may add headers or query; a 200 answer's body is returned.
///
/// With `oauth`, the trigger's token goes in the `Authorization` header; a 401 answer drops
/// it and the GET is tried once more with a new one, so a token revoked or expired early (or
/// one that came without `expires_in`) costs one failed request, not a failing trigger.
///
/// # Errors
/// [`HttpError`] for timeouts, unreachable hosts, non-200 statuses, unreadable bodies and
/// token endpoints that give no token.
pub async fn get(
    client: &reqwest::Client,
    url: &url::Url,
    auth: &HttpAuth,
    timeout: Duration,
    extra: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<Vec<u8>, HttpError> {
    let shown = display_url(url);
    let request = extra(auth.apply(client.get(url.clone()).timeout(timeout)));
    let Some(oauth) = &auth.oauth else {
        return read_ok(request, &shown, timeout).await;
    };
    // A GET has no body to stream, so the copy for the retry always exists.
    let retry = request.try_clone();
    let token = oauth.authorization(client, timeout).await?;
    let first = read_ok(
        request.header(AUTHORIZATION, token.clone()),
        &shown,
        timeout,
    )
    .await;
    let refused = matches!(first, Err(HttpError::Status { status: 401, .. }));
    let Some(retry) = retry.filter(|_| refused) else {
        return first;
    };
    oauth.reject(&token).await;
    let token = oauth.authorization(client, timeout).await?;
    read_ok(retry.header(AUTHORIZATION, token), &shown, timeout).await
}

/// The body of a 200 answer to `request`.
async fn read_ok(
    request: reqwest::RequestBuilder,
    shown: &str,
    timeout: Duration,
) -> Result<Vec<u8>, HttpError> {
    let answer = exchange(request, shown, timeout).await?;
    if answer.status != reqwest::StatusCode::OK {
        return Err(HttpError::Status {
            url: shown.to_owned(),
            status: answer.status.as_u16(),
            body: excerpt(&String::from_utf8_lossy(&answer.body), 200),
        });
    }
    Ok(answer.body)
}

/// A whole HTTP answer.
struct Answer {
    status: reqwest::StatusCode,
    /// The `content-type` header, when it is text.
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Sends `request` and reads the whole answer within `timeout`; `shown` names the endpoint in
/// errors. A body that cannot be read counts as empty on an error status, whose code says more.
async fn exchange(
    request: reqwest::RequestBuilder,
    shown: &str,
    timeout: Duration,
) -> Result<Answer, HttpError> {
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            HttpError::Timeout {
                url: shown.to_owned(),
                after: timeout,
            }
        } else if e.is_body() || e.is_decode() {
            HttpError::Body {
                url: shown.to_owned(),
                reason: error_chain(&e.without_url()),
            }
        } else {
            HttpError::Unreachable {
                url: shown.to_owned(),
                reason: error_chain(&e.without_url()),
            }
        }
    };
    // The request timeout covers the body too; the outer one is a backstop for a server that
    // trickles bytes forever.
    let call = async {
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(_) if !status.is_success() => Vec::new(),
            Err(e) => return Err(transport(e)),
        };
        Ok(Answer {
            status,
            content_type,
            body,
        })
    };
    match tokio::time::timeout(timeout + Duration::from_millis(100), call).await {
        Ok(result) => result,
        Err(_) => Err(HttpError::Timeout {
            url: shown.to_owned(),
            after: timeout,
        }),
    }
}

/// At most `max` characters of `text`, on one line, for quoting server answers in errors.
pub fn excerpt(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

/// An error and its causes on one line.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
