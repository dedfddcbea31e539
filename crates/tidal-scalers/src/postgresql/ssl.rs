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
//! | `prefer` | if the server offers it | no | no |
//! | `require` | yes | only with `sslrootcert` (libpq's rule) | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! The trusted roots are the PEM certificates in `sslrootcert`, or the system's store when it is
//! absent or `system`, as pgx does.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslMode {
    /// No TLS.
    Disable,
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
    ("prefer", SslMode::Prefer),
    ("require", SslMode::Require),
    ("verify-ca", SslMode::VerifyCa),
    ("verify-full", SslMode::VerifyFull),
];

/// The allowed `sslmode` values, for messages.
pub(super) const ALLOWED: &str =
    "\"disable\", \"prefer\", \"require\", \"verify-ca\" or \"verify-full\"";

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
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres is asked for: it negotiates TLS, the rustls configuration verifies.
    fn driver(self) -> &'static str {
        match self {
            Self::Disable => "disable",
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

/// How the scaler speaks TLS to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tls {
    /// The mode, after libpq's rule that `require` with an `sslrootcert` means `verify-ca`.
    pub mode: SslMode,
    /// The trusted roots for `verify-ca` and `verify-full`.
    pub roots: Roots,
}

impl Tls {
    fn new(mode: SslMode, root_cert: Option<&str>) -> Self {
        let roots = match root_cert {
            None | Some("" | "system") => Roots::System,
            Some(path) => Roots::File(PathBuf::from(path)),
        };
        let mode = match (&mode, &roots) {
            (SslMode::Require, Roots::File(_)) => SslMode::VerifyCa,
            _ => mode,
        };
        Self { mode, roots }
    }
}

/// Why a connection string's TLS settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SplitError {
    /// The string is neither `key=value` pairs nor a URL.
    Malformed,
    /// `sslmode` has a value Tidal does not support; carries the value.
    Mode(String),
    /// A TLS setting Tidal does not support (`sslcert`, `sslkey`: client certificates).
    Unsupported(String),
}

/// Takes `sslmode` and `sslrootcert` out of a libpq connection string; returns the string for
/// tokio-postgres and the TLS settings. Without `sslmode`, the mode is `default`.
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
    let mut root_cert = None;
    let mut kept = Vec::with_capacity(pairs.len() + 1);
    for (key, value) in pairs {
        match key.as_str() {
            "sslmode" => mode = SslMode::parse(&value).ok_or(SplitError::Mode(value))?,
            "sslrootcert" => root_cert = Some(value),
            "sslcert" | "sslkey" | "sslpassword" => return Err(SplitError::Unsupported(key)),
            _ => kept.push((key, value)),
        }
    }
    let tls = Tls::new(mode, root_cert.as_deref());
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
/// A message naming the `sslrootcert` file that cannot be read or holds no certificate, or
/// saying that the system store is empty.
pub(super) fn client_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let check_name = match tls.mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => {
            return Ok(crate::tls::encrypt_only());
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
    crate::tls::verifying(Arc::new(roots), check_name)
}

#[cfg(test)]
#[path = "ssl_tests.rs"]
mod tests;
