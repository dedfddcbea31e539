//! OpenSSL's legacy encrypted PEM keys: a `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY` block
//! with `Proc-Type: 4,ENCRYPTED` and `DEK-Info` headers, as `openssl rsa -des3` or
//! `openssl ec -aes256` (and every OpenSSL before 1.1 by default) write it.
//!
//! KEDA reads these through Go's `x509.DecryptPEMBlock`, so a TriggerAuthentication that works
//! there carries them. The cipher key is OpenSSL's `EVP_BytesToKey` with MD5, one round, the
//! first eight bytes of the IV as salt; the body is CBC with PKCS#7 padding, in DES, 3DES or AES
//! (128, 192, 256), the ciphers Go accepts. The decrypted PKCS#1 or SEC1 key is wrapped into
//! PKCS#8, the form every client library here takes, exactly as `openssl pkcs8 -topk8 -nocrypt`
//! wraps it.

use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipher, BlockDecryptMut, KeyIvInit};
use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode, SecretDocument, Sequence};
use md5::Digest as _;

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// Whether `key` is a legacy encrypted PEM block.
pub(super) fn is_legacy_encrypted(key: &str) -> bool {
    key.contains("Proc-Type: 4,ENCRYPTED")
}

/// The legacy encrypted PEM `text` decrypted with `password`, as a PKCS#8 DER document.
///
/// # Errors
/// A message saying what is wrong: the password (as "does not decrypt"), an unsupported cipher
/// or key type, or a block that does not parse. Never the key or the password.
pub(super) fn decrypt(text: &str, password: &[u8]) -> Result<SecretDocument, String> {
    let block = Block::parse(text)?;
    let wrong = || "the key does not decrypt with this password (a wrong password?)".to_owned();
    // A wrong password passes the padding check now and then; its garbage is not DER. Every
    // plaintext is held in a SecretDocument, zeroed when dropped.
    let plain = SecretDocument::try_from(block.decipher(password)?).map_err(|_| wrong())?;
    match block.label {
        "RSA PRIVATE KEY" => wrap(RSA_ENCRYPTION, None, plain.as_bytes()),
        "EC PRIVATE KEY" => {
            let key = EcPrivateKey::from_der(plain.as_bytes()).map_err(|_| wrong())?;
            let curve = key.parameters.ok_or_else(|| {
                "the EC key does not name its curve; convert it with \
                 `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem`"
                    .to_owned()
            })?;
            // PKCS#8 names the curve in the algorithm; OpenSSL leaves it out of the inner key.
            let inner = EcPrivateKey {
                parameters: None,
                ..key
            };
            let inner = SecretDocument::encode_msg(&inner).map_err(|e| e.to_string())?;
            wrap(EC_PUBLIC_KEY, Some(curve), inner.as_bytes())
        }
        other => Err(format!(
            "a legacy encrypted {other} block is not supported; convert it with \
             `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem`"
        )),
    }
}

/// A legacy PEM block: its label, cipher name, IV and encrypted body.
struct Block<'a> {
    label: &'a str,
    cipher: &'a str,
    iv: Vec<u8>,
    body: Vec<u8>,
}

