//! Scenario files: what to replay, on what service and cluster, against which SLO, with which
//! policies. Strict YAML (`deny_unknown_fields` everywhere) so a misspelt key is an error, not a
//! silently ignored setting; every check names the field path, the bad value and what is
//! allowed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::cluster::ClusterSpec;
use crate::dist::Sampler;
use crate::downstream::DatabaseSpec;
use crate::error::{Error, Result};
use crate::load::series::RateCurve;
use crate::load::trace::Trace;
use crate::load::{Arrivals, LoadData, LoadSpec};
use crate::metrics::Slo;
use crate::policy::Bounds;
use crate::policy::kpa::KpaSpec;
use crate::service::ServiceSpec;
use crate::service::profile::LlmCoefficients;
use crate::signals::ScrapeSpec;
use crate::span::Span;

/// A simulation scenario, as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name shown in reports.
    pub name: String,
    /// One line on what the scenario rehearses.
    #[serde(default)]
    pub description: Option<String>,
    /// Virtual time to simulate (default: one pass of the load; required for synthetic loads).
    #[serde(default)]
    pub duration: Option<Span>,
    /// Simulation step: arrivals, cluster and signals advance in steps of this length
    /// (default 1s; service events inside a step keep their exact times).
    #[serde(default = "one_second")]
    pub step: Span,
    /// Seeds to run when the command line does not say (default 1).
    #[serde(default = "one")]
    pub seeds: u32,
    /// The load.
    pub load: LoadSpec,
    /// The service under test.
    pub service: ServiceSpec,
    /// Pods and nodes.
    pub cluster: ClusterSpec,
    /// What sits behind the service.
    #[serde(default)]
    pub downstream: Option<DownstreamSpec>,
    /// Service-level objectives.
    pub slo: SloSpec,
    /// How signals are scraped.
    #[serde(default)]
    pub scrape: ScrapeSpec,
    /// Replica bounds for the baselines, the oracle and static peak.
    pub replicas: Bounds,
    /// Policies to compare (default: every baseline).
    #[serde(default)]
    pub policies: Vec<PolicySpec>,
}

fn one_second() -> Span {
    Span(1.0)
}

fn one() -> u32 {
    1
}

/// `downstream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownstreamSpec {
    /// A database the service calls.
    pub database: DatabaseSpec,
}

/// `slo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// End-to-end latency bound per request.
    #[serde(default)]
    pub latency: Option<Span>,
    /// Time-to-first-token bound (LLM services).
    #[serde(default)]
    pub ttft: Option<Span>,
    /// Mean inter-token latency bound (LLM services).
    #[serde(default)]
    pub itl: Option<Span>,
    /// Share of requests that must meet the bounds in a minute (default 0.99).
    #[serde(default = "objective")]
    pub objective: f64,
    /// Highest utilisation the oracle plans queue and LLM replicas for (default 0.8).
    #[serde(default = "utilization")]
    pub max_utilization: f64,
}

fn objective() -> f64 {
    0.99
}

fn utilization() -> f64 {
    0.8
}

/// One policy to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum PolicySpec {
    /// The Kubernetes HPA on CPU utilisation (15 s sync, default behavior).
    HpaCpu(HpaCpuSpec),
    /// KEDA on a queue-length or rate signal.
    KedaQueue(KedaQueueSpec),
    /// The Knative Pod Autoscaler on concurrency.
    KnativeKpa(KpaSpec),
    /// Static provisioning for the peak.
    StaticPeak,
    /// Perfect foresight.
    Oracle,
    /// A ScaledObject manifest (KEDA or Tidal), relative to the scenario.
    ScaledObject(PathBuf),
}

/// `hpa-cpu`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpaCpuSpec {
    /// Target average CPU utilisation, percent of request (default 80, the HPA's default).
    #[serde(default = "eighty")]
    pub target_utilization: u32,
}

fn eighty() -> u32 {
    80
}

impl Default for HpaCpuSpec {
    fn default() -> Self {
        Self {
            target_utilization: 80,
        }
    }
}

/// `keda-queue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KedaQueueSpec {
    /// The signal to scale on (default `queue_length`).
    #[serde(default = "queue_length")]
    pub signal: String,
    /// Target value per replica (`AverageValue`).
    pub target: f64,
    /// Activation threshold (default 0).
    #[serde(default)]
    pub activation: f64,
    /// Polling interval (default 30s).
    #[serde(default = "thirty_seconds")]
    pub polling_interval: Span,
    /// Cooldown before scaling to zero (default 300s).
    #[serde(default = "five_minutes")]
    pub cooldown_period: Span,
    /// `minReplicaCount` (default: the scenario's `replicas.min`; 0 rehearses scale to zero).
    #[serde(default)]
    pub min_replica_count: Option<u32>,
}

