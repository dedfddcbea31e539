//! Table-driven evaluation tests: what users write in `scalingModifiers.formula` and what they get.

use tidal_formula::{EvalError, Formula};

/// Trigger values shared by the tables: `queue` 80, `cpu` 0.5, `rps` 12, `zero` 0; `down` has no
/// value (its scaler failed).
fn lookup(name: &str) -> Option<f64> {
    match name {
        "queue" => Some(80.0),
        "cpu" => Some(0.5),
        "rps" => Some(12.0),
        "zero" => Some(0.0),
        "http-rate" => Some(3.0),
        _ => None,
    }
}

fn eval(source: &str) -> Result<f64, EvalError> {
    Formula::parse(source)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
        .eval(lookup)
}

#[test]
fn arithmetic_and_precedence() {
    for (source, expected) in [
        ("queue / 10", 8.0),
        ("queue + rps * 2", 104.0),
        ("(queue + rps) * 2", 184.0),
        ("queue - rps - 8", 60.0),
        ("2 ** 3 ** 2", 512.0),
        ("2 ^ 3", 8.0),
        ("-2 ** 2", -4.0),
        ("(-2) ** 2", 4.0),
        ("7 % 3", 1.0),
        ("-7 % 3", -1.0),
        ("7.5 % 2", 1.5),
        ("+rps", 12.0),
        ("- -rps", 12.0),
        ("1_000 / 1e3", 1.0),
        ("0x10 + .5", 16.5),
        ("queue-rps", 68.0),
        ("$env[\"http-rate\"] * 2", 6.0),
        ("$env['queue'] / 4", 20.0),
    ] {
        assert_eq!(eval(source), Ok(expected), "{source}");
    }
}

#[test]
fn conditionals_and_logic() {
    for (source, expected) in [
        // KEDA's documented examples.
        ("queue > 2 ? queue + rps : 1", 92.0),
        ("cpu < 2 ? cpu + rps >= 2 ? 5 : 10 : 0", 5.0),
        ("count([queue, rps, cpu], {# > 1}) > 1 ? 5 : 0", 5.0),
        ("queue > 100 || rps > 10 ? 1 : 0", 1.0),
        ("queue > 100 or rps > 10 ? 1 : 0", 1.0),
        ("queue > 10 && rps > 100 ? 1 : 0", 0.0),
        ("queue > 10 and not (rps > 100) ? 1 : 0", 1.0),
        ("!(queue == 80) ? 1 : 0", 0.0),
        ("queue != 80 ? 1 : 0", 0.0),
        ("true == (queue >= 80) ? 3 : 4", 3.0),
        ("queue <= 80 ? 1 : 2", 1.0),
        // Conditionals nest to the right.
        ("rps > 100 ? 1 : rps > 10 ? 2 : 3", 2.0),
    ] {
        assert_eq!(eval(source), Ok(expected), "{source}");
    }
}

#[test]
fn short_circuit_skips_the_failing_side() {
    // The right side would be an error; `||` and `&&` must not look at it.
    assert_eq!(eval("rps > 1 || down > 1 ? 1 : 0"), Ok(1.0));
    assert_eq!(eval("rps < 1 && down > 1 ? 1 : 0"), Ok(0.0));
    assert_eq!(eval("rps > 1 ? 1 : queue / zero"), Ok(1.0));
}

