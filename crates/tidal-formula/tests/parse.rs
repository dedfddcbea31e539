//! Parse tests: the accepted grammar, the canonical printed form, and error messages.

use tidal_formula::{Formula, MAX_DEPTH, ParseError};

fn canonical(source: &str) -> String {
    Formula::parse(source)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
        .to_string()
}

fn error(source: &str) -> ParseError {
    match Formula::parse(source) {
        Ok(f) => panic!("{source} parsed as {f}"),
        Err(e) => e,
    }
}

#[test]
fn printing_keeps_only_needed_parentheses() {
    for (source, printed) in [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("2**3**2", "2 ** 3 ** 2"),
        ("(2**3)**2", "(2 ** 3) ** 2"),
        ("2^3", "2 ** 3"),
        ("-a**2", "-a ** 2"),
        ("(-a)**2", "(-a) ** 2"),
        ("!a==b", "!a == b"),
        ("!(a==b)", "!(a == b)"),
        ("not a and b or c", "!a && b || c"),
        ("a ?? b + 1", "a ?? b + 1"),
        ("(a ?? b) ?? c", "a ?? b ?? c"),
        ("a ?? (b ?? c)", "a ?? (b ?? c)"),
        ("a ? b : c ? d : e", "a ? b : c ? d : e"),
        ("(a ? b : c) ? d : e", "(a ? b : c) ? d : e"),
        ("(a ? b : c) + 1", "(a ? b : c) + 1"),
        ("max( a , [1,2,] )", "max(a, [1, 2])"),
        ("count([a,b],{#>1})", "count([a, b], {# > 1})"),
        (
            "$env[\"my-trigger\"] + $env['plain']",
            "$env[\"my-trigger\"] + plain",
        ),
        ("- -a", "- -a"),
        ("-(-a)", "- -a"),
        ("!!a", "! !a"),
        ("0.1 + 1e3", "0.1 + 1000"),
    ] {
        assert_eq!(canonical(source), printed, "{source}");
        // The printed form is itself canonical.
        assert_eq!(canonical(printed), printed, "{printed}");
    }
}

#[test]
fn variables_are_listed_once_in_order() {
    let formula =
        Formula::parse("b + a * b + $env[\"c-d\"] + count([a], {# > e}) + max(f)").unwrap();
    assert_eq!(formula.variables(), ["b", "a", "c-d", "e", "f"]);
    // Function names are not variables unless used bare.
    let formula = Formula::parse("max + max(1)").unwrap();
    assert_eq!(formula.variables(), ["max"]);
}

#[test]
fn unknown_variables_name_the_culprit_and_the_known_names() {
    let formula = Formula::parse("queue + lag").unwrap();
    assert!(formula.check_variables(["queue", "lag", "cpu"]).is_ok());
    assert_eq!(
        formula
            .check_variables(["queue", "cpu"])
            .unwrap_err()
            .to_string(),
        "unknown trigger 'lag' in the formula; the named triggers are: queue, cpu"
    );
    assert_eq!(
        formula.check_variables([]).unwrap_err().to_string(),
        "unknown trigger 'queue' in the formula; the named triggers are: (none: give triggers a \
         `name`)"
    );
}

#[test]
fn errors_give_column_token_and_expectation() {
    for (source, column, message) in [
        (
            "",
            1,
            "expected a formula such as `queue / 10` or `max(a, b)`, found the end of the formula",
        ),
        (
            "a +",
            4,
            "expected a number, a trigger name, a function call, '(' or '[', found the end of the formula",
        ),
        (
            "a b",
            3,
            "expected an operator or the end of the formula, found 'b'",
        ),
        (
            "(a + b",
            7,
            "expected ')' or an operator, found the end of the formula",
        ),
        (
            "a ? b",
            6,
            "expected ':' and the value when the condition is false, found the end of the formula",
        ),
        (
            "foo(1)",
            1,
            "expected one of the functions min, max, abs, ceil, floor, round, int, float, sqrt, pow, sum, mean, median, len, count, all, any, none, one, filter, map, found unknown function 'foo'",
        ),
        (
            "abs(1, 2)",
            1,
            "expected a call such as abs(x), found 2 arguments to abs",
        ),
        (
            "max()",
            1,
            "expected a call such as max(a, b, …) or max([a, b, …]), found no arguments to max",
        ),
        (
            "count([a], a)",
            1,
            "expected a call such as count([a, b, …], {# > 1}), found 2 arguments to count",
        ),
        (
            "# > 1",
            1,
            "expected '#' only inside a predicate such as count([a, b], {# > 1}), found '#' outside a predicate",
        ),
        (
            "a @ b",
            3,
            "expected a number, a trigger name, a function call, an operator or a parenthesis, found unexpected character '@'",
        ),
        (
            "$env[a]",
            6,
            "expected a quoted trigger name, as in $env[\"my-trigger\"], found 'a'",
        ),
        (
            "[1, 2",
            6,
            "expected ',' or ']', found the end of the formula",
        ),
        (
            "a ) ",
            3,
            "expected an operator or the end of the formula, found ')'",
        ),
        (
            "é + )",
            5,
            "expected a number, a trigger name, a function call, '(' or '[', found ')'",
        ),
    ] {
        let e = error(source);
        assert_eq!(e.column(), column, "{source}: {e}");
        assert_eq!(
            e.to_string(),
            format!("column {column}: {message}"),
            "{source}"
        );
    }
}

#[test]
fn depth_is_bounded_instead_of_overflowing_the_stack() {
    let deep_parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(
        error(&deep_parens)
            .to_string()
            .contains("nesting deeper than")
    );
    let long_chain = vec!["a"; MAX_DEPTH + 2].join(" + ");
    assert!(
        error(&long_chain)
            .to_string()
            .contains("nesting deeper than")
    );
    let negations = format!("{}a", "-".repeat(10_000));
    assert!(
        error(&negations)
            .to_string()
            .contains("nesting deeper than")
    );
    // A realistic long formula still parses.
    let fine = vec!["a"; MAX_DEPTH / 2].join(" + ");
    assert!(Formula::parse(&fine).is_ok());
}

#[test]
fn every_accepted_formula_prints_to_one_that_parses_again() {
    // Found by fuzzing: long prefix chains once printed with a parenthesis per level, which the
    // parser's recursion bound then rejected.
    for source in [
        format!("{}D+D+D", "+".repeat(MAX_DEPTH - 3)),
        format!("{}+-d", "-".repeat(MAX_DEPTH - 3)),
        format!(
            "{}a{}",
            "(-".repeat(MAX_DEPTH - 2),
            ")".repeat(MAX_DEPTH - 2)
        ),
    ] {
        let formula = Formula::parse(&source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let printed = formula.to_string();
        let again = Formula::parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(again.expr(), formula.expr());
    }
}
