//! Turning a response body into the metric value, per `format`.
//!
//! JSON uses GJSON paths; YAML and XML use dot paths (`a.b.0.c`); Prometheus text uses a
//! selector. A number is taken as is; a string is parsed as a Kubernetes quantity, as KEDA does.

use serde_json::Value;

use super::config::Format;
use super::{Error, gjson, promtext};
use crate::http::excerpt;
use crate::quantity;

/// Extracts the value at `location` from `body`.
///
/// # Errors
/// [`Error::Malformed`] when the body does not parse in `format`, [`Error::NotFound`] when
/// nothing is at `location`, [`Error::NotANumber`] when what is there is not a number.
pub(crate) fn extract(format: Format, body: &[u8], location: &str) -> Result<f64, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::Malformed {
        format: format.as_str(),
        reason: "the body is not UTF-8 text".into(),
    })?;
    match format {
        Format::Json => {
            let doc: Value = serde_json::from_str(text).map_err(|e| Error::Malformed {
                format: "json",
                reason: e.to_string(),
            })?;
            number(gjson::get(&doc, location), location)
        }
        Format::Yaml => {
            let doc: Value = serde_saphyr::from_str(text).map_err(|e| Error::Malformed {
                format: "yaml",
                reason: e.to_string(),
            })?;
            number(dot_path(&doc, location), location)
        }
        Format::Xml => xml_value(text, location),
        Format::Prometheus => {
            let selector =
                promtext::parse_selector(location).map_err(|reason| Error::Malformed {
                    format: "prometheus",
                    reason: format!("valueLocation {location:?}: {reason}"),
                })?;
            promtext::find(text, &selector).map_err(|reason| {
                if reason == "no series matches" {
                    Error::NotFound {
                        location: location.to_owned(),
                    }
                } else {
                    Error::Malformed {
                        format: "prometheus",
                        reason,
                    }
                }
            })
        }
    }
}

fn number(found: Option<Value>, location: &str) -> Result<f64, Error> {
    let found = found.ok_or_else(|| Error::NotFound {
        location: location.to_owned(),
    })?;
    let not_a_number = |shown: String| Error::NotANumber {
        location: location.to_owned(),
        found: shown,
    };
    match &found {
        Value::Number(n) => n.as_f64().ok_or_else(|| not_a_number(n.to_string())),
        Value::String(s) => {
            quantity::parse(s).ok_or_else(|| not_a_number(excerpt(&format!("{s:?}"), 64)))
        }
        Value::Null => Err(not_a_number("null".into())),
        Value::Bool(b) => Err(not_a_number(b.to_string())),
        Value::Array(_) => Err(not_a_number("an array".into())),
        Value::Object(_) => Err(not_a_number("an object".into())),
    }
}

/// KEDA's YAML path: keys separated by dots, numbers index arrays.
fn dot_path(doc: &Value, location: &str) -> Option<Value> {
    let mut current = doc;
    for part in location.split('.') {
        current = match current {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current.clone())
}

/// XML: dot path of element names from the root (the root's name may be left out); a number
/// picks the n-th child element with the previous segment's name (`items.item.1.size`).
fn xml_value(text: &str, location: &str) -> Result<f64, Error> {
    let doc = roxmltree::Document::parse(text).map_err(|e| Error::Malformed {
        format: "xml",
        reason: e.to_string(),
    })?;
    let root = doc.root_element();
    let mut parts: Vec<&str> = location.split('.').collect();
    if parts.first() == Some(&root.tag_name().name()) {
        parts.remove(0);
    }
    let mut node = root;
    let mut i = 0;
    while i < parts.len() {
        let name = parts[i];
        let nth = parts.get(i + 1).and_then(|p| p.parse::<usize>().ok());
        let mut matching = node
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == name);
        node = match nth {
            Some(n) => {
                i += 1;
                matching.nth(n)
            }
            None => matching.next(),
        }
        .ok_or_else(|| Error::NotFound {
            location: location.to_owned(),
        })?;
        i += 1;
    }
    let text = node.text().unwrap_or("").trim();
    quantity::parse(text).ok_or_else(|| Error::NotANumber {
        location: location.to_owned(),
        found: excerpt(&format!("{text:?}"), 64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_finds_the_value() {
        let cases: &[(Format, &str, &str, f64)] = &[
            (
                Format::Json,
                r#"{"a":{"b":[1,{"c":42.5}]}}"#,
                "a.b.1.c",
                42.5,
            ),
            (Format::Json, r#"{"mem":"2Gi"}"#, "mem", 2_147_483_648.0),
            (
                Format::Yaml,
                "a:\n  b:\n    - 1\n    - c: 7\n",
                "a.b.1.c",
                7.0,
            ),
            (Format::Yaml, "size: 500m\n", "size", 0.5),
            (
                Format::Xml,
                "<stats><queue><depth>37</depth></queue></stats>",
                "stats.queue.depth",
                37.0,
            ),
            (
                Format::Xml,
                "<stats><queue><depth>37</depth></queue></stats>",
                "queue.depth",
                37.0,
            ),
            (
                Format::Xml,
                "<r><item><n>1</n></item><item><n>2</n></item></r>",
                "item.1.n",
                2.0,
            ),
            (
                Format::Prometheus,
                "# TYPE q gauge\nq{name=\"a\"} 3\nq{name=\"b\"} 5\n",
                "q{name=\"b\"}",
                5.0,
            ),
        ];
        for (format, body, location, want) in cases {
            let got = extract(*format, body.as_bytes(), location).unwrap();
            assert!((got - want).abs() < 1e-9, "{format:?} {location}: {got}");
        }
    }

    #[test]
    fn malformed_missing_and_non_numeric_values_are_typed() {
        let err = extract(Format::Json, b"{not json", "a").unwrap_err();
        assert!(
            matches!(err, Error::Malformed { format: "json", .. }),
            "{err}"
        );
        let err = extract(Format::Json, br#"{"a":1}"#, "b").unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let err = extract(Format::Json, br#"{"a":"many"}"#, "a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "valueLocation \"a\" points at \"many\", which is neither a number nor a Kubernetes quantity"
        );
        let err = extract(Format::Json, br#"{"a":{"b":1}}"#, "a").unwrap_err();
        assert!(err.to_string().contains("an object"), "{err}");
        let err = extract(Format::Xml, b"<a><b>x</b></a>", "a.b").unwrap_err();
        assert!(matches!(err, Error::NotANumber { .. }), "{err}");
        let err = extract(Format::Yaml, b"a: [", "a").unwrap_err();
        assert!(
            matches!(err, Error::Malformed { format: "yaml", .. }),
            "{err}"
        );
        let err = extract(Format::Prometheus, b"q 1\n", "r").unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
    }
}
