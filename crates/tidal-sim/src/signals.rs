//! What real scalers would see: the signals a Prometheus server, a metrics API, a broker or
//! vLLM's `/metrics` expose, scraped at an interval and seen with a delay.
//!
//! Policies never read the simulator's state directly; they get a [`SignalView`] built from the
//! last visible scrape, so a policy that reacts to stale data pays for it here exactly as it
//! would in a cluster.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::cluster::PodCounts;
use crate::span::Span;

/// A named signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Arrivals per second over the scrape window.
    RequestRate,
    /// Requests or messages waiting.
    QueueLength,
    /// Requests in service.
    InFlight,
    /// Requests in the system (waiting plus in service), Knative's concurrency.
    Concurrency,
    /// Completions per second of a queue consumer.
    Throughput,
    /// Mean CPU utilisation of ready pods, percent of request.
    CpuUtilization,
    /// Median latency over the window, seconds.
    LatencyP50,
    /// 95th percentile latency, seconds.
    LatencyP95,
    /// 99th percentile latency, seconds.
    LatencyP99,
    /// 95th percentile time to first token, seconds.
    TtftP95,
    /// 95th percentile inter-token latency, seconds.
    ItlP95,
    /// `vllm:num_requests_waiting`.
    VllmWaiting,
    /// `vllm:num_requests_running`.
    VllmRunning,
    /// `vllm:kv_cache_usage_perc` (0–1).
    VllmKvUsage,
    /// `vllm:gpu_cache_usage_perc`, the pre-0.9 name of the KV-cache gauge.
    VllmGpuCacheUsage,
    /// Connections the pods hold on the downstream database.
    DbConnections,
    /// Downstream database utilisation (0–1 and beyond).
    DbUtilization,
    /// Downstream query latency, seconds.
    DbLatency,
    /// Ready replicas.
    ReadyReplicas,
}

impl Signal {
    /// Every signal, in the order of [`Signal::name`]'s table.
    pub const ALL: [Signal; 19] = [
        Signal::RequestRate,
        Signal::QueueLength,
        Signal::InFlight,
        Signal::Concurrency,
        Signal::Throughput,
        Signal::CpuUtilization,
        Signal::LatencyP50,
        Signal::LatencyP95,
        Signal::LatencyP99,
        Signal::TtftP95,
        Signal::ItlP95,
        Signal::VllmWaiting,
        Signal::VllmRunning,
        Signal::VllmKvUsage,
        Signal::VllmGpuCacheUsage,
        Signal::DbConnections,
        Signal::DbUtilization,
        Signal::DbLatency,
        Signal::ReadyReplicas,
    ];

    /// The name a trigger uses for the signal.
    pub fn name(self) -> &'static str {
        match self {
            Signal::RequestRate => "requests_per_second",
            Signal::QueueLength => "queue_length",
            Signal::InFlight => "in_flight",
            Signal::Concurrency => "concurrency",
            Signal::Throughput => "throughput",
            Signal::CpuUtilization => "cpu_utilization",
            Signal::LatencyP50 => "latency_p50_seconds",
            Signal::LatencyP95 => "latency_p95_seconds",
            Signal::LatencyP99 => "latency_p99_seconds",
            Signal::TtftP95 => "ttft_p95_seconds",
            Signal::ItlP95 => "itl_p95_seconds",
            Signal::VllmWaiting => "vllm:num_requests_waiting",
            Signal::VllmRunning => "vllm:num_requests_running",
            Signal::VllmKvUsage => "vllm:kv_cache_usage_perc",
            Signal::VllmGpuCacheUsage => "vllm:gpu_cache_usage_perc",
            Signal::DbConnections => "db_connections",
            Signal::DbUtilization => "db_utilization",
            Signal::DbLatency => "db_latency_seconds",
            Signal::ReadyReplicas => "ready_replicas",
        }
    }

    /// The signal a name stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the fleet value is a sum over pods (a count), as opposed to an average.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Signal::QueueLength
                | Signal::InFlight
                | Signal::Concurrency
                | Signal::VllmWaiting
                | Signal::VllmRunning
                | Signal::RequestRate
                | Signal::Throughput
        )
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }
}

