//! Request traces with per-request sizes: the Azure LLM inference CSV
//! (`TIMESTAMP,ContextTokens,GeneratedTokens`).
//!
//! Traces are read whole at the edge (they are small: the public hour-long traces hold tens of
//! thousands of rows) and every row is checked, so a bad row is reported with its file and line
//! rather than silently skewing a run.

use std::path::Path;

use crate::error::{Error, Result};

/// The header every request trace starts with.
pub const TRACE_HEADER: &str = "TIMESTAMP,ContextTokens,GeneratedTokens";

/// One recorded request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceRow {
    /// Seconds since the first row of the trace.
    pub at: f64,
    /// Prompt (context) tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
}

/// A parsed trace.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Rows in time order, `at` relative to the first row.
    pub rows: Vec<TraceRow>,
    /// Seconds from the first row to the last one.
    pub span: f64,
}

impl Trace {
    /// Reads and validates a trace file.
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read, [`Error::Row`] naming the line of a
    /// malformed, negative or out-of-order row, [`Error::EmptyInput`] when no row remains.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of a trace file; `path` only names it in errors.
    ///
    /// # Errors
    /// As [`Trace::read`].
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let row_error = |line: usize, message: String| Error::Row {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim() == TRACE_HEADER => {}
            Some((_, header)) => {
                return Err(row_error(
                    1,
                    format!("header is `{}`, expected `{TRACE_HEADER}`", header.trim()),
                ));
            }
            None => {
                return Err(Error::EmptyInput {
                    path: path.to_path_buf(),
                    message: format!("the file is empty; expected the header `{TRACE_HEADER}`"),
                });
            }
        }
        let mut rows = Vec::new();
        let mut first = None;
        let mut previous = f64::NEG_INFINITY;
        for (index, line) in lines {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != 3 {
                return Err(row_error(
                    number,
                    format!(
                        "expected 3 fields (timestamp, context tokens, generated tokens), found {}",
                        fields.len()
                    ),
                ));
            }
            let stamp = parse_timestamp(fields[0]).ok_or_else(|| {
                row_error(
                    number,
                    format!(
                        "timestamp `{}` is not `YYYY-MM-DD HH:MM:SS[.fffffff]`",
                        fields[0]
                    ),
                )
            })?;
            let tokens = |field: &str, name: &str| {
                field
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| {
                        row_error(number, format!("{name} `{field}` is not a whole number"))
                    })
                    .and_then(|v| {
                        u32::try_from(v).map_err(|_| {
                            row_error(
                                number,
                                format!("{name} is {v}; it must be between 0 and {}", u32::MAX),
                            )
                        })
                    })
            };
            let input_tokens = tokens(fields[1], "ContextTokens")?;
            let output_tokens = tokens(fields[2], "GeneratedTokens")?;
            if stamp < previous {
                return Err(row_error(
                    number,
                    format!(
                        "timestamp `{}` is earlier than the row before it; rows must be in time order",
                        fields[0].trim()
                    ),
                ));
            }
            previous = stamp;
            let origin = *first.get_or_insert(stamp);
            rows.push(TraceRow {
                at: stamp - origin,
                input_tokens,
                output_tokens,
            });
        }
        let Some(last) = rows.last() else {
            return Err(Error::EmptyInput {
                path: path.to_path_buf(),
                message: "the trace has a header but no request rows".into(),
            });
        };
        let span = last.at;
        Ok(Self { rows, span })
    }
}

/// Seconds since 1970-01-01 of `YYYY-MM-DD HH:MM:SS[.fraction]`, or `None` if malformed.
pub(crate) fn parse_timestamp(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = text.split_once(' ')?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    if date_parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, fraction),
        None => (time, ""),
    };
    let mut clock_parts = clock.split(':');
    let hour: u32 = clock_parts.next()?.parse().ok()?;
    let minute: u32 = clock_parts.next()?.parse().ok()?;
    let second: u32 = clock_parts.next()?.parse().ok()?;
    if clock_parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let fraction = if fraction.is_empty() {
        0.0
    } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
        format!("0.{fraction}").parse::<f64>().ok()?
    } else {
        return None;
    };
    let days = days_from_civil(year, month, day);
    Some(
        (days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
            as f64
            + fraction,
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Trace, parse_timestamp};
    use crate::error::Error;

    #[test]
    fn timestamps_match_the_unix_clock() {
        // 2023-11-16 18:17:03 UTC is 1700158623 seconds after the epoch.
        let t = parse_timestamp("2023-11-16 18:17:03.9799600").unwrap();
        assert!((t - 1_700_158_623.979_96).abs() < 1e-6);
        assert!(parse_timestamp("2023-13-16 18:17:03").is_none());
        assert!(parse_timestamp("2023-11-16T18:17:03").is_none());
    }

    #[test]
    fn rows_are_relative_to_the_first_and_the_last_line_needs_no_newline() {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.5,10,2\n2023-11-16 18:17:05.0,7,1";
        let trace = Trace::parse(Path::new("t.csv"), text).unwrap();
        assert_eq!(trace.rows.len(), 2);
        assert!((trace.span - 1.5).abs() < 1e-9);
        assert_eq!(trace.rows[1].input_tokens, 7);
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let cases = [
            (
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,10\n",
                2,
                "expected 3 fields",
            ),
            (
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,10,2\n2023-11-16 18:17:02,1,1\n",
                3,
                "time order",
            ),
            (
                "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,-4,2\n",
                2,
                "between 0",
            ),
            (
                "TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,4,2\n",
                2,
                "is not `YYYY",
            ),
            ("ts,value\n", 1, "header"),
        ];
        for (text, line, needle) in cases {
            match Trace::parse(Path::new("trace.csv"), text) {
                Err(Error::Row {
                    line: got, message, ..
                }) => {
                    assert_eq!(got, line, "{message}");
                    assert!(message.contains(needle), "{message}");
                }
                other => panic!("expected a row error, got {other:?}"),
            }
        }
        let empty = Trace::parse(
            Path::new("trace.csv"),
            "TIMESTAMP,ContextTokens,GeneratedTokens\n",
        );
        assert!(matches!(empty, Err(Error::EmptyInput { .. })));
    }
}
