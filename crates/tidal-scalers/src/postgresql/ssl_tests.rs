use super::*;

fn split_ok(text: &str) -> (String, Tls) {
    split(text, SslMode::Prefer).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

#[test]
fn verify_modes_leave_tokio_postgres_a_string_it_accepts() {
    let (driver, tls) = split_ok(
        "host=db port=5432 user=app dbname=shop sslmode=verify-full \
         sslrootcert='/etc/tidal/ca bundle.pem' password='it\\'s'",
    );
    assert_eq!(
        driver,
        "host='db' port='5432' user='app' dbname='shop' password='it\\'s' sslmode='require'"
    );
    assert!(driver.parse::<tokio_postgres::Config>().is_ok());
    assert_eq!(
        tls,
        Tls {
            mode: SslMode::VerifyFull,
            roots: Roots::File("/etc/tidal/ca bundle.pem".into()),
            client: None,
        }
    );
}

#[test]
fn urls_keep_their_other_parameters() {
    let (driver, tls) = split_ok(
        "postgresql://app:pw@db:6543/orders?application_name=tidal&sslmode=verify-ca&sslrootcert=%2Fca.pem",
    );
    assert_eq!(
        driver,
        "postgresql://app:pw@db:6543/orders?application_name=tidal&sslmode=require"
    );
    assert!(driver.parse::<tokio_postgres::Config>().is_ok());
    assert_eq!(tls.mode, SslMode::VerifyCa);
    assert_eq!(tls.roots, Roots::File("/ca.pem".into()));
}

#[test]
fn allow_starts_in_plain_text() {
    let (driver, tls) = split_ok("host=db sslmode=allow sslrootcert=/ca.pem");
    assert_eq!(driver, "host='db' sslmode='disable'");
    assert_eq!(
        tls.mode,
        SslMode::Allow,
        "a root certificate does not make allow verify"
    );
}

#[test]
fn libpq_rules_for_defaults_and_root_certificates() {
    // No sslmode: the caller's default (libpq's is prefer).
    assert_eq!(split_ok("host=db").1.mode, SslMode::Prefer);
    assert_eq!(
        split_ok("postgres://db/x").0,
        "postgres://db/x?sslmode=prefer"
    );
    // require with a root certificate checks the chain, as libpq does.
    assert_eq!(
        split_ok("host=db sslmode=require sslrootcert=/ca.pem")
            .1
            .mode,
        SslMode::VerifyCa
    );
    // sslrootcert=system is the system store.
    assert_eq!(
        split_ok("host=db sslmode=verify-full sslrootcert=system").1,
        Tls {
            mode: SslMode::VerifyFull,
            roots: Roots::System,
            client: None,
        }
    );
    // Spaces around '=' are allowed.
    assert_eq!(
        split_ok("host = db  sslmode =disable").0,
        "host='db' sslmode='disable'"
    );
}

#[test]
fn unsupported_modes_and_broken_strings_are_refused() {
    assert_eq!(
        split("host=db sslmode=Allow", SslMode::Prefer),
        Err(SplitError::Mode("Allow".into()))
    );
    assert_eq!(
        split("postgresql://db/x?sslmode=sometimes", SslMode::Prefer),
        Err(SplitError::Mode("sometimes".into()))
    );
    for (text, given, missing) in [
        ("host=db sslcert=/c.pem", "sslcert", "sslkey"),
        ("host=db sslkey=/k.pem sslcert=''", "sslkey", "sslcert"),
        ("host=db sslpassword=pw", "sslpassword", "sslkey"),
    ] {
        assert_eq!(
            split(text, SslMode::Prefer),
            Err(SplitError::Incomplete(given, missing)),
            "{text}"
        );
    }
    for broken in ["host", "host=db port", "password='unterminated", "=db"] {
        assert_eq!(
            split(broken, SslMode::Prefer),
            Err(SplitError::Malformed),
            "{broken}"
        );
    }
}

#[test]
fn a_root_certificate_file_that_cannot_be_used_is_named() {
    let tls = |path: &str| Tls {
        mode: SslMode::VerifyFull,
        roots: Roots::File(path.into()),
        client: None,
    };
    let missing = client_config(&tls("/nonexistent/ca.pem")).unwrap_err();
    assert!(
        missing.starts_with("sslrootcert /nonexistent/ca.pem: "),
        "{missing}"
    );
    let empty = std::env::temp_dir().join(format!("tidal-empty-ca-{}.pem", std::process::id()));
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = client_config(&tls(empty.to_str().unwrap())).unwrap_err();
    let _ = std::fs::remove_file(&empty);
    assert!(error.contains("no CA certificate in it"), "{error}");
}

#[test]
fn client_certificates_are_taken_out_of_the_string() {
    let (driver, tls) = split_ok(
        "postgresql://app@db/shop?sslmode=verify-full&sslrootcert=%2Fca.pem\
         &sslcert=%2Fclient.pem&sslkey=%2Fclient.key&sslpassword=s3cret",
    );
    assert_eq!(driver, "postgresql://app@db/shop?sslmode=require");
    assert_eq!(
        tls.client,
        Some(ClientCert {
            cert: "/client.pem".into(),
            key: "/client.key".into(),
            password: Some(Secret::new("s3cret".to_owned())),
        })
    );
    let (_, plain) = split_ok("host=db sslcert=/c.pem sslkey=/k.pem");
    assert_eq!(plain.client.and_then(|c| c.password), None);
}

#[test]
fn client_certificate_files_that_cannot_be_used_are_named() {
    let dir = std::env::temp_dir().join(format!("tidal-pg-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let encrypted = dir.join("encrypted.key");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let cert = dir.join("client.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();
    let tls = |cert: &std::path::Path, key: &std::path::Path, password: Option<&str>| Tls {
        mode: SslMode::Require,
        roots: Roots::System,
        client: Some(ClientCert {
            cert: cert.into(),
            key: key.into(),
            password: password.map(|p| Secret::new(p.to_owned())),
        }),
    };
    let missing = client_config(&tls(&dir.join("gone.pem"), &encrypted, None)).unwrap_err();
    assert!(missing.starts_with("sslcert "), "{missing}");
    assert!(missing.contains("gone.pem"), "{missing}");
    let locked = client_config(&tls(&cert, &encrypted, None)).unwrap_err();
    assert!(
        locked.ends_with("is encrypted; give its password in sslpassword"),
        "{locked}"
    );
    let garbled = client_config(&tls(&cert, &encrypted, Some("pw"))).unwrap_err();
    assert!(garbled.contains("with sslpassword: "), "{garbled}");
    assert!(!garbled.contains("pw\""), "{garbled}");
    let _ = std::fs::remove_dir_all(&dir);
}
