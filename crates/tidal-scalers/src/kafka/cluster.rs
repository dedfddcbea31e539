//! A Kafka cluster as the scaler sees it: broker connections, the group coordinator and the
//! four requests a lag needs (Metadata, FindCoordinator, OffsetFetch, ListOffsets).
//!
//! One [`Cluster`] serves every trigger with the same bootstrap servers and credentials. It
//! keeps one connection per broker address, dialled on first use and dropped after a failure,
//! and remembers each group's coordinator until the broker says it moved. Metadata is asked
//! for on every poll, so leader changes are followed without a refresh timer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorRequest, GroupId, ListOffsetsRequest, MetadataRequest,
    OffsetFetchRequest, TopicName,
};
use kafka_protocol::protocol::{Request, StrBytes};

use super::Error;
use super::config::ClusterSettings;
use super::lag::PartitionOffsets;
use super::wire::{Connection, WireError, broker_error, tls_config};

/// ListOffsets' timestamp for "the log end offset".
const LATEST_TIMESTAMP: i64 = -1;

/// Broker error codes after which the group's coordinator must be looked up again.
const COORDINATOR_MOVED: [i16; 3] = [14, 15, 16];

type Slot = Arc<tokio::sync::Mutex<Option<Connection>>>;

/// Committed offsets of one group: topic → partition → offset (`None`: never committed).
type Committed = BTreeMap<String, BTreeMap<i32, Option<i64>>>;

/// Shared connections to one cluster.
pub struct Cluster {
    settings: ClusterSettings,
    tls: Option<Arc<rustls::ClientConfig>>,
    timeout: Duration,
    connections: Mutex<HashMap<String, Slot>>,
    brokers: Mutex<HashMap<i32, String>>,
    coordinators: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("bootstrap_servers", &self.settings.bootstrap_servers)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn str_bytes(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_owned())
}

impl Cluster {
    /// A cluster client; nothing is dialled until the first request.
    ///
    /// # Errors
    /// [`WireError::Tls`] when the TLS material does not load.
    pub fn new(settings: ClusterSettings, timeout: Duration) -> Result<Self, WireError> {
        let tls = settings.tls.as_ref().map(tls_config).transpose()?;
        Ok(Self {
            settings,
            tls,
            timeout,
            connections: Mutex::new(HashMap::new()),
            brokers: Mutex::new(HashMap::new()),
            coordinators: Mutex::new(HashMap::new()),
        })
    }

    fn slot(&self, broker: &str) -> Slot {
        lock(&self.connections)
            .entry(broker.to_owned())
            .or_default()
            .clone()
    }

    /// Sends the request `build` makes for the negotiated version to `broker`, dialling it
    /// first if needed. A connection that failed is dropped so the next call re-dials.
    async fn call<R: Request + Send>(
        &self,
        broker: &str,
        build: impl FnOnce(i16) -> R + Send,
    ) -> Result<R::Response, WireError> {
        let slot = self.slot(broker);
        let mut guard = slot.lock().await;
        let conn = match guard.take() {
            Some(conn) => guard.insert(conn),
            None => guard.insert(
                Connection::open(broker, &self.settings, self.tls.as_ref(), self.timeout).await?,
            ),
        };
        let version = conn.version::<R>()?;
        let result = conn.call_at(&build(version), version).await;
        if result.as_ref().is_err_and(WireError::breaks_connection) {
            *guard = None;
        }
        result
    }

    /// Sends to the bootstrap servers in order (then any known broker) until one answers.
    async fn call_any<R: Request + Send>(
        &self,
        build: impl Fn(i16) -> R + Send + Sync,
    ) -> Result<R::Response, WireError> {
        let mut candidates = self.settings.bootstrap_servers.clone();
        for known in lock(&self.brokers).values() {
            if !candidates.contains(known) {
                candidates.push(known.clone());
            }
        }
        let mut last = None;
        for broker in &candidates {
            match self.call(broker, &build).await {
                Ok(response) => return Ok(response),
                Err(e @ WireError::Unsupported { .. }) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| WireError::Connect {
            broker: String::new(),
            reason: "no bootstrap servers".into(),
        }))
    }

    /// The group's coordinator, `host:port`.
    async fn coordinator(&self, group: &str) -> Result<String, Error> {
        if let Some(known) = lock(&self.coordinators).get(group) {
            return Ok(known.clone());
        }
        let response = self
            .call_any(|version| {
                let request = FindCoordinatorRequest::default().with_key_type(0);
                if version >= 4 {
                    request.with_coordinator_keys(vec![str_bytes(group)])
                } else {
                    request.with_key(str_bytes(group))
                }
            })
            .await?;
        let (code, host, port) = match response.coordinators.first() {
            Some(c) => (c.error_code, c.host.to_string(), c.port),
            None => (
                response.error_code,
                response.host.to_string(),
                response.port,
            ),
        };
        if code != 0 {
            return Err(Error::Broker {
                api: "FindCoordinator",
                subject: format!("consumer group {group:?}"),
                code,
                reason: broker_error(code),
            });
        }
        let address = format!("{host}:{port}");
        lock(&self.coordinators).insert(group.to_owned(), address.clone());
        Ok(address)
    }

