//! The management HTTP API: one queue, or every queue a regex matches.

use serde::Deserialize;

use super::Error;
use super::config::{Config, Mode, Operation};

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

/// A regex listing page.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    items: Vec<QueueInfo>,
}

/// The (value, messages) of one queue for `mode`.
pub(crate) fn measure(queue: &QueueInfo, config: &Config) -> (f64, f64) {
    let messages = if config.exclude_unacknowledged {
        queue.messages_ready
    } else {
        queue.messages
    };
    let stats = queue.message_stats.clone().unwrap_or_default();
    let value = match config.mode {
        Mode::QueueLength => messages,
        Mode::MessageRate => stats.publish_details.map_or(0.0, |r| r.rate),
        Mode::DeliverGetRate => stats.deliver_get_details.map_or(0.0, |r| r.rate),
    };
    (value, messages)
}

/// One queue's answer.
pub(crate) fn parse_queue(body: &[u8]) -> Result<QueueInfo, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })
}

/// A regex page's queues, combined by `operation`; an empty match is an error.
pub(crate) fn combine(body: &[u8], config: &Config) -> Result<(f64, f64), Error> {
    let page: Page = serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })?;
    if page.items.is_empty() {
        return Err(Error::QueueNotFound {
            queue: config.queue_name.clone(),
            regex: true,
        });
    }
    let measured: Vec<(f64, f64)> = page.items.iter().map(|q| measure(q, config)).collect();
    let fold = |pick: fn(&(f64, f64)) -> f64| -> f64 {
        let values = measured.iter().map(pick);
        match config.operation {
            Operation::Sum => values.sum(),
            Operation::Max => values.fold(0.0, f64::max),
            Operation::Avg => values.sum::<f64>() / measured.len() as f64,
        }
    };
    tracing::trace!(queues = ?page.items.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(), "Queues matched the regex.");
    Ok((fold(|m| m.0), fold(|m| m.1)))
}
