//! The Knative Pod Autoscaler, re-enacted from `pkg/autoscaler/scaling/autoscaler.go` as
//! restated in our reference (stable and panic windows over one-second concurrency buckets,
//! panic mode that never scales down, rate limits, scale-down delay, scale-to-zero grace).
//!
//! It is a baseline, not Tidal's engine: it lives here so every policy we ship can be compared
//! with the autoscaler most serverless and LLM platforms (KServe, AIBrix) start from.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{Bounds, Live, Policy, PolicyDecision};
use crate::signals::SignalView;
use crate::span::Span;

/// Knative's evaluation tick.
const TICK: f64 = 2.0;

/// `knative-kpa` settings, named after `config-autoscaler` keys; defaults are Knative's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpaSpec {
    /// `containerConcurrency` of the revision (0 = unlimited, default 0).
    #[serde(default)]
    pub container_concurrency: u32,
    /// The `autoscaling.knative.dev/target` annotation: concurrency per pod.
    #[serde(default)]
    pub target: Option<f64>,
    /// `container-concurrency-target-percentage` (default 70).
    #[serde(default = "seventy")]
    pub target_utilization_percentage: f64,
    /// `stable-window` (default 60s).
    #[serde(default = "sixty_seconds")]
    pub stable_window: Span,
    /// `panic-window-percentage` (default 10).
    #[serde(default = "ten")]
    pub panic_window_percentage: f64,
    /// `panic-threshold-percentage` (default 200).
    #[serde(default = "two_hundred")]
    pub panic_threshold_percentage: f64,
    /// `max-scale-up-rate` (default 1000).
    #[serde(default = "thousand")]
    pub max_scale_up_rate: f64,
    /// `max-scale-down-rate` (default 2).
    #[serde(default = "two")]
    pub max_scale_down_rate: f64,
    /// `scale-down-delay` (default 0s).
    #[serde(default)]
    pub scale_down_delay: Span,
    /// `scale-to-zero-grace-period` (default 30s).
    #[serde(default = "thirty_seconds")]
    pub scale_to_zero_grace_period: Span,
    /// `autoscaling.knative.dev/activation-scale` (default 1).
    #[serde(default = "one")]
    pub activation_scale: u32,
}

fn seventy() -> f64 {
    70.0
}
fn sixty_seconds() -> Span {
    Span(60.0)
}
fn ten() -> f64 {
    10.0
}
fn two_hundred() -> f64 {
    200.0
}
fn thousand() -> f64 {
    1000.0
}
fn two() -> f64 {
    2.0
}
fn thirty_seconds() -> Span {
    Span(30.0)
}
fn one() -> u32 {
    1
}

impl Default for KpaSpec {
    fn default() -> Self {
        Self {
            container_concurrency: 0,
            target: None,
            target_utilization_percentage: 70.0,
            stable_window: sixty_seconds(),
            panic_window_percentage: 10.0,
            panic_threshold_percentage: 200.0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            scale_down_delay: Span(0.0),
            scale_to_zero_grace_period: thirty_seconds(),
            activation_scale: 1,
        }
    }
}

impl KpaSpec {
    /// The per-pod concurrency the KPA aims for (`ResolveMetricTarget`).
    pub fn target_value(&self) -> f64 {
        let cc = f64::from(self.container_concurrency);
        let mut total = if self.container_concurrency == 0 {
            100.0
        } else {
            cc
        };
        if let Some(target) = self.target {
            total = if self.container_concurrency > 0 {
                target.min(cc)
            } else {
                target
            };
        }
        (total * self.target_utilization_percentage / 100.0).max(0.01)
    }

    /// Checks the ranges Knative's validation allows.
    ///
    /// # Errors
    /// `(field, value, allowed)` of the first bad setting.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        let bad = |f: &str, v: f64, a: &str| Err((f.to_string(), v.to_string(), a.to_string()));
        let window = self.stable_window.secs();
        if !(6.0..=3600.0).contains(&window) || window.fract() != 0.0 {
            return bad("stable_window", window, "whole seconds between 6s and 1h");
        }
        if !(1.0..=100.0).contains(&self.panic_window_percentage) {
            return bad(
                "panic_window_percentage",
                self.panic_window_percentage,
                "between 1 and 100",
            );
        }
        if !(110.0..=1000.0).contains(&self.panic_threshold_percentage) {
            return bad(
                "panic_threshold_percentage",
                self.panic_threshold_percentage,
                "between 110 and 1000",
            );
        }
        if self.max_scale_up_rate <= 1.0 {
            return bad(
                "max_scale_up_rate",
                self.max_scale_up_rate,
                "greater than 1",
            );
        }
        if self.max_scale_down_rate <= 1.0 {
            return bad(
                "max_scale_down_rate",
                self.max_scale_down_rate,
                "greater than 1",
            );
        }
        if self.target_utilization_percentage <= 0.0 || self.target_utilization_percentage > 100.0 {
            return bad(
                "target_utilization_percentage",
                self.target_utilization_percentage,
                "in (0, 100]",
            );
        }
        Ok(())
    }
}

