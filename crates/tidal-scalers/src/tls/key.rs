//! Password-protected client keys (`keyPassword`): PKCS#8 `ENCRYPTED PRIVATE KEY` PEM, as
//! `openssl pkcs8 -topk8` and `openssl genpkey -aes256` write it (PBES2: PBKDF2 or scrypt,
//! AES-CBC). The key is decrypted once, when the trigger is built, into the plain PKCS#8 PEM every
//! client library here takes.
//!
//! OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED` in a `BEGIN RSA PRIVATE KEY` block)
//! is refused with the command that converts it; PBES1 and DES are refused as pkcs5 refuses them.

use der::asn1::OctetStringRef;
use der::{Decode, Sequence};

use crate::secret::Secret;

/// `EncryptedPrivateKeyInfo` (RFC 5958 §3).
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    encryption_algorithm: pkcs5::EncryptionScheme<'a>,
    encrypted_data: OctetStringRef<'a>,
}

/// `key` decrypted with `password` as a plain `PRIVATE KEY` PEM; a key that is not encrypted is
/// returned as it is.
///
/// # Errors
/// A message saying what is wrong (the wrong password, a legacy or unsupported encryption, not
/// PEM); never the key or the password.
pub fn decrypt_key(key: &Secret, password: &Secret) -> Result<Secret, String> {
    let text = key.expose();
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(
            "the key uses OpenSSL's legacy PEM encryption; convert it with \
             `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem` (and give that key)"
                .to_owned(),
        );
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
                "the key does not decrypt with keyPassword (a wrong password?)".to_owned()
            }
            other => format!("the key's encryption is not supported: {other}"),
        })?;
    // A wrong password passes the padding check now and then; its garbage is not DER.
    let plain = der::SecretDocument::try_from(plain)
        .map_err(|_| "the key does not decrypt with keyPassword (a wrong password?)".to_owned())?;
    let plain = plain.as_bytes();
    let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, plain)
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
        assert!(error.contains("openssl pkcs8 -topk8"), "{error}");
        let broken = secret(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot base64!\n\
             -----END ENCRYPTED PRIVATE KEY-----\n",
        );
        let error = decrypt_key(&broken, &secret("pw")).unwrap_err();
        assert!(error.starts_with("the encrypted key is not PEM"), "{error}");
    }
}