impl<'a> Block<'a> {
    fn parse(text: &'a str) -> Result<Self, String> {
        let malformed = |what: &str| format!("the legacy encrypted key is malformed: {what}");
        let mut lines = text
            .lines()
            .map(str::trim)
            .skip_while(|l| !l.starts_with("-----BEGIN "));
        let label = lines
            .next()
            .and_then(|l| l.strip_prefix("-----BEGIN "))
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or_else(|| malformed("no BEGIN line"))?;
        let mut dek_info = None;
        let mut body = String::new();
        for line in lines.by_ref() {
            if line.starts_with("-----END ") {
                break;
            }
            if let Some(value) = line.strip_prefix("DEK-Info:") {
                dek_info = Some(value.trim());
            } else if !line.contains(':') {
                body.push_str(line);
            }
        }
        let (cipher, iv) = dek_info
            .and_then(|v| v.split_once(','))
            .ok_or_else(|| malformed("no DEK-Info header"))?;
        let iv = hex(iv.trim()).ok_or_else(|| malformed("the DEK-Info IV is not hex"))?;
        let body = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| malformed("the body is not base64"))?;
        Ok(Self {
            label,
            cipher,
            iv,
            body,
        })
    }

    /// The body deciphered, padding removed.
    fn decipher(&self, password: &[u8]) -> Result<Vec<u8>, String> {
        match self.cipher {
            "DES-CBC" => self.cbc::<des::Des>(password),
            "DES-EDE3-CBC" => self.cbc::<des::TdesEde3>(password),
            "AES-128-CBC" => self.cbc::<aes::Aes128>(password),
            "AES-192-CBC" => self.cbc::<aes::Aes192>(password),
            "AES-256-CBC" => self.cbc::<aes::Aes256>(password),
            other => Err(format!(
                "the key's legacy cipher {other:?} is not supported (DES-CBC, DES-EDE3-CBC and \
                 AES-128/192/256-CBC are); convert it with \
                 `openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem`"
            )),
        }
    }

    fn cbc<C>(&self, password: &[u8]) -> Result<Vec<u8>, String>
    where
        C: BlockDecryptMut + BlockCipher + cbc::cipher::KeyInit,
    {
        let key_len = <C as cbc::cipher::KeySizeUser>::key_size();
        if self.iv.len() != C::block_size() {
            return Err(format!(
                "the legacy encrypted key is malformed: a {}-byte IV for {}",
                self.iv.len(),
                self.cipher
            ));
        }
        let key = bytes_to_key(password, &self.iv[..8], key_len);
        let decryptor = cbc::Decryptor::<C>::new_from_slices(&key, &self.iv)
            .map_err(|e| format!("the key's cipher does not start: {e}"))?;
        decryptor
            .decrypt_padded_vec_mut::<Pkcs7>(&self.body)
            .map_err(|_| {
                "the key does not decrypt with this password (a wrong password?)".to_owned()
            })
    }
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round: `D_i = MD5(D_{i-1} || password || salt)`,
/// concatenated until `len` bytes.
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut digest: Vec<u8> = Vec::new();
    while key.len() < len {
        let mut md5 = md5::Md5::new();
        md5.update(&digest);
        md5.update(password);
        md5.update(salt);
        digest = md5.finalize().to_vec();
        key.extend_from_slice(&digest);
    }
    key.truncate(len);
    key
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `ECPrivateKey` (RFC 5915 §3).
#[derive(Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: OctetStringRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// `AlgorithmIdentifier` (RFC 5280 §4.1.1.2).
#[derive(Sequence)]
struct AlgorithmIdentifier<'a> {
    algorithm: ObjectIdentifier,
    parameters: Option<AnyRef<'a>>,
}

/// `PrivateKeyInfo` (RFC 5208 §5), version 0.
#[derive(Sequence)]
struct PrivateKeyInfo<'a> {
    version: u8,
    algorithm: AlgorithmIdentifier<'a>,
    private_key: OctetStringRef<'a>,
}

/// `key` (PKCS#1 or SEC1 DER) wrapped as PKCS#8 for `algorithm`; RSA's parameters are NULL,
/// EC's the curve.
fn wrap(
    algorithm: ObjectIdentifier,
    curve: Option<ObjectIdentifier>,
    key: &[u8],
) -> Result<SecretDocument, String> {
    let curve = curve
        .map(|c| c.to_der())
        .transpose()
        .map_err(|e| e.to_string())?;
    let parameters = match &curve {
        Some(der) => AnyRef::from_der(der).map_err(|e| e.to_string())?,
        None => AnyRef::NULL,
    };
    let info = PrivateKeyInfo {
        version: 0,
        algorithm: AlgorithmIdentifier {
            algorithm,
            parameters: Some(parameters),
        },
        private_key: OctetStringRef::new(key).map_err(|e| e.to_string())?,
    };
    SecretDocument::encode_msg(&info).map_err(|e| e.to_string())
}

#[cfg(test)]
#[path = "legacy_tests.rs"]
mod tests;
