//! Rate series (`ts,value`, Unix seconds and a rate per step), such as per-minute request rates
//! exported from a metrics system.
//!
//! The rate between two rows is interpolated linearly so that a 1 s simulation step does not see
//! a staircase at every minute boundary; nothing is resampled on disk.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The unit of a series' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    /// Requests (or messages) per second.
    Rps,
    /// Requests per minute.
    Rpm,
    /// Requests per hour.
    Rph,
}

impl RateUnit {
    /// Seconds in the unit's period.
    pub fn per_seconds(self) -> f64 {
        match self {
            RateUnit::Rps => 1.0,
            RateUnit::Rpm => 60.0,
            RateUnit::Rph => 3600.0,
        }
    }

    fn from_header(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "rps" | "qps" | "per_second" | "requests_per_second" => Some(RateUnit::Rps),
            "rpm" | "per_minute" | "requests_per_minute" => Some(RateUnit::Rpm),
            "rph" | "per_hour" | "requests_per_hour" => Some(RateUnit::Rph),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RateUnit::Rps => "rps",
            RateUnit::Rpm => "rpm",
            RateUnit::Rph => "rph",
        }
    }
}

/// A rate curve: points of (seconds since start, rate per second), linearly interpolated.
#[derive(Debug, Clone)]
pub struct RateCurve {
    points: Vec<(f64, f64)>,
    /// Seconds the curve covers (the last point plus one step).
    pub span: f64,
    /// The gap between points when they are evenly spaced (synthetic curves, most series), so
    /// a lookup is an index rather than a search: it runs once per simulated second.
    spacing: Option<f64>,
}

impl RateCurve {
    /// A curve from points in time order; `span` is the time the curve covers.
    pub fn new(points: Vec<(f64, f64)>, span: f64) -> Self {
        let spacing = match points.as_slice() {
            [(first, _), (second, _), ..] => {
                let gap = second - first;
                let even = gap > 0.0
                    && points.iter().enumerate().all(|(i, &(at, _))| {
                        (at - (first + gap * i as f64)).abs() <= 1e-9 * gap.max(at.abs())
                    });
                even.then_some(gap)
            }
            _ => None,
        };
        Self {
            points,
            span,
            spacing,
        }
    }

    /// The rate per second at `t` seconds; past the span the curve repeats when `looped`, and is
    /// zero otherwise.
    pub fn rate(&self, t: f64, looped: bool) -> f64 {
        let t = if looped && self.span > 0.0 {
            t.rem_euclid(self.span)
        } else {
            t
        };
        if t >= self.span || self.points.is_empty() {
            return 0.0;
        }
        // How many points are at or before `t`.
        let after = match self.spacing {
            Some(gap) if t >= self.points[0].0 => {
                (((t - self.points[0].0) / gap).floor() as usize + 1).min(self.points.len())
            }
            Some(_) => 0,
            None => self.points.partition_point(|&(at, _)| at <= t),
        };
        match after {
            0 => self.points[0].1,
            n if n == self.points.len() => self.points[n - 1].1,
            n => {
                let (t0, r0) = self.points[n - 1];
                let (t1, r1) = self.points[n];
                r0 + (r1 - r0) * (t - t0) / (t1 - t0)
            }
        }
    }

