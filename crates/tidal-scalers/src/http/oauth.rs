//! KEDA's `oauth` authentication mode: the OAuth2 client-credentials grant.
//!
//! A trigger with `authMode: oauth` trades its `clientID` and `clientSecret` for an access
//! token at `oauthTokenURI`, as KEDA does through golang.org/x/oauth2/clientcredentials, and
//! [`super::get`] sends it as `Authorization: Bearer <token>`. The token is kept in the trigger's
//! [`OAuth`] and shared by all its polls (and by every endpoint of an aggregated Service) until
//! [`EXPIRY_MARGIN`] before `expires_in` runs out; one without `expires_in` is kept until the
//! metric endpoint answers 401.
//!
//! The client authenticates as x/oauth2's `AuthStyleAutoDetect` does: first with an HTTP Basic
//! header of the URL-escaped id and secret; if the endpoint refuses that, once more with them as
//! form parameters; the style that worked is used from then on. Answers are read by
//! [`read_answer`], a pure function, and freshness is [`is_fresh`] over an explicit clock.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tokio::sync::Mutex;

use super::{HttpError, display_url, excerpt};
use crate::params::{self, ParamError, Params};
use crate::secret::{REDACTED, Secret};

/// How long before its expiry a token stops being sent: x/oauth2's `defaultExpiryDelta`, so a
/// token is not sent in its last seconds and refused in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

/// Why the token endpoint gave no token. Never holds the client secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFault {
    /// No answer within the trigger's timeout.
    #[error("did not answer within {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection failed (refused, DNS, TLS handshake).
    #[error("cannot be reached: {reason}")]
    Unreachable {
        /// The transport's reason.
        reason: String,
    },
    /// A status outside 2xx (to the form credentials too, when they were tried).
    #[error("answered HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body (OAuth's `error` and `error_description`), the secret blanked.
        body: String,
    },
    /// The answer's body could not be read.
    #[error("sent an answer that cannot be read: {reason}")]
    Body {
        /// The transport's reason.
        reason: String,
    },
    /// The body is not a token response (RFC 6749 §5.1).
    #[error("sent an answer that is not a token response: {reason}")]
    Malformed {
        /// What is wrong with it, without its values.
        reason: String,
    },
    /// A token response with an empty or absent `access_token`.
    #[error("answered without an access_token")]
    MissingAccessToken,
}

impl TokenFault {
    /// Whether the endpoint answered: only then can sending the credentials another way help.
    fn is_answer(&self) -> bool {
        matches!(
            self,
            Self::Status { .. } | Self::Malformed { .. } | Self::MissingAccessToken
        )
    }
}

/// How the client id and secret reach the token endpoint (x/oauth2's `AuthStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthStyle {
    /// HTTP Basic, id and secret URL-escaped first (RFC 6749 §2.3.1).
    Header,
    /// `client_id` and `client_secret` form parameters.
    Params,
}

/// `authMode: oauth`: where to get a token and with what, plus the token once got.
///
/// Clones share the kept token. Equality compares the settings only.
#[derive(Clone)]
pub struct OAuth {
    /// `oauthTokenURI`: the token endpoint.
    pub token_uri: url::Url,
    /// `clientID`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: Secret,
    /// `scope`: the scopes, sent space-separated as one `scope` parameter.
    pub scopes: Vec<String>,
    /// `endpointParams`: extra form parameters of the token request, in the order given.
    pub endpoint_params: Vec<(String, String)>,
    state: Arc<Mutex<State>>,
}

/// What one trigger learnt from its token endpoint.
#[derive(Default)]
struct State {
    token: Option<Token>,
    /// The style the endpoint accepted; `None` until a token came.
    style: Option<AuthStyle>,
}

/// A token as it is sent.
struct Token {
    /// `<type> <access token>`, marked sensitive so that `Debug` never prints it.
    authorization: HeaderValue,
    /// When it stops being valid; `None` when the answer had no `expires_in`.
    expires_at: Option<Instant>,
}

