//! Evaluates a parsed formula over trigger values.
//!
//! Values are numbers (`f64`), booleans, nil and arrays. A trigger the lookup does not know — its
//! scaler failed, or KEDA's `scalingModifiers` fallback excluded it — reads as nil, which only `??`
//! and `==`/`!=` accept; any other use is [`EvalError::MissingValue`] naming the trigger. Every
//! arithmetic step is checked: division by zero, and results that are NaN or infinite, are errors
//! quoting the sub-expression, never a silent `inf` handed to the replica math.

use crate::ast::{Arg, BinaryOp, Expr, Function, UnaryOp};

/// Result of evaluation.
pub(crate) type Result<T, E = EvalError> = std::result::Result<T, E>;

/// Why a formula could not produce a number for these trigger values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A trigger without a value was used where a number is needed.
    #[error(
        "trigger '{name}' has no value; use `{name} ?? <default>` to fall back when its scaler fails"
    )]
    MissingValue {
        /// The trigger name.
        name: String,
    },
    /// The whole formula evaluated to nil.
    #[error("the formula produced nil{}", missing.as_ref().map(|m| format!(" (trigger '{m}' has no value)")).unwrap_or_default())]
    NilResult {
        /// The missing trigger whose nil reached the result, if it came from one.
        missing: Option<String>,
    },
    /// The whole formula evaluated to something other than a number.
    #[error(
        "the formula produced {found}, not a number; turn a condition into a number with `cond ? a : b`"
    )]
    NotANumber {
        /// What it produced: "a boolean" or "an array".
        found: &'static str,
    },
    /// A division or remainder by zero.
    #[error("division by zero in `{expression}`")]
    DivisionByZero {
        /// The offending sub-expression.
        expression: String,
    },
    /// A value that is NaN or infinite.
    #[error("`{expression}` is {value}, not a finite number")]
    NonFinite {
        /// The offending sub-expression, or the trigger name.
        expression: String,
        /// The value it produced.
        value: f64,
    },
    /// An operator or function applied to the wrong kind of value.
    #[error("`{expression}`: '{operation}' needs {expected}, found {found}")]
    Type {
        /// The offending sub-expression.
        expression: String,
        /// The operator or function.
        operation: &'static str,
        /// What it accepts.
        expected: &'static str,
        /// What it got.
        found: &'static str,
    },
    /// A function with no sensible result for its input, such as `min` of an empty array.
    #[error("`{expression}`: {message}")]
    Domain {
        /// The offending sub-expression.
        expression: String,
        /// What is wrong.
        message: &'static str,
    },
}

impl EvalError {
    /// Whether the formula produced nil, the case KEDA's `scalingModifiers` fallback behavior
    /// replaces with the fallback replica count.
    pub fn is_nil(&self) -> bool {
        matches!(self, EvalError::NilResult { .. })
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'f> {
    Number(f64),
    Bool(bool),
    /// nil, with the trigger it stands for when it came from a missing trigger.
    Nil(Option<&'f str>),
    Array(Vec<Value<'f>>),
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Nil(_) => "nil",
            Value::Array(_) => "an array",
        }
    }
}

/// Evaluates `expr` and requires a number at the top.
pub(crate) fn evaluate(expr: &Expr, lookup: &impl Fn(&str) -> Option<f64>) -> Result<f64> {
    let context = Context { lookup };
    match context.eval(expr, None)? {
        Value::Number(n) => Ok(n),
        Value::Nil(missing) => Err(EvalError::NilResult {
            missing: missing.map(str::to_owned),
        }),
        other => Err(EvalError::NotANumber {
            found: other.kind(),
        }),
    }
}

struct Context<'l, L> {
    lookup: &'l L,
}

fn type_error(
    expr: &Expr,
    operation: &'static str,
    expected: &'static str,
    found: &Value<'_>,
) -> EvalError {
    if let Value::Nil(Some(name)) = found {
        return EvalError::MissingValue {
            name: (*name).to_owned(),
        };
    }
    EvalError::Type {
        expression: expr.to_string(),
        operation,
        expected,
        found: found.kind(),
    }
}

fn number(expr: &Expr, operation: &'static str, value: &Value<'_>) -> Result<f64> {
    match value {
        Value::Number(n) => Ok(*n),
        other => Err(type_error(expr, operation, "a number", other)),
    }
}

fn boolean(expr: &Expr, operation: &'static str, value: &Value<'_>) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(type_error(expr, operation, "a boolean", other)),
    }
}