/// How a query combines the per-pod values of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// The fleet value: the sum for counts, the mean for ratios.
    Fleet,
    /// Per ready pod: counts divided by ready pods.
    Average,
    /// The largest per-pod value (vLLM gauges), else the fleet value.
    Max,
}

/// One scrape.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Virtual time of the scrape.
    pub at: f64,
    values: [f64; Signal::ALL.len()],
    maxima: [f64; Signal::ALL.len()],
    /// CPU utilisation of each ready pod, percent.
    pub pod_cpu: Vec<(u64, f64)>,
}

impl Sample {
    /// An empty sample at `at`.
    pub fn new(at: f64) -> Self {
        Self {
            at,
            values: [0.0; Signal::ALL.len()],
            maxima: [0.0; Signal::ALL.len()],
            pod_cpu: Vec::new(),
        }
    }

    /// Sets a signal's fleet value (and its per-pod maximum, when it has one).
    pub fn set(&mut self, signal: Signal, value: f64, max: Option<f64>) {
        self.values[signal.index()] = value;
        self.maxima[signal.index()] = max.unwrap_or(value);
    }

    /// A signal's fleet value.
    pub fn get(&self, signal: Signal) -> f64 {
        self.values[signal.index()]
    }

    /// A signal combined as a query asks.
    pub fn aggregate(&self, signal: Signal, aggregation: Aggregation) -> f64 {
        let value = self.get(signal);
        match aggregation {
            Aggregation::Average if signal.is_count() => {
                value / self.get(Signal::ReadyReplicas).max(1.0)
            }
            // Ratios are already per pod: their fleet value is the mean.
            Aggregation::Fleet | Aggregation::Average => value,
            Aggregation::Max => self.maxima[signal.index()],
        }
    }
}

/// `scrape` in a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeSpec {
    /// Time between scrapes (default 15s, Prometheus' usual interval).
    #[serde(default = "fifteen_seconds")]
    pub interval: Span,
    /// Delay before a scrape is visible to policies (rule evaluation, adapter caches; default 0).
    #[serde(default)]
    pub delay: Span,
}

impl Default for ScrapeSpec {
    fn default() -> Self {
        Self {
            interval: fifteen_seconds(),
            delay: Span(0.0),
        }
    }
}

fn fifteen_seconds() -> Span {
    Span(15.0)
}

/// The scrapes of one run, kept as long as a delayed view may need them.
#[derive(Debug)]
pub struct Scraper {
    interval: f64,
    delay: f64,
    next: f64,
    samples: VecDeque<Sample>,
}

impl Scraper {
    /// A scraper for `spec`, first scraping at time 0.
    pub fn new(spec: &ScrapeSpec) -> Self {
        Self {
            interval: spec.interval.secs().max(1e-3),
            delay: spec.delay.secs(),
            next: 0.0,
            samples: VecDeque::new(),
        }
    }

    /// Whether a scrape is due at `now`; if so, the next one is scheduled.
    pub fn due(&mut self, now: f64) -> bool {
        if now + 1e-9 >= self.next {
            self.next += self.interval;
            true
        } else {
            false
        }
    }

