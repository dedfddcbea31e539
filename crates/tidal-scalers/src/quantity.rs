//! Kubernetes quantities (`"2Gi"`, `"500m"`, `"1e3"`) as numbers.
//!
//! KEDA accepts a string where a scaler expects a number and parses it as a
//! `resource.Quantity` (metrics-api's `valueLocation` may point at `"2Gi"`). This is that
//! grammar: a signed decimal, then a binary-SI suffix, a decimal-SI suffix or an exponent.

/// Parses a Kubernetes quantity into its value, or `None` when it is not one.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty()
        || number.matches('.').count() > 1
        || number[1..].contains(['+', '-'])
        || !number.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    let base: f64 = number.parse().ok()?;
    let multiplier = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0_f64.powi(2),
        "Gi" => 1024.0_f64.powi(3),
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => {
            let digits = &exp[1..];
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            10f64.powi(digits.parse::<i32>().ok()?)
        }
        _ => return None,
    };
    Some(base * multiplier)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn kubernetes_quantity_grammar() {
        let cases = [
            ("12", Some(12.0)),
            ("-1.5", Some(-1.5)),
            ("500m", Some(0.5)),
            ("2Gi", Some(2.0 * 1024.0 * 1024.0 * 1024.0)),
            ("3k", Some(3000.0)),
            ("1e3", Some(1000.0)),
            ("25E-1", Some(2.5)),
            (" 7 ", Some(7.0)),
            ("", None),
            ("Gi", None),
            ("1.2.3", None),
            ("12 apples", None),
            ("1KB", None),
            ("1-2", None),
            ("1e", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text:?}");
        }
    }
}