fn queue_length() -> String {
    "queue_length".into()
}

fn thirty_seconds() -> Span {
    Span(30.0)
}

fn five_minutes() -> Span {
    Span(300.0)
}

impl PolicySpec {
    /// The name of the policy in reports and on the command line.
    pub fn name(&self) -> String {
        match self {
            PolicySpec::HpaCpu(_) => "hpa-cpu".into(),
            PolicySpec::KedaQueue(_) => "keda-queue".into(),
            PolicySpec::KnativeKpa(_) => "knative-kpa".into(),
            PolicySpec::StaticPeak => "static-peak".into(),
            PolicySpec::Oracle => "oracle".into(),
            PolicySpec::ScaledObject(path) => path.file_stem().map_or_else(
                || "scaled-object".into(),
                |s| s.to_string_lossy().into_owned(),
            ),
        }
    }

    /// The baseline called `name`, with default settings, if there is one.
    pub fn baseline(name: &str) -> Option<Self> {
        Some(match name {
            "hpa-cpu" => PolicySpec::HpaCpu(HpaCpuSpec::default()),
            "knative-kpa" => PolicySpec::KnativeKpa(KpaSpec::default()),
            "static-peak" => PolicySpec::StaticPeak,
            "oracle" => PolicySpec::Oracle,
            _ => return None,
        })
    }
}

/// A scenario with its files read and its distributions compiled, ready to run any number of
/// times.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The scenario as written.
    pub scenario: Scenario,
    /// The folder relative paths are resolved against.
    pub dir: PathBuf,
    /// The load files.
    pub load: LoadData,
    /// Virtual seconds to simulate.
    pub duration: f64,
    /// Pod startup latency.
    pub startup: Sampler,
    /// Node provisioning delay, when nodes are modelled.
    pub provisioning: Option<Sampler>,
    /// Service time of request/response services.
    pub work: Option<Sampler>,
    /// Prompt tokens for rate loads.
    pub input_tokens: Option<Sampler>,
    /// Generated tokens for rate loads.
    pub output_tokens: Option<Sampler>,
    /// The LLM replica model, for LLM services.
    pub llm: Option<LlmCoefficients>,
    /// The SLO as the ledger judges it.
    pub slo: Slo,
}