impl OAuth {
    /// Reads `oauthTokenURI`, `clientID`, `clientSecret`, `scope` and `endpointParams`.
    ///
    /// KEDA reads them all from the TriggerAuthentication. Here `clientSecret` comes from it
    /// (or `clientSecretFromEnv`); the others are looked for there first, then in the metadata.
    /// `scopes`, the name KEDA's newer typed config uses, is accepted when `scope` is absent.
    ///
    /// # Errors
    /// A [`ParamError`] naming a missing `oauthTokenURI`, `clientID` or `clientSecret`, a token
    /// URI that is not an http(s) URL, or an `endpointParams` that is not a query string or that
    /// sets `scope` next to the `scope` parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        let token_uri = params.http_url(
            "oauthTokenURI",
            params::AUTH_FIRST,
            "authMode oauth needs the token endpoint, e.g. https://login.example.com/oauth2/token",
        )?;
        let client_id = params.required_string(
            "clientID",
            params::AUTH_FIRST,
            "authMode oauth needs the client id",
        )?;
        let client_secret = params
            .secret("clientSecret", params::AUTH_ENV)
            .ok_or_else(|| {
                ParamError::missing(
                    "clientSecret",
                    "authMode oauth needs it in the TriggerAuthentication",
                )
            })?;
        let scopes = params
            .string("scope", params::AUTH_FIRST)
            .or_else(|| params.string("scopes", params::AUTH_FIRST))
            .map(|list| scope_list(&list))
            .unwrap_or_default();
        let endpoint_params = params
            .parse::<EndpointParams>(
                "endpointParams",
                params::AUTH_FIRST,
                "a URL-encoded query string such as audience=abc&resource=x",
            )?
            .map(|p| p.0)
            .unwrap_or_default();
        // x/oauth2 refuses to let an endpoint parameter overwrite the scope it sets.
        if !scopes.is_empty() && endpoint_params.iter().any(|(key, _)| key == "scope") {
            return Err(ParamError::rule(
                "endpointParams",
                "sets \"scope\", which the scope parameter already sets; give it in one place",
            ));
        }
        Ok(Self {
            token_uri,
            client_id,
            client_secret,
            scopes,
            endpoint_params,
            state: Arc::default(),
        })
    }

    /// A client-credentials grant against `token_uri`, for callers with their own parameter
    /// names (Kafka's `sasl: oauthbearer`).
    pub(crate) fn new(
        token_uri: url::Url,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            token_uri,
            client_id,
            client_secret,
            scopes,
            endpoint_params: Vec::new(),
            state: Arc::default(),
        }
    }

    /// The bare access token inside `authorization` (an answer of [`Self::authorization`]), for
    /// protocols that carry the token themselves rather than in an `Authorization` header.
    pub(crate) fn bare_token(authorization: &HeaderValue) -> Secret {
        let text = authorization.to_str().unwrap_or_default();
        let token = text.split_once(' ').map_or(text, |(_, token)| token);
        Secret::new(token.to_owned())
    }

    /// The `Authorization` value for the next request: the kept token while it is fresh, else
    /// a new one. Concurrent callers wait for one fetch instead of each starting their own.
    ///
    /// # Errors
    /// [`HttpError::OAuthToken`] naming the token URI.
    pub(crate) async fn authorization(
        &self,
        client: &reqwest::Client,
        timeout: Duration,
    ) -> Result<HeaderValue, HttpError> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.token
            && is_fresh(token.expires_at, Instant::now())
        {
            return Ok(token.authorization.clone());
        }
        let token = self.fetch(client, timeout, &mut state.style).await?;
        let authorization = token.authorization.clone();
        state.token = Some(token);
        Ok(authorization)
    }

    /// Forgets `refused` after the metric endpoint answered 401 to it (or a Kafka broker refused
    /// it), unless a newer token has replaced it meanwhile (another endpoint or connection of
    /// the same trigger got there first).
    pub(crate) async fn reject(&self, refused: &HeaderValue) {
        let mut state = self.state.lock().await;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.authorization == *refused)
        {
            state.token = None;
        }
    }

    async fn fetch(
        &self,
        client: &reqwest::Client,
        timeout: Duration,
        style: &mut Option<AuthStyle>,
    ) -> Result<Token, HttpError> {
        let first = style.unwrap_or(AuthStyle::Header);
        let result = match self.request(client, timeout, first).await {
            // x/oauth2's auto-detection: an endpoint that refuses the Basic header may want the
            // credentials in the form. A transport failure would fail the same way again.
            Err(fault) if style.is_none() && fault.is_answer() => self
                .request(client, timeout, AuthStyle::Params)
                .await
                .map(|token| (token, AuthStyle::Params)),
            other => other.map(|token| (token, first)),
        };
        match result {
            Ok((token, worked)) => {
                *style = Some(worked);
                Ok(token)
            }
            Err(fault) => Err(HttpError::OAuthToken {
                token_uri: display_url(&self.token_uri),
                fault,
            }),
        }
    }

    /// One token request with the credentials sent in `style`.
    async fn request(
        &self,
        client: &reqwest::Client,
        timeout: Duration,
        style: AuthStyle,
    ) -> Result<Token, TokenFault> {
        let mut request = client
            .post(self.token_uri.clone())
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(self.form(style));
        if style == AuthStyle::Header {
            request = request.basic_auth(
                query_escape(&self.client_id),
                Some(query_escape(self.client_secret.expose())),
            );
        }
        let answer = super::exchange(request, &display_url(&self.token_uri), timeout)
            .await
            .map_err(|e| match e {
                HttpError::Timeout { after, .. } => TokenFault::Timeout { after },
                HttpError::Body { reason, .. } => TokenFault::Body { reason },
                HttpError::Unreachable { reason, .. } => TokenFault::Unreachable { reason },
                other => TokenFault::Unreachable {
                    reason: other.to_string(),
                },
            })?;
        if !answer.status.is_success() {
            let body = String::from_utf8_lossy(&answer.body);
            return Err(TokenFault::Status {
                status: answer.status.as_u16(),
                body: excerpt(&self.blank_secret(&body), 200),
            });
        }
        let read = read_answer(answer.content_type.as_deref(), &answer.body)?;
        let mut authorization = HeaderValue::from_str(&format!(
            "{} {}",
            scheme(&read.token_type),
            read.access_token
        ))
        .map_err(|_| TokenFault::Malformed {
            reason: "the access_token holds characters an HTTP header cannot carry".into(),
        })?;
        authorization.set_sensitive(true);
        let expires_at = read
            .expires_in
            .filter(|secs| *secs > 0)
            .and_then(|secs| Instant::now().checked_add(Duration::from_secs(secs)));
        Ok(Token {
            authorization,
            expires_at,
        })
    }

    /// The form body, as x/oauth2 writes it: keys sorted, each value URL-escaped.
    fn form(&self, style: AuthStyle) -> String {
        let mut form: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        form.insert("grant_type", vec!["client_credentials"]);
        let scope = self.scopes.join(" ");
        if !scope.is_empty() {
            form.insert("scope", vec![&scope]);
        }
        // An endpoint parameter replaces what was there (`grant_type` may be overridden for
        // non-compliant servers), keeping every value it was given.
        let mut extra: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (key, value) in &self.endpoint_params {
            extra.entry(key).or_default().push(value);
        }
        form.extend(extra);
        if style == AuthStyle::Params {
            form.insert("client_id", vec![&self.client_id]);
            form.insert("client_secret", vec![self.client_secret.expose()]);
        }
        let mut body = String::new();
        for (key, values) in form {
            for value in values {
                if !body.is_empty() {
                    body.push('&');
                }
                let _ = write!(body, "{}={}", query_escape(key), query_escape(value));
            }
        }
        body
    }

    /// `text` with the client secret blanked, in case an endpoint echoes what it was sent.
    fn blank_secret(&self, text: &str) -> String {
        let secret = self.client_secret.expose();
        text.replace(secret, REDACTED)
            .replace(&query_escape(secret), REDACTED)
    }
}

