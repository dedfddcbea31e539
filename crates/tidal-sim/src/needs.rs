//! The replicas each minute of a run really needs — the yardstick for the oracle, static peak,
//! over-provisioning and under-provisioned minutes.
//!
//! It replays the run's own arrivals (same seed, same requests) and sizes each minute with the
//! closed form of its service: Erlang C for request/response services, utilisation for queue
//! consumers, and utilisation over the busiest ten seconds for LLM replicas.

use crate::erlang;
use crate::error::{Error, Result};
use crate::scenario::Prepared;
use crate::service::ServiceSpec;

/// Replicas needed per minute for `seed`.
///
/// # Errors
/// [`Error::Impossible`] when some minute needs more than `replicas.max`.
///
/// # Panics
/// If `prepared` has an LLM service without a model, which [`Prepared::new`] never builds.
pub fn needed_per_minute(prepared: &Prepared, seed: u64) -> Result<Vec<u32>> {
    let minutes = (prepared.duration / 60.0).ceil() as usize;
    let mut arrivals = prepared.arrivals(seed);
    let scenario = &prepared.scenario;
    let mut needed = Vec::with_capacity(minutes);
    let mut buffer = Vec::new();
    let mut worst = (0u32, 0u64, 0.0f64);
    for minute in 0..minutes {
        let start = minute as f64 * 60.0;
        let end = (start + 60.0).min(prepared.duration);
        buffer.clear();
        arrivals.fill(start, end, &mut buffer);
        let seconds = end - start;
        let lambda = buffer.len() as f64 / seconds;
        let replicas = match &scenario.service {
            _ if buffer.is_empty() => 0,
            ServiceSpec::Web(web) => {
                let mut mean = buffer.iter().map(|a| a.work).sum::<f64>() / buffer.len() as f64;
                if let Some(downstream) = &scenario.downstream {
                    // Queries add to every request's time; size for the database at this load.
                    let db = &downstream.database;
                    mean += db.extra_latency(&db.state(0, lambda));
                }
                let slack = prepared.slo.latency.map_or(f64::INFINITY, |l| l - mean);
                let allowed = 1.0 - prepared.slo.objective;
                let mut servers = ((lambda * mean).floor() as u32).max(1);
                while erlang::wait_exceeds(servers, lambda, mean.max(1e-9), slack.max(0.0))
                    > allowed
                {
                    servers += 1;
                }
                servers.div_ceil(web.concurrency)
            }
            ServiceSpec::Queue(queue) => {
                (lambda / (queue.rate_per_replica * scenario.slo.max_utilization)).ceil() as u32
            }
            ServiceSpec::Llm(_) => {
                // Prompts arrive in bursts far sharper than a minute; size each minute for its
                // busiest ten seconds so the first tokens of a burst are not queued for long.
                let model = prepared.llm.expect("llm services carry a model");
                let mut windows = [0.0f64; 6];
                for a in &buffer {
                    let slot = (((a.at - start) / 10.0) as usize).min(5);
                    windows[slot] +=
                        model.work(f64::from(a.input_tokens), f64::from(a.output_tokens));
                }
                let busiest = windows.iter().copied().fold(0.0, f64::max) / 10.0_f64.min(seconds);
                ((busiest / scenario.slo.max_utilization).ceil() as u32).max(1)
            }
        };
        if replicas > worst.0 {
            worst = (replicas, start as u64, lambda);
        }
        needed.push(replicas);
    }
    if worst.0 > scenario.replicas.max {
        return Err(Error::Impossible {
            scenario: scenario.name.clone(),
            field: "replicas.max".into(),
            max: scenario.replicas.max,
            needed: worst.0,
            at: worst.1,
            load: worst.2,
        });
    }
    Ok(needed)
}
