//! Reading one trigger's parameters the way KEDA does.
//!
//! KEDA lets each scaler parameter come from up to three places, tried in a declared order:
//! the trigger's `metadata` map, the resolved TriggerAuthentication parameters, and the scale
//! target's container environment through a `<name>FromEnv` metadata key. [`Params`] is that
//! lookup plus typed getters whose errors name the parameter, the bad value and what is allowed,
//! so every scaler's `config.rs` reads as a list of KEDA parameter names and defaults.
//!
//! Values that come from authentication or from the environment may be secrets; a bad one is
//! reported without its value.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::auth::AuthParams;
use crate::secret::{REDACTED, Secret};

/// Where a parameter may be read from, in KEDA's words (`order=triggerMetadata;authParams;resolvedEnv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The trigger's `metadata` map.
    Metadata,
    /// Parameters resolved from the TriggerAuthentication or ClusterTriggerAuthentication.
    Auth,
    /// The scale target's container environment, named by the `<name>FromEnv` metadata key.
    Env,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Metadata => "metadata",
            Self::Auth => "authentication",
            Self::Env => "environment",
        })
    }
}

/// Only the trigger metadata.
pub const METADATA: &[Source] = &[Source::Metadata];
/// Only the authentication parameters.
pub const AUTH: &[Source] = &[Source::Auth];
/// Metadata first, then the environment (`<name>FromEnv`).
pub const METADATA_ENV: &[Source] = &[Source::Metadata, Source::Env];
/// Authentication first, then the environment (`<name>FromEnv`).
pub const AUTH_ENV: &[Source] = &[Source::Auth, Source::Env];
/// Metadata, authentication, then the environment.
pub const ANY: &[Source] = &[Source::Metadata, Source::Auth, Source::Env];
/// Authentication, then metadata, then the environment.
pub const AUTH_FIRST: &[Source] = &[Source::Auth, Source::Metadata, Source::Env];

/// A parameter that is missing or malformed. Each names the parameter and what it accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A required parameter is absent from every source it may come from.
    #[error("parameter {param:?} is required ({hint})")]
    Missing {
        /// The KEDA parameter name.
        param: String,
        /// Where it may be given and what it means.
        hint: String,
    },
    /// A parameter is present but its value is not one the scaler accepts.
    #[error("parameter {param:?} has the value {value}, which is not {expected}")]
    Invalid {
        /// The KEDA parameter name.
        param: String,
        /// The value as given, quoted, or `<redacted>` when it came from a secret source.
        value: String,
        /// What the parameter accepts.
        expected: String,
    },
    /// Parameters that are fine alone but not together, or a value outside a documented rule.
    #[error("parameter {param:?}: {reason}")]
    Rule {
        /// The KEDA parameter name.
        param: String,
        /// The rule that was broken.
        reason: String,
    },
}

impl ParamError {
    /// A rule violation for `param`.
    pub fn rule(param: &str, reason: impl Into<String>) -> Self {
        Self::Rule {
            param: param.to_owned(),
            reason: reason.into(),
        }
    }

    /// A missing required parameter.
    pub fn missing(param: &str, hint: impl Into<String>) -> Self {
        Self::Missing {
            param: param.to_owned(),
            hint: hint.into(),
        }
    }
}

/// One value found for a parameter, with where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Found {
    value: String,
    source: Source,
}

impl Found {
    /// The source that supplied the value.
    pub fn source(&self) -> Source {
        self.source
    }

    fn shown(&self) -> String {
        match self.source {
            Source::Metadata => format!("{:?}", self.value),
            Source::Auth | Source::Env => REDACTED.to_owned(),
        }
    }
}

impl fmt::Debug for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Found({} from {})", self.shown(), self.source)
    }
}

/// The parameter sources of one trigger: metadata, authentication and container environment.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    metadata: &'a BTreeMap<String, String>,
    auth: &'a AuthParams,
    env: &'a BTreeMap<String, String>,
}

