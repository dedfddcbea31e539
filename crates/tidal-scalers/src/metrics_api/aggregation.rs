//! `aggregationType`: how the values of a Service's endpoints become the trigger's one value.

/// `aggregationType` (default `average`), used with `aggregateFromKubeServiceEndpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// The mean of the values that were read.
    #[default]
    Average,
    /// Their sum.
    Sum,
    /// The largest.
    Max,
    /// The smallest.
    Min,
}

impl Aggregation {
    /// KEDA's spellings, in KEDA's order, for parsing and error messages.
    pub const CHOICES: [(&'static str, Self); 4] = [
        ("average", Self::Average),
        ("sum", Self::Sum),
        ("max", Self::Max),
        ("min", Self::Min),
    ];

    /// KEDA's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Average => "average",
            Self::Sum => "sum",
            Self::Max => "max",
            Self::Min => "min",
        }
    }

    /// Combines the values that were read; `None` when there are none.
    ///
    /// Like KEDA, endpoints that failed are simply absent: an average divides by the number of
    /// values read, not by the number of endpoints.
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        let (&first, rest) = values.split_first()?;
        Some(match self {
            Self::Sum => values.iter().sum(),
            Self::Average => values.iter().sum::<f64>() / values.len() as f64,
            Self::Max => rest.iter().copied().fold(first, f64::max),
            Self::Min => rest.iter().copied().fold(first, f64::min),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_combines_the_values_read() {
        let values = [10.0, 20.0, 60.0];
        let cases = [
            (Aggregation::Average, 30.0),
            (Aggregation::Sum, 90.0),
            (Aggregation::Max, 60.0),
            (Aggregation::Min, 10.0),
        ];
        for (kind, want) in cases {
            assert_eq!(kind.apply(&values), Some(want), "{}", kind.as_str());
        }
    }

    #[test]
    fn one_value_is_its_own_aggregate_and_none_is_none() {
        for (_, kind) in Aggregation::CHOICES {
            assert_eq!(kind.apply(&[-2.5]), Some(-2.5), "{}", kind.as_str());
            assert_eq!(kind.apply(&[]), None, "{}", kind.as_str());
        }
    }

    #[test]
    fn spellings_round_trip() {
        for (label, kind) in Aggregation::CHOICES {
            assert_eq!(kind.as_str(), label);
        }
        assert_eq!(Aggregation::default(), Aggregation::Average);
    }
}
