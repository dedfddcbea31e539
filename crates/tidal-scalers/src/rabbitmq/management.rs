//! The management HTTP API: one queue, or every queue a regex matches.

use serde::Deserialize;

use super::Error;
use super::config::{Config, Operation};
use super::status::Status;

/// The fields of `/api/queues/{vhost}/{name}` the scaler reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct QueueInfo {
    #[serde(default)]
    name: String,
    #[serde(default)]
    messages: f64,
    #[serde(default)]
    messages_ready: f64,
    #[serde(default)]
    message_stats: Option<MessageStats>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct MessageStats {
    #[serde(default)]
    publish_details: Option<Rate>,
    #[serde(default)]
    deliver_get_details: Option<Rate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Rate {
    #[serde(default)]
    rate: f64,
}

/// A regex listing page: its queues and how many pages the listing has.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    pub(crate) items: Vec<QueueInfo>,
    #[serde(default = "one")]
    pub(crate) page_count: u32,
}

fn one() -> u32 {
    1
}

/// One page of a regex listing.
pub(crate) fn parse_page(body: &[u8]) -> Result<Page, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })
}

/// What one queue reports: its messages (ready only with `excludeUnacknowledged`) and rates.
pub(crate) fn status(queue: &QueueInfo, config: &Config) -> Status {
    let stats = queue.message_stats.clone().unwrap_or_default();
    Status {
        messages: if config.exclude_unacknowledged {
            queue.messages_ready
        } else {
            queue.messages
        },
        publish_rate: stats.publish_details.map_or(0.0, |r| r.rate),
        deliver_get_rate: stats.deliver_get_details.map_or(0.0, |r| r.rate),
    }
}

/// One queue's answer.
pub(crate) fn parse_queue(body: &[u8]) -> Result<QueueInfo, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })
}

/// The queues of every regex page composed into one by `operation`, field by field as KEDA
/// composes them (the average message count is a whole number, as KEDA divides integers); an
/// empty match is an error.
pub(crate) fn combine(items: &[QueueInfo], config: &Config) -> Result<Status, Error> {
    if items.is_empty() {
        return Err(Error::QueueNotFound {
            queue: config.queue_name.clone(),
            regex: true,
        });
    }
    tracing::trace!(queues = ?items.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(), "Queues matched the regex.");
    let queues: Vec<Status> = items.iter().map(|q| status(q, config)).collect();
    let fold = |pick: fn(&Status) -> f64| -> f64 {
        let values = queues.iter().map(pick);
        match config.operation {
            Operation::Sum => values.sum(),
            Operation::Max => values.fold(0.0, f64::max),
            Operation::Avg => values.sum::<f64>() / queues.len() as f64,
        }
    };
    let messages = fold(|q| q.messages);
    Ok(Status {
        messages: if config.operation == Operation::Avg {
            messages.trunc()
        } else {
            messages
        },
        publish_rate: fold(|q| q.publish_rate),
        deliver_get_rate: fold(|q| q.deliver_get_rate),
    })
}
