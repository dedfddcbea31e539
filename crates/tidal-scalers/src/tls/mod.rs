//! rustls client configurations for the scalers that speak TLS outside reqwest (PostgreSQL,
//! Kafka, external scalers with `unsafeSsl`).
//!
//! Tidal uses the ring provider everywhere. `require` in libpq's sense encrypts without
//! checking the certificate, so [`encrypt_only`] builds a configuration that accepts any
//! certificate but still verifies the handshake signatures; `verify-ca` checks the chain but not
//! the name, and `verify-full` both ([`verifying`]).

use std::sync::Arc;

mod key;
mod legacy;
pub use key::{decrypt_key, is_encrypted};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// A client configuration that encrypts but does not authenticate the server.
///
/// # Panics
/// Never: only a client identity can make the configuration fail.
pub fn encrypt_only() -> rustls::ClientConfig {
    encrypt_only_with(None).expect("a configuration without a client identity always builds")
}

/// A PEM client certificate chain and its private key, as rustls takes them.
pub type ClientIdentity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// Parses a PEM certificate chain and a PEM private key (PKCS#8, SEC1 or PKCS#1).
///
/// # Errors
/// A message saying which of the two does not parse; never their text.
pub fn client_identity(cert: &str, key: &str) -> Result<ClientIdentity, String> {
    let chain = CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the client certificate is not PEM: {e}"))?;
    if chain.is_empty() {
        return Err("the client certificate holds no PEM certificate".to_owned());
    }
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
        .map_err(|e| format!("the client key is not a PEM private key: {e}"))?;
    Ok((chain, key))
}

/// [`encrypt_only`] that also presents `identity`, if any, when the server asks for a
/// certificate.
///
/// # Errors
/// When rustls refuses the key (an unsupported algorithm, or not the certificate's key).
pub fn encrypt_only_with(identity: Option<ClientIdentity>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    relaxed(
        Relaxed {
            chain: None,
            provider,
        },
        identity,
    )
    .map_err(|e| format!("the client key does not load: {e}"))
}

/// A client configuration that checks the server's certificate chain against `roots` and, with
/// `check_name`, that the certificate names the host connected to; it presents `identity`, if
/// any, when the server asks for a certificate.
///
/// # Errors
/// When `roots` holds no usable trust anchor, or rustls refuses the identity's key.
///
/// # Panics
/// Never in practice: ring supports rustls' default protocol versions.
pub fn verifying(
    roots: Arc<RootCertStore>,
    check_name: bool,
    identity: Option<ClientIdentity>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| e.to_string())?;
    if !check_name {
        return relaxed(
            Relaxed {
                chain: Some(webpki),
                provider,
            },
            identity,
        )
        .map_err(|e| format!("the client key does not load: {e}"));
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_webpki_verifier(webpki);
    match identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| format!("the client key does not load: {e}")),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// A client configuration whose certificate check is `verifier`'s, presenting `identity`.
///
/// # Errors
/// When rustls refuses the identity's key; infallible without one.
///
/// # Panics
/// Never in practice: ring supports rustls' default protocol versions.
fn relaxed(
    verifier: Relaxed,
    identity: Option<ClientIdentity>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let builder = rustls::ClientConfig::builder_with_provider(verifier.provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    match identity {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// A verifier that checks less than webpki: with `chain`, the certificate chain but not the
/// host name (libpq's `verify-ca`); without, nothing about the certificate (`require`). The
/// handshake signatures are always verified, so the peer must hold the certificate's key.
#[derive(Debug)]
struct Relaxed {
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Relaxed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the chain before the name, so a name mismatch is the only error left
        // to forgive.
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
