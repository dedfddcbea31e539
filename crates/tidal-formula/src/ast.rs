//! The syntax tree of a formula and its canonical printed form.
//!
//! The tree is what [`crate::Formula`] evaluates and what error messages quote. Printing inserts
//! parentheses only where precedence requires them, so `a + b * c` prints as written while
//! `(a + b) * c` keeps its parentheses; parsing the printed form always gives back the same tree.

use std::fmt;

/// A node of the syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal (never negative: `-1` is [`UnaryOp::Neg`] applied to `1`).
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `nil`, the value of a missing trigger.
    Nil,
    /// A trigger value, by trigger name.
    Var(String),
    /// `#`: the element a predicate closure is looking at.
    Pointer,
    /// An array literal `[a, b, c]`.
    Array(Vec<Expr>),
    /// A prefix operator.
    Unary(UnaryOp, Box<Expr>),
    /// An infix operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `condition ? then : otherwise`.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A call of a built-in function.
    Call(Function, Vec<Arg>),
}

/// One argument of a function call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An ordinary value.
    Value(Expr),
    /// A predicate closure `{ … }`, evaluated once per array element with `#` bound to it.
    Closure(Expr),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
    /// `!x` or `not x`.
    Not,
}

/// Infix operators, in expr-lang's precedence classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a || b`, `a or b`.
    Or,
    /// `a && b`, `a and b`.
    And,
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a % b` (floating-point remainder with the sign of `a`).
    Rem,
    /// `a ** b` or `a ^ b`.
    Pow,
    /// `a ?? b`: `b` when `a` is nil.
    Coalesce,
}

impl BinaryOp {
    /// expr-lang's precedence: higher binds tighter.
    pub(crate) fn precedence(self) -> u16 {
        match self {
            BinaryOp::Or => 10,
            BinaryOp::And => 15,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 20,
            BinaryOp::Add | BinaryOp::Sub => 30,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 60,
            BinaryOp::Pow => 100,
            BinaryOp::Coalesce => 500,
        }
    }

    /// `**` is the only right-associative operator: `2 ** 3 ** 2` is `2 ** 9`.
    pub(crate) fn right_associative(self) -> bool {
        self == BinaryOp::Pow
    }

    /// The operator as it is printed.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Pow => "**",
            BinaryOp::Coalesce => "??",
        }
    }

    /// The operator a token spells, if any.
    pub(crate) fn from_symbol(symbol: &str) -> Option<Self> {
        Some(match symbol {
            "||" => BinaryOp::Or,
            "&&" => BinaryOp::And,
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Rem,
            "**" | "^" => BinaryOp::Pow,
            "??" => BinaryOp::Coalesce,
            _ => return None,
        })
    }
}

impl UnaryOp {
    /// expr-lang's precedence of the operand: `-a ** 2` is `-(a ** 2)`, `!a == b` is `(!a) == b`.
    pub(crate) fn precedence(self) -> u16 {
        match self {
            UnaryOp::Not => 50,
            UnaryOp::Neg | UnaryOp::Plus => 90,
        }
    }

    /// The operator as it is printed.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "!",
        }
    }
}

/// The built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `min(a, b, …)` or `min(array)`.
    Min,
    /// `max(a, b, …)` or `max(array)`.
    Max,
    /// `abs(x)`.
    Abs,
    /// `ceil(x)`.
    Ceil,
    /// `floor(x)`.
    Floor,
    /// `round(x)`: halves round away from zero.
    Round,
    /// `int(x)`: truncates toward zero.
    Int,
    /// `float(x)`: the number itself (KEDA wraps every formula in it).
    Float,
    /// `sqrt(x)` (Tidal extension).
    Sqrt,
    /// `pow(x, y)` (Tidal extension; expr-lang spells it `x ** y`).
    Pow,
    /// `sum(array)` or `sum(a, b, …)`.
    Sum,
    /// `mean(array)` or `mean(a, b, …)`.
    Mean,
    /// `median(array)` or `median(a, b, …)`.
    Median,
    /// `len(array)`.
    Len,
    /// `count(array, {predicate})`: how many elements satisfy the predicate.
    Count,
    /// `all(array, {predicate})`.
    All,
    /// `any(array, {predicate})`.
    Any,
    /// `none(array, {predicate})`.
    None,
    /// `one(array, {predicate})`: exactly one element satisfies it.
    One,
    /// `filter(array, {predicate})`.
    Filter,
    /// `map(array, {expression})`.
    Map,
}

/// How many arguments a function takes and whether its second one is a closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// Exactly this many plain values.
    Exactly(usize),
    /// One or more plain values, or one array.
    Variadic,
    /// An array and a closure.
    Predicate,
}

impl Function {
    /// Every function, in the order error messages list them.
    pub const ALL: [Function; 21] = [
        Function::Min,
        Function::Max,
        Function::Abs,
        Function::Ceil,
        Function::Floor,
        Function::Round,
        Function::Int,
        Function::Float,
        Function::Sqrt,
        Function::Pow,
        Function::Sum,
        Function::Mean,
        Function::Median,
        Function::Len,
        Function::Count,
        Function::All,
        Function::Any,
        Function::None,
        Function::One,
        Function::Filter,
        Function::Map,
    ];

    /// The function's name in formulas.
    pub fn name(self) -> &'static str {
        match self {
            Function::Min => "min",
            Function::Max => "max",
            Function::Abs => "abs",
            Function::Ceil => "ceil",
            Function::Floor => "floor",
            Function::Round => "round",
            Function::Int => "int",
            Function::Float => "float",
            Function::Sqrt => "sqrt",
            Function::Pow => "pow",
            Function::Sum => "sum",
            Function::Mean => "mean",
            Function::Median => "median",
            Function::Len => "len",
            Function::Count => "count",
            Function::All => "all",
            Function::Any => "any",
            Function::None => "none",
            Function::One => "one",
            Function::Filter => "filter",
            Function::Map => "map",
        }
    }

    /// The function with this name, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    pub(crate) fn arity(self) -> Arity {
        match self {
            Function::Abs
            | Function::Ceil
            | Function::Floor
            | Function::Round
            | Function::Int
            | Function::Float
            | Function::Sqrt
            | Function::Len => Arity::Exactly(1),
            Function::Pow => Arity::Exactly(2),
            Function::Min | Function::Max | Function::Sum | Function::Mean | Function::Median => {
                Arity::Variadic
            }
            Function::Count
            | Function::All
            | Function::Any
            | Function::None
            | Function::One
            | Function::Filter
            | Function::Map => Arity::Predicate,
        }
    }
}

/// Whether `name` can be written bare; other names are written `$env["…"]`.
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !matches!(name, "true" | "false" | "nil" | "and" | "or" | "not")
}

/// Precedence of a node when it appears as an operand: atoms bind tightest, the conditional
/// loosest.
fn node_precedence(expr: &Expr) -> u16 {
    match expr {
        Expr::Conditional(..) => 0,
        Expr::Binary(op, ..) => op.precedence(),
        Expr::Unary(op, _) => op.precedence(),
        _ => u16::MAX,
    }
}

struct Operand<'a>(&'a Expr, bool);

impl fmt::Display for Operand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Very large and very small magnitudes print in exponent form, which reads back
            // to the same f64.
            Expr::Number(n) if *n != 0.0 && !(1e-5..1e16).contains(&n.abs()) => write!(f, "{n:e}"),
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Nil => f.write_str("nil"),
            Expr::Pointer => f.write_str("#"),
            Expr::Var(name) if is_plain_identifier(name) => f.write_str(name),
            Expr::Var(name) => {
                f.write_str("$env[\"")?;
                for c in name.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        '\r' => f.write_str("\\r")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"]")
            }
            Expr::Array(items) => {
                f.write_str("[")?;
                write_list(f, items.iter())?;
                f.write_str("]")
            }
            Expr::Unary(op, operand) => {
                let wrap = node_precedence(operand) < op.precedence();
                // A space keeps `- -a` from reading like a decrement.
                let space = if matches!(**operand, Expr::Unary(..)) {
                    " "
                } else {
                    ""
                };
                write!(f, "{}{space}{}", op.symbol(), Operand(operand, wrap))
            }
            Expr::Binary(op, left, right) => {
                let p = op.precedence();
                let (left_wrap, right_wrap) = if op.right_associative() {
                    (node_precedence(left) <= p, node_precedence(right) < p)
                } else {
                    (node_precedence(left) < p, node_precedence(right) <= p)
                };
                write!(
                    f,
                    "{} {} {}",
                    Operand(left, left_wrap),
                    op.symbol(),
                    Operand(right, right_wrap)
                )
            }
            Expr::Conditional(condition, then, otherwise) => {
                // The condition is parsed at the lowest binary level, so only a nested
                // conditional needs parentheses there; both branches accept anything.
                let wrap = matches!(**condition, Expr::Conditional(..));
                write!(f, "{} ? {then} : {otherwise}", Operand(condition, wrap))
            }
            Expr::Call(function, args) => {
                write!(f, "{}(", function.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match arg {
                        Arg::Value(e) => write!(f, "{e}")?,
                        Arg::Closure(e) => write!(f, "{{{e}}}")?,
                    }
                }
                f.write_str(")")
            }
        }
    }
}

fn write_list<'a>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = &'a Expr>,
) -> fmt::Result {
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}