impl<'a> Params<'a> {
    /// Bundles a trigger's metadata, its resolved authentication and its target's environment.
    pub fn new(
        metadata: &'a BTreeMap<String, String>,
        auth: &'a AuthParams,
        env: &'a BTreeMap<String, String>,
    ) -> Self {
        Self {
            metadata,
            auth,
            env,
        }
    }

    /// The trigger metadata map as given.
    pub fn metadata(&self) -> &'a BTreeMap<String, String> {
        self.metadata
    }

    fn raw(&self, name: &str, source: Source) -> Option<String> {
        match source {
            Source::Metadata => self.metadata.get(name).cloned(),
            Source::Auth => self.auth.get(name).map(|s| s.expose().to_owned()),
            Source::Env => self
                .metadata
                .get(&format!("{name}FromEnv"))
                .and_then(|var| self.env.get(var.trim()))
                .cloned(),
        }
    }

    /// Looks `name` up in `order`; blank values count as absent, as in KEDA.
    pub fn find(&self, name: &str, order: &[Source]) -> Option<Found> {
        order.iter().find_map(|source| {
            let value = self.raw(name, *source)?;
            let trimmed = value.trim();
            (!trimmed.is_empty()).then(|| Found {
                value: trimmed.to_owned(),
                source: *source,
            })
        })
    }

    /// An optional plain string.
    pub fn string(&self, name: &str, order: &[Source]) -> Option<String> {
        self.find(name, order).map(|f| f.value)
    }

    /// A required plain string.
    ///
    /// # Errors
    /// [`ParamError::Missing`] when no source has it.
    pub fn required_string(
        &self,
        name: &str,
        order: &[Source],
        hint: &str,
    ) -> Result<String, ParamError> {
        self.string(name, order)
            .ok_or_else(|| ParamError::missing(name, hint))
    }

    /// An optional secret, kept wrapped.
    pub fn secret(&self, name: &str, order: &[Source]) -> Option<Secret> {
        // Secrets keep their spaces: a password may legitimately end in one.
        order.iter().find_map(|source| {
            let value = self.raw(name, *source)?;
            (!value.is_empty()).then(|| Secret::new(value))
        })
    }

    /// A TLS client certificate and its key from the TriggerAuthentication (`cert`, `key`,
    /// both or neither), the key decrypted with `keyPassword` when that is given.
    ///
    /// # Errors
    /// As [`Self::certificate_pair`].
    pub fn client_certificate(&self) -> Result<Option<(Secret, Secret)>, ParamError> {
        self.certificate_pair("cert", "key", Some("keyPassword"))
    }

    /// A TLS client certificate and its key from the TriggerAuthentication parameters named
    /// `cert` and `key` (both or neither); with `password` named, the key is decrypted with
    /// that parameter's value when it is given.
    ///
    /// # Errors
    /// [`ParamError::Missing`] for half a pair, or for a password without a key;
    /// [`ParamError::Rule`] on the password parameter when the key does not decrypt.
    pub fn certificate_pair(
        &self,
        cert: &str,
        key: &str,
        password: Option<&str>,
    ) -> Result<Option<(Secret, Secret)>, ParamError> {
        let secret_password = password.and_then(|name| Some((name, self.secret(name, AUTH)?)));
        match (self.secret(cert, AUTH), self.secret(key, AUTH)) {
            (Some(cert), Some(pem)) => {
                let pem = match &secret_password {
                    Some((name, password)) => crate::tls::decrypt_key(&pem, password)
                        .map_err(|reason| ParamError::rule(name, reason))?,
                    None => pem,
                };
                Ok(Some((cert, pem)))
            }
            (None, None) => match secret_password {
                Some((name, _)) => Err(ParamError::missing(
                    key,
                    format!("{name} decrypts a client key; give {cert} and {key} too"),
                )),
                None => Ok(None),
            },
            (Some(_), None) => Err(ParamError::missing(
                key,
                format!("{cert} needs its private key"),
            )),
            (None, Some(_)) => Err(ParamError::missing(
                cert,
                format!("{key} needs its certificate"),
            )),
        }
    }

    /// An optional value parsed with [`FromStr`], `default` when absent.
    ///
    /// # Errors
    /// [`ParamError::Invalid`] naming `expected` when the value does not parse.
    pub fn parse_or<T: FromStr>(
        &self,
        name: &str,
        order: &[Source],
        default: T,
        expected: &str,
    ) -> Result<T, ParamError> {
        self.parse(name, order, expected)
            .map(|value| value.unwrap_or(default))
    }

    /// An optional value parsed with [`FromStr`].
    ///
    /// # Errors
    /// [`ParamError::Invalid`] naming `expected` when the value does not parse.
    pub fn parse<T: FromStr>(
        &self,
        name: &str,
        order: &[Source],
        expected: &str,
    ) -> Result<Option<T>, ParamError> {
        let Some(found) = self.find(name, order) else {
            return Ok(None);
        };
        found
            .value
            .parse()
            .map(Some)
            .map_err(|_| invalid(name, &found, expected))
    }

    /// An optional finite number (KEDA's float64 parameters), `default` when absent.
    ///
    /// # Errors
    /// [`ParamError::Invalid`] when the value is not a finite number.
    pub fn f64_or(&self, name: &str, order: &[Source], default: f64) -> Result<f64, ParamError> {
        self.f64(name, order).map(|v| v.unwrap_or(default))
    }

    /// An optional finite number.
    ///
    /// # Errors
    /// [`ParamError::Invalid`] when the value is not a finite number.
    pub fn f64(&self, name: &str, order: &[Source]) -> Result<Option<f64>, ParamError> {
        let Some(found) = self.find(name, order) else {
            return Ok(None);
        };
        match found.value.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(invalid(name, &found, "a finite number")),
        }
    }

    /// A required number greater than zero, as every scaling target must be.
    ///
    /// # Errors
    /// [`ParamError::Missing`], [`ParamError::Invalid`] for a non-number, or
    /// [`ParamError::Rule`] for zero and negative values.
    pub fn target(&self, name: &str, order: &[Source], hint: &str) -> Result<f64, ParamError> {
        let value = self
            .f64(name, order)?
            .ok_or_else(|| ParamError::missing(name, hint))?;
        if value <= 0.0 {
            return Err(ParamError::rule(
                name,
                format!("must be greater than 0, got {value}"),
            ));
        }
        Ok(value)
    }

    /// KEDA's `timeout` parameter: whole milliseconds, `default` when absent.
    ///
    /// # Errors
    /// [`ParamError`] for a non-number or zero.
    pub fn timeout_ms(&self, name: &str, default: Duration) -> Result<Duration, ParamError> {
        match self.parse::<u64>(name, METADATA, "a whole number of milliseconds")? {
            Some(0) => Err(ParamError::rule(name, "must be at least 1 millisecond")),
            Some(ms) => Ok(Duration::from_millis(ms)),
            None => Ok(default),
        }
    }

    /// A required absolute `http://` or `https://` URL; a bad one is shown without its query
    /// or user info.
    ///
    /// # Errors
    /// [`ParamError`] when missing or not such a URL.
    pub fn http_url(
        &self,
        name: &str,
        order: &[Source],
        hint: &str,
    ) -> Result<url::Url, ParamError> {
        let raw = self.required_string(name, order, hint)?;
        url::Url::parse(&raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| ParamError::Invalid {
                param: name.into(),
                value: format!("{:?}", crate::http::display_url_text(&raw)),
                expected: "an absolute http:// or https:// URL".into(),
            })
    }

    /// An optional boolean in Go's `strconv.ParseBool` spellings, `default` when absent.
    ///
    /// # Errors
    /// [`ParamError::Invalid`] when the value is not a boolean.
    pub fn bool_or(&self, name: &str, order: &[Source], default: bool) -> Result<bool, ParamError> {
        let Some(found) = self.find(name, order) else {
            return Ok(default);
        };
        parse_go_bool(&found.value)
            .ok_or_else(|| invalid(name, &found, "a boolean (true or false)"))
    }

    /// An optional choice among named values (case-sensitive, like KEDA's enums).
    ///
    /// # Errors
    /// [`ParamError::Invalid`] listing the allowed names.
    pub fn choice<T: Copy>(
        &self,
        name: &str,
        order: &[Source],
        choices: &[(&str, T)],
    ) -> Result<Option<T>, ParamError> {
        let Some(found) = self.find(name, order) else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|(label, _)| *label == found.value)
            .map(|(_, value)| Some(*value))
            .ok_or_else(|| invalid(name, &found, &one_of(choices.iter().map(|(l, _)| *l))))
    }
}

