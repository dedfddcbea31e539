use super::*;
use crate::Error as CrateError;
use crate::testutil::{HttpStub, Pairs, closed_port, overrides, plain_context};

fn build(metadata: &[(&str, &str)], auth: &[(&str, &str)]) -> crate::Result<RabbitMqScaler> {
    RabbitMqScaler::new(&plain_context(TYPE, metadata, auth))
}

const AMQP: Pairs<'static> = &[
    ("host", "amqp://guest:s3cret@rabbit:5672/%2F"),
    ("queueName", "orders"),
];
const HTTP: Pairs<'static> = &[
    ("host", "http://guest:s3cret@rabbit:15672/%2F"),
    ("queueName", "orders"),
];

#[test]
fn defaults_follow_keda() {
    let scaler = build(AMQP, &[]).unwrap();
    let config = scaler.config();
    assert_eq!(config.protocol, Protocol::Amqp);
    assert_eq!(config.mode, Mode::QueueLength);
    assert_eq!(config.value, 20.0);
    assert_eq!(config.activation_value, 0.0);
    assert_eq!(config.operation, Operation::Sum);
    assert_eq!(config.page_size, 100);
    assert_eq!(scaler.metric_specs()[0].name, "s0-rabbitmq-orders");
    assert!(!format!("{scaler:?}").contains("s3cret"));

    let legacy = build(&overrides(AMQP, &[("queueLength", "7")]), &[]).unwrap();
    assert_eq!(
        (legacy.config().mode, legacy.config().value),
        (Mode::QueueLength, 7.0)
    );
    let rate = build(
        &overrides(HTTP, &[("mode", "MessageRate"), ("value", "50")]),
        &[],
    )
    .unwrap();
    assert_eq!(
        (rate.config().protocol, rate.config().mode),
        (Protocol::Http, Mode::MessageRate)
    );
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("host", "")], &[], "\"host\" is required"),
        (
            &[("host", "rabbit:5672")],
            &[],
            "\"host\" has the value \"rabbit:5672\"",
        ),
        (
            &[("host", "nonsense")],
            &[],
            "\"host\" has the value <redacted>",
        ),
        (
            &[("protocol", "stomp")],
            &[],
            "\"protocol\" has the value \"stomp\", which is not one of \"auto\", \"amqp\" or \"http\"",
        ),
        (
            &[("protocol", "http")],
            &[],
            "\"protocol\": Http does not match the scheme",
        ),
        (&[("queueName", "")], &[], "\"queueName\" is required"),
        (&[("mode", "Fast")], &[], "\"mode\" has the value \"Fast\""),
        (&[("mode", "MessageRate")], &[], "\"value\" is required"),
        (
            &[("mode", "MessageRate"), ("value", "5")],
            &[],
            "\"mode\": needs the management API",
        ),
        (
            &[("useRegex", "true")],
            &[],
            "\"useRegex\": needs the management API",
        ),
        (
            &[
                ("queueLength", "5"),
                ("mode", "QueueLength"),
                ("value", "5"),
            ],
            &[],
            "\"queueLength\": is deprecated",
        ),
        (&[("value", "-3")], &[], "\"value\": must be greater than 0"),
        (&[("operation", "median")], &[], "\"operation\""),
        (
            &[("pageSize", "0")],
            &[],
            "\"pageSize\": must be at least 1",
        ),
        (&[("timeout", "x")], &[], "\"timeout\""),
        (&[], &[("cert", "c")], "\"key\" is required"),
    ];
    for (extra, auth, want) in cases {
        let err = build(&overrides(AMQP, extra), auth)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("rabbitmq: ") && err.contains(want),
            "{extra:?}: {err}"
        );
        assert!(!err.contains("s3cret"), "{err}");
    }
}

fn queue_json(messages: u32, ready: u32, publish: f64) -> String {
    format!(
        r#"{{"name":"orders","messages":{messages},"messages_ready":{ready},"message_stats":{{"publish_details":{{"rate":{publish}}},"deliver_get_details":{{"rate":1.5}}}}}}"#
    )
}

