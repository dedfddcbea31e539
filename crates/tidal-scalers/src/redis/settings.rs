//! Where and how the Redis scalers connect: KEDA's parameters for the three deployments.
//!
//! - `redis`, `redis-streams`: one server, `address` (`host:port`) or `host` + `port`, and
//!   `databaseIndex`.
//! - `redis-cluster`, `redis-cluster-streams`: the seed nodes of a Redis Cluster in `addresses`
//!   (`host:port,host:port`) or `hosts` + `ports` (two lists of the same length); the cluster
//!   routes each key to its node, so one seed suffices.
//! - `redis-sentinel`, `redis-sentinel-streams`: the sentinels, listed the same way, and
//!   `sentinelMaster`, the name they monitor the master under, with `sentinelUsername` and
//!   `sentinelPassword` for the sentinels themselves; `databaseIndex` applies to the master.
//!
//! All take `username`, `password`, `enableTLS` (or `tls: enable` in the TriggerAuthentication),
//! `unsafeSsl`, and `ca`, `cert`, `key` (with `keyPassword`) from the TriggerAuthentication.

use crate::http::TlsConfig;
use crate::params::{self, ParamError, Params};
use crate::secret::Secret;

/// Metadata first, then the container's environment, then the TriggerAuthentication: KEDA's
/// order for connection parameters.
const ORDER: &[params::Source] = &[
    params::Source::Metadata,
    params::Source::Env,
    params::Source::Auth,
];

/// Which deployment a trigger type reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// One server.
    Standalone,
    /// A Redis Cluster.
    Cluster,
    /// A master found through Redis Sentinel.
    Sentinel,
}

impl Deployment {
    /// The deployment a trigger type names (`redis-cluster-streams` is a cluster).
    pub fn of_trigger(type_name: &str) -> Self {
        if type_name.starts_with("redis-cluster") {
            Self::Cluster
        } else if type_name.starts_with("redis-sentinel") {
            Self::Sentinel
        } else {
            Self::Standalone
        }
    }
}

/// The servers to dial.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topology {
    /// One server.
    Standalone {
        /// Its host.
        host: String,
        /// Its port.
        port: u16,
    },
    /// A Redis Cluster, reached through its seed nodes.
    Cluster {
        /// `host:port` of each seed node.
        nodes: Vec<(String, u16)>,
    },
    /// The master that sentinels monitor under `master`.
    Sentinel {
        /// `host:port` of each sentinel.
        nodes: Vec<(String, u16)>,
        /// `sentinelMaster`.
        master: String,
        /// `sentinelUsername`.
        username: Option<String>,
        /// `sentinelPassword`.
        password: Option<Secret>,
    },
}

/// Where and how to connect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionSettings {
    /// The servers.
    pub topology: Topology,
    /// `databaseIndex` (default 0; always 0 for a cluster).
    pub database_index: i64,
    /// `username` (Redis 6 ACL users).
    pub username: Option<String>,
    /// `password`.
    pub password: Option<Secret>,
    /// TLS, when `enableTLS` is true.
    pub tls: Option<TlsConfig>,
}

impl ConnectionSettings {
    /// Reads KEDA's connection parameters for `deployment`.
    ///
    /// # Errors
    /// A [`ParamError`] naming the bad or missing parameter.
    pub fn parse(params: &Params<'_>, deployment: Deployment) -> Result<Self, ParamError> {
        let topology = match deployment {
            Deployment::Standalone => {
                let (host, port) = standalone(params)?;
                Topology::Standalone { host, port }
            }
            Deployment::Cluster => Topology::Cluster {
                nodes: nodes(params, "the cluster's nodes")?,
            },
            Deployment::Sentinel => Topology::Sentinel {
                nodes: nodes(params, "the sentinels")?,
                master: params.required_string(
                    "sentinelMaster",
                    ORDER,
                    "the name the sentinels monitor the master under",
                )?,
                username: params.string("sentinelUsername", ORDER),
                password: params.secret("sentinelPassword", ORDER),
            },
        };
        let database_index =
            params.parse_or("databaseIndex", params::METADATA, 0, "a database number")?;
        if deployment == Deployment::Cluster && database_index != 0 {
            return Err(ParamError::rule(
                "databaseIndex",
                format!("a Redis Cluster has only database 0, got {database_index}"),
            ));
        }
        Ok(Self {
            topology,
            database_index,
            username: params.string("username", ORDER),
            password: params.secret("password", ORDER),
            tls: tls(params)?,
        })
    }