#[test]
fn functions() {
    for (source, expected) in [
        ("max(queue / 10, rps / 4)", 8.0),
        ("min(queue / 10, rps / 4)", 3.0),
        ("max([1, 7, 3])", 7.0),
        ("min(5)", 5.0),
        ("sum([queue, rps])", 92.0),
        ("sum([])", 0.0),
        ("mean(queue, rps, 4)", 32.0),
        ("median([5, 1, 3])", 3.0),
        ("median(4, 1, 3, 2)", 2.5),
        ("abs(-3.5)", 3.5),
        ("ceil(cpu)", 1.0),
        ("floor(2.7)", 2.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("int(-2.7)", -2.0),
        ("float(rps)", 12.0),
        ("sqrt(16)", 4.0),
        ("pow(2, 10)", 1024.0),
        ("len([1, 2, 3])", 3.0),
        ("count([1, 2, 3], {# >= 2})", 2.0),
        ("all([1, 2], {# > 0}) ? 1 : 0", 1.0),
        ("any([1, 2], {# > 1}) ? 1 : 0", 1.0),
        ("none([1, 2], {# > 5}) ? 1 : 0", 1.0),
        ("one([1, 2], {# > 1}) ? 1 : 0", 1.0),
        ("sum(filter([queue, rps, cpu], {# > 1}))", 92.0),
        ("sum(map([1, 2, 3], {# * 2}))", 12.0),
        ("count(map([[1, 2], [3]], {len(#)}), {# > 1})", 1.0),
    ] {
        assert_eq!(eval(source), Ok(expected), "{source}");
    }
}

#[test]
fn nil_coalescing_replaces_failed_triggers() {
    for (source, expected) in [
        ("down ?? 7", 7.0),
        ("queue ?? 7", 80.0),
        ("down ?? other ?? 8", 8.0),
        // `??` binds tighter than arithmetic, as in expr-lang.
        ("down ?? 2 + 1", 3.0),
        ("-down ?? 4", -4.0),
        ("down == nil ? 1 : 0", 1.0),
        ("queue == nil ? 1 : 0", 0.0),
        ("nil ?? 1", 1.0),
    ] {
        assert_eq!(eval(source), Ok(expected), "{source}");
    }
}

#[test]
fn runtime_errors_are_typed_and_quote_the_culprit() {
    let cases: &[(&str, EvalError)] = &[
        (
            "down + 1",
            EvalError::MissingValue {
                name: "down".into(),
            },
        ),
        (
            "max(queue, down)",
            EvalError::MissingValue {
                name: "down".into(),
            },
        ),
        (
            "down",
            EvalError::NilResult {
                missing: Some("down".into()),
            },
        ),
        ("down ?? nil", EvalError::NilResult { missing: None }),
        ("queue > 1", EvalError::NotANumber { found: "a boolean" }),
        ("[1]", EvalError::NotANumber { found: "an array" }),
        (
            "queue / zero",
            EvalError::DivisionByZero {
                expression: "queue / zero".into(),
            },
        ),
        (
            "1 + queue % zero",
            EvalError::DivisionByZero {
                expression: "queue % zero".into(),
            },
        ),
        (
            "sqrt(0 - 1)",
            EvalError::NonFinite {
                expression: "sqrt(0 - 1)".into(),
                value: f64::NAN,
            },
        ),
        (
            "1e308 * 10",
            EvalError::NonFinite {
                expression: "1e308 * 10".into(),
                value: f64::INFINITY,
            },
        ),
        (
            "queue ? 1 : 2",
            EvalError::Type {
                expression: "queue ? 1 : 2".into(),
                operation: "? :",
                expected: "a boolean",
                found: "a number",
            },
        ),
        (
            "true + 1",
            EvalError::Type {
                expression: "true + 1".into(),
                operation: "+",
                expected: "a number",
                found: "a boolean",
            },
        ),
        (
            "min([])",
            EvalError::Domain {
                expression: "min([])".into(),
                message: "needs at least one value",
            },
        ),
        (
            "count([1], {# + 1})",
            EvalError::Type {
                expression: "count([1], {# + 1})".into(),
                operation: "count",
                expected: "a boolean",
                found: "a number",
            },
        ),
    ];
    for (source, expected) in cases {
        let got = eval(source).expect_err(source);
        // NaN never equals itself: compare the rendered message for NaN cases.
        assert_eq!(got.to_string(), expected.to_string(), "{source}");
        assert_eq!(
            std::mem::discriminant(&got),
            std::mem::discriminant(expected),
            "{source}"
        );
    }
}

#[test]
fn non_finite_trigger_values_are_rejected() {
    let formula = Formula::parse("a + 1").unwrap();
    let error = formula.eval(|_| Some(f64::INFINITY)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`trigger 'a'` is inf, not a finite number"
    );
}

#[test]
fn nil_results_are_recognisable_for_fallback() {
    assert!(eval("down").unwrap_err().is_nil());
    assert!(!eval("down + 1").unwrap_err().is_nil());
}

#[test]
fn messages_tell_the_user_what_to_do() {
    assert_eq!(
        eval("down * 2").unwrap_err().to_string(),
        "trigger 'down' has no value; use `down ?? <default>` to fall back when its scaler fails"
    );
    assert_eq!(
        eval("queue > 1").unwrap_err().to_string(),
        "the formula produced a boolean, not a number; turn a condition into a number with \
         `cond ? a : b`"
    );
}
