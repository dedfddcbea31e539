//! The catalog's data: KEDA 2.20's trigger types and, for those Tidal runs, their parameters.
//!
//! Names, kinds and defaults follow KEDA's scaler documentation (keda.md §2.2). A parameter missing
//! here is not an error in a manifest — KEDA ignores unknown keys too — it is just not checked.

use super::Bound::{Any, NonNegative, Positive};
use super::ParamKind::{Bool, Cron, DnsLabel, Enum, Float, Int, Quantity, String};
use super::{Bound, Param, ParamKind, Support, TriggerType};

const fn p(name: &'static str, kind: ParamKind) -> Param {
    Param {
        name,
        kind,
        required: false,
        default: None,
        bound: Any,
        from_auth: false,
    }
}

impl Param {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    const fn bound(mut self, bound: Bound) -> Self {
        self.bound = bound;
        self
    }

    const fn auth(mut self) -> Self {
        self.from_auth = true;
        self
    }
}

const fn supported(
    name: &'static str,
    params: &'static [Param],
    one_of: &'static [&'static [&'static str]],
) -> TriggerType {
    TriggerType {
        name,
        support: Support::Supported,
        params,
        shared: &[],
        one_of,
        open: false,
    }
}

/// A Redis deployment's connection parameters and the groups of which one must be given.
type RedisDeployment = (&'static [Param], &'static [&'static [&'static str]]);

/// A Redis trigger: its own `params` and the connection parameters of its deployment.
const fn redis(
    name: &'static str,
    params: &'static [Param],
    (shared, one_of): RedisDeployment,
) -> TriggerType {
    TriggerType {
        shared,
        ..supported(name, params, one_of)
    }
}

const fn later(name: &'static str) -> TriggerType {
    TriggerType {
        name,
        support: Support::NotYetSupported,
        params: &[],
        shared: &[],
        one_of: &[],
        open: true,
    }
}

const RESOURCE: &[Param] = &[
    p("value", Quantity).required().bound(Positive),
    p("containerName", DnsLabel),
    p("type", Enum(&["Utilization", "AverageValue"])),
];

const REDIS_CONNECTION: &[Param] = &[
    p("address", String).auth(),
    p("host", String).auth(),
    p("port", Int).auth().bound(Positive),
    p("addresses", String).auth(),
    p("hosts", String).auth(),
    p("ports", String).auth(),
    p("databaseIndex", Int).default("0").bound(NonNegative),
    p("enableTLS", Bool).default("false"),
    p("unsafeSsl", Bool).default("false"),
    p("username", String).auth(),
    p("password", String).auth(),
];
const REDIS_ADDRESS: &[&[&str]] = &[&["address", "host", "addresses", "hosts"]];
/// `redis-cluster`: the seed nodes instead of one address.
const REDIS_CLUSTER_CONNECTION: &[Param] = &[
    p("addresses", String).auth(),
    p("hosts", String).auth(),
    p("ports", String).auth(),
    p("enableTLS", Bool).default("false"),
    p("unsafeSsl", Bool).default("false"),
    p("username", String).auth(),
    p("password", String).auth(),
];
/// `redis-sentinel`: the sentinels, the master's name and both sets of credentials.
const REDIS_SENTINEL_CONNECTION: &[Param] = &[
    p("addresses", String).auth(),
    p("hosts", String).auth(),
    p("ports", String).auth(),
    p("sentinelMaster", String).auth(),
    p("sentinelUsername", String).auth(),
    p("sentinelPassword", String).auth(),
    p("databaseIndex", Int).default("0").bound(NonNegative),
    p("enableTLS", Bool).default("false"),
    p("unsafeSsl", Bool).default("false"),
    p("username", String).auth(),
    p("password", String).auth(),
];
const STANDALONE: RedisDeployment = (REDIS_CONNECTION, REDIS_ADDRESS);
const CLUSTER: RedisDeployment = (REDIS_CLUSTER_CONNECTION, &[&["addresses", "hosts"]]);
const SENTINEL: RedisDeployment = (
    REDIS_SENTINEL_CONNECTION,
    &[&["addresses", "hosts"], &["sentinelMaster"]],
);
const REDIS_LIST: &[Param] = &[
    p("listName", String).required(),
    p("listLength", Int).default("5").bound(Positive),
    p("activationListLength", Int)
        .default("0")
        .bound(NonNegative),
];
const REDIS_STREAM: &[Param] = &[
    p("stream", String).required(),
    p("consumerGroup", String),
    p("pendingEntriesCount", Int).default("5").bound(Positive),
    p("streamLength", Int).default("5").bound(Positive),
    p("lagCount", Int).bound(Positive),
    p("activationLagCount", Int).default("0").bound(NonNegative),
];