/// The KPA with its windows and panic state.
#[derive(Debug)]
pub struct Kpa {
    spec: KpaSpec,
    bounds: Bounds,
    target: f64,
    panic_window: f64,
    // One-second buckets: (second, sum of observations, observations).
    buckets: VecDeque<(i64, f64, u32)>,
    first_write: Option<i64>,
    started: bool,
    panic_time: Option<f64>,
    max_panic_pods: u32,
    delay: VecDeque<(i64, u32)>,
    zero_since: Option<f64>,
    /// The last decision's mode (panic?) and unbounded count, for its reason.
    last: Option<(bool, u32)>,
}

impl Kpa {
    /// A KPA with `spec`, clamped to `bounds` as the reconciler's min/max scale.
    pub fn new(spec: KpaSpec, bounds: Bounds) -> Self {
        let stable = spec.stable_window.secs();
        let panic_window = (stable * spec.panic_window_percentage / 100.0)
            .round()
            .max(1.0);
        Self {
            target: spec.target_value(),
            spec,
            bounds,
            panic_window,
            buckets: VecDeque::new(),
            first_write: None,
            started: false,
            panic_time: None,
            max_panic_pods: 0,
            delay: VecDeque::new(),
            zero_since: None,
            last: None,
        }
    }

    fn window_average(&self, window: f64, now: f64) -> f64 {
        let Some(first) = self.first_write else {
            return 0.0;
        };
        let now_sec = now.floor() as i64;
        let window_secs = window as i64;
        let sum: f64 = self
            .buckets
            .iter()
            .filter(|(sec, _, _)| *sec > now_sec - window_secs && *sec <= now_sec)
            .map(|(_, sum, n)| sum / f64::from(*n))
            .sum();
        let buckets = (now_sec - first + 1).clamp(1, window_secs);
        sum / buckets as f64
    }

    /// One `Scale(now)` of the autoscaler, before the reconciler's bounds.
    fn scale(&mut self, ready_orig: u32, now: f64) -> Option<u32> {
        self.first_write?;
        if !self.started {
            // Start in panic to survive restarts when more than one pod is ready.
            self.started = true;
            if ready_orig > 1 {
                self.panic_time = Some(now);
                self.max_panic_pods = ready_orig;
            }
        }
        let ready = f64::from(ready_orig.max(1));
        let stable = self.window_average(self.spec.stable_window.secs(), now);
        let panic = self.window_average(self.panic_window, now);
        let max_up = (self.spec.max_scale_up_rate * ready).ceil();
        let max_down = (ready / self.spec.max_scale_down_rate).floor();
        let dspc = (stable / self.target).ceil();
        let dppc = (panic / self.target).ceil();
        let mut d_stable = dspc.max(max_down).min(max_up) as u32;
        let mut d_panic = dppc.max(max_down).min(max_up) as u32;
        let activation = self.spec.activation_scale;
        if activation > 1 {
            if dspc > 0.0 && activation > d_stable {
                d_stable = activation;
            }
            if dppc > 0.0 && activation > d_panic {
                d_panic = activation;
            }
        }
        let threshold = self.spec.panic_threshold_percentage / 100.0;
        let over = dppc / ready >= threshold;
        if over {
            self.panic_time = Some(now);
        } else if let Some(since) = self.panic_time
            && since + self.spec.stable_window.secs() < now
        {
            self.panic_time = None;
            self.max_panic_pods = 0;
        }
        let mut desired = d_stable;
        if self.panic_time.is_some() {
            desired = desired.max(d_panic);
            if desired > self.max_panic_pods {
                self.max_panic_pods = desired;
            }
            desired = self.max_panic_pods;
        }
        let delay = self.spec.scale_down_delay.secs();
        if delay > 0.0 {
            let buckets = (delay / TICK).ceil() as i64;
            let index = (now.floor() as i64) / 2;
            while self
                .delay
                .front()
                .is_some_and(|&(i, _)| index - i >= buckets)
            {
                self.delay.pop_front();
            }
            match self.delay.back_mut() {
                Some(back) if back.0 == index => back.1 = back.1.max(desired),
                _ => self.delay.push_back((index, desired)),
            }
            desired = self.delay.iter().map(|&(_, d)| d).max().unwrap_or(desired);
        }
        Some(desired)
    }
}

