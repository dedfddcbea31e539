//! Go MySQL DSNs (`user:password@tcp(host:port)/dbname?tls=true`), the form KEDA's
//! `connectionString` takes.

use crate::secret::Secret;

/// The parts of a DSN the scaler uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dsn {
    /// User name.
    pub user: Option<String>,
    /// Password.
    pub password: Option<Secret>,
    /// Host.
    pub host: String,
    /// Port (3306 when absent).
    pub port: u16,
    /// Database name.
    pub db_name: String,
    /// `tls`.
    pub tls: Tls,
}

/// The DSN's `tls`, as the Go driver reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tls {
    /// Plain TCP (`false`, or no `tls`).
    Off,
    /// Encrypt and verify the certificate (`true`).
    Verify,
    /// Encrypt without verifying (`skip-verify`).
    SkipVerify,
    /// Encrypt without verifying when the server offers TLS, plain TCP when it does not
    /// (`preferred`).
    Preferred,
}

/// Parses a DSN the way go-sql-driver/mysql does: the database after the last `/`, user
/// information before the last `@`, the address inside `net(...)`.
///
/// # Errors
/// A reason (never containing the password) when the DSN is malformed.
pub fn parse(text: &str) -> Result<Dsn, String> {
    let (before_query, query) = text.split_once('?').unwrap_or((text, ""));
    let slash = before_query.rfind('/').ok_or("it has no /dbname part")?;
    let (head, db_name) = (&before_query[..slash], &before_query[slash + 1..]);
    let (userinfo, net_addr) = match head.rfind('@') {
        Some(at) => (Some(&head[..at]), &head[at + 1..]),
        None => (None, head),
    };
    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (Some(u.to_owned()), Some(Secret::new(p))),
            None => (Some(info.to_owned()), None),
        },
        None => (None, None),
    };
    let address = match net_addr.find('(') {
        Some(open) => {
            let net = &net_addr[..open];
            if net != "tcp" {
                return Err(format!(
                    "the network {net:?} is not supported; allowed: tcp"
                ));
            }
            net_addr[open + 1..]
                .strip_suffix(')')
                .ok_or("the address is missing its closing ')'")?
        }
        None if net_addr.is_empty() => "127.0.0.1:3306",
        None => return Err("the address must be written tcp(host:port)".into()),
    };
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("{p:?} is not a port number"))?,
        ),
        None => (address, 3306),
    };
    // The Go driver's spellings: a boolean (`1`, `true`, `TRUE`, `True`; `0`, `false`, …) or,
    // in any case, `skip-verify` (encrypt, do not check the certificate) and `preferred` (the
    // same, or plain text when the server offers no TLS). Other values name TLS configs
    // registered in Go code, which a KEDA manifest cannot have.
    let tls = match query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "tls")
        .map(|(_, v)| v)
    {
        None | Some("0" | "false" | "FALSE" | "False") => Tls::Off,
        Some("1" | "true" | "TRUE" | "True") => Tls::Verify,
        Some(v) if v.eq_ignore_ascii_case("skip-verify") => Tls::SkipVerify,
        Some(v) if v.eq_ignore_ascii_case("preferred") => Tls::Preferred,
        Some(v) => {
            return Err(format!(
                "tls={v:?} is not supported; allowed: true, false, skip-verify or preferred"
            ));
        }
    };
    Ok(Dsn {
        user,
        password,
        host: host.trim_matches(['[', ']']).to_owned(),
        port,
        db_name: db_name.to_owned(),
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_driver_dsns() {
        let dsn = parse("app:p@ss/w:rd@tcp(db.internal:3307)/shop?parseTime=true&tls=skip-verify")
            .unwrap();
        assert_eq!(dsn.user.as_deref(), Some("app"));
        assert_eq!(dsn.password.as_ref().map(Secret::expose), Some("p@ss/w:rd"));
        assert_eq!(
            (dsn.host.as_str(), dsn.port, dsn.db_name.as_str()),
            ("db.internal", 3307, "shop")
        );
        assert_eq!(dsn.tls, Tls::SkipVerify);

        for (value, tls) in [
            ("true", Tls::Verify),
            ("1", Tls::Verify),
            ("False", Tls::Off),
            ("0", Tls::Off),
            ("preferred", Tls::Preferred),
            ("Skip-Verify", Tls::SkipVerify),
        ] {
            let dsn = parse(&format!("app@tcp(db)/shop?tls={value}")).unwrap();
            assert_eq!(dsn.tls, tls, "tls={value}");
        }

        let bare = parse("root@tcp(localhost)/jobs").unwrap();
        assert_eq!((bare.port, bare.password, bare.tls), (3306, None, Tls::Off));
        assert_eq!(parse("/jobs").unwrap().host, "127.0.0.1");
    }

    #[test]
    fn malformed_dsns_are_explained_without_the_password() {
        for (text, reason) in [
            ("app:secret@tcp(db:3306)", "no /dbname"),
            (
                "app:secret@unix(/run/mysqld.sock)/db",
                "\"unix\" is not supported",
            ),
            ("app:secret@db:3306/db", "tcp(host:port)"),
            ("app:secret@tcp(db:port)/db", "not a port number"),
            (
                "app:secret@tcp(db:3306)/db?tls=custom",
                "tls=\"custom\" is not supported; allowed: true, false, skip-verify or preferred",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.contains(reason) && !err.contains("secret"),
                "{text}: {err}"
            );
        }
    }
}
