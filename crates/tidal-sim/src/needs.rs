//! The replicas each minute of a run really needs — the yardstick for the oracle, static peak,
//! over-provisioning and under-provisioned minutes.
//!
//! It replays the run's own arrivals (same seed, same requests) and sizes each minute with the
//! closed form of its service: Erlang C for request/response services, utilisation for queue
//! consumers, and utilisation over the busiest ten seconds for LLM replicas.

use crate::dist::Sampler;
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
    let load = load_per_minute(prepared, seed);
    let scenario = &prepared.scenario;
    let mut needed = Vec::with_capacity(load.len());
    let mut worst = (0u32, 0u64, 0.0f64);
    for (minute, window) in load.iter().enumerate() {
        let start = minute as f64 * 60.0;
        let seconds = (prepared.duration - start).clamp(1e-9, 60.0);
        let lambda = window.arrivals as f64 / seconds;
        let replicas = match &scenario.service {
            _ if window.arrivals == 0 => 0,
            ServiceSpec::Web(web) => {
                // The distribution's mean: the run's own service times are drawn from it.
                let mut mean = prepared.work.as_ref().map_or(0.0, Sampler::mean);
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
                let busiest = window.busiest_work / 10.0_f64.min(seconds);
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

/// The load of one minute, as the need is computed from it.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    arrivals: u64,
    /// LLM services: replica-seconds of work in the busiest ten seconds.
    busiest_work: f64,
}

/// The run's arrivals for `seed`, minute by minute, stepping exactly as [`crate::run::run`]
/// does so that the counts are the run's own.
fn load_per_minute(prepared: &Prepared, seed: u64) -> Vec<Window> {
    let dt = prepared.scenario.step.secs();
    let steps = (prepared.duration / dt).round().max(1.0) as u64;
    let minutes = ((steps as f64 * dt) / 60.0).ceil().max(1.0) as usize;
    let mut windows = vec![Window::default(); minutes];
    let mut arrivals = prepared.arrivals(seed);
    let minute_of = |t: f64| ((t / 60.0) as usize).min(minutes - 1);
    if let Some(model) = prepared.llm {
        // LLM needs the size of every request: generate them, ten-second slots per minute.
        let mut slots = vec![0.0f64; minutes * 6];
        let mut buffer = Vec::new();
        for step in 0..steps {
            let t0 = step as f64 * dt;
            buffer.clear();
            arrivals.fill(t0, t0 + dt, &mut buffer);
            for a in &buffer {
                windows[minute_of(a.at)].arrivals += 1;
                let slot = ((a.at / 10.0) as usize).min(slots.len() - 1);
                slots[slot] += model.work(f64::from(a.input_tokens), f64::from(a.output_tokens));
            }
        }
        for (window, six) in windows.iter_mut().zip(slots.chunks(6)) {
            window.busiest_work = six.iter().copied().fold(0.0, f64::max);
        }
    } else {
        for step in 0..steps {
            let t0 = step as f64 * dt;
            windows[minute_of(t0)].arrivals += arrivals.count(t0, t0 + dt);
        }
    }
    windows
}
