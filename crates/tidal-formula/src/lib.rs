//! The scaling-modifier formula language.
//!
//! KEDA's `spec.advanced.scalingModifiers.formula` combines trigger values into one composite
//! metric, written in expr-lang syntax (`(queue + backlog) / 2`, `max(a, b)`,
//! `a > 2 ? a + b : 1`, `count([a, b, c], {# > 1}) > 1 ? 5 : 0`). This crate parses such a formula
//! once, when the ScaledObject is loaded, and evaluates it on every decision over `f64` trigger
//! values. It sits below `tidal-core`, which calls it from the decision engine; it does no IO and
//! never panics on any input (fuzzed by `fuzz/fuzz_targets/formula.rs`).
//!
//! # Language
//!
//! - Numbers (`42`, `2.5`, `1e3`, `1_000`, `0xff`), `true`, `false`, `nil`, arrays `[a, b]`.
//! - Trigger names as identifiers: letters, digits and `_`, not starting with a digit — exactly
//!   expr-lang's rule. A `-` is always the minus operator, so `a-b` means `a - b`; a trigger
//!   whose name is not a plain identifier (`queue-depth`, `http.rate`) is written
//!   `$env["queue-depth"]`, expr-lang's syntax for the same thing.
//! - Operators, loosest first: `c ? a : b`; `||` (`or`); `&&` (`and`); `== != < <= > >=`;
//!   `+ -`; `* / %`; prefix `!` (`not`); prefix `-` `+`; `**` (`^`, right-associative); `??`.
//! - Functions: `min`, `max`, `sum`, `mean`, `median` (several numbers or one array), `abs`,
//!   `ceil`, `floor`, `round`, `int`, `float`, `len`, predicates `count`, `all`, `any`, `none`,
//!   `one`, `filter`, `map` (`count(array, {# > 1})`), and the Tidal extensions `sqrt` and `pow`.
//!
//! # Typing
//!
//! Arithmetic and ordering take numbers; `&&`, `||`, `!` and a condition take booleans;
//! `==`/`!=` compare anything (different kinds are unequal). A missing trigger is nil: `a ?? 0`
//! replaces it, `a == nil` tests it, anything else is an error naming the trigger. The formula
//! as a whole must produce a number: a boolean, array or nil result is an error
//! ([`EvalError::NotANumber`], [`EvalError::NilResult`]). `%` is the floating-point remainder
//! (expr-lang only allows it on integers). Division by zero and non-finite results are errors.
//!
//! ```
//! use tidal_formula::Formula;
//!
//! let formula = Formula::parse("max(queue / 10, $env[\"http-rate\"] ?? 0)")?;
//! assert_eq!(formula.variables(), ["queue", "http-rate"]);
//! let value = formula.eval(|name| match name {
//!     "queue" => Some(80.0),
//!     _ => None, // the http-rate scaler failed
//! })?;
//! assert_eq!(value, 8.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod eval;
mod lexer;
mod parser;

use std::fmt;

pub use ast::{Arg, BinaryOp, Expr, Function, UnaryOp};
pub use eval::EvalError;
pub use parser::{MAX_DEPTH, ParseError};

/// Result of the crate's checks.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error of this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The formula does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The formula could not be evaluated for the given values.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The formula names a trigger the ScaledObject does not have.
    #[error(
        "unknown trigger '{name}' in the formula; the named triggers are: {}",
        if known.is_empty() { "(none: give triggers a `name`)".to_owned() } else { known.join(", ") }
    )]
    UnknownVariable {
        /// The unknown name.
        name: String,
        /// The names that are known.
        known: Vec<String>,
    },
}

/// A parsed formula, ready to evaluate many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    source: String,
    expr: Expr,
    variables: Vec<String>,
}

impl Formula {
    /// Parses `source`.
    ///
    /// # Errors
    ///
    /// [`ParseError`] with the 1-based column, the offending token and what was expected.
    pub fn parse(source: &str) -> Result<Self, ParseError> {
        let parsed = parser::parse(source)?;
        Ok(Self {
            source: source.to_owned(),
            expr: parsed.expr,
            variables: parsed.variables,
        })
    }

    /// The text the formula was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The trigger names the formula references, each once, in order of first use.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// Checks that every referenced trigger is one of `known`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownVariable`] naming the first unknown trigger and listing the known ones.
    pub fn check_variables<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<()> {
        for name in &self.variables {
            if !known.clone().into_iter().any(|k| k == name) {
                return Err(Error::UnknownVariable {
                    name: name.clone(),
                    known: known.into_iter().map(str::to_owned).collect(),
                });
            }
        }
        Ok(())
    }

    /// Evaluates the formula; `lookup` gives each trigger's value, or `None` when the trigger has
    /// none (its scaler failed).
    ///
    /// # Errors
    ///
    /// [`EvalError`]: a missing trigger used outside `??`, division by zero, a non-finite result,
    /// a value of the wrong kind, or a result that is not a number.
    pub fn eval(&self, lookup: impl Fn(&str) -> Option<f64>) -> Result<f64, EvalError> {
        eval::evaluate(&self.expr, &lookup)
    }
}

impl fmt::Display for Formula {
    /// The canonical form: single spaces around operators, parentheses only where needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl std::str::FromStr for Formula {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}
