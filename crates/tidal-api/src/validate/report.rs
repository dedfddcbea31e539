//! From text to printable findings: what `tidal validate` prints and the corpus tests compare.
//!
//! Load errors, unknown fields and validation findings of every document come out as one list of
//! lines `error: file:line: Object ns/name: field.path: …`, in document order and, within a
//! document, in line order.

use std::fmt;

use super::{FormulaCheck, NoFormulaCheck, Severity, validate_with};
use crate::manifest::{Document, load_all};

/// One printable finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// `file:line: …` text.
    pub text: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.text)
    }
}

/// Everything found in one text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The documents that loaded.
    pub documents: usize,
    /// Every finding, in order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The number of findings of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    }

    /// Whether there is no error (warnings allowed).
    pub fn passes(&self) -> bool {
        self.count(Severity::Error) == 0
    }
}

/// Loads and validates `text`, named `source` in messages.
pub fn check(source: &str, text: &str) -> Report {
    check_with(source, text, &NoFormulaCheck)
}

/// Like [`check`], also checking scaling-modifier formulas with `formula`.
pub fn check_with(source: &str, text: &str, formula: &dyn FormulaCheck) -> Report {
    let (documents, errors) = load_all(source, text);
    let mut findings: Vec<(usize, u64, Finding)> = errors
        .iter()
        .map(|error| {
            let (document, line) = match error {
                crate::manifest::Error::Syntax { document, line, .. } => (*document, *line),
                crate::manifest::Error::NotAnObject { origin, .. }
                | crate::manifest::Error::MissingField { origin, .. }
                | crate::manifest::Error::UnknownApiVersion { origin, .. }
                | crate::manifest::Error::UnknownKind { origin, .. }
                | crate::manifest::Error::Invalid { origin, .. } => {
                    (origin.document, origin.line.unwrap_or(0))
                }
            };
            let finding = Finding {
                severity: Severity::Error,
                text: error.to_string(),
            };
            (document, line, finding)
        })
        .collect();
    for document in &documents {
        findings.extend(document_findings(source, document, formula));
    }
    findings.sort_by_key(|(document, line, _)| (*document, *line));
    Report {
        documents: documents.len(),
        findings: findings
            .into_iter()
            .map(|(_, _, finding)| finding)
            .collect(),
    }
}

fn document_findings(
    source: &str,
    document: &Document,
    formula: &dyn FormulaCheck,
) -> Vec<(usize, u64, Finding)> {
    let object = document.manifest.object_ref();
    let at = |line: Option<u64>| match line {
        Some(line) => format!("{source}:{line}"),
        None => source.to_owned(),
    };
    let unknown = document.unknown_fields.iter().map(|path| {
        let line = document.line_of(path);
        let text = format!(
            "{}: {object}: {path}: is not a field of {}; kubectl and the API server reject \
             unknown fields (or silently drop them with --validate=false)",
            at(line),
            object.kind
        );
        (
            line,
            Finding {
                severity: Severity::Error,
                text,
            },
        )
    });
    let validation = validate_with(&document.manifest, formula)
        .into_iter()
        .map(|error| {
            let line = document.line_of(&error.path);
            let text = format!("{}: {error}", at(line));
            (
                line,
                Finding {
                    severity: error.severity,
                    text,
                },
            )
        });
    unknown
        .chain(validation)
        .map(|(line, finding)| (document.origin.document, line.unwrap_or(0), finding))
        .collect()
}
