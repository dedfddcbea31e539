//! LLM replica performance derived from a measured profile (JSON lines of input tokens, output
//! tokens, request rate, metric and percentiles, as AIBrix's GPU profiler writes them).
//!
//! Two fits describe a replica: the unloaded latency (end-to-end P50 at the lowest profiled
//! rate = TTFT + output × ITL, each linear in prompt length) and the saturated cost of a request
//! (1 / throughput at the highest rate, where the replica is the bottleneck), linear in input and
//! output tokens plus their product — the product being what a full KV cache charges long
//! contexts. Both are ordinary least squares in code; the profile stays untouched on disk.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Coefficients of the LLM replica model, in seconds (latency) and replica-seconds (work).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmCoefficients {
    /// Fixed part of the unloaded time to first token.
    pub ttft_base: f64,
    /// Unloaded prefill seconds per prompt token.
    pub ttft_per_input_token: f64,
    /// Unloaded inter-token latency with an empty context.
    pub itl_base: f64,
    /// Extra inter-token latency per prompt token in the context.
    pub itl_per_input_token: f64,
    /// Replica-seconds of work per prompt token at saturation.
    pub work_per_input_token: f64,
    /// Replica-seconds of work per generated token at saturation.
    pub work_per_output_token: f64,
    /// Extra replica-seconds per generated token per prompt token (KV-cache pressure).
    pub work_per_output_input_token: f64,
}

impl LlmCoefficients {
    /// Unloaded time to first token of a prompt of `input` tokens.
    pub fn ttft(&self, input: f64) -> f64 {
        self.ttft_base + self.ttft_per_input_token * input
    }

    /// Unloaded inter-token latency with a prompt of `input` tokens.
    pub fn itl(&self, input: f64) -> f64 {
        self.itl_base + self.itl_per_input_token * input
    }

    /// Replica-seconds one request costs at saturation.
    pub fn work(&self, input: f64, output: f64) -> f64 {
        self.work_per_input_token * input
            + self.work_per_output_token * output
            + self.work_per_output_input_token * input * output
    }

    /// Checks that every coefficient is a finite number ≥ 0 and the latencies are positive.
    ///
    /// # Errors
    /// The name and value of the first bad coefficient.
    pub fn check(&self) -> Result<(), (String, f64)> {
        let fields = [
            ("ttft_base", self.ttft_base),
            ("ttft_per_input_token", self.ttft_per_input_token),
            ("itl_base", self.itl_base),
            ("itl_per_input_token", self.itl_per_input_token),
            ("work_per_input_token", self.work_per_input_token),
            ("work_per_output_token", self.work_per_output_token),
            (
                "work_per_output_input_token",
                self.work_per_output_input_token,
            ),
        ];
        for (name, value) in fields {
            if !value.is_finite() || value < 0.0 {
                return Err((name.to_string(), value));
            }
        }
        if self.ttft(1.0) <= 0.0 || self.itl_base <= 0.0 {
            return Err(("itl_base".into(), self.itl_base));
        }
        Ok(())
    }

    /// Fits the coefficients from a profile file.
    ///
    /// # Errors
    /// [`Error::Read`], [`Error::Row`] for a malformed line, [`Error::EmptyInput`] when the
    /// profile lacks the `E2E` and `TPUT` points the fits need.
    pub fn from_profile(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse_profile(path, &text)
    }

