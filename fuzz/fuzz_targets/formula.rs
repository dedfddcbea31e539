//! Fuzzes the formula parser and evaluator: no input text and no trigger values may panic, and
//! whatever parses must read back identically from its canonical printed form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tidal_formula::Formula;

fuzz_target!(|data: &[u8]| {
    // The first eight bytes seed the trigger values; the rest is the formula text.
    let (seed, text) = data.split_at(data.len().min(8));
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(formula) = Formula::parse(text) else {
        return;
    };
    let lookup = |name: &str| {
        let i = name.len() % seed.len().max(1);
        match seed.get(i).copied() {
            None | Some(0) => None,
            Some(255) => Some(f64::NAN),
            Some(254) => Some(f64::INFINITY),
            Some(b) => Some(f64::from(b) - 100.0),
        }
    };
    if let Ok(value) = formula.eval(lookup) {
        assert!(value.is_finite(), "{text}: a result must be finite, got {value}");
    }
    let printed = formula.to_string();
    let reparsed = Formula::parse(&printed)
        .unwrap_or_else(|e| panic!("{text}: printed as {printed}, which does not parse: {e}"));
    assert_eq!(reparsed.expr(), formula.expr(), "{text}: printed as {printed}");
});
