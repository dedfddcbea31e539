//! The client side of SASL/SCRAM (RFC 5802, RFC 7677) as Kafka uses it.
//!
//! Kafka's SCRAM-SHA-256 and SCRAM-SHA-512 run without channel binding (`n,,`). The proof is
//! computed with ring's PBKDF2 and HMAC; the server's final signature is checked, so a broker
//! that does not know the password cannot pass as one that does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::{digest, hmac, pbkdf2};

use super::config::ScramMechanism;
use crate::secret::Secret;

/// One SCRAM conversation.
pub(crate) struct Scram {
    mechanism: ScramMechanism,
    password: Secret,
    client_first_bare: String,
    nonce: String,
    server_signature: Option<Vec<u8>>,
}

impl Scram {
    /// Starts a conversation for `username` with a fresh random nonce.
    pub(crate) fn new(mechanism: ScramMechanism, username: &str, password: &Secret) -> Self {
        let mut bytes = [0_u8; 24];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .unwrap_or_else(|_| bytes.copy_from_slice(&std::process::id().to_be_bytes().repeat(6)));
        Self::with_nonce(mechanism, username, password, &BASE64.encode(bytes))
    }

    /// Starts a conversation with a given nonce (tests use RFC 7677's).
    pub(crate) fn with_nonce(
        mechanism: ScramMechanism,
        username: &str,
        password: &Secret,
        nonce: &str,
    ) -> Self {
        let name = username.replace('=', "=3D").replace(',', "=2C");
        Self {
            mechanism,
            password: password.clone(),
            client_first_bare: format!("n={name},r={nonce}"),
            nonce: nonce.to_owned(),
            server_signature: None,
        }
    }

    /// The client-first message.
    pub(crate) fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// The client-final message answering `server_first`.
    ///
    /// # Errors
    /// A reason when the server's message is malformed or its nonce is not ours.
    pub(crate) fn client_final(&mut self, server_first: &[u8]) -> Result<Vec<u8>, String> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| "the server-first SCRAM message is not UTF-8".to_owned())?;
        let field = |key: &str| {
            server_first
                .split(',')
                .find_map(|part| part.strip_prefix(key))
                .ok_or_else(|| format!("the server-first SCRAM message has no {key}"))
        };
        let server_nonce = field("r=")?;
        if !server_nonce.starts_with(&self.nonce) {
            return Err("the server's SCRAM nonce does not extend ours".into());
        }
        let salt = BASE64
            .decode(field("s=")?)
            .map_err(|_| "the server's SCRAM salt is not base64".to_owned())?;
        let iterations = field("i=")?
            .parse::<u32>()
            .ok()
            .and_then(std::num::NonZeroU32::new)
            .ok_or("the server's SCRAM iteration count is not a positive number")?;

        let (pbkdf, hmac_alg, digest_alg, len) = match self.mechanism {
            ScramMechanism::Sha256 => (
                pbkdf2::PBKDF2_HMAC_SHA256,
                hmac::HMAC_SHA256,
                &digest::SHA256,
                32,
            ),
            ScramMechanism::Sha512 => (
                pbkdf2::PBKDF2_HMAC_SHA512,
                hmac::HMAC_SHA512,
                &digest::SHA512,
                64,
            ),
        };
        let mut salted = vec![0_u8; len];
        pbkdf2::derive(
            pbkdf,
            iterations,
            &salt,
            self.password.expose().as_bytes(),
            &mut salted,
        );
        let salted = hmac::Key::new(hmac_alg, &salted);
        let client_key = hmac::sign(&salted, b"Client Key");
        let stored_key = digest::digest(digest_alg, client_key.as_ref());
        let without_proof = format!("c=biws,r={server_nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac::sign(
            &hmac::Key::new(hmac_alg, stored_key.as_ref()),
            auth_message.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(client_signature.as_ref())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hmac::sign(&salted, b"Server Key");
        self.server_signature = Some(
            hmac::sign(
                &hmac::Key::new(hmac_alg, server_key.as_ref()),
                auth_message.as_bytes(),
            )
            .as_ref()
            .to_vec(),
        );
        Ok(format!("{without_proof},p={}", BASE64.encode(proof)).into_bytes())
    }

    /// Checks the server-final message.
    ///
    /// # Errors
    /// A reason when the server reports an error or its signature is wrong.
    pub(crate) fn verify_server(&self, server_final: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(server_final);
        if let Some(error) = text.strip_prefix("e=") {
            return Err(format!("the server ended SCRAM with {error:?}"));
        }
        let signature = text
            .strip_prefix("v=")
            .and_then(|v| BASE64.decode(v.split(',').next().unwrap_or(v)).ok());
        match (&self.server_signature, signature) {
            (Some(expected), Some(got)) if *expected == got => Ok(()),
            _ => Err(
                "the server's SCRAM signature does not match: it does not know the password".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3: the SCRAM-SHA-256 example exchange.
    #[test]
    fn rfc_7677_example_exchange() {
        let mut scram = Scram::with_nonce(
            ScramMechanism::Sha256,
            "user",
            &Secret::new("pencil"),
            "rOprNGfwEbeRWgbNEkqO",
        );
        assert_eq!(scram.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let client_final = scram.client_final(server_first).unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(
            scram
                .verify_server(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
                .is_ok()
        );
        let forged = scram
            .verify_server(b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap_err();
        assert!(forged.contains("does not know the password"), "{forged}");
    }

    #[test]
    fn a_server_nonce_that_is_not_ours_is_refused() {
        let mut scram =
            Scram::with_nonce(ScramMechanism::Sha512, "a,b=c", &Secret::new("pw"), "abc");
        assert_eq!(scram.client_first(), b"n,,n=a=2Cb=3Dc,r=abc");
        let err = scram.client_final(b"r=xyz123,s=AAAA,i=4096").unwrap_err();
        assert!(err.contains("nonce"), "{err}");
    }
}
