//! The `cron` scaler: a fixed replica count inside a recurring time window.
//!
//! KEDA decides "inside the window" without remembering anything: it computes the next `start`
//! and the next `end` after now, in `timezone`; when the next end comes before the next start,
//! the window is open. Inside, the value is `desiredReplicas` against a target of 1, so the
//! engine asks for exactly that many replicas; outside, the value is 0 and the trigger is
//! inactive. [`Config::evaluate`] is that rule as a pure function of the time.

mod config;

use async_trait::async_trait;
use jiff::Timestamp;

pub use config::Config;

use crate::metric::{MetricSource, MetricSpec, MetricValue};
use crate::params::ParamError;
use crate::scaler::{BuildContext, Scaler};

/// The KEDA trigger type.
pub const TYPE: &str = "cron";

/// `cron` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// No next occurrence of a schedule exists (e.g. `0 0 30 2 *`, February 30th).
    #[error("the {which} schedule {expression:?} never fires")]
    NeverFires {
        /// `start` or `end`.
        which: &'static str,
        /// The expression.
        expression: String,
    },
}

/// Whether the window is open, and the resulting value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Inside `[start, end)`.
    pub active: bool,
    /// `desiredReplicas` when active, else 0.
    pub value: f64,
}

impl Config {
    /// KEDA's window rule at `now`.
    ///
    /// # Errors
    /// [`Error::NeverFires`] when a schedule has no next occurrence.
    pub fn evaluate(&self, now: Timestamp) -> Result<Window, Error> {
        let now = now.to_zoned(self.timezone.clone());
        let next = |cron: &croner::Cron, which: &'static str, expression: &str| {
            cron.find_next_occurrence(&now, false)
                .map(|z| z.timestamp())
                .map_err(|_| Error::NeverFires {
                    which,
                    expression: expression.to_owned(),
                })
        };
        let next_start = next(&self.start, "start", &self.start_text)?;
        let next_end = next(&self.end, "end", &self.end_text)?;
        let active = next_end < next_start;
        Ok(Window {
            active,
            value: if active {
                self.desired_replicas as f64
            } else {
                0.0
            },
        })
    }
}

/// A built `cron` trigger.
#[derive(Debug)]
pub struct CronScaler {
    config: Config,
    specs: Vec<MetricSpec>,
    clock: fn() -> Timestamp,
}

impl CronScaler {
    /// Builds the scaler from its context.
    ///
    /// # Errors
    /// A parameter error or the metric type error.
    pub fn new(ctx: &BuildContext) -> crate::Result<Self> {
        let config = Config::parse(&ctx.params()).map_err(Error::from)?;
        let name = format!(
            "cron-{}-{}-{}",
            config.timezone_name,
            keda_cron_name(&config.start_text),
            keda_cron_name(&config.end_text)
        );
        let specs = vec![MetricSpec {
            name: ctx.metric_name(&name),
            target: 1.0,
            target_type: ctx.external_target_type()?,
            activation_target: 0.0,
            source: MetricSource::External,
        }];
        Ok(Self {
            config,
            specs,
            clock: Timestamp::now,
        })
    }

    /// The parsed configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// KEDA's `parseCronTimeFormat`, which makes a schedule fit in a metric name.
fn keda_cron_name(expression: &str) -> String {
    expression
        .replace(' ', "")
        .replace('*', "x")
        .replace('/', "Sl")
        .replace('?', "Qm")
}

#[async_trait]
impl Scaler for CronScaler {
    fn metric_specs(&self) -> &[MetricSpec] {
        &self.specs
    }

    async fn sample(&self) -> crate::Result<Vec<MetricValue>> {
        let window = self.config.evaluate((self.clock)())?;
        Ok(vec![MetricValue::new(
            &self.specs[0].name,
            window.value,
            window.active,
        )])
    }
}

pub(crate) fn build(ctx: BuildContext) -> crate::registry::BuildFuture {
    Box::pin(async move { Ok(Box::new(CronScaler::new(&ctx)?) as Box<dyn Scaler>) })
}

#[cfg(test)]
mod tests;