/// "one of a, b or c", for error messages.
pub fn one_of<'s>(labels: impl IntoIterator<Item = &'s str>) -> String {
    let labels: Vec<&str> = labels.into_iter().collect();
    match labels.as_slice() {
        [] => "anything (no values are allowed)".to_owned(),
        [only] => format!("{only:?}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|l| format!("{l:?}")).collect();
            format!("one of {} or {last:?}", init.join(", "))
        }
    }
}

fn invalid(name: &str, found: &Found, expected: &str) -> ParamError {
    ParamError::Invalid {
        param: name.to_owned(),
        value: found.shown(),
        expected: expected.to_owned(),
    }
}

/// Go's `strconv.ParseBool`, which KEDA uses for every boolean parameter.
pub fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn sources_are_tried_in_the_declared_order() {
        let metadata = map(&[("host", "meta-host"), ("passwordFromEnv", "PW")]);
        let auth = AuthParams::from_pairs([("host", "auth-host"), ("password", "auth-pw")]);
        let env = map(&[("PW", "env-pw")]);
        let params = Params::new(&metadata, &auth, &env);
        assert_eq!(params.string("host", ANY).unwrap(), "meta-host");
        assert_eq!(params.string("host", AUTH_FIRST).unwrap(), "auth-host");
        assert_eq!(
            params.secret("password", AUTH_ENV).unwrap().expose(),
            "auth-pw"
        );
        assert_eq!(
            params.secret("password", &[Source::Env]).unwrap().expose(),
            "env-pw"
        );
        assert_eq!(params.find("password", METADATA), None);
    }

    #[test]
    fn blank_values_count_as_absent() {
        let metadata = map(&[("threshold", "  ")]);
        let auth = AuthParams::default();
        let params = Params::new(&metadata, &auth, &metadata);
        assert_eq!(params.f64_or("threshold", METADATA, 7.0).unwrap(), 7.0);
    }

    #[test]
    fn invalid_secret_values_are_not_echoed() {
        let metadata = BTreeMap::new();
        let auth = AuthParams::from_pairs([("port", "s3cr3t")]);
        let params = Params::new(&metadata, &auth, &metadata);
        let err = params
            .parse::<u16>("port", AUTH, "a port number")
            .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("\"port\"") && text.contains("a port number"),
            "{text}"
        );
    }

    #[test]
    fn errors_name_the_parameter_value_and_allowed_values() {
        let metadata = map(&[("format", "csv"), ("unsafeSsl", "yes"), ("n", "NaN")]);
        let auth = AuthParams::default();
        let params = Params::new(&metadata, &auth, &metadata);
        let err = params
            .choice("format", METADATA, &[("json", 1), ("xml", 2), ("yaml", 3)])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "parameter \"format\" has the value \"csv\", which is not one of \"json\", \"xml\" or \"yaml\""
        );
        assert!(params.bool_or("unsafeSsl", METADATA, false).is_err());
        assert!(params.f64("n", METADATA).is_err());
    }

    #[test]
    fn go_booleans() {
        for yes in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(parse_go_bool(yes), Some(true));
        }
        for no in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(parse_go_bool(no), Some(false));
        }
        assert_eq!(parse_go_bool("yes"), None);
    }
}