/// Scopes written comma-separated, as KEDA takes them, trimmed and without empty entries.
pub(crate) fn scope_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl PartialEq for OAuth {
    fn eq(&self, other: &Self) -> bool {
        self.token_uri == other.token_uri
            && self.client_id == other.client_id
            && self.client_secret == other.client_secret
            && self.scopes == other.scopes
            && self.endpoint_params == other.endpoint_params
    }
}

impl Eq for OAuth {}

impl std::hash::Hash for OAuth {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.token_uri.hash(state);
        self.client_id.hash(state);
        self.client_secret.hash(state);
        self.scopes.hash(state);
        self.endpoint_params.hash(state);
    }
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Endpoint parameter values come from the TriggerAuthentication and may be secret.
        let endpoint_params: Vec<&str> = self
            .endpoint_params
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        f.debug_struct("OAuth")
            .field("token_uri", &display_url(&self.token_uri))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("endpoint_params", &endpoint_params)
            .finish_non_exhaustive()
    }
}

/// `endpointParams`, parsed as Go's `url.ParseQuery` does: `&`-separated `key=value` pairs,
/// `+` and `%XX` decoded, empty pairs skipped, `;` and broken escapes refused.
#[derive(Debug, Default)]
struct EndpointParams(Vec<(String, String)>);

