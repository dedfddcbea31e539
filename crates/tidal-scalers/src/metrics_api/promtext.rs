//! The Prometheus text exposition format, as far as metrics-api's `format: prometheus` needs.
//!
//! `valueLocation` is a selector `name{label="value",…}`. Like KEDA, the first series of the
//! named family whose labels include every given pair wins, and only counter, gauge and
//! untyped families count (histogram and summary samples never match). Unlike KEDA, matchers
//! other than `=` are rejected instead of being silently treated as `=`.

use std::collections::BTreeMap;

/// A parsed `valueLocation` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
}

/// Parses `name{a="x",b="y"}`.
///
/// # Errors
/// A reason naming what is wrong with the selector.
pub(crate) fn parse_selector(text: &str) -> Result<Selector, String> {
    let text = text.trim();
    let (name, rest) = match text.find('{') {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };
    let name = name.trim();
    if !is_metric_name(name) {
        return Err(format!("{name:?} is not a metric name"));
    }
    let labels = match rest {
        None => Vec::new(),
        Some(block) => {
            let inner = block
                .strip_prefix('{')
                .and_then(|b| b.trim_end().strip_suffix('}'))
                .ok_or("the label block must end with '}'")?;
            parse_labels(inner, true)?
        }
    };
    Ok(Selector {
        name: name.to_owned(),
        labels,
    })
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses `a="x",b="y"` (a trailing comma is allowed); `selector` rejects non-`=` matchers.
fn parse_labels(inner: &str, selector: bool) -> Result<Vec<(String, String)>, String> {
    let mut labels = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("label {rest:?} has no value"))?;
        let name = rest[..eq].trim();
        if selector && name.ends_with(['!', '=']) || rest[eq + 1..].starts_with('~') {
            return Err(format!(
                "only '=' matchers are supported, not the one on {:?}",
                name.trim_end_matches('!')
            ));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("{name:?} is not a label name"));
        }
        let after = rest[eq + 1..].trim_start();
        let mut value = String::new();
        let mut chars = after
            .strip_prefix('"')
            .ok_or_else(|| format!("the value of label {name:?} must be quoted"))?
            .char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => break,
                },
                '"' => {
                    end = Some(i + 2);
                    break;
                }
                other => value.push(other),
            }
        }
        let end = end.ok_or_else(|| format!("the value of label {name:?} is not closed"))?;
        labels.push((name.to_owned(), value));
        rest = after[end..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(labels)
}

/// Finds the selector's value in an exposition body.
///
/// # Errors
/// A reason when a line is malformed or no series matches.
pub(crate) fn find(body: &str, selector: &Selector) -> Result<f64, String> {
    let mut types: BTreeMap<&str, &str> = BTreeMap::new();
    for (number, line) in body.lines().enumerate() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            if words.next() == Some("TYPE")
                && let (Some(name), Some(kind)) = (words.next(), words.next())
            {
                types.insert(name, kind);
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
        let name = &line[..name_end];
        if name != selector.name
            || family_kind(&types, name).is_some_and(|k| matches!(k, "histogram" | "summary"))
        {
            continue;
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            let close = closing_brace(&line[name_end..])
                .ok_or_else(|| format!("line {}: the label block is not closed", number + 1))?;
            let inner = &line[name_end + 1..name_end + close];
            let labels =
                parse_labels(inner, false).map_err(|e| format!("line {}: {e}", number + 1))?;
            (labels, &line[name_end + close + 1..])
        } else {
            (Vec::new(), &line[name_end..])
        };
        let wanted = selector
            .labels
            .iter()
            .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v));
        if !wanted {
            continue;
        }
        let value = rest
            .split_whitespace()
            .next()
            .ok_or_else(|| format!("line {}: no value", number + 1))?;
        return parse_value(value)
            .ok_or_else(|| format!("line {}: {value:?} is not a number", number + 1));
    }
    Err("no series matches".to_owned())
}

/// The declared type of the family a sample belongs to, if any.
fn family_kind<'a>(types: &BTreeMap<&str, &'a str>, name: &str) -> Option<&'a str> {
    if let Some(kind) = types.get(name) {
        return Some(kind);
    }
    ["_bucket", "_sum", "_count", "_created"]
        .iter()
        .find_map(|suffix| {
            let base = name.strip_suffix(suffix)?;
            types
                .get(base)
                .copied()
                .filter(|k| matches!(*k, "histogram" | "summary"))
        })
}

fn closing_brace(block: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in block.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Go's ParseFloat spellings used by the format: numbers, `NaN`, `+Inf`, `-Inf`.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"# HELP jobs_waiting Jobs waiting.
# TYPE jobs_waiting gauge
jobs_waiting{queue="orders",region="eu"} 17
jobs_waiting{queue="emails",region="eu"} 4 1700000000000
jobs_waiting{queue="odd\"name",region="us"} 2.5
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 3
latency_seconds_count 9
# TYPE up untyped
up 1
weird_value NaN
"#;

    fn value(selector: &str) -> Result<f64, String> {
        find(BODY, &parse_selector(selector)?)
    }

    #[test]
    fn first_series_with_every_label_wins() {
        assert_eq!(value("jobs_waiting").unwrap(), 17.0);
        assert_eq!(value(r#"jobs_waiting{queue="emails"}"#).unwrap(), 4.0);
        assert_eq!(value(r#"jobs_waiting{region="us",}"#).unwrap(), 2.5);
        assert_eq!(value(r#"jobs_waiting{queue="odd\"name"}"#).unwrap(), 2.5);
        assert_eq!(value("up").unwrap(), 1.0);
        assert!(value("weird_value").unwrap().is_nan());
    }

    #[test]
    fn histogram_samples_and_missing_series_do_not_match() {
        assert!(value("latency_seconds_count").is_err());
        assert!(value(r#"jobs_waiting{queue="nope"}"#).is_err());
        assert!(value("absent").is_err());
    }

    #[test]
    fn bad_selectors_are_explained() {
        for (selector, reason) in [
            ("", "is not a metric name"),
            ("9lives", "is not a metric name"),
            (r#"m{a!="x"}"#, "only '=' matchers"),
            (r#"m{a=~"x"}"#, "only '=' matchers"),
            ("m{a=x}", "must be quoted"),
            (r#"m{a="x""#, "must end with '}'"),
        ] {
            let err = parse_selector(selector).unwrap_err();
            assert!(err.contains(reason), "{selector}: {err}");
        }
    }
}
