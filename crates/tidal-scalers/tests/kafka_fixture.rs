//! A Kafka consumer group that lags by a known amount, written with Kafka's protocol through
//! the crate's broker connection: shared by the kafka integration tests and benchmark.
//!
//! It creates a topic with three partitions, appends 60, 50 and 40 records and commits the
//! group at 20, 10 and 0: a lag of exactly 120.

#![cfg(feature = "integration-tests")]
#![allow(dead_code)]

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    CreateTopicsRequest, FindCoordinatorRequest, GroupId, OffsetCommitRequest, ProduceRequest,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use tidal_scalers::kafka::ClusterSettings;
use tidal_scalers::kafka::wire::Connection;

/// Messages produced per partition and the group's committed offsets: lag 40 + 40 + 40.
pub(crate) const PRODUCED: [i64; 3] = [60, 50, 40];
/// The group's committed offset per partition.
pub(crate) const COMMITTED: [i64; 3] = [20, 10, 0];
/// The group's total lag.
pub(crate) const LAG: f64 = 120.0;

pub(crate) fn str_bytes(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_owned())
}

pub(crate) async fn connect(bootstrap: &str) -> Connection {
    let settings = ClusterSettings {
        bootstrap_servers: vec![bootstrap.to_owned()],
        sasl: None,
        tls: None,
    };
    Connection::open(bootstrap, &settings, None, Duration::from_secs(10))
        .await
        .unwrap()
}

/// Creates `topic` with `partitions` partitions and waits until each has a leader.
pub(crate) async fn create_topic(conn: &mut Connection, topic: &str, partitions: i32) {
    let request = CreateTopicsRequest::default()
        .with_timeout_ms(10_000)
        .with_topics(vec![
            CreatableTopic::default()
                .with_name(TopicName(str_bytes(topic)))
                .with_num_partitions(partitions)
                .with_replication_factor(1),
        ]);
    let response = conn.call(&request).await.unwrap();
    assert_eq!(response.topics[0].error_code, 0, "{response:?}");
}

/// Appends `count` records to one partition, retrying while the new topic's leader settles.
pub(crate) async fn produce(conn: &mut Connection, topic: &str, partition: i32, count: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let records: Vec<Record> = (0..count)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i,
            // kafka-protocol batches records whose offset − sequence is constant, and a
            // produce request takes one batch per partition; the batch's base sequence comes
            // out as -1 (no idempotence), as it should.
            sequence: i as i32 - 1,
            timestamp: now,
            key: None,
            value: Some(Bytes::from(format!("message {i}"))),
            headers: kafka_protocol::indexmap::IndexMap::new(),
        })
        .collect();
    let mut batch = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut batch,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .unwrap();
    let request = ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(10_000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(TopicName(str_bytes(topic)))
                .with_partition_data(vec![
                    PartitionProduceData::default()
                        .with_index(partition)
                        .with_records(Some(batch.freeze())),
                ]),
        ]);
    // Produce v13 addresses topics by id; names are enough up to v12.
    let version = conn.version::<ProduceRequest>().unwrap().min(12);
    let mut last = None;
    for _ in 0..50 {
        let response = conn.call_at(&request, version).await.unwrap();
        let partition_response = &response.responses[0].partition_responses[0];
        if partition_response.error_code == 0 {
            return;
        }
        last = Some(partition_response.clone());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("producing to {topic}/{partition} kept failing: {last:?}");
}

/// Commits `offsets` (one per partition) for `group`, retrying while the coordinator loads.
pub(crate) async fn commit(conn: &mut Connection, group: &str, topic: &str, offsets: &[i64]) {
    // The broker creates __consumer_offsets on the first FindCoordinator; on a single broker
    // the coordinator is this connection's broker once it answers.
    let find = FindCoordinatorRequest::default()
        .with_key_type(0)
        .with_coordinator_keys(vec![str_bytes(group)]);
    for _ in 0..100 {
        let response = conn.call(&find).await.unwrap();
        if response.coordinators.iter().all(|c| c.error_code == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(str_bytes(group)))
        .with_generation_id_or_member_epoch(-1)
        .with_member_id(StrBytes::default())
        .with_topics(vec![
            OffsetCommitRequestTopic::default()
                .with_name(TopicName(str_bytes(topic)))
                .with_partitions(
                    offsets
                        .iter()
                        .zip(0..)
                        .map(|(offset, partition)| {
                            OffsetCommitRequestPartition::default()
                                .with_partition_index(partition)
                                .with_committed_offset(*offset)
                        })
                        .collect(),
                ),
        ]);
    let mut last = Vec::new();
    for _ in 0..100 {
        let response = conn.call(&request).await.unwrap();
        let codes: Vec<i16> = response.topics[0]
            .partitions
            .iter()
            .map(|p| p.error_code)
            .collect();
        if codes.iter().all(|c| *c == 0) {
            return;
        }
        last = codes;
        // COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE while __consumer_offsets
        // comes up on a fresh broker.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("committing {group} kept failing: {last:?}");
}

/// Creates `topic` with three partitions holding [`PRODUCED`] messages and commits `group`
/// at [`COMMITTED`], so the group lags by [`LAG`].
pub(crate) async fn lagging_group(bootstrap: &str, topic: &str, group: &str) {
    let mut conn = connect(bootstrap).await;
    create_topic(&mut conn, topic, 3).await;
    for (partition, count) in (0..).zip(PRODUCED) {
        produce(&mut conn, topic, partition, count).await;
    }
    commit(&mut conn, group, topic, &COMMITTED).await;
}
