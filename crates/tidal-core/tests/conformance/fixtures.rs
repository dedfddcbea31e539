//! Builders that turn the shape of Kubernetes' test fixtures (`replicaCalcTestCase`,
//! `timestampedRecommendation`, `generateScalingRules`, `generateEventsUniformDistribution`)
//! into Tidal's plain inputs, so each case below reads like the table it was transcribed from.

use jiff::{SignedDuration, Timestamp};
use tidal_core::behavior::{
    Behavior, ControllerConfig, History, Input, Recommendation, ScaleEvent, ScalingPolicy,
    ScalingRules, SelectPolicy,
};
use tidal_core::hpa::{
    ConditionStatus, Pod, PodMetric, PodPhase, PodSamples, ReadinessConfig, ReadyCondition,
    Requests, Tolerances,
};
use tidal_core::quantity::parse_milli;

/// Go's zero `time.Time`, which the upstream fixtures leave in start times, readiness
/// transitions and sample timestamps: far in the past relative to [`now`].
pub(crate) fn zero_time() -> Timestamp {
    "2000-01-01T00:00:00Z".parse().unwrap()
}

/// The fixed "now" of every case (upstream uses `time.Now()`).
pub(crate) fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// `now - seconds`.
pub(crate) fn ago(seconds: i64) -> Timestamp {
    now() - SignedDuration::from_secs(seconds)
}

/// `hotCpuCreationTime()` / `timeNow()`: a pod that just started.
pub(crate) fn hot() -> Timestamp {
    now()
}

/// `coolCpuCreationTime()` / `time3MinsAgo()`: a pod past the testing CPU initialization period.
pub(crate) fn cool() -> Timestamp {
    ago(180)
}

/// `defaultTestingCPUInitializationPeriod` (2 min) and
/// `defaultTestingDelayOfInitialReadinessStatus` (10 s).
pub(crate) fn testing_readiness() -> ReadinessConfig {
    ReadinessConfig {
        cpu_initialization_period: SignedDuration::from_mins(2),
        initial_readiness_delay: SignedDuration::from_secs(10),
    }
}

/// `defaultTestingTolerance` on both sides.
pub(crate) fn default_tolerances() -> Tolerances {
    Tolerances::symmetric(0.1)
}

/// `numContainersPerPod` in `replica_calculator_test.go`: each pod has two containers that
/// both request `requests[i]` and both report `levels[i]`.
pub(crate) const CONTAINERS: i64 = 2;

/// A `replicaCalcTestCase` for a pod-averaged metric.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calc {
    /// `currentReplicas` (also the pod count unless `phase` is longer).
    pub(crate) current: i32,
    /// Per-container CPU request of pod `i`; pods past the end have none.
    pub(crate) requests: Vec<String>,
    /// Per-container usage of pod `i` (milli); pods past the end report no sample.
    pub(crate) levels: Vec<i64>,
    /// `podNames`: overrides the pod name of sample `i`.
    pub(crate) pod_names: Vec<&'static str>,
    /// `podReadiness` (default `True`).
    pub(crate) readiness: Vec<ConditionStatus>,
    /// `podStartTime` (default Go's zero time).
    pub(crate) start: Vec<Timestamp>,
    /// `podPhase` (default `Running`).
    pub(crate) phase: Vec<PodPhase>,
    /// `podDeletionTimestamp`.
    pub(crate) deleting: Vec<bool>,
}

impl Calc {
    /// The pod list the fake pod lister returns.
    pub(crate) fn pods(&self) -> Vec<Pod> {
        let count = usize::try_from(self.current).unwrap().max(self.phase.len());
        (0..count)
            .map(|i| Pod {
                name: format!("test-pod-{i}"),
                phase: self.phase.get(i).copied().unwrap_or(PodPhase::Running),
                deleting: self.deleting.get(i).copied().unwrap_or(false),
                ready: Some(ReadyCondition {
                    status: self
                        .readiness
                        .get(i)
                        .copied()
                        .unwrap_or(ConditionStatus::True),
                    last_transition: zero_time(),
                }),
                start_time: Some(self.start.get(i).copied().unwrap_or_else(zero_time)),
                requests: Requests {
                    cpu: self
                        .requests
                        .get(i)
                        .map(|q| CONTAINERS * parse_milli(q).unwrap()),
                    memory: None,
                },
                containers: Vec::new(),
            })
            .collect()
    }

