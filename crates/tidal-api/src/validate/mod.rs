//! Validation: every rule KEDA's webhooks and CRD schema enforce, and the trigger catalog's checks,
//! run on a loaded [`Manifest`] before it reaches a cluster.
//!
//! Each finding names the object, the field path, the bad value and what is allowed, so a user can
//! fix it without reading KEDA's source. Findings are errors (the object would be rejected or would
//! not work) or warnings (it works, but not as the user probably expects — e.g. a trigger type
//! Tidal cannot run yet). [`report`] turns text into printable findings with file and line.

use std::fmt;

use crate::manifest::{Manifest, Object, ObjectRef};
use crate::path::FieldPath;

mod auth;
mod behavior;
pub mod report;
mod scaled_job;
mod scaled_object;
mod triggers;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The object would be rejected, or would not scale as written.
    Error,
    /// The object is accepted, but something in it is probably not what the user wants.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One problem found in an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Error or warning.
    pub severity: Severity,
    /// The object, e.g. `ScaledObject default/web`.
    pub object: ObjectRef,
    /// The field at fault, e.g. `spec.minReplicaCount`.
    pub path: FieldPath,
    /// The bad value as written (strings quoted), when there is one.
    pub value: Option<String>,
    /// What is wrong, e.g. `is greater than spec.maxReplicaCount 5`.
    pub problem: String,
    /// What is allowed, e.g. `minReplicaCount must be ≤ maxReplicaCount`.
    pub allowed: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.object, self.path)?;
        if let Some(value) = &self.value {
            write!(f, "{value} ")?;
        }
        write!(f, "{}; {}", self.problem, self.allowed)
    }
}

/// Checks a scaling-modifier formula against the names of the triggers it may use.
///
/// The expression language lives in `tidal-formula`, which this crate does not depend on; callers
/// that have it (the CLI, the operator) pass a checker to [`validate_with`].
pub trait FormulaCheck {
    /// `Err(reason)` when `formula` does not compile or refers to a name not in `triggers`.
    ///
    /// # Errors
    ///
    /// A plain-words reason, shown after the formula.
    fn check(&self, formula: &str, triggers: &[&str]) -> Result<(), String>;
}

/// A formula checker that accepts everything (used by [`validate`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFormulaCheck;

impl FormulaCheck for NoFormulaCheck {
    fn check(&self, _formula: &str, _triggers: &[&str]) -> Result<(), String> {
        Ok(())
    }
}

/// Every finding for one manifest, errors and warnings, in field order.
pub fn validate(manifest: &Manifest) -> Vec<ValidationError> {
    validate_with(manifest, &NoFormulaCheck)
}

/// Like [`validate`], also checking scaling-modifier formulas with `formula`.
pub fn validate_with(manifest: &Manifest, formula: &dyn FormulaCheck) -> Vec<ValidationError> {
    let mut findings = Findings::new(manifest.object_ref());
    match &manifest.object {
        Object::ScaledObject(object) => scaled_object::check(object, formula, &mut findings),
        Object::ScaledJob(object) => scaled_job::check(object, &mut findings),
        Object::TriggerAuthentication(object) => {
            auth::check(&object.metadata, &object.spec, false, &mut findings);
        }
        Object::ClusterTriggerAuthentication(object) => {
            auth::check(&object.metadata, &object.spec, true, &mut findings);
        }
    }
    findings.into_inner()
}

/// The findings of one object, being collected.
pub(crate) struct Findings {
    object: ObjectRef,
    found: Vec<ValidationError>,
}

impl Findings {
    fn new(object: ObjectRef) -> Self {
        Self {
            object,
            found: Vec::new(),
        }
    }

    /// Records an error about `path`.
    pub(crate) fn error(
        &mut self,
        path: &FieldPath,
        value: Option<String>,
        problem: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        self.push(Severity::Error, path, value, problem.into(), allowed.into());
    }

    /// Records a warning about `path`.
    pub(crate) fn warn(
        &mut self,
        path: &FieldPath,
        value: Option<String>,
        problem: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        self.push(
            Severity::Warning,
            path,
            value,
            problem.into(),
            allowed.into(),
        );
    }

    fn push(
        &mut self,
        severity: Severity,
        path: &FieldPath,
        value: Option<String>,
        problem: String,
        allowed: String,
    ) {
        self.found.push(ValidationError {
            severity,
            object: self.object.clone(),
            path: path.clone(),
            value,
            problem,
            allowed,
        });
    }

    fn into_inner(self) -> Vec<ValidationError> {
        self.found
    }
}

/// A string value as shown in messages: quoted. (Wrapped because it fills the optional `value`.)
#[allow(clippy::unnecessary_wraps)]
pub(crate) fn quoted(value: &str) -> Option<String> {
    Some(format!("{value:?}"))
}

/// A number as shown in messages. (Wrapped because it fills the optional `value`.)
#[allow(clippy::unnecessary_wraps)]
pub(crate) fn shown(value: impl fmt::Display) -> Option<String> {
    Some(value.to_string())
}

/// Checks `value >= min` for an optional integer field.
pub(crate) fn at_least(
    findings: &mut Findings,
    path: &FieldPath,
    value: Option<i32>,
    min: i32,
    field: &str,
) {
    if let Some(value) = value.filter(|value| *value < min) {
        let problem = if value < 0 {
            "is negative"
        } else {
            "is too small"
        };
        findings.error(
            path,
            shown(value),
            problem,
            format!("{field} must be ≥ {min}"),
        );
    }
}

/// Checks `metadata.name` is present.
pub(crate) fn named(
    metadata: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    findings: &mut Findings,
) {
    if metadata.name.as_deref().is_none_or(str::is_empty) && metadata.generate_name.is_none() {
        findings.error(
            &FieldPath::parse("metadata.name"),
            None,
            "is missing",
            "every object needs a name",
        );
    }
}