    /// The servers, for messages: `host:port`, or every node with what they are.
    pub fn address(&self) -> String {
        let list = |nodes: &[(String, u16)]| {
            nodes
                .iter()
                .map(|(host, port)| format!("{host}:{port}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        match &self.topology {
            Topology::Standalone { host, port } => format!("{host}:{port}"),
            Topology::Cluster { nodes } => format!("cluster {}", list(nodes)),
            Topology::Sentinel { nodes, master, .. } => {
                format!("master {master:?} of sentinels {}", list(nodes))
            }
        }
    }
}

/// `address`, or `host` + `port`.
fn standalone(params: &Params<'_>) -> Result<(String, u16), ParamError> {
    if let Some(address) = params.string("address", params::ANY) {
        return host_port("address", &address);
    }
    let host =
        params.required_string("host", ORDER, "give address (host:port) or host and port")?;
    let port = params
        .parse::<u16>("port", ORDER, "a port number")?
        .ok_or_else(|| ParamError::missing("port", "host needs a port"))?;
    Ok((host, port))
}

/// `addresses`, or `hosts` + `ports` paired in order.
fn nodes(params: &Params<'_>, what: &str) -> Result<Vec<(String, u16)>, ParamError> {
    let split = |text: &str| {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    if let Some(addresses) = params.string("addresses", ORDER) {
        return split(&addresses)
            .iter()
            .map(|address| host_port("addresses", address))
            .collect();
    }
    let hosts = params.required_string(
        "hosts",
        ORDER,
        &format!("give addresses (host:port,…) or hosts and ports: {what}"),
    )?;
    let hosts = split(&hosts);
    let ports = params
        .string("ports", ORDER)
        .ok_or_else(|| ParamError::missing("ports", "hosts needs a port for each host"))?;
    let ports = split(&ports)
        .iter()
        .map(|port| {
            port.parse::<u16>().map_err(|_| ParamError::Invalid {
                param: "ports".into(),
                value: format!("{port:?}"),
                expected: "a comma-separated list of port numbers".into(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if hosts.len() != ports.len() {
        return Err(ParamError::rule(
            "ports",
            format!(
                "{} hosts but {} ports: give one port per host, in order",
                hosts.len(),
                ports.len()
            ),
        ));
    }
    Ok(hosts.into_iter().zip(ports).collect())
}

/// `host:port` (IPv6 hosts in brackets) from parameter `name`.
fn host_port(name: &str, address: &str) -> Result<(String, u16), ParamError> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| ParamError::Invalid {
            param: name.into(),
            value: format!("{address:?}"),
            expected: "host:port".into(),
        })?;
    let port = port.parse::<u16>().map_err(|_| ParamError::Invalid {
        param: name.into(),
        value: format!("{address:?}"),
        expected: "host:port with a port number".into(),
    })?;
    Ok((host.trim_matches(['[', ']']).to_owned(), port))
}

/// `enableTLS` or the TriggerAuthentication's `tls: enable`, with its certificates.
fn tls(params: &Params<'_>) -> Result<Option<TlsConfig>, ParamError> {
    let metadata_tls = params.bool_or("enableTLS", params::METADATA, false)?;
    let enable_tls = match params.string("tls", params::AUTH).as_deref() {
        None => metadata_tls,
        Some(_) if params.string("enableTLS", params::METADATA).is_some() => {
            return Err(ParamError::rule(
                "tls",
                "set TLS either with enableTLS in the trigger or tls in the TriggerAuthentication, not both",
            ));
        }
        Some("enable") => true,
        Some(_) => {
            return Err(ParamError::Invalid {
                param: "tls".into(),
                value: crate::secret::REDACTED.into(),
                expected: "\"enable\"".into(),
            });
        }
    };
    if !enable_tls {
        return Ok(None);
    }
    TlsConfig::from_params(params).map(Some)
}