    /// The samples the fake metrics client returns, summed over the pod's containers.
    pub(crate) fn metrics(&self, per_container: i64) -> Vec<PodMetric> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, level)| PodMetric {
                pod: self
                    .pod_names
                    .get(i)
                    .map_or_else(|| format!("test-pod-{i}"), |n| (*n).to_owned()),
                value: per_container * level,
                timestamp: zero_time(),
                window: SignedDuration::from_mins(1),
            })
            .collect()
    }
}

/// Quantity strings, as `resource.MustParse` arguments.
pub(crate) fn quantities(list: &[&str]) -> Vec<String> {
    list.iter().map(|q| (*q).to_owned()).collect()
}

/// The pods and samples of a `horizontal_test.go` fixture: pod `i` requests `requests[i]` of
/// CPU in total and reports `levels[i]`, ready since Go's zero time.
pub(crate) fn controller_pods(requests: &[&str], levels: &[i64]) -> (Vec<Pod>, Vec<PodMetric>) {
    let calc = Calc {
        current: i32::try_from(requests.len()).unwrap(),
        levels: levels.to_vec(),
        ..Calc::default()
    };
    let pods = calc
        .pods()
        .into_iter()
        .zip(requests)
        .map(|(pod, q)| Pod {
            requests: Requests {
                cpu: Some(parse_milli(q).unwrap()),
                memory: None,
            },
            ..pod
        })
        .collect();
    (pods, calc.metrics(1))
}

/// Pods and samples observed at [`now`] with the testing readiness timings.
pub(crate) fn samples<'a>(pods: &'a [Pod], metrics: &'a [PodMetric]) -> PodSamples<'a> {
    PodSamples {
        pods,
        metrics,
        now: now(),
        readiness: testing_readiness(),
    }
}

/// `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow)`:
/// `selectPolicy: Max`, a zero value leaves the policy out.
pub(crate) fn rules(
    pods: i32,
    pods_period: i64,
    percent: i32,
    percent_period: i64,
    window: i64,
) -> ScalingRules {
    let mut policies = Vec::new();
    if pods != 0 {
        policies.push(ScalingPolicy::pods(pods, pods_period));
    }
    if percent != 0 {
        policies.push(ScalingPolicy::percent(percent, percent_period));
    }
    ScalingRules {
        stabilization_window: Some(SignedDuration::from_secs(window)),
        select_policy: SelectPolicy::Max,
        policies,
        tolerance: None,
    }
}

/// `GenerateHPAScaleUpRules`/`GenerateHPAScaleDownRules`: the given rules or the defaults.
pub(crate) fn behavior(up: Option<ScalingRules>, down: Option<ScalingRules>) -> Behavior {
    Behavior {
        scale_up: up.unwrap_or_else(ScalingRules::default_scale_up),
        scale_down: down.unwrap_or_else(ScalingRules::default_scale_down),
    }
}

/// `generateEventsUniformDistribution(changes, periodSeconds)`: events spread over the last
/// `period` seconds, each in the middle of its segment, truncated to whole seconds as the Go
/// helper does.
pub(crate) fn uniform_events(changes: &[i32], period: i64) -> Vec<ScaleEvent> {
    let segment = period as f64 / changes.len() as f64;
    changes
        .iter()
        .enumerate()
        .map(|(i, change)| {
            let seconds_ago = (period as f64 - segment * (i as f64 + 1.0) + segment / 2.0) as i64;
            event(*change, seconds_ago)
        })
        .collect()
}

/// A `timestampedScaleEvent{change, now - seconds_ago, false}`.
pub(crate) fn event(change: i32, seconds_ago: i64) -> ScaleEvent {
    ScaleEvent {
        at: ago(seconds_ago),
        replicas: 0,
        change,
        outdated: false,
    }
}

/// A history holding `timestampedRecommendation{replicas, now - seconds_ago}` entries.
pub(crate) fn recommendations(entries: &[(i32, i64)]) -> History {
    History {
        recommendations: entries
            .iter()
            .map(|(replicas, seconds_ago)| Recommendation {
                at: ago(*seconds_ago),
                replicas: *replicas,
            })
            .collect(),
        ..History::default()
    }
}

/// The controller knobs of `horizontal_test.go`, whose `init()` sets `scaleUpLimitFactor = 8`.
pub(crate) fn test_controller() -> ControllerConfig {
    ControllerConfig {
        scale_up_limit_factor: 8.0,
        ..ControllerConfig::default()
    }
}

/// One decision's numbers at [`now`].
pub(crate) fn at_now(current: i32, desired: i32, min: i32, max: i32) -> Input {
    Input {
        current,
        desired,
        min,
        max,
        now: now(),
    }
}
