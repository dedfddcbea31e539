//! What a scaler reports: metric specs (name, target, target type) and sampled values.
//!
//! These mirror the External metrics KEDA hands the HPA, so the engine in `tidal-core` can run
//! the HPA's math on them unchanged: names follow KEDA's `s<index>-<name>` scheme, values are
//! clamped and truncated to milli-units exactly as KEDA's `GenerateMetricInMili` does, and a
//! trigger is active when its raw value exceeds its activation target.

use std::fmt;

/// How the HPA compares a metric with its target (`triggers[].metricType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricTargetType {
    /// `desired = ceil(value / target)`: the target is per replica. KEDA's default.
    #[default]
    AverageValue,
    /// `desired = ceil(current × value / target)`: the target is for the whole workload.
    Value,
    /// Percent of the pods' resource requests; cpu and memory triggers only.
    Utilization,
}

impl MetricTargetType {
    /// The KEDA spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AverageValue => "AverageValue",
            Self::Value => "Value",
            Self::Utilization => "Utilization",
        }
    }

    /// Parses KEDA's spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "AverageValue" => Some(Self::AverageValue),
            "Value" => Some(Self::Value),
            "Utilization" => Some(Self::Utilization),
            _ => None,
        }
    }
}

impl fmt::Display for MetricTargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a metric's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricSource {
    /// The scaler samples it (an HPA External metric).
    External,
    /// A pod resource the engine computes from metrics.k8s.io (cpu/memory triggers).
    Resource {
        /// `cpu` or `memory`.
        resource: String,
        /// Restrict to one container (`ContainerResource`), if set.
        container: Option<String>,
    },
}

/// One metric a trigger produces, with the targets the engine needs.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// The metric name, `s<triggerIndex>-<name>` as KEDA names it.
    pub name: String,
    /// The scaling target (per replica for AverageValue).
    pub target: f64,
    /// How the target is applied.
    pub target_type: MetricTargetType,
    /// The value above which the trigger is active (`activation…` parameter, default 0).
    pub activation_target: f64,
    /// Where the values come from.
    pub source: MetricSource,
}

/// One sampled value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    /// The metric name, matching a [`MetricSpec::name`].
    pub name: String,
    /// The value, clamped to `>= 0` and truncated to milli-units like KEDA's milli-quantities.
    pub value: f64,
    /// Whether this trigger is active (raw value `>` activation target, unless the scaler says
    /// otherwise).
    pub active: bool,
}

impl MetricValue {
    /// A value with KEDA's activity rule: active iff `raw > activation` (strict).
    pub fn with_activation(name: impl Into<String>, raw: f64, activation: f64) -> Self {
        Self::new(name, raw, raw > activation)
    }

    /// A value with an explicit activity flag.
    pub fn new(name: impl Into<String>, raw: f64, active: bool) -> Self {
        Self {
            name: name.into(),
            value: to_milli_quantity(raw),
            active,
        }
    }
}

/// Whether any value of a trigger's sample is active (KEDA ORs them).
pub fn any_active(values: &[MetricValue]) -> bool {
    values.iter().any(|v| v.active)
}

/// KEDA's value normalisation: NaN, infinities and negatives become 0, and the value is
/// truncated towards zero to a multiple of 0.001 (`int64(value * 1000)` milli-units).
pub fn to_milli_quantity(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 0.0;
    }
    let milli = (raw * 1000.0).trunc();
    if milli >= i64::MAX as f64 {
        return i64::MAX as f64 / 1000.0;
    }
    milli / 1000.0
}

/// KEDA's `GenerateMetricNameWithIndex`: `s<index>-<name>`.
pub fn indexed_name(trigger_index: usize, name: &str) -> String {
    format!("s{trigger_index}-{name}")
}

/// KEDA's `NormalizeString`: characters that are not allowed in a metric name become `-`.
pub fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '/' | '.' | ':' | '%' | '(' | ')' | '"' | ' ' | '<' | '>' | '$' | '#' | '{' | '}'
            | '=' | '\'' | '[' | ']' | '*' | '+' | ',' | '!' | '?' | '&' | '|' | '@' | '^'
            | '~' | '`' | ';' | '\\' => '-',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_clamped_and_truncated_to_milli_units() {
        assert_eq!(to_milli_quantity(f64::NAN), 0.0);
        assert_eq!(to_milli_quantity(f64::INFINITY), 0.0);
        assert_eq!(to_milli_quantity(-3.0), 0.0);
        assert_eq!(to_milli_quantity(2.4569), 2.456);
        assert_eq!(to_milli_quantity(37.0), 37.0);
        assert_eq!(to_milli_quantity(0.0004), 0.0);
    }

    #[test]
    fn activity_is_strictly_above_the_activation_target() {
        assert!(!MetricValue::with_activation("m", 5.0, 5.0).active);
        assert!(MetricValue::with_activation("m", 5.001, 5.0).active);
        // Activity is judged on the raw value, before clamping.
        assert!(!MetricValue::with_activation("m", -1.0, 0.0).active);
    }

    #[test]
    fn names_follow_keda() {
        assert_eq!(
            indexed_name(2, &normalize("metric-api-components.worker.tasks")),
            "s2-metric-api-components-worker-tasks"
        );
        assert_eq!(normalize("a/b:c d{x=\"y\"}"), "a-b-c-d-x--y--");
    }
}
