//! The `cpu` and `memory` triggers: resource targets, not sampled values.
//!
//! In KEDA these become HPA `Resource` (or `ContainerResource`) metrics that the HPA computes
//! from metrics.k8s.io; KEDA itself never reads them. In Tidal the operator reads the pods'
//! usage from metrics.k8s.io and `tidal-core`'s HPA resource math turns usage and requests into
//! replicas. This module is the configuration side: it parses `value`, `containerName` and the
//! metric type, and describes the target in [`MetricSpec`] with a [`MetricSource::Resource`].
//! Sampling returns no external values, and such a trigger never makes an object inactive.

use async_trait::async_trait;

use crate::metric::{MetricSource, MetricSpec, MetricTargetType, MetricValue};
use crate::params::{self, ParamError, Params};
use crate::scaler::{BuildContext, Scaler};

/// The KEDA trigger type for CPU.
pub const CPU: &str = "cpu";
/// The KEDA trigger type for memory.
pub const MEMORY: &str = "memory";

/// `cpu` and `memory` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// A parsed `cpu` or `memory` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `cpu` or `memory`.
    pub resource: &'static str,
    /// `Utilization` (percent of requests) or `AverageValue` (usage per pod).
    pub target_type: MetricTargetType,
    /// The target: a percent for Utilization; cores (cpu) or bytes (memory) for AverageValue.
    pub value: f64,
    /// `containerName`: only this container's usage counts (`ContainerResource`).
    pub container_name: Option<String>,
}

impl Config {
    /// Reads the trigger's parameters. `metric_type` is the trigger's `metricType`; the
    /// deprecated `metadata.type` is accepted when it is absent, as in KEDA.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(
        resource: &'static str,
        params: &Params<'_>,
        metric_type: Option<MetricTargetType>,
    ) -> Result<Self, ParamError> {
        let legacy = params.choice(
            "type",
            params::METADATA,
            &[
                ("Utilization", MetricTargetType::Utilization),
                ("AverageValue", MetricTargetType::AverageValue),
            ],
        )?;
        let target_type = match (metric_type, legacy) {
            (Some(MetricTargetType::Value), _) => {
                return Err(ParamError::rule(
                    "metricType",
                    format!(
                        "\"Value\" is not allowed for {resource} triggers; allowed: \"Utilization\" or \"AverageValue\""
                    ),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(ParamError::rule(
                    "type",
                    "is deprecated; set only the trigger's metricType",
                ));
            }
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => {
                return Err(ParamError::missing(
                    "metricType",
                    "the trigger's metricType: Utilization or AverageValue",
                ));
            }
        };
        let text = params.required_string("value", params::METADATA, "the target: a percent for Utilization, a quantity such as 500m or 256Mi for AverageValue")?;
        let value = match target_type {
            MetricTargetType::Utilization => text
                .parse::<i32>()
                .ok()
                .filter(|v| *v > 0)
                .map(f64::from)
                .ok_or_else(|| ParamError::Invalid {
                    param: "value".into(),
                    value: format!("{text:?}"),
                    expected: "a whole percent greater than 0 for Utilization".into(),
                })?,
            _ => crate::quantity::parse(&text)
                .filter(|v| *v > 0.0)
                .ok_or_else(|| ParamError::Invalid {
                    param: "value".into(),
                    value: format!("{text:?}"),
                    expected: "a quantity greater than 0 (e.g. 500m, 2, 256Mi) for AverageValue"
                        .into(),
                })?,
        };
        Ok(Self {
            resource,
            target_type,
            value,
            container_name: params.string("containerName", params::METADATA),
        })
    }
}

/// A built `cpu` or `memory` trigger.
#[derive(Debug)]
pub struct ResourceScaler {
    config: Config,
    specs: Vec<MetricSpec>,
}

impl ResourceScaler {
    /// Builds the trigger's description.
    ///
    /// # Errors
    /// A parameter error.
    pub fn new(resource: &'static str, ctx: &BuildContext) -> crate::Result<Self> {
        let config =
            Config::parse(resource, &ctx.params(), ctx.trigger.metric_type).map_err(|e| {
                crate::Error::Resource {
                    resource,
                    source: Error::from(e),
                }
            })?;
        let specs = vec![MetricSpec {
            name: resource.to_owned(),
            target: config.value,
            target_type: config.target_type,
            activation_target: 0.0,
            source: MetricSource::Resource {
                resource: resource.to_owned(),
                container: config.container_name.clone(),
            },
        }];
        Ok(Self { config, specs })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

#[async_trait]
impl Scaler for ResourceScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    /// Resource usage comes from metrics.k8s.io through the engine, so there is nothing to read.
    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        Ok(Vec::new())
    }
}

pub(crate) fn build_cpu(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(ResourceScaler::new(CPU, &ctx)?) as Box<dyn Scaler>) })
}

pub(crate) fn build_memory(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(ResourceScaler::new(MEMORY, &ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