impl Prepared {
    /// Reads a scenario file and everything it refers to.
    ///
    /// # Errors
    /// [`Error::Read`] or [`Error::Syntax`] for the file itself, [`Error::Field`] for a bad
    /// setting, and the load and profile errors of the files it names.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let scenario: Scenario = serde_saphyr::from_str(&text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Self::new(scenario, &dir)
    }

    /// Prepares a parsed scenario whose relative paths start at `dir`.
    ///
    /// # Errors
    /// As [`Prepared::load`].
    pub fn new(scenario: Scenario, dir: &Path) -> Result<Self> {
        let name = scenario.name.clone();
        let field = |field: &str, value: String, allowed: &str| Error::Field {
            scenario: name.clone(),
            field: field.to_string(),
            value,
            allowed: allowed.to_string(),
        };
        let load = &scenario.load;
        let data = match (&load.trace, &load.series, &load.synthetic) {
            (Some(trace), None, None) => {
                if !(trace.speed.is_finite() && trace.speed > 0.0) {
                    return Err(field(
                        "load.trace.speed",
                        trace.speed.to_string(),
                        "a number > 0",
                    ));
                }
                LoadData::Trace {
                    trace: Arc::new(Trace::read(&dir.join(&trace.path))?),
                    speed: trace.speed,
                    looped: trace.looped,
                }
            }
            (None, Some(series), None) => {
                if !(series.speed.is_finite() && series.speed > 0.0) {
                    return Err(field(
                        "load.series.speed",
                        series.speed.to_string(),
                        "a number > 0",
                    ));
                }
                if !(series.scale.is_finite() && series.scale >= 0.0) {
                    return Err(field(
                        "load.series.scale",
                        series.scale.to_string(),
                        "a number >= 0",
                    ));
                }
                LoadData::Curve {
                    curve: Arc::new(RateCurve::read_series(
                        &dir.join(&series.path),
                        series.unit,
                        series.scale,
                    )?),
                    speed: series.speed,
                    looped: series.looped,
                }
            }
            (None, None, Some(shape)) => {
                shape
                    .check()
                    .map_err(|(f, v, a)| field(&format!("load.synthetic.{f}"), v, &a))?;
                LoadData::Synthetic(Arc::new(shape.clone()))
            }
            (trace, series, synthetic) => {
                let sources = [trace.is_some(), series.is_some(), synthetic.is_some()];
                return Err(field(
                    "load",
                    format!("{} sources", sources.iter().filter(|&&s| s).count()),
                    "exactly one of `trace`, `series` or `synthetic`",
                ));
            }
        };
        let duration = match (scenario.duration, data.span()) {
            (Some(d), Some(span)) if d.secs() > span + 1e-6 && !data.looped() => {
                return Err(field(
                    "duration",
                    d.to_string(),
                    &format!(
                        "at most the load's length ({}), or set `loop: true` on the load",
                        Span(span.ceil())
                    ),
                ));
            }
            (Some(d), _) => d.secs(),
            (None, Some(span)) => span.ceil(),
            (None, None) => {
                return Err(field(
                    "duration",
                    "absent".into(),
                    "a duration such as `1d` for synthetic loads",
                ));
            }
        };
        if duration <= 0.0 {
            return Err(field("duration", duration.to_string(), "a duration > 0"));
        }
        let step = scenario.step.secs();
        if !(0.01..=60.0).contains(&step) {
            return Err(field(
                "step",
                scenario.step.to_string(),
                "between 10ms and 60s",
            ));
        }
        let compile = |path: &str, dist: &crate::dist::Dist<Span>| {
            dist.sampler()
                .map_err(|e| field(path, format!("{dist:?}"), &e))
        };
        let compile_tokens = |path: &str, dist: &Option<crate::dist::Dist<f64>>| {
            dist.as_ref()
                .map(|d| d.sampler().map_err(|e| field(path, format!("{d:?}"), &e)))
                .transpose()
        };
        let startup = compile("cluster.startup", &scenario.cluster.startup)?;
        let provisioning = match &scenario.cluster.nodes {
            Some(nodes) => {
                if nodes.capacity.gpu < scenario.cluster.pod.gpu
                    || nodes.capacity.cpu < scenario.cluster.pod.cpu
                    || nodes.capacity.memory_gib < scenario.cluster.pod.memory_gib
                {
                    return Err(field(
                        "cluster.nodes.capacity",
                        format!("{:?}", nodes.capacity),
                        &format!("room for at least one pod ({:?})", scenario.cluster.pod),
                    ));
                }
                Some(compile("cluster.nodes.provisioning", &nodes.provisioning)?)
            }
            None => None,
        };
        let input_tokens = compile_tokens("load.input_tokens", &load.input_tokens)?;
        let output_tokens = compile_tokens("load.output_tokens", &load.output_tokens)?;
        let mut work = None;
        let mut llm = None;
        match &scenario.service {
            ServiceSpec::Web(web) => {
                if web.concurrency == 0 {
                    return Err(field(
                        "service.web.concurrency",
                        "0".into(),
                        "at least 1 request per replica",
                    ));
                }
                if web.cpu_request.is_nan() || web.cpu_request <= 0.0 {
                    return Err(field(
                        "service.web.cpu_request",
                        web.cpu_request.to_string(),
                        "cores > 0",
                    ));
                }
                work = Some(compile("service.web.service_time", &web.service_time)?);
            }
            ServiceSpec::Queue(queue) => {
                if !(queue.rate_per_replica.is_finite() && queue.rate_per_replica > 0.0) {
                    return Err(field(
                        "service.queue.rate_per_replica",
                        queue.rate_per_replica.to_string(),
                        "messages per second > 0",
                    ));
                }
            }
            ServiceSpec::Llm(spec) => {
                if !data.has_sizes() && (input_tokens.is_none() || output_tokens.is_none()) {
                    return Err(field(
                        "load",
                        "a rate without token sizes".into(),
                        "unit mismatch: an llm service needs requests with token sizes; replay a \
                         trace, or set `load.input_tokens` and `load.output_tokens`",
                    ));
                }
                let model = match (&spec.coefficients, &spec.profile) {
                    (Some(c), _) => *c,
                    (None, Some(profile)) => LlmCoefficients::from_profile(&dir.join(profile))?,
                    (None, None) => {
                        return Err(field(
                            "service.llm",
                            "no model".into(),
                            "a `profile` file or `coefficients`",
                        ));
                    }
                };
                model.check().map_err(|(f, v)| {
                    field(
                        &format!("service.llm.coefficients.{f}"),
                        v.to_string(),
                        "a finite number >= 0 (ITL > 0)",
                    )
                })?;
                if spec.max_batch == 0 {
                    return Err(field("service.llm.max_batch", "0".into(), "at least 1"));
                }
                llm = Some(model);
            }
        }
        let slo_spec = &scenario.slo;
        if !(slo_spec.objective > 0.0 && slo_spec.objective <= 1.0) {
            return Err(field(
                "slo.objective",
                slo_spec.objective.to_string(),
                "a share in (0, 1]",
            ));
        }
        if !(slo_spec.max_utilization > 0.0 && slo_spec.max_utilization <= 1.0) {
            return Err(field(
                "slo.max_utilization",
                slo_spec.max_utilization.to_string(),
                "a share in (0, 1]",
            ));
        }
        if slo_spec.latency.is_none() && slo_spec.ttft.is_none() && slo_spec.itl.is_none() {
            return Err(field(
                "slo",
                "no bound".into(),
                "at least one of `latency`, `ttft`, `itl`",
            ));
        }
        if let (Some(latency), Some(work)) = (slo_spec.latency, &work)
            && latency.secs() <= work.mean()
        {
            return Err(field(
                "slo.latency",
                latency.to_string(),
                &format!(
                    "more than the mean service time ({:.3}s), which no replica count can beat",
                    work.mean()
                ),
            ));
        }
        if scenario.replicas.max == 0 || scenario.replicas.min > scenario.replicas.max {
            return Err(field(
                "replicas.max",
                scenario.replicas.max.to_string(),
                &format!(
                    "at least 1 and at least replicas.min ({})",
                    scenario.replicas.min
                ),
            ));
        }
        if scenario.seeds == 0 {
            return Err(field("seeds", "0".into(), "at least 1"));
        }
        if let Some(downstream) = &scenario.downstream {
            let db = &downstream.database;
            let positive = db.capacity_qps.is_finite() && db.capacity_qps > 0.0;
            let fan_out = db.queries_per_request.is_finite() && db.queries_per_request >= 0.0;
            if !positive || !fan_out {
                return Err(field(
                    "downstream.database.capacity_qps",
                    db.capacity_qps.to_string(),
                    "queries per second > 0 (and queries_per_request >= 0)",
                ));
            }
        }
        for policy in &scenario.policies {
            if let PolicySpec::KnativeKpa(kpa) = policy {
                kpa.check()
                    .map_err(|(f, v, a)| field(&format!("policies.knative-kpa.{f}"), v, &a))?;
            }
        }
        let slo = Slo {
            latency: slo_spec.latency.map(Span::secs),
            ttft: slo_spec.ttft.map(Span::secs),
            itl: slo_spec.itl.map(Span::secs),
            objective: slo_spec.objective,
        };
        Ok(Self {
            scenario,
            dir: dir.to_path_buf(),
            load: data,
            duration,
            startup,
            provisioning,
            work,
            input_tokens,
            output_tokens,
            llm,
            slo,
        })
    }

    /// The policies to run: those named (scenario policies by name, else baselines with
    /// defaults), or the scenario's list, or every baseline.
    ///
    /// # Errors
    /// [`Error::Policy`] for a name that is neither in the scenario nor a baseline.
    pub fn policies(&self, names: &[String]) -> Result<Vec<PolicySpec>> {
        if names.is_empty() {
            if !self.scenario.policies.is_empty() {
                return Ok(self.scenario.policies.clone());
            }
            return Ok(["hpa-cpu", "knative-kpa", "static-peak", "oracle"]
                .iter()
                .filter_map(|n| PolicySpec::baseline(n))
                .collect());
        }
        names
            .iter()
            .map(|name| {
                self.scenario
                    .policies
                    .iter()
                    .find(|p| &p.name() == name)
                    .cloned()
                    .or_else(|| PolicySpec::baseline(name))
                    .ok_or_else(|| {
                        let mut known: Vec<String> = self
                            .scenario
                            .policies
                            .iter()
                            .map(PolicySpec::name)
                            .collect();
                        known.extend(
                            ["hpa-cpu", "knative-kpa", "static-peak", "oracle"].map(String::from),
                        );
                        known.dedup();
                        Error::Policy {
                            policy: name.clone(),
                            message: format!(
                                "no such policy in this scenario; choose from: {}",
                                known.join(", ")
                            ),
                        }
                    })
            })
            .collect()
    }

    /// Shortens the run to at most `seconds` of virtual time (the first window of the load),
    /// for quick rehearsals and tests; a longer limit changes nothing.
    pub fn limit_duration(&mut self, seconds: f64) {
        if seconds > 0.0 {
            self.duration = self.duration.min(seconds);
        }
    }

    /// The arrival stream of a run with `seed`.
    pub fn arrivals(&self, seed: u64) -> Arrivals {
        Arrivals::new(
            &self.load,
            seed,
            self.duration,
            self.input_tokens.clone(),
            self.output_tokens.clone(),
            self.work.clone(),
        )
    }

    /// Seconds from ordering a replica to it serving in the slow case: p99 startup, plus p99
    /// node provisioning when a node autoscaler must add nodes.
    pub fn lead_time(&self) -> f64 {
        let nodes = self
            .scenario
            .cluster
            .nodes
            .as_ref()
            .filter(|n| n.autoscaler.is_some())
            .and(self.provisioning.as_ref())
            .map_or(0.0, Sampler::p99);
        self.startup.p99() + nodes
    }
}
