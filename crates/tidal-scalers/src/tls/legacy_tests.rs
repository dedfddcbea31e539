use super::*;

const PASSWORD: &[u8] = b"fixture-pw";

/// The DER inside a PEM file's one block.
fn der_of(pem: &str) -> Vec<u8> {
    der::pem::decode_vec(pem.as_bytes()).unwrap().1
}

#[test]
fn decrypts_as_openssl_wraps_into_pkcs8() {
    // Each key was encrypted by `openssl rsa -des3` / `openssl ec -aes128|-aes256`; the
    // expectation is what `openssl pkcs8 -topk8 -nocrypt` made of the same key.
    let cases = [
        (
            include_str!("testdata/rsa-des3.pem"),
            include_str!("testdata/rsa.pkcs8.pem"),
        ),
        (
            include_str!("testdata/ec-aes128.pem"),
            include_str!("testdata/ec.pkcs8.pem"),
        ),
        (
            include_str!("testdata/ec-aes256.pem"),
            include_str!("testdata/ec.pkcs8.pem"),
        ),
    ];
    for (encrypted, want) in cases {
        assert!(is_legacy_encrypted(encrypted));
        let got = decrypt(encrypted, PASSWORD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.as_bytes(), der_of(want), "{}", &encrypted[..80]);
    }
}

#[test]
fn a_wrong_password_is_named_and_never_decrypts() {
    for encrypted in [
        include_str!("testdata/rsa-des3.pem"),
        include_str!("testdata/ec-aes128.pem"),
        include_str!("testdata/ec-aes256.pem"),
    ] {
        for wrong in ["", "fixture-pW", "another password altogether"] {
            let error = decrypt(encrypted, wrong.as_bytes()).unwrap_err();
            assert_eq!(
                error, "the key does not decrypt with this password (a wrong password?)",
                "{wrong}"
            );
        }
    }
}

#[test]
fn unsupported_or_broken_blocks_say_what_is_wrong() {
    let aes = include_str!("testdata/ec-aes128.pem");
    let renamed = aes.replace("AES-128-CBC", "CAMELLIA-128-CBC");
    let error = decrypt(&renamed, PASSWORD).unwrap_err();
    assert!(
        error.contains("\"CAMELLIA-128-CBC\" is not supported"),
        "{error}"
    );
    let no_info = aes
        .lines()
        .filter(|l| !l.starts_with("DEK-Info"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        decrypt(&no_info, PASSWORD).unwrap_err(),
        "the legacy encrypted key is malformed: no DEK-Info header"
    );
    let dsa = aes.replace("EC PRIVATE KEY", "DSA PRIVATE KEY");
    let error = decrypt(&dsa, PASSWORD).unwrap_err();
    assert!(
        error.starts_with("a legacy encrypted DSA PRIVATE KEY block"),
        "{error}"
    );
}

#[test]
fn bytes_to_key_matches_openssl() {
    // `openssl enc -aes-256-cbc -md md5 -pass pass:fixture-pw -S 0102030405060708 -P` printed
    // this key: OpenSSL's EVP_BytesToKey with MD5 and one round.
    let key = bytes_to_key(PASSWORD, &[1, 2, 3, 4, 5, 6, 7, 8], 32);
    assert_eq!(
        key,
        hex("698CB5E8DB4A5A735838BBBF36AD92D1EAEB0A3FCDF189606C4AE58ECC0CA745").unwrap()
    );
}
