//! TLS for the `postgresql` scaler: libpq's `sslmode` and `sslrootcert`, read as KEDA's driver
//! (pgx) reads them.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require`, and refuses a connection string
//! with any other mode or with `sslrootcert`, so a KEDA manifest asking for
//! `sslmode=verify-full` would not parse. [`split`] takes those settings out of the string
//! (either form: `key=value` pairs or a `postgresql://` URL) and leaves tokio-postgres a string
//! it accepts, asking it only to negotiate TLS; the rustls configuration from [`client_config`]
//! then checks the server as the mode says:
//!
//! | `sslmode` | encrypted | chain checked | host name checked |
//! |---|---|---|---|
//! | `disable` | no | — | — |
//! | `allow` | only if the server refuses plain text | no | no |
//! | `prefer` | if the server offers it | no | no |
//! | `require` | yes | only with `sslrootcert` (libpq's rule) | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! The trusted roots are the PEM certificates in `sslrootcert`, or the system's store when it is
//! absent or `system`, as pgx does.
//!
//! A client certificate (`sslcert` and `sslkey`, both or neither as pgx requires; `sslpassword`
//! for a PKCS#8-encrypted key) is presented when the server asks for one. Like `sslrootcert`,
//! the files are read on each new connection, so renewed certificates are picked up.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::secret::Secret;
use crate::tls::ClientIdentity;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// Plain text first; TLS, unchecked, when the server refuses plain text (pgx's fallback).
    Allow,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS required; the certificate is checked only against an `sslrootcert` (libpq's rule).
    Require,
    /// TLS required, the certificate chain checked against the trusted roots.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host connected to.
    VerifyFull,
}

/// The modes and their names, as written in `sslmode`.
pub(super) const SSL_MODES: &[(&str, SslMode)] = &[
    ("disable", SslMode::Disable),
    ("allow", SslMode::Allow),
    ("prefer", SslMode::Prefer),
    ("require", SslMode::Require),
    ("verify-ca", SslMode::VerifyCa),
    ("verify-full", SslMode::VerifyFull),
];

/// The allowed `sslmode` values, for messages.
pub(super) const ALLOWED: &str =
    "\"disable\", \"allow\", \"prefer\", \"require\", \"verify-ca\" or \"verify-full\"";

impl SslMode {
    /// The mode named `text`.
    pub(super) fn parse(text: &str) -> Option<Self> {
        SSL_MODES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, mode)| *mode)
    }

    /// The name as written in `sslmode`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres is asked for: it negotiates TLS, the rustls configuration verifies.
    /// `allow` starts in plain text; the scaler retries with TLS itself.
    fn driver(self) -> &'static str {
        match self {
            Self::Disable | Self::Allow => "disable",
            Self::Prefer => "prefer",
            Self::Require | Self::VerifyCa | Self::VerifyFull => "require",
        }
    }
}

/// Where the trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Roots {
    /// The system's certificate store (no `sslrootcert`, or `sslrootcert=system`).
    System,
    /// A PEM file of CA certificates (`sslrootcert`), read on each new connection so a renewed
    /// file is picked up.
    File(PathBuf),
}

/// The client certificate presented to the server: `sslcert`, `sslkey` and `sslpassword`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientCert {
    /// The PEM certificate chain file.
    pub cert: PathBuf,
    /// The PEM private key file.
    pub key: PathBuf,
    /// The password of an encrypted key.
    pub password: Option<Secret>,
}

/// How the scaler speaks TLS to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tls {
    /// The mode, after libpq's rule that `require` with an `sslrootcert` means `verify-ca`.
    pub mode: SslMode,
    /// The trusted roots for `verify-ca` and `verify-full`.
    pub roots: Roots,
    /// The client certificate, if any.
    pub client: Option<ClientCert>,
}

impl Tls {
    fn new(mode: SslMode, root_cert: Option<&str>, client: Option<ClientCert>) -> Self {
        let roots = match root_cert {
            None | Some("" | "system") => Roots::System,
            Some(path) => Roots::File(PathBuf::from(path)),
        };
        let mode = match (&mode, &roots) {
            (SslMode::Require, Roots::File(_)) => SslMode::VerifyCa,
            _ => mode,
        };
        Self {
            mode,
            roots,
            client,
        }
    }
}

/// Why a connection string's TLS settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SplitError {
    /// The string is neither `key=value` pairs nor a URL.
    Malformed,
    /// `sslmode` has a value Tidal does not support; carries the value.
    Mode(String),
    /// A TLS setting given without the one it needs: (the setting, the missing one).
    Incomplete(&'static str, &'static str),
}