impl Policy for Kpa {
    fn name(&self) -> &'static str {
        "knative-kpa"
    }

    fn interval(&self) -> f64 {
        TICK
    }

    fn observe(&mut self, live: &Live) {
        let sec = live.now.floor() as i64;
        self.first_write.get_or_insert(sec);
        match self.buckets.back_mut() {
            Some(back) if back.0 == sec => {
                back.1 += live.concurrency;
                back.2 += 1;
            }
            _ => self.buckets.push_back((sec, live.concurrency, 1)),
        }
        let keep = self.spec.stable_window.secs() as i64 + 1;
        while self.buckets.front().is_some_and(|b| sec - b.0 >= keep) {
            self.buckets.pop_front();
        }
    }

    fn decide(&mut self, view: &SignalView<'_>, now: f64) -> PolicyDecision {
        let Some(desired) = self.scale(view.pods.ready, now) else {
            self.last = None;
            return PolicyDecision {
                desired: view.pods.desired,
                bound_by: None,
            };
        };
        let mut bounded = self.bounds.clamp(desired);
        if desired == 0 && self.bounds.min == 0 {
            // handleScaleToZero: report 0 only after the grace period without demand.
            let since = *self.zero_since.get_or_insert(now);
            bounded = u32::from(now - since < self.spec.scale_to_zero_grace_period.secs());
        } else {
            self.zero_since = None;
        }
        self.last = Some((self.panic_time.is_some(), desired));
        PolicyDecision {
            desired: bounded,
            bound_by: None,
        }
    }

    fn reason(&self) -> String {
        match self.last {
            None => "no concurrency observed yet".into(),
            Some((panic, desired)) => format!(
                "{} mode: {desired} pods for a concurrency target of {:.2} per pod",
                if panic { "panic" } else { "stable" },
                self.target
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Kpa, KpaSpec};
    use crate::cluster::PodCounts;
    use crate::policy::{Bounds, Live, Policy};
    use crate::signals::SignalView;

    fn run(kpa: &mut Kpa, from: u32, to: u32, concurrency: f64, ready: u32) -> u32 {
        let mut desired = 0;
        for t in from..to {
            let now = f64::from(t);
            kpa.observe(&Live {
                now,
                concurrency,
                ready,
            });
            if t % 2 == 0 {
                let pods = PodCounts {
                    ready,
                    desired: ready,
                    ..PodCounts::default()
                };
                desired = kpa
                    .decide(
                        &SignalView {
                            now,
                            pods,
                            sample: None,
                            needed: &[],
                        },
                        now,
                    )
                    .desired;
            }
        }
        desired
    }

    #[test]
    fn target_resolution_follows_knative() {
        assert!((KpaSpec::default().target_value() - 70.0).abs() < 1e-9);
        let capped = KpaSpec {
            container_concurrency: 10,
            target: Some(50.0),
            ..KpaSpec::default()
        };
        assert!((capped.target_value() - 7.0).abs() < 1e-9);
    }

    #[test]
    fn stable_mode_sizes_by_the_sixty_second_average() {
        // 1 ready pod, concurrency 35 against a target of 7: ceil(35/7) = 5 pods, but the panic
        // window (6s) also sees 35 → 5/1 >= 2 → panic; desired is max(stable, panic) = 5.
        let spec = KpaSpec {
            container_concurrency: 10,
            ..KpaSpec::default()
        };
        let mut kpa = Kpa::new(spec, Bounds { min: 1, max: 100 });
        assert_eq!(run(&mut kpa, 0, 61, 35.0, 1), 5);
        assert!(kpa.panic_time.is_some());
    }

    #[test]
    fn panic_mode_never_scales_down_and_ends_after_a_stable_window() {
        let spec = KpaSpec {
            container_concurrency: 10,
            ..KpaSpec::default()
        };
        let mut kpa = Kpa::new(spec, Bounds { min: 1, max: 100 });
        assert_eq!(run(&mut kpa, 0, 10, 70.0, 1), 10, "70/7 = 10 pods in panic");
        // Demand falls to a level 4 pods can hold: panic holds 10 until the stable window ends.
        assert_eq!(run(&mut kpa, 10, 40, 28.0, 10), 10);
        // Over 60s without being over the threshold the panic ends and the stable window rules;
        // the scale-down rate limits to floor(10 / 2) = 5 pods per tick.
        let after = run(&mut kpa, 40, 140, 28.0, 10);
        assert!(kpa.panic_time.is_none());
        assert_eq!(after, 5);
    }

    #[test]
    fn scales_to_zero_after_the_grace_period() {
        let mut kpa = Kpa::new(KpaSpec::default(), Bounds { min: 0, max: 10 });
        assert_eq!(
            run(&mut kpa, 0, 20, 0.0, 1),
            1,
            "within the grace period it keeps one pod"
        );
        assert_eq!(run(&mut kpa, 20, 40, 0.0, 1), 0);
    }
}
