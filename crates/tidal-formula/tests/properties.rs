//! Properties over generated formulas: printing is a faithful inverse of parsing, and no input
//! text or trigger values can make parsing or evaluation panic.

use proptest::prelude::*;
use tidal_formula::{Arg, BinaryOp, Expr, Formula, Function, UnaryOp};

const NAMES: &[&str] = &[
    "a",
    "queue",
    "_x1",
    "max",
    "cpu",
    "my-trigger",
    "and",
    "é",
    "a\"b",
    "$x",
    "1st",
];

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..1000).prop_map(f64::from),
        (0.0f64..1e6),
        Just(1e300),
        Just(2.5e-12),
        Just(0.1),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => number().prop_map(Expr::Number),
        1 => any::<bool>().prop_map(Expr::Bool),
        1 => Just(Expr::Nil),
        4 => prop::sample::select(NAMES).prop_map(|n| Expr::Var(n.to_owned())),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
        BinaryOp::Pow,
        BinaryOp::Coalesce,
    ])
}

fn call(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    prop::sample::select(Function::ALL.to_vec()).prop_flat_map(move |function| {
        let one = inner.clone().prop_map(Arg::Value);
        let args: BoxedStrategy<Vec<Arg>> = match function {
            Function::Pow => prop::collection::vec(one, 2).boxed(),
            Function::Min | Function::Max | Function::Sum | Function::Mean | Function::Median => {
                prop::collection::vec(one, 1..4).boxed()
            }
            Function::Count
            | Function::All
            | Function::Any
            | Function::None
            | Function::One
            | Function::Filter
            | Function::Map => (inner.clone(), inner.clone())
                .prop_map(|(array, bound)| {
                    vec![
                        Arg::Value(array),
                        Arg::Closure(Expr::Binary(
                            BinaryOp::Gt,
                            Box::new(Expr::Pointer),
                            Box::new(bound),
                        )),
                    ]
                })
                .boxed(),
            _ => prop::collection::vec(one, 1).boxed(),
        };
        args.prop_map(move |args| Expr::Call(function, args))
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec![UnaryOp::Neg, UnaryOp::Plus, UnaryOp::Not]),
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::Unary(op, Box::new(e))),
            (binary_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| Expr::Binary(
                op,
                Box::new(l),
                Box::new(r)
            )),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, t, o)| { Expr::Conditional(Box::new(c), Box::new(t), Box::new(o)) }),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::Array),
            call(inner.boxed()),
        ]
    })
}

/// Text made of the formula alphabet, so the parser's error paths get exercised, not only the
/// lexer's.
fn formula_like_text() -> impl Strategy<Value = String> {
    "[a-c0-9 +*/%()?:!<>=&|#{}\\[\\],.\\-^$\"'_]{0,40}"
}

fn values() -> impl Strategy<Value = Vec<Option<f64>>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<f64>().prop_map(Some),
            1 => Just(None),
            2 => (-100i32..100).prop_map(|v| Some(f64::from(v))),
        ],
        NAMES.len(),
    )
}

fn lookup(values: &[Option<f64>]) -> impl Fn(&str) -> Option<f64> + '_ {
    move |name| {
        NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| values[i])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(tree in expr()) {
        let printed = tree.to_string();
        let parsed = Formula::parse(&printed)
            .map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(parsed.expr(), &tree, "printed as {}", printed);
    }

    #[test]
    fn evaluating_a_generated_tree_never_panics(tree in expr(), values in values()) {
        let formula = Formula::parse(&tree.to_string()).unwrap();
        if let Ok(value) = formula.eval(lookup(&values)) {
            prop_assert!(value.is_finite(), "a successful result is always finite");
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in prop_oneof![formula_like_text(), "\\PC{0,60}"], values in values()) {
        if let Ok(formula) = Formula::parse(&text) {
            let _ = formula.eval(lookup(&values));
            // What parses also survives its own canonical printing.
            let again = Formula::parse(&formula.to_string());
            prop_assert_eq!(again.as_ref().map(Formula::expr).ok(), Some(formula.expr()));
        }
    }
}