fn finite<'f>(expr: &Expr, value: f64) -> Result<Value<'f>> {
    if value.is_finite() {
        Ok(Value::Number(value))
    } else {
        Err(EvalError::NonFinite {
            expression: expr.to_string(),
            value,
        })
    }
}

impl<L: Fn(&str) -> Option<f64>> Context<'_, L> {
    fn eval<'f>(&self, expr: &'f Expr, item: Option<&Value<'f>>) -> Result<Value<'f>> {
        match expr {
            Expr::Number(n) => Ok(Value::Number(*n)),
            Expr::Bool(b) => Ok(Value::Bool(*b)),
            Expr::Nil => Ok(Value::Nil(None)),
            Expr::Pointer => Ok(item.cloned().unwrap_or(Value::Nil(None))),
            Expr::Var(name) => match (self.lookup)(name) {
                Some(v) if v.is_finite() => Ok(Value::Number(v)),
                Some(v) => Err(EvalError::NonFinite {
                    expression: format!("trigger '{name}'"),
                    value: v,
                }),
                None => Ok(Value::Nil(Some(name))),
            },
            Expr::Array(items) => items
                .iter()
                .map(|e| self.eval(e, item))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array),
            Expr::Unary(op, operand) => {
                let value = self.eval(operand, item)?;
                match op {
                    UnaryOp::Neg => Ok(Value::Number(-number(expr, "-", &value)?)),
                    UnaryOp::Plus => Ok(Value::Number(number(expr, "+", &value)?)),
                    UnaryOp::Not => Ok(Value::Bool(!boolean(expr, "!", &value)?)),
                }
            }
            Expr::Binary(op, left, right) => self.binary(expr, *op, left, right, item),
            Expr::Conditional(condition, then, otherwise) => {
                let condition = self.eval(condition, item)?;
                if boolean(expr, "? :", &condition)? {
                    self.eval(then, item)
                } else {
                    self.eval(otherwise, item)
                }
            }
            Expr::Call(function, args) => self.call(expr, *function, args, item),
        }
    }

    fn binary<'f>(
        &self,
        expr: &'f Expr,
        op: BinaryOp,
        left: &'f Expr,
        right: &'f Expr,
        item: Option<&Value<'f>>,
    ) -> Result<Value<'f>> {
        let symbol = op.symbol();
        let left = self.eval(left, item)?;
        // Short-circuit forms look at the left side first.
        match op {
            BinaryOp::Coalesce => {
                return match left {
                    Value::Nil(_) => self.eval(right, item),
                    value => Ok(value),
                };
            }
            BinaryOp::And | BinaryOp::Or => {
                let l = boolean(expr, symbol, &left)?;
                if l == (op == BinaryOp::Or) {
                    return Ok(Value::Bool(l));
                }
                let r = self.eval(right, item)?;
                return Ok(Value::Bool(boolean(expr, symbol, &r)?));
            }
            _ => {}
        }
        let right = self.eval(right, item)?;
        match op {
            BinaryOp::Eq => return Ok(Value::Bool(equal(&left, &right))),
            BinaryOp::Ne => return Ok(Value::Bool(!equal(&left, &right))),
            _ => {}
        }
        let l = number(expr, symbol, &left)?;
        let r = number(expr, symbol, &right)?;
        match op {
            BinaryOp::Lt => Ok(Value::Bool(l < r)),
            BinaryOp::Le => Ok(Value::Bool(l <= r)),
            BinaryOp::Gt => Ok(Value::Bool(l > r)),
            BinaryOp::Ge => Ok(Value::Bool(l >= r)),
            BinaryOp::Add => finite(expr, l + r),
            BinaryOp::Sub => finite(expr, l - r),
            BinaryOp::Mul => finite(expr, l * r),
            BinaryOp::Div | BinaryOp::Rem if r == 0.0 => Err(EvalError::DivisionByZero {
                expression: expr.to_string(),
            }),
            BinaryOp::Div => finite(expr, l / r),
            BinaryOp::Rem => finite(expr, l % r),
            BinaryOp::Pow => finite(expr, l.powf(r)),
            BinaryOp::Coalesce | BinaryOp::And | BinaryOp::Or | BinaryOp::Eq | BinaryOp::Ne => {
                unreachable!("handled above")
            }
        }
    }

    fn call<'f>(
        &self,
        expr: &'f Expr,
        function: Function,
        args: &'f [Arg],
        item: Option<&Value<'f>>,
    ) -> Result<Value<'f>> {
        let name = function.name();
        let value_of = |arg: &'f Arg| match arg {
            Arg::Value(e) | Arg::Closure(e) => self.eval(e, item),
        };
        match function {
            Function::Min | Function::Max | Function::Sum | Function::Mean | Function::Median => {
                let values = self.numbers(expr, name, args, item)?;
                aggregate(expr, function, values)
            }
            Function::Pow => {
                let x = number(expr, name, &value_of(&args[0])?)?;
                let y = number(expr, name, &value_of(&args[1])?)?;
                finite(expr, x.powf(y))
            }
            Function::Len => match value_of(&args[0])? {
                Value::Array(items) => Ok(Value::Number(items.len() as f64)),
                other => Err(type_error(expr, name, "an array", &other)),
            },
            Function::Abs
            | Function::Ceil
            | Function::Floor
            | Function::Round
            | Function::Int
            | Function::Float
            | Function::Sqrt => {
                let x = number(expr, name, &value_of(&args[0])?)?;
                let y = match function {
                    Function::Abs => x.abs(),
                    Function::Ceil => x.ceil(),
                    Function::Floor => x.floor(),
                    Function::Round => x.round(),
                    Function::Int => x.trunc(),
                    Function::Sqrt => x.sqrt(),
                    _ => x,
                };
                finite(expr, y)
            }
            Function::Count
            | Function::All
            | Function::Any
            | Function::None
            | Function::One
            | Function::Filter
            | Function::Map => self.predicate(expr, function, args, item),
        }
    }

    /// The numbers a variadic function works on: its arguments, or the elements of its single
    /// array argument.
    fn numbers<'f>(
        &self,
        expr: &'f Expr,
        name: &'static str,
        args: &'f [Arg],
        item: Option<&Value<'f>>,
    ) -> Result<Vec<f64>> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            let Arg::Value(e) = arg else { continue };
            match self.eval(e, item)? {
                Value::Array(items) if args.len() == 1 => {
                    for element in &items {
                        values.push(number(expr, name, element)?);
                    }
                }
                other => values.push(number(expr, name, &other)?),
            }
        }
        Ok(values)
    }

    fn predicate<'f>(
        &self,
        expr: &'f Expr,
        function: Function,
        args: &'f [Arg],
        item: Option<&Value<'f>>,
    ) -> Result<Value<'f>> {
        let name = function.name();
        let (Arg::Value(array), Arg::Closure(body)) = (&args[0], &args[1]) else {
            unreachable!("the parser checks predicate arity")
        };
        let items = match self.eval(array, item)? {
            Value::Array(items) => items,
            other => return Err(type_error(expr, name, "an array", &other)),
        };
        if function == Function::Map {
            return items
                .iter()
                .map(|element| self.eval(body, Some(element)))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array);
        }
        let mut kept = Vec::new();
        let mut hits = 0usize;
        for element in &items {
            let verdict = self.eval(body, Some(element))?;
            if boolean(expr, name, &verdict)? {
                hits += 1;
                if function == Function::Filter {
                    kept.push(element.clone());
                }
            }
        }
        Ok(match function {
            Function::Count => Value::Number(hits as f64),
            Function::All => Value::Bool(hits == items.len()),
            Function::Any => Value::Bool(hits > 0),
            Function::None => Value::Bool(hits == 0),
            Function::One => Value::Bool(hits == 1),
            _ => Value::Array(kept),
        })
    }
}

fn aggregate<'f>(expr: &Expr, function: Function, mut values: Vec<f64>) -> Result<Value<'f>> {
    if values.is_empty() {
        return if function == Function::Sum {
            Ok(Value::Number(0.0))
        } else {
            Err(EvalError::Domain {
                expression: expr.to_string(),
                message: "needs at least one value",
            })
        };
    }
    let n = values.len() as f64;
    let result = match function {
        Function::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Function::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Function::Sum => values.iter().sum(),
        Function::Mean => values.iter().sum::<f64>() / n,
        _ => {
            values.sort_by(f64::total_cmp);
            let mid = values.len() / 2;
            if values.len().is_multiple_of(2) {
                f64::midpoint(values[mid - 1], values[mid])
            } else {
                values[mid]
            }
        }
    };
    finite(expr, result)
}

/// expr-lang equality: values of different kinds are unequal, never an error.
fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        // Exact comparison is the language's semantics, as in expr-lang.
        #[allow(clippy::float_cmp)]
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Nil(_), Value::Nil(_)) => true,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        _ => false,
    }
}
