//! Password-protected client keys (`keyPassword`, PostgreSQL's `sslpassword`): PKCS#8
//! `ENCRYPTED PRIVATE KEY` PEM, as `openssl pkcs8 -topk8` and `openssl genpkey -aes256` write it
//! (PBES2: PBKDF2 or scrypt, AES-CBC). The key is decrypted into the plain PKCS#8 PEM every
//! client library here takes: once when the trigger is built, or for PostgreSQL's key file on
//! each new connection.
//!
//! OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED` in a `BEGIN RSA PRIVATE KEY` or
//! `BEGIN EC PRIVATE KEY` block) is decrypted too ([`super::legacy`]); PBES1 is refused as pkcs5
//! refuses it.

use der::asn1::OctetStringRef;
use der::{Decode, Sequence};

use super::legacy::{self, is_legacy_encrypted};
use crate::secret::Secret;

/// Whether a PEM key is encrypted (PKCS#8 or OpenSSL's legacy form), so it needs a password.
pub fn is_encrypted(key: &str) -> bool {
    key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || is_legacy_encrypted(key)
}

/// `EncryptedPrivateKeyInfo` (RFC 5958 §3).
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    encryption_algorithm: pkcs5::EncryptionScheme<'a>,
    encrypted_data: OctetStringRef<'a>,
}

/// `key` decrypted with `password` as a plain `PRIVATE KEY` PEM; a key that is not encrypted is
/// returned as it is.
///
/// The caller names the parameter that holds the password in its own error.
///
/// # Errors
/// A message saying what is wrong (the wrong password, a legacy or unsupported encryption, not
/// PEM); never the key or the password.
pub fn decrypt_key(key: &Secret, password: &Secret) -> Result<Secret, String> {
    let text = key.expose();
    if is_legacy_encrypted(text) {
        let plain = legacy::decrypt(text, password.expose().as_bytes())?;
        return private_key_pem(plain.as_bytes());
    }
    let Some(start) = text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") else {
        return Ok(key.clone());
    };
    let (label, der) = der::pem::decode_vec(&text.as_bytes()[start..])
        .map_err(|e| format!("the encrypted key is not PEM: {e}"))?;
    if label != "ENCRYPTED PRIVATE KEY" {
        return Err(format!(
            "expected an ENCRYPTED PRIVATE KEY block, found {label}"
        ));
    }
    let info = EncryptedPrivateKeyInfo::from_der(&der)
        .map_err(|e| format!("the encrypted key does not parse: {e}"))?;
    let plain = info
        .encryption_algorithm
        .decrypt(password.expose(), info.encrypted_data.as_bytes())
        .map_err(|e| match e {
            // A wrong password shows as bad padding, which pkcs5 reports as EncryptFailed.
            pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed => {
                "the key does not decrypt with this password (a wrong password?)".to_owned()
            }
            other => format!("the key's encryption is not supported: {other}"),
        })?;
    // A wrong password passes the padding check now and then; its garbage is not DER.
    let plain = der::SecretDocument::try_from(plain).map_err(|_| {
        "the key does not decrypt with this password (a wrong password?)".to_owned()
    })?;
    private_key_pem(plain.as_bytes())
}

/// PKCS#8 DER as a `PRIVATE KEY` PEM.
fn private_key_pem(der: &[u8]) -> Result<Secret, String> {
    let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, der)
        .map_err(|e| format!("the decrypted key does not encode: {e}"))?;
    Ok(Secret::new(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> Secret {
        Secret::new(text.to_owned())
    }

    #[test]
    fn a_plain_key_passes_through_and_other_keys_are_named() {
        let plain = secret("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert_eq!(
            decrypt_key(&plain, &secret("pw")).unwrap().expose(),
            plain.expose()
        );
        let legacy = secret(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
             DEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        );
        let error = decrypt_key(&legacy, &secret("pw")).unwrap_err();
        assert!(error.contains("a 1-byte IV for AES-256-CBC"), "{error}");
        let broken = secret(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot base64!\n\
             -----END ENCRYPTED PRIVATE KEY-----\n",
        );
        let error = decrypt_key(&broken, &secret("pw")).unwrap_err();
        assert!(error.starts_with("the encrypted key is not PEM"), "{error}");
    }
}