    /// Seconds between scrapes.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// Stores a scrape, dropping those no view can reach any more.
    pub fn push(&mut self, sample: Sample) {
        let horizon = sample.at - self.delay;
        while self.samples.len() > 1 && self.samples[1].at <= horizon {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// The latest scrape visible at `now`.
    pub fn visible(&self, now: f64) -> Option<&Sample> {
        self.samples
            .iter()
            .rev()
            .find(|s| s.at <= now - self.delay + 1e-9)
    }
}

/// What a policy sees when it decides.
#[derive(Debug, Clone, Copy)]
pub struct SignalView<'a> {
    /// Virtual time, seconds.
    pub now: f64,
    /// Pods by state right now (the `/scale` subresource and pod list are not delayed).
    pub pods: PodCounts,
    /// The latest visible scrape, if any.
    pub sample: Option<&'a Sample>,
    /// Replicas needed per minute over the whole run: perfect foresight, for the oracle only.
    pub needed: &'a [u32],
}

/// Parses a Prometheus-style query naming a signal: `name`, `name{labels}`, or
/// `sum|avg|max(name{labels})`. Label matchers are accepted and ignored.
///
/// # Errors
/// A message listing the known signal names.
pub fn parse_query(query: &str) -> Result<(Signal, Aggregation), String> {
    let text = query.trim();
    let (aggregation, inner) = [
        ("sum", Aggregation::Fleet),
        ("avg", Aggregation::Average),
        ("max", Aggregation::Max),
    ]
    .into_iter()
    .find_map(|(word, agg)| {
        let rest = text.strip_prefix(word)?.trim_start();
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        Some((agg, inner.trim()))
    })
    .unwrap_or((Aggregation::Fleet, text));
    let name = inner.split('{').next().unwrap_or(inner).trim();
    Signal::from_name(name)
        .map(|s| (s, aggregation))
        .ok_or_else(|| {
            let known: Vec<&str> = Signal::ALL.iter().map(|s| s.name()).collect();
            format!(
                "`{query}` names no simulated signal; known signals: {}",
                known.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::{Aggregation, Sample, ScrapeSpec, Scraper, Signal, parse_query};
    use crate::span::Span;

    #[test]
    fn queries_name_signals_with_an_optional_aggregation() {
        assert_eq!(
            parse_query("sum(vllm:num_requests_waiting{model_name=\"llama\"})").unwrap(),
            (Signal::VllmWaiting, Aggregation::Fleet)
        );
        assert_eq!(
            parse_query(" avg( queue_length ) ").unwrap(),
            (Signal::QueueLength, Aggregation::Average)
        );
        assert_eq!(
            parse_query("cpu_utilization").unwrap().0,
            Signal::CpuUtilization
        );
        let err = parse_query("rate(http_requests_total[1m])").unwrap_err();
        assert!(err.contains("known signals") && err.contains("queue_length"));
        for signal in Signal::ALL {
            assert_eq!(Signal::from_name(signal.name()), Some(signal));
        }
    }

    #[test]
    fn averages_divide_counts_by_ready_pods() {
        let mut sample = Sample::new(0.0);
        sample.set(Signal::ReadyReplicas, 4.0, None);
        sample.set(Signal::QueueLength, 40.0, Some(25.0));
        sample.set(Signal::CpuUtilization, 60.0, None);
        for (signal, aggregation, expected) in [
            (Signal::QueueLength, Aggregation::Average, 10.0),
            (Signal::QueueLength, Aggregation::Max, 25.0),
            (Signal::QueueLength, Aggregation::Fleet, 40.0),
            (Signal::CpuUtilization, Aggregation::Average, 60.0),
        ] {
            let got = sample.aggregate(signal, aggregation);
            assert!(
                (got - expected).abs() < 1e-12,
                "{signal:?} {aggregation:?}: {got}"
            );
        }
    }

    #[test]
    fn delayed_views_see_older_scrapes() {
        let mut scraper = Scraper::new(&ScrapeSpec {
            interval: Span(10.0),
            delay: Span(15.0),
        });
        for t in [0.0, 10.0, 20.0, 30.0] {
            assert!(scraper.due(t));
            scraper.push(Sample::new(t));
        }
        assert!(!scraper.due(35.0));
        let seen = |now| scraper.visible(now).map(|s| s.at);
        assert_eq!(seen(30.0).map(f64::to_bits), Some(10f64.to_bits()));
        assert_eq!(seen(36.0).map(f64::to_bits), Some(20f64.to_bits()));
        assert!(seen(14.0).is_none(), "nothing is visible before the delay");
    }
}