    /// The group's committed offsets for `topics` (topic → partitions), or for every topic it
    /// has committed on when `topics` is `None`. Looks the coordinator up again once if it
    /// moved.
    async fn committed(
        &self,
        group: &str,
        topics: Option<&BTreeMap<String, Vec<i32>>>,
    ) -> Result<Committed, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let coordinator = self.coordinator(group).await?;
            match self.offset_fetch(&coordinator, group, topics).await {
                Err(Error::Broker { code, .. })
                    if COORDINATOR_MOVED.contains(&code) && attempt < 2 =>
                {
                    lock(&self.coordinators).remove(group);
                }
                Err(err) => {
                    if matches!(err, Error::Wire(_) | Error::Broker { .. }) {
                        lock(&self.coordinators).remove(group);
                    }
                    return Err(err);
                }
                Ok(committed) => return Ok(committed),
            }
        }
    }

    async fn offset_fetch(
        &self,
        coordinator: &str,
        group: &str,
        topics: Option<&BTreeMap<String, Vec<i32>>>,
    ) -> Result<Committed, Error> {
        let response = self
            .call(coordinator, |version| {
                let request = OffsetFetchRequest::default();
                if version >= 8 {
                    let topics = topics.map(|t| {
                        t.iter()
                            .map(|(name, partitions)| {
                                OffsetFetchRequestTopics::default()
                                    .with_name(TopicName(str_bytes(name)))
                                    .with_partition_indexes(partitions.clone())
                            })
                            .collect()
                    });
                    request.with_groups(vec![
                        OffsetFetchRequestGroup::default()
                            .with_group_id(GroupId(str_bytes(group)))
                            .with_topics(topics),
                    ])
                } else {
                    let topics = topics.map(|t| {
                        t.iter()
                            .map(|(name, partitions)| {
                                OffsetFetchRequestTopic::default()
                                    .with_name(TopicName(str_bytes(name)))
                                    .with_partition_indexes(partitions.clone())
                            })
                            .collect()
                    });
                    request
                        .with_group_id(GroupId(str_bytes(group)))
                        .with_topics(topics)
                }
            })
            .await?;
        let subject = format!("consumer group {group:?}");
        let broker = |code: i16, subject: String| Error::Broker {
            api: "OffsetFetch",
            subject,
            code,
            reason: broker_error(code),
        };
        let mut committed = Committed::new();
        let mut record = |topic: &str, partition: i32, offset: i64, code: i16| {
            if code != 0 {
                return Err(broker(
                    code,
                    format!("{subject}, topic {topic:?} partition {partition}"),
                ));
            }
            committed
                .entry(topic.to_owned())
                .or_default()
                .insert(partition, (offset >= 0).then_some(offset));
            Ok(())
        };
        if let Some(group_response) = response.groups.first() {
            if group_response.error_code != 0 {
                return Err(broker(group_response.error_code, subject));
            }
            for topic in &group_response.topics {
                for p in &topic.partitions {
                    record(
                        &topic.name,
                        p.partition_index,
                        p.committed_offset,
                        p.error_code,
                    )?;
                }
            }
        } else {
            if response.error_code != 0 {
                return Err(broker(response.error_code, subject));
            }
            for topic in &response.topics {
                for p in &topic.partitions {
                    record(
                        &topic.name,
                        p.partition_index,
                        p.committed_offset,
                        p.error_code,
                    )?;
                }
            }
        }
        Ok(committed)
    }

    /// Partition → leader address for each of `topics`, limited to `limitation`.
    async fn leaders(
        &self,
        topics: &[String],
        limitation: Option<&[i32]>,
    ) -> Result<BTreeMap<String, BTreeMap<i32, String>>, Error> {
        let response = self
            .call_any(|_| {
                MetadataRequest::default()
                    .with_allow_auto_topic_creation(false)
                    .with_topics(Some(
                        topics
                            .iter()
                            .map(|t| {
                                MetadataRequestTopic::default()
                                    .with_name(Some(TopicName(str_bytes(t))))
                            })
                            .collect(),
                    ))
            })
            .await?;
        let brokers: HashMap<i32, String> = response
            .brokers
            .iter()
            .map(|b| (b.node_id.0, format!("{}:{}", b.host.as_str(), b.port)))
            .collect();
        lock(&self.brokers).clone_from(&brokers);
        let mut leaders = BTreeMap::new();
        for topic in &response.topics {
            let name = topic
                .name
                .as_ref()
                .map_or_else(String::new, |n| n.to_string());
            match topic.error_code {
                0 => {}
                3 => return Err(Error::UnknownTopic { topic: name }),
                code => {
                    return Err(Error::Broker {
                        api: "Metadata",
                        subject: format!("topic {name:?}"),
                        code,
                        reason: broker_error(code),
                    });
                }
            }
            let mut partitions = BTreeMap::new();
            for p in &topic.partitions {
                if limitation.is_some_and(|only| !only.contains(&p.partition_index)) {
                    continue;
                }
                let leader = (p.leader_id != BrokerId(-1))
                    .then(|| brokers.get(&p.leader_id.0).cloned())
                    .flatten()
                    .ok_or_else(|| Error::NoLeader {
                        topic: name.clone(),
                        partition: p.partition_index,
                    })?;
                partitions.insert(p.partition_index, leader);
            }
            if partitions.is_empty() {
                return Err(Error::NoPartitions {
                    topic: name,
                    limitation: limitation.map(|l| format!("{l:?}")),
                });
            }
            leaders.insert(name, partitions);
        }
        Ok(leaders)
    }

    /// Log end offsets of the partitions one broker leads.
    async fn latest_on(
        &self,
        broker: &str,
        partitions: &BTreeMap<String, Vec<i32>>,
    ) -> Result<Vec<(String, i32, i64)>, Error> {
        let timeout_ms = i32::try_from(self.timeout.as_millis()).unwrap_or(i32::MAX);
        let response = self
            .call(broker, |_| {
                ListOffsetsRequest::default()
                    .with_replica_id(BrokerId(-1))
                    .with_isolation_level(0)
                    .with_timeout_ms(timeout_ms)
                    .with_topics(
                        partitions
                            .iter()
                            .map(|(topic, ids)| {
                                ListOffsetsTopic::default()
                                    .with_name(TopicName(str_bytes(topic)))
                                    .with_partitions(
                                        ids.iter()
                                            .map(|id| {
                                                ListOffsetsPartition::default()
                                                    .with_partition_index(*id)
                                                    .with_timestamp(LATEST_TIMESTAMP)
                                            })
                                            .collect(),
                                    )
                            })
                            .collect(),
                    )
            })
            .await?;
        let mut offsets = Vec::new();
        for topic in &response.topics {
            for p in &topic.partitions {
                if p.error_code != 0 {
                    return Err(Error::Broker {
                        api: "ListOffsets",
                        subject: format!(
                            "topic {:?} partition {}",
                            topic.name.as_str(),
                            p.partition_index
                        ),
                        code: p.error_code,
                        reason: broker_error(p.error_code),
                    });
                }
                offsets.push((topic.name.to_string(), p.partition_index, p.offset));
            }
        }
        Ok(offsets)
    }

    /// Committed and latest offsets of every partition the trigger measures.
    ///
    /// # Errors
    /// [`Error`] for unreachable brokers, timeouts, broker error codes, an unknown topic, a
    /// group with no committed offsets when no topic is given, or a `partitionLimitation`
    /// that matches no partition.
    pub async fn offsets(
        &self,
        group: &str,
        topic: Option<&str>,
        limitation: Option<&[i32]>,
    ) -> Result<Vec<PartitionOffsets>, Error> {
        let (topics, all_committed) = if let Some(topic) = topic {
            (vec![topic.to_owned()], None)
        } else {
            let committed = self.committed(group, None).await?;
            if committed.is_empty() {
                return Err(Error::NoTopics {
                    group: group.to_owned(),
                });
            }
            (committed.keys().cloned().collect(), Some(committed))
        };
        let leaders = self.leaders(&topics, limitation).await?;
        let mut by_leader: BTreeMap<&str, BTreeMap<String, Vec<i32>>> = BTreeMap::new();
        let mut wanted: BTreeMap<String, Vec<i32>> = BTreeMap::new();
        for (topic, partitions) in &leaders {
            for (partition, leader) in partitions {
                by_leader
                    .entry(leader.as_str())
                    .or_default()
                    .entry(topic.clone())
                    .or_default()
                    .push(*partition);
                wanted.entry(topic.clone()).or_default().push(*partition);
            }
        }
        let latest = futures::future::try_join_all(
            by_leader
                .iter()
                .map(|(broker, partitions)| self.latest_on(broker, partitions)),
        );
        let (latest, committed) = match all_committed {
            Some(committed) => (latest.await?, committed),
            None => futures::future::try_join(latest, self.committed(group, Some(&wanted))).await?,
        };
        Ok(latest
            .into_iter()
            .flatten()
            .map(|(topic, partition, latest)| PartitionOffsets {
                committed: committed
                    .get(&topic)
                    .and_then(|p| p.get(&partition).copied())
                    .flatten(),
                topic,
                partition,
                latest,
            })
            .collect())
    }
}
