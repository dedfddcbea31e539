//! `cron` trigger metadata: `timezone`, `start`, `end`, `desiredReplicas`, all required.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone;

use crate::params::{self, ParamError, Params};

/// A parsed `cron` trigger.
#[derive(Debug, Clone)]
pub struct Config {
    /// `timezone`: an IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: TimeZone,
    /// The `timezone` as written, for the metric name.
    pub timezone_name: String,
    /// `start`: five-field cron expression opening the window (shared with every trigger
    /// that writes the same expression).
    pub start: Arc<Cron>,
    /// `start` as written.
    pub start_text: String,
    /// `end`: five-field cron expression closing the window (shared likewise).
    pub end: Arc<Cron>,
    /// `end` as written.
    pub end_text: String,
    /// `desiredReplicas`: the replica count inside the window, > 0.
    pub desired_replicas: i64,
}

impl Config {
    /// Reads the trigger's parameters.
    ///
    /// # Errors
    /// A [`ParamError`] naming the first bad or missing parameter.
    pub fn parse(params: &Params<'_>) -> Result<Self, ParamError> {
        let timezone_name = params.required_string(
            "timezone",
            params::METADATA,
            "an IANA time zone such as Europe/Berlin",
        )?;
        let timezone = TimeZone::get(&timezone_name).map_err(|_| ParamError::Invalid {
            param: "timezone".into(),
            value: format!("{timezone_name:?}"),
            expected: "a time zone from the IANA database, such as \"Europe/Berlin\" or \"UTC\""
                .into(),
        })?;
        let start_text = params.required_string(
            "start",
            params::METADATA,
            "a cron expression, e.g. \"0 6 * * *\"",
        )?;
        let end_text = params.required_string(
            "end",
            params::METADATA,
            "a cron expression, e.g. \"0 20 * * *\"",
        )?;
        let start = schedule("start", &start_text)?;
        let end = schedule("end", &end_text)?;
        if start_text == end_text {
            return Err(ParamError::rule("end", "start and end must differ"));
        }
        let desired = params.target(
            "desiredReplicas",
            params::METADATA,
            "the replica count inside the window",
        )?;
        if desired.fract() != 0.0 || desired > f64::from(i32::MAX) {
            return Err(ParamError::rule(
                "desiredReplicas",
                format!("must be a whole number of replicas, got {desired}"),
            ));
        }
        let desired_replicas = desired as i64;
        Ok(Self {
            timezone,
            timezone_name,
            start,
            start_text,
            end,
            end_text,
            desired_replicas,
        })
    }
}

/// The parsed schedule of `text`, shared by every trigger of the process that writes it.
///
/// croner keeps a bitfield per field value, so a parsed schedule keeps about 4.7 KB (`cargo
/// bench -p tidal-scalers --bench build`): 5,000 cron triggers parsed one by one held about
/// 58 MB. Fleets reuse a few schedules, so one parse per distinct expression is kept while any
/// trigger uses it.
fn schedule(param: &str, text: &str) -> Result<Arc<Cron>, ParamError> {
    static SCHEDULES: OnceLock<Mutex<HashMap<String, Weak<Cron>>>> = OnceLock::new();
    // One lock over lookup, parse and insert, so triggers built at once never parse the same
    // expression twice (a parse takes microseconds, and builds are rare).
    let mut schedules = SCHEDULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(cron) = schedules.get(text).and_then(Weak::upgrade) {
        return Ok(cron);
    }
    let cron = Arc::new(parse_cron(param, text)?);
    schedules.retain(|_, cron| cron.strong_count() > 0);
    schedules.insert(text.to_owned(), Arc::downgrade(&cron));
    Ok(cron)
}

/// KEDA's cron dialect: minute, hour, day of month, month, day of week (no seconds, no years).
fn parse_cron(param: &str, text: &str) -> Result<Cron, ParamError> {
    let invalid = |why: String| ParamError::Invalid {
        param: param.into(),
        value: format!("{text:?}"),
        expected: format!(
            "a five-field cron expression (minute hour day-of-month month day-of-week): {why}"
        ),
    };
    if text.split_whitespace().count() != 5 {
        return Err(invalid(format!(
            "it has {} fields",
            text.split_whitespace().count()
        )));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(text)
        .map_err(|e| invalid(e.to_string()))
}