#[tokio::test]
async fn management_api_queue_length_and_rates() {
    let stub = HttpStub::start(200, "application/json", &queue_json(37, 30, 4.0)).await;
    let host = format!("http://guest:pw@{}/%2F", stub.addr);
    let base = [("host", host.as_str()), ("queueName", "orders")];
    let cases: &[(Pairs<'_>, f64, bool)] = &[
        (&[], 37.0, true),
        (&[("excludeUnacknowledged", "true")], 30.0, true),
        (&[("activationValue", "37")], 37.0, false),
        (&[("mode", "MessageRate"), ("value", "10")], 4.0, true),
        // Rate 4 is below 5, but 37 messages wait: still active, as in KEDA.
        (
            &[
                ("mode", "MessageRate"),
                ("value", "10"),
                ("activationValue", "5"),
            ],
            4.0,
            true,
        ),
        (
            &[
                ("mode", "MessageRate"),
                ("value", "10"),
                ("activationValue", "40"),
            ],
            4.0,
            false,
        ),
        (&[("mode", "DeliverGetRate"), ("value", "10")], 1.5, true),
    ];
    for (extra, value, active) in cases {
        let scaler = build(&overrides(&base, extra), &[]).unwrap();
        let values = scaler.sample().await.unwrap();
        assert_eq!(
            (values[0].value, values[0].active),
            (*value, *active),
            "{extra:?}"
        );
    }
    let head = stub.last_request();
    assert!(head.starts_with("get /api/queues/%2f/orders "), "{head}");
    assert!(head.contains("authorization: basic z3vlc3q6chc="), "{head}");
}

#[tokio::test]
async fn regex_queues_are_combined_by_operation() {
    let body = format!(
        r#"{{"items":[{},{}]}}"#,
        queue_json(10, 10, 1.0),
        queue_json(30, 30, 3.0)
    );
    let stub = HttpStub::start(200, "application/json", &body).await;
    let host = format!("http://guest:pw@{}/vhost-a", stub.addr);
    for (operation, want) in [("sum", 40.0), ("max", 30.0), ("avg", 20.0)] {
        let scaler = build(
            &[
                ("host", host.as_str()),
                ("queueName", "^orders-.*$"),
                ("useRegex", "true"),
                ("operation", operation),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(scaler.sample().await.unwrap()[0].value, want, "{operation}");
    }
    let head = stub.last_request();
    assert!(head.starts_with("get /api/queues/vhost-a?page=1&use_regex=true&pagination=true&name=%5eorders-.*%24&page_size=100 "), "{head}");

    let empty = HttpStub::start(200, "application/json", r#"{"items":[]}"#).await;
    let host = format!("http://{}/", empty.addr);
    let scaler = build(
        &[
            ("host", host.as_str()),
            ("queueName", "x.*"),
            ("useRegex", "true"),
        ],
        &[],
    )
    .unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert_eq!(err, "rabbitmq: no queue matches \"x.*\" does not exist");
}

/// A management API listing `pages` pages of one queue each, the queue on page `n` holding
/// `n` messages.
async fn paged_stub(pages: u32) -> HttpStub {
    HttpStub::serve(move |request| {
        let page: u32 = request
            .split(['?', '&', ' '])
            .find_map(|part| part.strip_prefix("page="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let body = format!(
            r#"{{"items":[{}],"page":{page},"page_count":{pages}}}"#,
            queue_json(page, page, 0.0)
        );
        crate::testutil::Reply::new(200, "application/json", &body)
    })
    .await
}

#[tokio::test]
async fn regex_listings_longer_than_a_page_are_read_to_the_end() {
    let stub = paged_stub(3).await;
    let host = format!("http://guest:pw@{}/vhost-a", stub.addr);
    let regex = [
        ("host", host.as_str()),
        ("queueName", "^orders-.*$"),
        ("useRegex", "true"),
        ("pageSize", "1"),
    ];
    let scaler = build(&regex, &[]).unwrap();
    assert_eq!(scaler.sample().await.unwrap()[0].value, 6.0, "1 + 2 + 3");
    let requests = stub.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for (n, request) in requests.iter().enumerate() {
        assert!(request.contains(&format!("page={}&", n + 1)), "{request}");
    }

    let endless = paged_stub(MAX_PAGES + 5).await;
    let host = format!("http://guest:pw@{}/vhost-a", endless.addr);
    let scaler = build(&overrides(&regex, &[("host", host.as_str())]), &[]).unwrap();
    let err = scaler.sample().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "rabbitmq: the queues matching \"^orders-.*$\" fill 25 pages of 1; at most 20 pages \
         are read: raise pageSize"
    );
    assert_eq!(endless.requests.lock().unwrap().len(), 20);
}

#[tokio::test]
async fn missing_queue_and_unreachable_broker_are_typed_errors() {
    let stub = HttpStub::start(
        404,
        "application/json",
        r#"{"error":"Object Not Found","reason":"Not Found"}"#,
    )
    .await;
    let host = format!("http://{}/%2F", stub.addr);
    let scaler = build(&[("host", host.as_str()), ("queueName", "ghost")], &[]).unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(err, CrateError::RabbitMq(Error::QueueNotFound { .. })),
        "{err}"
    );

    let host = format!("amqp://guest:s3cret@{}/%2F", closed_port());
    let scaler = build(
        &[
            ("host", host.as_str()),
            ("queueName", "orders"),
            ("timeout", "2000"),
        ],
        &[],
    )
    .unwrap();
    let err = scaler.sample().await.unwrap_err();
    assert!(
        matches!(
            err,
            CrateError::RabbitMq(Error::Connect { .. } | Error::Timeout { .. })
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("s3cret"), "{err}");
}