/// Every production trigger type of KEDA 2.20 (`external-mock` is test-only and left out).
pub static CATALOG: &[TriggerType] = &[
    supported("cpu", RESOURCE, &[]),
    supported("memory", RESOURCE, &[]),
    supported(
        "cron",
        &[
            p("timezone", String).required(),
            p("start", Cron).required(),
            p("end", Cron).required(),
            p("desiredReplicas", Int).required().bound(NonNegative),
        ],
        &[],
    ),
    supported(
        "metrics-api",
        &[
            p("url", String).required(),
            p("format", Enum(&["json", "xml", "yaml", "prometheus"])).default("json"),
            p("valueLocation", String).required(),
            p("targetValue", Float).required().bound(Positive),
            p("activationTargetValue", Float).default("0"),
            p("unsafeSsl", Bool).default("false"),
            p("authMode", String).auth(),
            p("method", Enum(&["header", "query"])).auth(),
            p("keyParamName", String).auth(),
            p("aggregateFromKubeServiceEndpoints", Bool).default("false"),
            p("aggregationType", Enum(&["average", "sum", "max", "min"])).default("average"),
            p("timeout", Int).bound(Positive),
        ],
        &[],
    ),
    supported(
        "prometheus",
        &[
            p("serverAddress", String).required(),
            p("query", String).required(),
            p("threshold", Float).required().bound(Positive),
            p("activationThreshold", Float).default("0"),
            p("namespace", String),
            p("customHeaders", String).auth(),
            p("ignoreNullValues", Bool).default("true"),
            p("unsafeSsl", Bool).default("false"),
            p("queryParameters", String),
            p("timeout", Int).bound(Positive),
            p("awsRegion", String).auth(),
            p("authModes", String).auth(),
        ],
        &[],
    ),
    supported(
        "kubernetes-workload",
        &[
            p("podSelector", String).required(),
            p("value", Float).required().bound(Positive),
            p("activationValue", Float).default("0"),
        ],
        &[],
    ),
    redis("redis", REDIS_LIST, STANDALONE),
    redis("redis-cluster", REDIS_LIST, CLUSTER),
    redis("redis-sentinel", REDIS_LIST, SENTINEL),
    redis("redis-streams", REDIS_STREAM, STANDALONE),
    redis("redis-cluster-streams", REDIS_STREAM, CLUSTER),
    redis("redis-sentinel-streams", REDIS_STREAM, SENTINEL),
    supported(
        "rabbitmq",
        &[
            p("host", String).auth(),
            p("protocol", Enum(&["auto", "amqp", "http"])).default("auto"),
            p("queueName", String).required(),
            p(
                "mode",
                Enum(&[
                    "QueueLength",
                    "MessageRate",
                    "DeliverGetRate",
                    "PublishedToDeliveredRatio",
                    "ExpectedQueueConsumptionTime",
                ]),
            ),
            p("value", Float).bound(Positive),
            p("activationValue", Float).default("0"),
            p("vhostName", String),
            p("useRegex", Bool).default("false"),
            p("operation", Enum(&["sum", "avg", "max"])).default("sum"),
            p("excludeUnacknowledged", Bool).default("false"),
            p("pageSize", Int).default("100").bound(Positive),
            p("timeout", Int).bound(Positive),
            p("unsafeSsl", Bool).default("false"),
            p("queueLength", Int).bound(Positive),
        ],
        &[&["host"]],
    ),
    supported(
        "postgresql",
        &[
            p("connection", String).auth(),
            p("host", String).auth(),
            p("port", Int).auth().bound(Positive),
            p("userName", String).auth(),
            p("dbName", String).auth(),
            p(
                "sslmode",
                Enum(&[
                    "disable",
                    "allow",
                    "prefer",
                    "require",
                    "verify-ca",
                    "verify-full",
                ]),
            )
            .auth(),
            p("password", String).auth(),
            p("query", String).required(),
            p("targetQueryValue", Float).required().bound(Positive),
            p("activationTargetQueryValue", Float).default("0"),
        ],
        &[&["connection", "host"]],
    ),
    supported(
        "mysql",
        &[
            p("connectionString", String).auth(),
            p("host", String).auth(),
            p("port", Int).auth().bound(Positive),
            p("username", String).auth(),
            p("dbName", String).auth(),
            p("password", String).auth(),
            p("query", String).required(),
            p("queryValue", Float).required().bound(Positive),
            p("activationQueryValue", Float).default("0"),
        ],
        &[&["connectionString", "host"]],
    ),
    supported(
        "nats-jetstream",
        &[
            p("natsServerMonitoringEndpoint", String).required().auth(),
            p("account", String),
            p("stream", String).required(),
            p("consumer", String).required(),
            p("lagThreshold", Int).default("10").bound(Positive),
            p("activationLagThreshold", Int)
                .default("0")
                .bound(NonNegative),
            p("useHttps", Bool).default("false"),
        ],
        &[],
    ),
    supported(
        "kafka",
        &[
            p("bootstrapServers", String).required(),
            p("consumerGroup", String).required(),
            p("topic", String),
            p("lagThreshold", Int).default("10").bound(Positive),
            p("activationLagThreshold", Int)
                .default("0")
                .bound(NonNegative),
            p("partitionLimitation", String),
            p("offsetResetPolicy", Enum(&["latest", "earliest"])).default("latest"),
            p("allowIdleConsumers", Bool).default("false"),
            p("excludePersistentLag", Bool).default("false"),
            p("scaleToZeroOnInvalidOffset", Bool).default("false"),
            p("limitToPartitionsWithLag", Bool).default("false"),
            p("ensureEvenDistributionOfPartitions", Bool).default("false"),
            p("version", String),
            p("tls", Enum(&["enable", "disable"])).auth(),
            p(
                "sasl",
                Enum(&[
                    "none",
                    "plaintext",
                    "scram_sha256",
                    "scram_sha512",
                    "oauthbearer",
                    "gssapi",
                ]),
            )
            .auth(),
            p("saslTokenProvider", Enum(&["bearer", "aws_msk_iam"])).auth(),
            p("oauthTokenEndpointUri", String).auth(),
            p("scopes", String).auth(),
            p("oauthExtensions", String).auth(),
            p("unsafeSsl", Bool).default("false"),
        ],
        &[],
    ),
    TriggerType {
        open: true,
        ..supported("external", EXTERNAL, &[])
    },
    TriggerType {
        open: true,
        ..supported("external-push", EXTERNAL, &[])
    },
    // Messaging and streaming.
    later("apache-kafka"),
    later("activemq"),
    later("artemis-queue"),
    later("aws-sqs-queue"),
    later("aws-kinesis-stream"),
    later("azure-servicebus"),
    later("azure-eventhub"),
    later("azure-queue"),
    later("gcp-pubsub"),
    later("ibmmq"),
    later("nsq"),
    later("pulsar"),
    later("solace-event-queue"),
    later("solace-direct-messaging"),
    later("liiklus"),
    later("beanstalkd"),
    // Data and storage.
    later("mssql"),
    later("mongodb"),
    later("cassandra"),
    later("couchdb"),
    later("arangodb"),
    later("etcd"),
    later("elasticsearch"),
    later("elastic-forecast"),
    later("opensearch"),
    later("influxdb"),
    later("aws-dynamodb"),
    later("aws-dynamodb-streams"),
    later("azure-blob"),
    later("azure-data-explorer"),
    later("azure-log-analytics"),
    later("gcp-storage"),
    later("splunk"),
    later("splunk-observability"),
    // Metrics and observability.
    later("datadog"),
    later("dynatrace"),
    later("new-relic"),
    later("graphite"),
    later("loki"),
    later("aws-cloudwatch"),
    later("azure-monitor"),
    later("azure-app-insights"),
    later("gcp-stackdriver"),
    later("huawei-cloudeye"),
    later("openstack-metric"),
    later("openstack-swift"),
    later("solr"),
    later("sumologic"),
    later("solarwinds"),
    later("predictkube"),
    // Kubernetes, CI/CD, testing and workflow.
    later("kubernetes-resource"),
    later("github-runner"),
    later("azure-pipelines"),
    later("forgejo-runner"),
    later("selenium-grid"),
    later("temporal"),
    later("gcp-cloudtasks"),
];

const EXTERNAL: &[Param] = &[
    p("scalerAddress", String).required(),
    p("enableTLS", Bool).default("false"),
    p("unsafeSsl", Bool).default("false"),
];
