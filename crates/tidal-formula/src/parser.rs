//! Precedence-climbing parser from tokens to [`Expr`], with expr-lang's precedence table.
//!
//! Precedence, loosest first: `c ? a : b` (right-associative, branches may nest), `||`, `&&`,
//! comparisons, `+ -`, `* / %`, prefix `!` (binds looser than arithmetic, as in expr-lang),
//! prefix `- +`, `**` (right-associative), `??` (tightest of all: `a ?? b + 1` is
//! `(a ?? b) + 1`). Function arity is checked here, so a formula that parses can only fail at
//! evaluation time because of its values.
//!
//! Depth is bounded ([`MAX_DEPTH`]) so that neither parsing nor evaluation can exhaust the stack
//! on hostile input.

use crate::ast::{Arg, Arity, BinaryOp, Expr, Function, UnaryOp};
use crate::lexer::{Spanned, Token, tokenize};

/// Result of parsing.
pub(crate) type Result<T, E = ParseError> = std::result::Result<T, E>;

/// How deep the syntax tree may go.
pub const MAX_DEPTH: usize = 128;

/// How deep the parser may recurse. Each tree level costs at most three levels of recursion
/// (parentheses, operator, operand), so the canonical printing of any tree the parser accepts
/// parses again within this bound.
const MAX_RECURSION: usize = 4 * MAX_DEPTH;

/// A formula that does not parse: where, what was found, and what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: expected {expected}, found {found}")]
pub struct ParseError {
    column: usize,
    found: String,
    expected: String,
}

impl ParseError {
    pub(crate) fn new(
        column: usize,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Self {
            column,
            found: found.into(),
            expected: expected.into(),
        }
    }

    /// The 1-based character column of the offending token.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The offending token, as the message quotes it.
    pub fn found(&self) -> &str {
        &self.found
    }

    /// What the parser would have accepted there.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

/// The parsed tree and the trigger names it references, in order of first use.
pub(crate) struct Parsed {
    pub(crate) expr: Expr,
    pub(crate) variables: Vec<String>,
}

/// Parses a whole formula.
pub(crate) fn parse(source: &str) -> Result<Parsed> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        nesting: 0,
        closures: 0,
        variables: Vec::new(),
    };
    if parser.peek() == &Token::End {
        return Err(parser.unexpected("a formula such as `queue / 10` or `max(a, b)`"));
    }
    let (expr, _) = parser.expression()?;
    if parser.peek() != &Token::End {
        return Err(parser.unexpected("an operator or the end of the formula"));
    }
    Ok(Parsed {
        expr,
        variables: parser.variables,
    })
}

struct Parser {
    tokens: Vec<Spanned>,
    pos: usize,
    /// Current recursion depth, bounded by [`MAX_DEPTH`].
    nesting: usize,
    /// How many predicate closures enclose the current position (`#` is valid only inside one).
    closures: usize,
    variables: Vec<String>,
}

/// A parsed subtree and its depth.
type Node = (Expr, usize);