/// Takes `sslmode`, `sslrootcert`, `sslcert`, `sslkey` and `sslpassword` out of a libpq
/// connection string; returns the string for tokio-postgres and the TLS settings. Without
/// `sslmode`, the mode is `default`.
///
/// # Errors
/// [`SplitError`] for a string that does not parse or an unsupported mode.
pub(super) fn split(text: &str, default: SslMode) -> Result<(String, Tls), SplitError> {
    let url = ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| text.starts_with(scheme));
    let (pairs, rebuild): (Vec<(String, String)>, _) = if url {
        let (base, query) = text.split_once('?').unwrap_or((text, ""));
        let pairs = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (pairs, Rebuild::Url(base))
    } else {
        (
            keywords(text).ok_or(SplitError::Malformed)?,
            Rebuild::Keywords,
        )
    };
    let mut mode = default;
    let (mut root_cert, mut cert, mut key, mut password) = (None, None, None, None);
    let mut kept = Vec::with_capacity(pairs.len() + 1);
    for (name, value) in pairs {
        match name.as_str() {
            "sslmode" => mode = SslMode::parse(&value).ok_or(SplitError::Mode(value))?,
            "sslrootcert" => root_cert = Some(value),
            "sslcert" => cert = Some(value).filter(|v| !v.is_empty()),
            "sslkey" => key = Some(value).filter(|v| !v.is_empty()),
            "sslpassword" => password = Some(value).filter(|v| !v.is_empty()),
            _ => kept.push((name, value)),
        }
    }
    let client = match (cert, key) {
        (Some(cert), Some(key)) => Some(ClientCert {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
            password: password.map(Secret::new),
        }),
        (Some(_), None) => return Err(SplitError::Incomplete("sslcert", "sslkey")),
        (None, Some(_)) => return Err(SplitError::Incomplete("sslkey", "sslcert")),
        (None, None) if password.is_some() => {
            return Err(SplitError::Incomplete("sslpassword", "sslkey"));
        }
        (None, None) => None,
    };
    let tls = Tls::new(mode, root_cert.as_deref(), client);
    kept.push(("sslmode".to_owned(), tls.mode.driver().to_owned()));
    Ok((rebuild.join(&kept), tls))
}

enum Rebuild<'a> {
    Keywords,
    Url(&'a str),
}

impl Rebuild<'_> {
    fn join(&self, pairs: &[(String, String)]) -> String {
        match self {
            Self::Keywords => pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", super::quote(v)))
                .collect::<Vec<_>>()
                .join(" "),
            Self::Url(base) => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                format!("{base}?{query}")
            }
        }
    }
}

/// libpq's `key=value` syntax: spaces around `=` allowed, values single-quoted or bare, `\`
/// escaping the next character in either. `None` when it does not parse.
fn keywords(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Some(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if key.is_empty() || chars.next() != Some('=') {
            return None;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(if c == '\\' { chars.next()? } else { c });
            }
        }
        pairs.push((key, value));
    }
}

/// The rustls configuration for `tls`.
///
/// # Errors
/// A message naming the `sslrootcert`, `sslcert` or `sslkey` file that cannot be read or does
/// not hold what it should, saying that `sslpassword` does not decrypt the key, or that the
/// system store is empty.
pub(super) fn client_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let identity = tls.client.as_ref().map(client_identity).transpose()?;
    let check_name = match tls.mode {
        SslMode::Disable | SslMode::Allow | SslMode::Prefer | SslMode::Require => {
            return crate::tls::encrypt_only_with(identity);
        }
        SslMode::VerifyCa => false,
        SslMode::VerifyFull => true,
    };
    let mut roots = RootCertStore::empty();
    match &tls.roots {
        Roots::File(path) => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert {shown}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("sslrootcert {shown}: {e}"))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "sslrootcert {shown}: no CA certificate in it; give a PEM file"
                ));
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(
                    "no CA certificates in the system store for sslmode verify-ca or \
                     verify-full; give sslrootcert in the connection string"
                        .to_owned(),
                );
            }
        }
    }
    crate::tls::verifying(Arc::new(roots), check_name, identity)
}

/// Whether a plain-text connection that failed under `sslmode=allow` is tried again with TLS:
/// pgx's rule, every failure but a wrong password, a missing database and a missing privilege,
/// which TLS would not change.
pub(super) fn retry_with_tls(error: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    let final_answers = [
        SqlState::INVALID_PASSWORD,
        SqlState::INVALID_CATALOG_NAME,
        SqlState::INSUFFICIENT_PRIVILEGE,
    ];
    error
        .code()
        .is_none_or(|code| !final_answers.contains(code))
}

/// The certificate chain and key that `sslcert`, `sslkey` and `sslpassword` name.
fn client_identity(client: &ClientCert) -> Result<ClientIdentity, String> {
    let read = |name: &str, path: &PathBuf| {
        std::fs::read_to_string(path)
            .map(Secret::new)
            .map_err(|e| format!("{name} {}: {e}", path.display()))
    };
    let cert = read("sslcert", &client.cert)?;
    let key = read("sslkey", &client.key)?;
    let shown = client.key.display();
    let key = match &client.password {
        Some(password) => crate::tls::decrypt_key(&key, password)
            .map_err(|e| format!("sslkey {shown} with sslpassword: {e}"))?,
        None if crate::tls::is_encrypted(key.expose()) => {
            return Err(format!(
                "sslkey {shown} is encrypted; give its password in sslpassword"
            ));
        }
        None => key,
    };
    crate::tls::client_identity(cert.expose(), key.expose())
        .map_err(|e| format!("sslcert {} and sslkey {shown}: {e}", client.cert.display()))
}

#[cfg(test)]
#[path = "ssl_tests.rs"]
mod tests;
