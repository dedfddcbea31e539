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
            roots: Roots::System
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
        split("host=db sslmode=allow", SslMode::Prefer),
        Err(SplitError::Mode("allow".into()))
    );
    assert_eq!(
        split("postgresql://db/x?sslmode=sometimes", SslMode::Prefer),
        Err(SplitError::Mode("sometimes".into()))
    );
    assert_eq!(
        split(
            "host=db sslmode=verify-full sslcert=/c.pem",
            SslMode::Prefer
        ),
        Err(SplitError::Unsupported("sslcert".into()))
    );
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
