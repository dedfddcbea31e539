//! The broker handshake against a fake broker on loopback: version negotiation, SASL/PLAIN
//! and re-dialling after a broker drops the connection, which the test Kafka (PLAINTEXT, no
//! SASL, never restarted by a test) cannot exercise.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, ResponseHeader,
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kafka_protocol::protocol::{
    Decodable, Encodable, HeaderVersion, StrBytes, decode_request_header_from_buffer,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::config::{ClusterSettings, ScramMechanism};
use super::wire::{Connection, WireError};
use super::*;
use crate::secret::Secret;

const USER: &str = "scaler";
const PASSWORD: &str = "hunter2";

/// What the fake broker advertises: (API key, min, max).
type Versions = &'static [(ApiKey, i16, i16)];

const MODERN: Versions = &[
    (ApiKey::ApiVersions, 0, 4),
    (ApiKey::Metadata, 0, 13),
    (ApiKey::SaslHandshake, 0, 1),
    (ApiKey::SaslAuthenticate, 0, 2),
];

/// Answers ApiVersions, SaslHandshake (PLAIN only) and SaslAuthenticate (only
/// `scaler`/`hunter2`) on every connection.
async fn fake_broker(versions: Versions) -> String {
    fake_broker_counting(versions).await.0
}

/// [`fake_broker`], also counting the connections it accepted.
async fn fake_broker_counting(versions: Versions) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, versions));
        }
    });
    (address, accepted)
}

fn encode<T: Encodable + HeaderVersion>(correlation_id: i32, body: &T, version: i16) -> Vec<u8> {
    let mut frame = BytesMut::new();
    frame.put_i32(0);
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut frame, T::header_version(version))
        .unwrap();
    body.encode(&mut frame, version).unwrap();
    let size = i32::try_from(frame.len() - 4).unwrap();
    frame[..4].copy_from_slice(&size.to_be_bytes());
    frame.to_vec()
}

async fn serve(mut stream: TcpStream, versions: Versions) {
    loop {
        let Ok(size) = stream.read_i32().await else {
            return;
        };
        let mut body = vec![0; usize::try_from(size).unwrap()];
        stream.read_exact(&mut body).await.unwrap();
        let mut body = Bytes::from(body);
        let header = decode_request_header_from_buffer(&mut body).unwrap();
        let (id, version) = (header.correlation_id, header.request_api_version);
        let reply = match ApiKey::try_from(header.request_api_key).unwrap() {
            ApiKey::ApiVersions => {
                ApiVersionsRequest::decode(&mut body, version).unwrap();
                let keys = versions
                    .iter()
                    .map(|(key, min, max)| {
                        ApiVersion::default()
                            .with_api_key(*key as i16)
                            .with_min_version(*min)
                            .with_max_version(*max)
                    })
                    .collect();
                encode(
                    id,
                    &ApiVersionsResponse::default().with_api_keys(keys),
                    version,
                )
            }
            ApiKey::SaslHandshake => {
                let request = SaslHandshakeRequest::decode(&mut body, version).unwrap();
                let code = if request.mechanism.as_str() == "PLAIN" {
                    0
                } else {
                    33
                };
                let response = SaslHandshakeResponse::default()
                    .with_error_code(code)
                    .with_mechanisms(vec![StrBytes::from_static_str("PLAIN")]);
                encode(id, &response, version)
            }
            ApiKey::SaslAuthenticate => {
                let request = SaslAuthenticateRequest::decode(&mut body, version).unwrap();
                let expected = format!("\0{USER}\0{PASSWORD}");
                let response = if request.auth_bytes.as_ref() == expected.as_bytes() {
                    SaslAuthenticateResponse::default()
                } else {
                    SaslAuthenticateResponse::default()
                        .with_error_code(58)
                        .with_error_message(Some(StrBytes::from_static_str(
                            "Authentication failed: Invalid username or password",
                        )))
                };
                encode(id, &response, version)
            }
            // Anything else: the broker goes away mid-request, as in a restart.
            _ => return,
        };
        assert!(!body.has_remaining(), "request had trailing bytes");
        stream.write_all(&reply).await.unwrap();
    }
}

fn settings(address: &str, sasl: Option<Sasl>) -> ClusterSettings {
    ClusterSettings {
        bootstrap_servers: vec![address.to_owned()],
        sasl,
        tls: None,
    }
}

async fn open(address: &str, sasl: Option<Sasl>) -> Result<Connection, WireError> {
    Connection::open(
        address,
        &settings(address, sasl),
        None,
        Duration::from_secs(2),
    )
    .await
}

fn plain(password: &str) -> Sasl {
    Sasl::Plain {
        username: USER.into(),
        password: Secret::new(password),
    }
}

#[tokio::test]
async fn versions_are_negotiated_per_request() {
    let address = fake_broker(MODERN).await;
    let conn = open(&address, None).await.unwrap();
    // Tidal's Metadata goes up to 13, so does the broker: 13.
    assert_eq!(conn.version::<MetadataRequest>().unwrap(), 13);
    let old = fake_broker(&[(ApiKey::ApiVersions, 0, 4), (ApiKey::Metadata, 0, 3)]).await;
    let conn = open(&old, None).await.unwrap();
    assert_eq!(conn.version::<MetadataRequest>().unwrap(), 3);
}

#[tokio::test]
async fn a_request_the_broker_does_not_speak_is_named_with_both_ranges() {
    let address = fake_broker(&[(ApiKey::ApiVersions, 0, 4)]).await;
    let conn = open(&address, None).await.unwrap();
    let err = conn.version::<MetadataRequest>().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Kafka broker {address} does not support any version of Metadata Tidal speaks (broker none, Tidal 0..13)"
        )
    );
    assert!(!err.breaks_connection());
}

#[tokio::test]
async fn sasl_plain_authenticates_with_the_right_password_only() {
    let address = fake_broker(MODERN).await;
    open(&address, Some(plain(PASSWORD))).await.unwrap();
    let err = open(&address, Some(plain("wrong"))).await.unwrap_err();
    assert!(
        matches!(&err, WireError::Auth { reason, .. } if reason.contains("Invalid username or password")),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong"), "{err}");
}

#[tokio::test]
async fn a_mechanism_the_broker_does_not_offer_is_reported_with_the_offered_ones() {
    let address = fake_broker(MODERN).await;
    let scram = Some(Sasl::Scram {
        mechanism: ScramMechanism::Sha512,
        username: USER.into(),
        password: Secret::new(PASSWORD),
    });
    let err = open(&address, scram).await.unwrap_err().to_string();
    assert!(
        err.contains("SCRAM-SHA-512") && err.contains("offers PLAIN"),
        "{err}"
    );
}

#[tokio::test]
async fn a_connection_that_broke_is_dialled_again_on_the_next_poll() {
    let (address, accepted) = fake_broker_counting(MODERN).await;
    let ctx = crate::testutil::context(
        TYPE,
        &[
            ("bootstrapServers", &address),
            ("consumerGroup", "g"),
            ("topic", "t"),
        ],
        &[],
        &[],
        std::sync::Arc::new(crate::Services::new().with_default_timeout(Duration::from_secs(2))),
    );
    let scaler = KafkaScaler::new(&ctx).unwrap();
    for poll in 1..=2 {
        let err = scaler.lag().await.unwrap_err();
        assert!(
            matches!(&err, Error::Wire(WireError::Connect { broker, .. }) if *broker == address),
            "poll {poll}: {err}"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), poll, "poll {poll}");
    }
}
