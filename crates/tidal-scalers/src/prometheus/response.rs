//! The `/api/v1/query` answer, read exactly as KEDA reads it.
//!
//! One series: its value. No series: 0 when `ignoreNullValues`, else an error. Several series:
//! an error, since the engine needs one number. ±Inf (and NaN, which KEDA lets through as a
//! value that is never active) is 0 or an error by the same flag. A `scalar` result is read
//! too, where KEDA fails to decode it.

use serde::Deserialize;

use super::Error;

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<Sample>),
    Scalar(Vec<serde_json::Value>),
    Matrix(serde::de::IgnoredAny),
    String(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Sample {
    #[serde(default)]
    value: Vec<serde_json::Value>,
}

/// The query's value from an answer body.
///
/// # Errors
/// A typed [`Error`] for error answers, empty or multi-series results and non-numbers.
pub(crate) fn value(body: &[u8], ignore_null_values: bool) -> Result<f64, Error> {
    let answer: Answer = serde_json::from_slice(body).map_err(|e| Error::Malformed {
        reason: e.to_string(),
    })?;
    if answer.status != "success" {
        return Err(Error::Query {
            error_type: answer.error_type.unwrap_or_default(),
            message: answer.error.unwrap_or_default(),
        });
    }
    let pair = match answer.data {
        Some(Data::Vector(series)) => match series.as_slice() {
            [] => return null(ignore_null_values, "the result is empty"),
            [one] => one.value.clone(),
            many => return Err(Error::MultipleSeries { count: many.len() }),
        },
        Some(Data::Scalar(pair)) => pair,
        Some(Data::Matrix(_)) => {
            return Err(Error::Malformed {
                reason: "the query returned a range vector (matrix); use an instant vector".into(),
            });
        }
        Some(Data::String(_)) => {
            return Err(Error::Malformed {
                reason: "the query returned a string".into(),
            });
        }
        None => {
            return Err(Error::Malformed {
                reason: "the answer has no data".into(),
            });
        }
    };
    let text = match pair.as_slice() {
        [] => return null(ignore_null_values, "the value list is empty"),
        [_, serde_json::Value::String(text)] => text.clone(),
        [_, other] => other.to_string(),
        [_] => {
            return Err(Error::Malformed {
                reason: "the sample has a timestamp but no value".into(),
            });
        }
        _ => {
            return Err(Error::Malformed {
                reason: "the sample is not [timestamp, value]".into(),
            });
        }
    };
    let parsed = match text.as_str() {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().map_err(|_| Error::NotANumber {
            value: crate::http::excerpt(other, 64),
        })?,
    };
    if parsed.is_finite() {
        Ok(parsed)
    } else {
        null(ignore_null_values, &format!("the value is {text}"))
    }
}

fn null(ignore_null_values: bool, why: &str) -> Result<f64, Error> {
    if ignore_null_values {
        Ok(0.0)
    } else {
        Err(Error::Null {
            why: why.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(values: &[&str]) -> String {
        let series: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!(r#"{{"metric":{{"pod":"p{i}"}},"value":[1700000000.1,"{v}"]}}"#))
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            series.join(",")
        )
    }

    #[test]
    fn one_series_gives_its_value() {
        assert_eq!(value(vector(&["37"]).as_bytes(), false).unwrap(), 37.0);
        assert_eq!(value(vector(&["-2.5"]).as_bytes(), false).unwrap(), -2.5);
        let scalar =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"4"]}}"#;
        assert_eq!(value(scalar.as_bytes(), false).unwrap(), 4.0);
    }

    #[test]
    fn empty_nan_and_infinite_results_follow_ignore_null_values() {
        for body in [
            vector(&[]),
            vector(&["NaN"]),
            vector(&["+Inf"]),
            vector(&["-Inf"]),
        ] {
            assert_eq!(value(body.as_bytes(), true).unwrap(), 0.0, "{body}");
            let err = value(body.as_bytes(), false).unwrap_err();
            assert!(matches!(err, Error::Null { .. }), "{body}: {err}");
        }
    }

    #[test]
    fn several_series_are_an_error_whatever_the_flag() {
        let err = value(vector(&["1", "2", "3"]).as_bytes(), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the query returned 3 series; it must return at most one (aggregate it, e.g. with sum())"
        );
    }

    #[test]
    fn error_answers_and_garbage_are_typed() {
        let bad = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        assert_eq!(
            value(bad.as_bytes(), true).unwrap_err().to_string(),
            "Prometheus rejected the query (bad_data): parse error at char 5"
        );
        assert!(matches!(
            value(b"<html>", true),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            value(vector(&["many"]).as_bytes(), true),
            Err(Error::NotANumber { .. })
        ));
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(matches!(
            value(matrix.as_bytes(), true),
            Err(Error::Malformed { .. })
        ));
    }
}