const OPERAND: &str = "a number, a trigger name, a function call, '(' or '['";

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].token
    }

    fn column(&self) -> usize {
        self.tokens[self.pos].column
    }

    fn advance(&mut self) -> Spanned {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        ParseError::new(self.column(), self.peek().describe(), expected)
    }

    fn expect(&mut self, punct: &'static str, expected: &str) -> Result<()> {
        if self.peek() == &Token::Punct(punct) {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.nesting += 1;
        if self.nesting > MAX_RECURSION {
            return Err(self.too_deep());
        }
        Ok(())
    }

    fn too_deep(&self) -> ParseError {
        ParseError::new(
            self.column(),
            format!("nesting deeper than {MAX_DEPTH} levels"),
            "a shallower formula (split long chains with functions such as sum or max)",
        )
    }

    fn node(&self, expr: Expr, depth: usize) -> Result<Node> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        Ok((expr, depth))
    }

    /// A full expression, including a trailing conditional.
    fn expression(&mut self) -> Result<Node> {
        self.enter()?;
        let condition = self.binary(0)?;
        let result = if self.peek() == &Token::Punct("?") {
            self.advance();
            let then = self.expression()?;
            self.expect(":", "':' and the value when the condition is false")?;
            let otherwise = self.expression()?;
            let depth = 1 + condition.1.max(then.1).max(otherwise.1);
            self.node(
                Expr::Conditional(
                    Box::new(condition.0),
                    Box::new(then.0),
                    Box::new(otherwise.0),
                ),
                depth,
            )?
        } else {
            condition
        };
        self.nesting -= 1;
        Ok(result)
    }

    /// Binary operators of precedence `min` and above.
    fn binary(&mut self, min: u16) -> Result<Node> {
        self.enter()?;
        let mut left = self.prefix()?;
        while let Some(op) = self.binary_operator(min) {
            self.advance();
            let next = if op.right_associative() {
                op.precedence()
            } else {
                op.precedence() + 1
            };
            let right = self.binary(next)?;
            let depth = 1 + left.1.max(right.1);
            left = self.node(Expr::Binary(op, Box::new(left.0), Box::new(right.0)), depth)?;
        }
        self.nesting -= 1;
        Ok(left)
    }

    /// The binary operator at the cursor, if it binds at least as tightly as `min`.
    fn binary_operator(&self, min: u16) -> Option<BinaryOp> {
        match self.peek() {
            Token::Punct(symbol) => {
                BinaryOp::from_symbol(symbol).filter(|op| op.precedence() >= min)
            }
            _ => None,
        }
    }

    fn prefix(&mut self) -> Result<Node> {
        let op = match self.peek() {
            Token::Punct("-") => UnaryOp::Neg,
            Token::Punct("+") => UnaryOp::Plus,
            Token::Punct("!") => UnaryOp::Not,
            _ => return self.primary(),
        };
        self.advance();
        let operand = self.binary(op.precedence())?;
        let depth = operand.1 + 1;
        self.node(Expr::Unary(op, Box::new(operand.0)), depth)
    }

    fn primary(&mut self) -> Result<Node> {
        let column = self.column();
        match self.peek().clone() {
            Token::Number(n) => {
                self.advance();
                Ok((Expr::Number(n), 1))
            }
            Token::Bool(b) => {
                self.advance();
                Ok((Expr::Bool(b), 1))
            }
            Token::Nil => {
                self.advance();
                Ok((Expr::Nil, 1))
            }
            Token::Pointer if self.closures > 0 => {
                self.advance();
                Ok((Expr::Pointer, 1))
            }
            Token::Pointer => Err(ParseError::new(
                column,
                "'#' outside a predicate",
                "'#' only inside a predicate such as count([a, b], {# > 1})",
            )),
            Token::Ident(name) if name == "$env" => {
                self.advance();
                self.expect("[", "'[' after $env, as in $env[\"my-trigger\"]")?;
                let Token::Str(name) = self.peek().clone() else {
                    return Err(
                        self.unexpected("a quoted trigger name, as in $env[\"my-trigger\"]")
                    );
                };
                self.advance();
                self.expect("]", "']' closing $env[…]")?;
                Ok((self.variable(name), 1))
            }
            Token::Ident(name) => {
                self.advance();
                if self.peek() == &Token::Punct("(") {
                    self.call(&name, column)
                } else {
                    Ok((self.variable(name), 1))
                }
            }
            Token::Punct("(") => {
                self.advance();
                let inner = self.expression()?;
                self.expect(")", "')' or an operator")?;
                Ok(inner)
            }
            Token::Punct("[") => {
                self.advance();
                let (items, depth) = self.list("]")?;
                self.node(Expr::Array(items), depth + 1)
            }
            _ => Err(self.unexpected(OPERAND)),
        }
    }

    fn variable(&mut self, name: String) -> Expr {
        if !self.variables.contains(&name) {
            self.variables.push(name.clone());
        }
        Expr::Var(name)
    }

    /// Comma-separated expressions up to `close` (a trailing comma is allowed).
    fn list(&mut self, close: &'static str) -> Result<(Vec<Expr>, usize)> {
        let mut items = Vec::new();
        let mut depth = 0;
        while self.peek() != &Token::Punct(close) {
            let (item, d) = self.expression()?;
            items.push(item);
            depth = depth.max(d);
            if self.peek() == &Token::Punct(",") {
                self.advance();
            } else if self.peek() != &Token::Punct(close) {
                return Err(self.unexpected(&format!("',' or '{close}'")));
            }
        }
        self.advance();
        Ok((items, depth))
    }

    fn call(&mut self, name: &str, column: usize) -> Result<Node> {
        let Some(function) = Function::from_name(name) else {
            let known: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
            return Err(ParseError::new(
                column,
                format!("unknown function '{name}'"),
                format!("one of the functions {}", known.join(", ")),
            ));
        };
        self.advance(); // `(`
        let mut args = Vec::new();
        let mut depth = 0;
        while self.peek() != &Token::Punct(")") {
            let (arg, d) = if self.peek() == &Token::Punct("{") {
                self.advance();
                self.closures += 1;
                let (body, d) = self.expression()?;
                self.closures -= 1;
                self.expect("}", "'}' closing the predicate")?;
                (Arg::Closure(body), d)
            } else {
                let (value, d) = self.expression()?;
                (Arg::Value(value), d)
            };
            args.push(arg);
            depth = depth.max(d);
            if self.peek() == &Token::Punct(",") {
                self.advance();
            } else if self.peek() != &Token::Punct(")") {
                return Err(self.unexpected("',' or ')'"));
            }
        }
        self.advance();
        check_arity(function, &args, column)?;
        self.node(Expr::Call(function, args), depth + 1)
    }
}

fn check_arity(function: Function, args: &[Arg], column: usize) -> Result<()> {
    let name = function.name();
    let closures = args.iter().filter(|a| matches!(a, Arg::Closure(_))).count();
    let (ok, usage) = match function.arity() {
        Arity::Exactly(1) => (args.len() == 1 && closures == 0, format!("{name}(x)")),
        Arity::Exactly(_) => (args.len() == 2 && closures == 0, format!("{name}(x, y)")),
        Arity::Variadic => (
            !args.is_empty() && closures == 0,
            format!("{name}(a, b, …) or {name}([a, b, …])"),
        ),
        Arity::Predicate => (
            args.len() == 2
                && matches!(args[0], Arg::Value(_))
                && matches!(args[1], Arg::Closure(_)),
            format!("{name}([a, b, …], {{# > 1}})"),
        ),
    };
    if ok {
        return Ok(());
    }
    let found = match (args.len(), closures) {
        (0, _) => "no arguments".to_owned(),
        (1, 0) => "1 argument".to_owned(),
        (n, 0) => format!("{n} arguments"),
        (n, c) => format!("{n} arguments ({c} of them predicates)"),
    };
    Err(ParseError::new(
        column,
        format!("{found} to {name}"),
        format!("a call such as {usage}"),
    ))
}