impl FromStr for EndpointParams {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let mut pairs = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            if pair.contains(';') || !escapes_are_whole(pair) {
                return Err(());
            }
            pairs.extend(
                url::form_urlencoded::parse(pair.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
        Ok(Self(pairs))
    }
}

/// Whether every `%` starts a two-hex-digit escape, as Go's `QueryUnescape` requires.
fn escapes_are_whole(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Go's `url.QueryEscape`, which x/oauth2 applies to the form and to the Basic credentials:
/// byte for byte what KEDA sends, for endpoints that skip RFC 6749's decoding step.
fn query_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                escaped.push(char::from(byte));
            }
            b' ' => escaped.push('+'),
            _ => {
                let _ = write!(escaped, "%{byte:02X}");
            }
        }
    }
    escaped
}

/// Whether a token that expires at `expires_at` may still be sent at `now`.
fn is_fresh(expires_at: Option<Instant>, now: Instant) -> bool {
    expires_at.is_none_or(|at| now + EXPIRY_MARGIN <= at)
}

/// The fields of a token response that matter here.
#[derive(Debug, PartialEq, Eq)]
struct TokenAnswer {
    access_token: String,
    token_type: String,
    expires_in: Option<u64>,
}

/// Reads a 2xx token response as x/oauth2 does: a form body when the content type says
/// `application/x-www-form-urlencoded` or `text/plain`, JSON otherwise. `expires_in` may be a
/// number or a numeric string and is capped at `i32::MAX` seconds, as x/oauth2 caps it.
fn read_answer(content_type: Option<&str>, body: &[u8]) -> Result<TokenAnswer, TokenFault> {
    let malformed = |reason: &str| TokenFault::Malformed {
        reason: reason.to_owned(),
    };
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let answer = if matches!(
        media.as_deref(),
        Some("application/x-www-form-urlencoded" | "text/plain")
    ) {
        let fields: BTreeMap<String, String> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        TokenAnswer {
            access_token: field("access_token"),
            token_type: field("token_type"),
            // x/oauth2 ignores an unreadable expires_in in a form answer.
            expires_in: field("expires_in").parse::<u64>().ok(),
        }
    } else {
        let json: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| TokenFault::Malformed {
                reason: format!("not JSON ({e})"),
            })?;
        let object = json
            .as_object()
            .ok_or_else(|| malformed("not a JSON object"))?;
        let text = |name: &str| match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(malformed(&format!("{name} is not a string"))),
        };
        let expires_in = match object.get("expires_in") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => Some(n.as_i64()),
            Some(serde_json::Value::String(s)) => Some(s.parse::<i64>().ok()),
            Some(_) => Some(None),
        };
        let expires_in = match expires_in {
            None => None,
            Some(Some(secs)) => u64::try_from(secs.min(i64::from(i32::MAX))).ok(),
            Some(None) => return Err(malformed("expires_in is not a whole number of seconds")),
        };
        TokenAnswer {
            access_token: text("access_token")?,
            token_type: text("token_type")?,
            expires_in,
        }
    };
    if answer.access_token.is_empty() {
        return Err(TokenFault::MissingAccessToken);
    }
    Ok(answer)
}

/// The `Authorization` scheme for `token_type`, as x/oauth2's `Token.Type` spells it: the
/// usual `bearer` (or none) becomes `Bearer`.
fn scheme(token_type: &str) -> &str {
    if token_type.is_empty() || token_type.eq_ignore_ascii_case("bearer") {
        "Bearer"
    } else if token_type.eq_ignore_ascii_case("mac") {
        "MAC"
    } else if token_type.eq_ignore_ascii_case("basic") {
        "Basic"
    } else {
        token_type
    }
}

#[cfg(test)]
mod tests;
