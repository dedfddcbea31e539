//! Kubernetes label selectors in their string form (`app=web,tier in (a,b),!canary`).
//!
//! `podSelector` is written in the syntax of `kubectl -l`, which KEDA parses with
//! apimachinery's `labels.Parse`. [`LabelSelector::matches`] is what the operator's pod index
//! calls for each pod, so counting needs no API request.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` or `key==value`.
    Equals(String, String),
    /// `key!=value`: the label is absent or differs.
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, BTreeSet<String>),
    /// `key notin (a,b)`: the label is absent or not listed.
    NotIn(String, BTreeSet<String>),
    /// `key`: the label exists.
    Exists(String),
    /// `!key`: the label does not exist.
    DoesNotExist(String),
    /// `key>n`: the label is an integer greater than n.
    GreaterThan(String, i64),
    /// `key<n`: the label is an integer less than n.
    LessThan(String, i64),
}

impl Requirement {
    fn key(&self) -> &str {
        match self {
            Self::Equals(k, _)
            | Self::NotEquals(k, _)
            | Self::In(k, _)
            | Self::NotIn(k, _)
            | Self::Exists(k)
            | Self::DoesNotExist(k)
            | Self::GreaterThan(k, _)
            | Self::LessThan(k, _) => k,
        }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(self.key());
        match self {
            Self::Equals(_, v) => value == Some(v),
            Self::NotEquals(_, v) => value != Some(v),
            Self::In(_, set) => value.is_some_and(|x| set.contains(x)),
            Self::NotIn(_, set) => !value.is_some_and(|x| set.contains(x)),
            Self::Exists(_) => value.is_some(),
            Self::DoesNotExist(_) => value.is_none(),
            Self::GreaterThan(_, n) => value
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x > *n),
            Self::LessThan(_, n) => value
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x < *n),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
        match self {
            Self::Equals(k, v) => write!(f, "{k}={v}"),
            Self::NotEquals(k, v) => write!(f, "{k}!={v}"),
            Self::In(k, set) => write!(f, "{k} in ({})", list(set)),
            Self::NotIn(k, set) => write!(f, "{k} notin ({})", list(set)),
            Self::Exists(k) => write!(f, "{k}"),
            Self::DoesNotExist(k) => write!(f, "!{k}"),
            Self::GreaterThan(k, n) => write!(f, "{k}>{n}"),
            Self::LessThan(k, n) => write!(f, "{k}<{n}"),
        }
    }
}

/// A parsed label selector; all requirements must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses the string form.
    ///
    /// # Errors
    /// A reason naming the offending requirement.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                return Err("empty requirement (stray comma?)".into());
            }
            requirements.push(parse_requirement(part)?);
        }
        if requirements.is_empty() {
            return Err("the selector is empty".into());
        }
        requirements.sort_by(|a, b| a.key().cmp(b.key()));
        Ok(Self { requirements })
    }

    /// Whether a pod with `labels` is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The requirements, sorted by key as apimachinery does.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.requirements.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text.trim().is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(key_name(key.trim())?));
    }
    for (op, make) in [
        (
            "==",
            Requirement::Equals as fn(String, String) -> Requirement,
        ),
        ("!=", Requirement::NotEquals),
        ("=", Requirement::Equals),
    ] {
        if let Some((key, value)) = part.split_once(op) {
            return Ok(make(key_name(key.trim())?, label_value(value.trim())?));
        }
    }
    for (op, greater) in [(">", true), ("<", false)] {
        if let Some((key, value)) = part.split_once(op) {
            let key = key_name(key.trim())?;
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: {value:?} is not an integer"))?;
            return Ok(if greater {
                Requirement::GreaterThan(key, n)
            } else {
                Requirement::LessThan(key, n)
            });
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if let [key, rest] = words.as_slice() {
        let rest = rest.trim();
        let (op, list) = rest
            .split_once(char::is_whitespace)
            .or_else(|| rest.find('(').map(|i| (&rest[..i], &rest[i..])))
            .ok_or_else(|| format!("{part:?}: expected \"in (…)\" or \"notin (…)\""))?;
        let inner = list
            .trim()
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .ok_or_else(|| format!("{part:?}: the value list must be in parentheses"))?;
        let values = inner
            .split(',')
            .map(|v| label_value(v.trim()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let key = key_name(key)?;
        return match op.trim() {
            "in" => Ok(Requirement::In(key, values)),
            "notin" => Ok(Requirement::NotIn(key, values)),
            other => Err(format!(
                "{part:?}: unknown operator {other:?}; allowed: =, ==, !=, in, notin, >, <, !"
            )),
        };
    }
    Ok(Requirement::Exists(key_name(part)?))
}

/// A label key: optional DNS prefix and `/`, then a name of at most 63 characters.
fn key_name(key: &str) -> Result<String, String> {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(key.to_owned())
    } else {
        Err(format!("{key:?} is not a valid label key"))
    }
}

/// A label value: empty, or at most 63 alphanumerics, `-`, `_`, `.` starting and ending alphanumeric.
fn label_value(value: &str) -> Result<String, String> {
    let valid = value.is_empty()
        || (value.len() <= 63
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(format!("{value:?} is not a valid label value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_operator_matches_like_kubectl() {
        let pod = labels(&[("app", "web"), ("tier", "front"), ("gen", "3")]);
        let cases = [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app!=api", true),
            ("missing!=x", true),
            ("tier in (front,back)", true),
            ("tier in(back)", false),
            ("tier notin (back)", true),
            ("missing notin (back)", true),
            ("app", true),
            ("!app", false),
            ("!canary", true),
            ("gen>2", true),
            ("gen<3", false),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
            ("example.com/team", false),
        ];
        for (text, want) in cases {
            let selector = LabelSelector::parse(text).unwrap();
            assert_eq!(selector.matches(&pod), want, "{text}");
        }
    }

    #[test]
    fn the_canonical_form_is_sorted_by_key() {
        let selector = LabelSelector::parse("tier in (b,a), app=web,!canary").unwrap();
        assert_eq!(selector.to_string(), "app=web,!canary,tier in (a,b)");
    }

    #[test]
    fn malformed_selectors_are_explained() {
        for (text, reason) in [
            ("", "empty"),
            ("app=web,", "stray comma"),
            ("app=we b", "not a valid label value"),
            ("-app=web", "not a valid label key"),
            ("tier in a,b", "parentheses"),
            ("tier within (a)", "unknown operator"),
            ("gen>three", "not an integer"),
        ] {
            let err = LabelSelector::parse(text).unwrap_err();
            assert!(err.contains(reason), "{text:?}: {err}");
        }
    }
}