    /// Fits the coefficients from the text of a profile; `path` only names it in errors.
    ///
    /// # Errors
    /// As [`LlmCoefficients::from_profile`].
    pub fn parse_profile(path: &Path, text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Line {
            input_tokens: f64,
            output_tokens: f64,
            request_rate: f64,
            metric: String,
            mean: f64,
            #[serde(rename = "P50")]
            p50: Option<f64>,
        }
        // (input, output) -> (rate, value) at the lowest rate for E2E and the highest for TPUT.
        let mut unloaded: BTreeMap<(u64, u64), (f64, f64)> = BTreeMap::new();
        let mut saturated: BTreeMap<(u64, u64), (f64, f64)> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let line: Line = serde_json::from_str(raw).map_err(|e| Error::Row {
                path: path.to_path_buf(),
                line: index + 1,
                message: format!("not a profile record: {e}"),
            })?;
            let key = (line.input_tokens as u64, line.output_tokens as u64);
            match line.metric.as_str() {
                "E2E" => {
                    let value = line.p50.unwrap_or(line.mean);
                    let entry = unloaded.entry(key).or_insert((f64::INFINITY, 0.0));
                    if line.request_rate < entry.0 {
                        *entry = (line.request_rate, value);
                    }
                }
                "TPUT" => {
                    let entry = saturated.entry(key).or_insert((f64::NEG_INFINITY, 0.0));
                    if line.request_rate > entry.0 {
                        *entry = (line.request_rate, line.mean);
                    }
                }
                _ => {}
            }
        }
        let empty = |what: &str| Error::EmptyInput {
            path: path.to_path_buf(),
            message: format!("the profile has too few distinct {what} points to fit the LLM model"),
        };
        // Unloaded: e2e = a + b·in + o·(c + d·in), with o counting tokens after the first.
        let rows: Vec<(Vec<f64>, f64)> = unloaded
            .iter()
            .map(|(&(i, o), &(_, e2e))| {
                let (i, o) = (i as f64, (o as f64 - 1.0).max(0.0));
                (vec![1.0, i, o, o * i], e2e)
            })
            .collect();
        let latency = least_squares(&rows).ok_or_else(|| empty("E2E"))?;
        // Saturated: only points where the replica, not the offered rate, bounds throughput.
        let rows: Vec<(Vec<f64>, f64)> = saturated
            .iter()
            .filter(|(_, (rate, tput))| *tput > 0.0 && *tput < 0.9 * rate)
            .map(|(&(i, o), &(_, tput))| {
                let (i, o) = (i as f64, o as f64);
                (vec![i, o, i * o], 1.0 / tput)
            })
            .collect();
        let work = least_squares(&rows).ok_or_else(|| empty("saturated TPUT"))?;
        // A lone prefill is compute-bound and has the whole replica, so it cannot run faster
        // than its saturated cost; the end-to-end fit is dominated by decode and can understate
        // it.
        let coefficients = Self {
            ttft_base: latency[0].max(1e-3),
            ttft_per_input_token: latency[1].max(work[0]).max(0.0),
            itl_base: latency[2].max(1e-4),
            itl_per_input_token: latency[3].max(0.0),
            work_per_input_token: work[0].max(0.0),
            work_per_output_token: work[1].max(1e-6),
            work_per_output_input_token: work[2].max(0.0),
        };
        Ok(coefficients)
    }
}

/// Ordinary least squares by the normal equations; `None` when underdetermined or singular.
fn least_squares(rows: &[(Vec<f64>, f64)]) -> Option<Vec<f64>> {
    let n = rows.first()?.0.len();
    if rows.len() < n {
        return None;
    }
    let mut a = vec![vec![0.0; n + 1]; n];
    for (x, y) in rows {
        for r in 0..n {
            for c in 0..n {
                a[r][c] += x[r] * x[c];
            }
            a[r][n] += x[r] * y;
        }
    }
    // Gauss–Jordan with partial pivoting.
    for col in 0..n {
        let pivot = (col..n).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (cell, &p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *cell -= f * p;
                }
            }
        }
    }
    Some((0..n).map(|r| a[r][n] / a[r][r]).collect())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;
    use std::path::Path;

    use super::{LlmCoefficients, least_squares};

    #[test]
    fn least_squares_recovers_an_exact_plane() {
        let rows: Vec<(Vec<f64>, f64)> = (0..10)
            .map(|k| {
                let (x, y) = (f64::from(k), f64::from(k * k % 7));
                (vec![1.0, x, y], 2.0 + 0.5 * x - 3.0 * y)
            })
            .collect();
        let fit = least_squares(&rows).unwrap();
        for (got, want) in fit.iter().zip([2.0, 0.5, -3.0]) {
            assert!((got - want).abs() < 1e-9);
        }
    }

    #[test]
    fn a_synthetic_profile_gives_back_its_coefficients() {
        let truth = LlmCoefficients {
            ttft_base: 0.03,
            ttft_per_input_token: 1.5e-4,
            itl_base: 0.01,
            itl_per_input_token: 5e-6,
            work_per_input_token: 7e-5,
            work_per_output_token: 2.5e-4,
            work_per_output_input_token: 3e-7,
        };
        let mut text = String::new();
        for i in [128.0, 512.0, 2048.0] {
            for o in [4.0, 64.0, 512.0] {
                let e2e = truth.ttft(i) + (o - 1.0) * truth.itl(i);
                let tput = 1.0 / truth.work(i, o);
                writeln!(text, r#"{{"input_tokens": {i}, "output_tokens": {o}, "request_rate": 1.0, "metric": "E2E", "mean": 9.9, "P50": {e2e}}}"#).unwrap();
                writeln!(text, r#"{{"input_tokens": {i}, "output_tokens": {o}, "request_rate": 1000.0, "metric": "TPUT", "mean": {tput}}}"#).unwrap();
            }
        }
        let fit = LlmCoefficients::parse_profile(Path::new("p.jsonl"), &text).unwrap();
        assert!((fit.itl(1000.0) / truth.itl(1000.0) - 1.0).abs() < 1e-6);
        assert!((fit.work(700.0, 90.0) / truth.work(700.0, 90.0) - 1.0).abs() < 1e-6);
        assert!(fit.check().is_ok());
    }
}