    /// Reads a `ts,value` series whose values are in `unit`, multiplied by `scale`.
    ///
    /// # Errors
    /// [`Error::Row`] for a malformed row, a negative or non-finite value, a timestamp that does
    /// not increase, or a header naming a different unit than `unit`; [`Error::EmptyInput`] when
    /// fewer than one row remains.
    pub fn read_series(path: &Path, unit: RateUnit, scale: f64) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse_series(path, &text, unit, scale)
    }

    /// Parses the text of a series file; `path` only names it in errors.
    ///
    /// # Errors
    /// As [`RateCurve::read_series`].
    pub fn parse_series(path: &Path, text: &str, unit: RateUnit, scale: f64) -> Result<Self> {
        let row_error = |line: usize, message: String| Error::Row {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate();
        let Some((_, header)) = lines.next() else {
            return Err(Error::EmptyInput {
                path: path.to_path_buf(),
                message: "the file is empty; expected the header `ts,value`".into(),
            });
        };
        let columns: Vec<&str> = header.trim().split(',').map(str::trim).collect();
        if columns.len() != 2 || columns[0] != "ts" {
            return Err(row_error(
                1,
                format!("header is `{}`, expected `ts,value`", header.trim()),
            ));
        }
        if let Some(declared) = RateUnit::from_header(columns[1])
            && declared != unit
        {
            return Err(row_error(
                1,
                format!(
                    "unit mismatch: the header says the values are `{}` but the scenario \
                         reads them as `{}`; set `unit: {}` or fix the header",
                    columns[1],
                    unit.name(),
                    declared.name()
                ),
            ));
        }
        let mut stamps = Vec::new();
        for (index, line) in lines {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((ts, value)) = line.split_once(',') else {
                return Err(row_error(
                    number,
                    format!("expected `ts,value`, found `{line}`"),
                ));
            };
            let ts: f64 = ts.trim().parse().map_err(|_| {
                row_error(
                    number,
                    format!("ts `{}` is not a number of Unix seconds", ts.trim()),
                )
            })?;
            let value: f64 = value.trim().parse().map_err(|_| {
                row_error(number, format!("value `{}` is not a number", value.trim()))
            })?;
            if !value.is_finite() || value < 0.0 {
                return Err(row_error(
                    number,
                    format!("value is {value}; a rate must be >= 0"),
                ));
            }
            if let Some(&(previous, _)) = stamps.last()
                && ts <= previous
            {
                return Err(row_error(
                    number,
                    format!(
                        "ts {ts} does not increase (previous row is {previous}); rows must be in time order"
                    ),
                ));
            }
            stamps.push((ts, value * scale / unit.per_seconds()));
        }
        let Some(&(origin, _)) = stamps.first() else {
            return Err(Error::EmptyInput {
                path: path.to_path_buf(),
                message: "the series has a header but no rows".into(),
            });
        };
        let step = if stamps.len() > 1 {
            stamps[1].0 - stamps[0].0
        } else {
            60.0
        };
        let points: Vec<(f64, f64)> = stamps.into_iter().map(|(ts, v)| (ts - origin, v)).collect();
        let span = points.last().map_or(0.0, |p| p.0) + step;
        Ok(Self::new(points, span))
    }

    /// Largest rate on the curve.
    pub fn peak(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{RateCurve, RateUnit};
    use crate::error::Error;

    #[test]
    fn interpolates_converts_units_and_loops() {
        let curve = RateCurve::parse_series(
            Path::new("s.csv"),
            "ts,value\n100,60\n160,120\n",
            RateUnit::Rpm,
            1.0,
        )
        .unwrap();
        assert!((curve.rate(0.0, false) - 1.0).abs() < 1e-12);
        assert!((curve.rate(30.0, false) - 1.5).abs() < 1e-12);
        assert!((curve.rate(90.0, false) - 2.0).abs() < 1e-12);
        assert!(
            curve.rate(120.0, false).abs() < 1e-12,
            "no load after the series ends"
        );
        assert!((curve.rate(150.0, true) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn even_and_uneven_curves_interpolate_alike() {
        // The same shape sampled every 60 s, and once more with one point nudged off the grid
        // (which turns the indexed lookup into a search).
        let even: Vec<(f64, f64)> = (0..50)
            .map(|i| (f64::from(i) * 60.0, f64::from(i % 7)))
            .collect();
        let mut uneven = even.clone();
        uneven[25].0 += 1e-3;
        let (even, uneven) = (RateCurve::new(even, 3000.0), RateCurve::new(uneven, 3000.0));
        assert!(even.spacing.is_some() && uneven.spacing.is_none());
        for step in 0..3100 {
            let t = f64::from(step) * 0.97;
            if (t - 1500.0).abs() < 61.0 {
                continue; // where the nudged point bends the curve
            }
            let (a, b) = (even.rate(t, false), uneven.rate(t, false));
            assert!((a - b).abs() < 1e-9, "t={t}: {a} vs {b}");
        }
    }

    #[test]
    fn rejects_bad_rows_with_their_line() {
        let cases = [
            ("ts,value\n1,2\n1,3\n", 3, "does not increase"),
            ("ts,value\n1,2\n2,-3\n", 3, ">= 0"),
            ("ts,value\n1,abc\n", 2, "not a number"),
            ("ts,rpm\n1,2\n", 1, "unit mismatch"),
        ];
        for (text, line, needle) in cases {
            match RateCurve::parse_series(Path::new("s.csv"), text, RateUnit::Rps, 1.0) {
                Err(Error::Row {
                    line: got, message, ..
                }) => {
                    assert_eq!(got, line, "{message}");
                    assert!(message.contains(needle), "{message}");
                }
                other => panic!("expected a row error, got {other:?}"),
            }
        }
        assert!(matches!(
            RateCurve::parse_series(Path::new("s.csv"), "ts,value\n", RateUnit::Rps, 1.0),
            Err(Error::EmptyInput { .. })
        ));
    }
}
