//! Reading manifests from YAML or JSON text.
//!
//! A stream may hold several documents (`---`) and `kind: List` wrappers. Each document is read into
//! a [`tree`](super::tree) first, so that errors point at lines; then its `apiVersion` and `kind`
//! pick the type, and serde reads it with the failing field's path tracked. Problems of one
//! document do not hide the others: [`load_all`] returns every good document and every error.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::tree::{Lines, Node};
use super::{Group, Kind, Manifest, Object, ObjectRef};
use crate::path::FieldPath;
use crate::v1alpha1::{ClusterTriggerAuthentication, TriggerAuthentication};

/// Where a document came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The name the caller gave the text, usually a file path.
    pub source: String,
    /// The document's position in the stream, from 1 (counted by `---` separators).
    pub document: usize,
    /// The position inside a `kind: List` document, from 0, when the object came from one.
    pub item: Option<usize>,
    /// The line the object starts on, from 1.
    pub line: Option<u64>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": document {}", self.document)?;
        if let Some(item) = self.item {
            write!(f, " item {item}")?;
        }
        Ok(())
    }
}

/// One loaded object with what is known about where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The typed object and its group.
    pub manifest: Manifest,
    /// Source name, document index and first line.
    pub origin: Origin,
    /// The line of each field, for pointing messages at the text.
    pub lines: Lines,
    /// Fields present in the text that the API does not have (typos such as `minReplicas`); the
    /// API server would drop them.
    pub unknown_fields: Vec<FieldPath>,
}

impl Document {
    /// The line of a field, or of its nearest enclosing field.
    pub fn line_of(&self, path: &FieldPath) -> Option<u64> {
        self.lines.line_of(path).or(self.origin.line)
    }
}

/// Why a document could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not well-formed YAML or JSON.
    #[error("{source_name}:{line}:{column}: document {document}: invalid YAML: {message}")]
    Syntax {
        /// The caller's name for the text.
        source_name: String,
        /// The document that failed, counted by `---` separators.
        document: usize,
        /// The line, from 1 (0 when unknown).
        line: u64,
        /// The column, from 1 (0 when unknown).
        column: u64,
        /// The parser's description.
        message: String,
    },
    /// The document is not a mapping.
    #[error("{origin}: a manifest must be a mapping with apiVersion and kind, found {found}")]
    NotAnObject {
        /// Where.
        origin: Origin,
        /// What was found instead, e.g. `a list`.
        found: &'static str,
    },
    /// `apiVersion` or `kind` is missing or not a string.
    #[error(
        "{origin}: {field} is missing or not a string; every manifest needs apiVersion and kind"
    )]
    MissingField {
        /// Where.
        origin: Origin,
        /// `apiVersion` or `kind`.
        field: &'static str,
    },
    /// The `apiVersion` is not one Tidal reads.
    #[error(
        "{origin}: {kind} has apiVersion \"{api_version}\", which Tidal does not read; \
         allowed: keda.sh/v1alpha1, tidal.dev/v1alpha1"
    )]
    UnknownApiVersion {
        /// Where.
        origin: Origin,
        /// The kind written.
        kind: String,
        /// The apiVersion written.
        api_version: String,
    },
    /// The `kind` is not one of the four.
    #[error(
        "{origin}: kind \"{kind}\" is not one Tidal reads; allowed: ScaledObject, ScaledJob, \
         TriggerAuthentication, ClusterTriggerAuthentication"
    )]
    UnknownKind {
        /// Where.
        origin: Origin,
        /// The kind written.
        kind: String,
    },
    /// A field has the wrong type or a value outside its enumeration.
    #[error("{origin}: {object}: {path}: {message}")]
    Invalid {
        /// Where; the line is the offending field's.
        origin: Origin,
        /// The object, as far as its metadata could be read.
        object: Box<ObjectRef>,
        /// The offending field.
        path: FieldPath,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// Result of loading.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Loads every document of `text`, stopping at the first problem.
///
/// `source` names the text in messages (a file path, `<stdin>`, …).
///
/// # Errors
///
/// The first [`Error`] met: malformed YAML, a document that is not a manifest of the four kinds in
/// either group, or a field of the wrong type.
pub fn load(source: &str, text: &str) -> Result<Vec<Document>> {
    let (documents, mut errors) = load_all(source, text);
    if errors.is_empty() {
        Ok(documents)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Loads every document of `text` that can be loaded and reports every one that cannot.
pub fn load_all(source: &str, text: &str) -> (Vec<Document>, Vec<Error>) {
    let options = serde_saphyr::options! { with_snippet: false };
    let roots: Vec<Spanned<Node>> = match serde_saphyr::from_multiple_with_options(text, options) {
        Ok(roots) => roots,
        Err(error) => return (Vec::new(), vec![syntax_error(source, text, &error)]),
    };
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    for root in roots {
        let line = Some(root.referenced.line()).filter(|line| *line > 0);
        let origin = Origin {
            source: source.to_owned(),
            document: line.map_or(1, |line| document_at(text, line)),
            item: None,
            line,
        };
        let mut lines = Lines::default();
        let value = root.value.into_value(&FieldPath::root(), &mut lines);
        if is_list(&value) {
            let Some(Value::Array(items)) = value.get("items") else {
                unreachable!("is_list checked the items");
            };
            for (index, item) in items.iter().enumerate() {
                let prefix = FieldPath::root().key("items").index(index);
                let item_lines = lines.subtree(&prefix);
                let origin = Origin {
                    item: Some(index),
                    line: lines.line_of(&prefix),
                    ..origin.clone()
                };
                push(read(item, origin, item_lines), &mut documents, &mut errors);
            }
        } else {
            push(read(&value, origin, lines), &mut documents, &mut errors);
        }
    }
    (documents, errors)
}

fn push(result: Result<Document>, documents: &mut Vec<Document>, errors: &mut Vec<Error>) {
    match result {
        Ok(document) => documents.push(document),
        Err(error) => errors.push(error),
    }
}

/// Whether a value is a `v1` `List` of objects.
fn is_list(value: &Value) -> bool {
    value.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && value.get("kind").and_then(Value::as_str) == Some("List")
        && value.get("items").is_some_and(Value::is_array)
}

/// Reads one object.
fn read(value: &Value, origin: Origin, lines: Lines) -> Result<Document> {
    let Value::Object(map) = value else {
        return Err(Error::NotAnObject {
            origin,
            found: describe(value),
        });
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str);
    let kind_name = map.get("kind").and_then(Value::as_str);
    let (Some(api_version), Some(kind_name)) = (api_version, kind_name) else {
        let field = if api_version.is_none() {
            "apiVersion"
        } else {
            "kind"
        };
        return Err(Error::MissingField { origin, field });
    };
    let Some(kind) = Kind::from_name(kind_name) else {
        return Err(Error::UnknownKind {
            origin,
            kind: kind_name.to_owned(),
        });
    };
    let Some(group) = Group::from_api_version(api_version) else {
        return Err(Error::UnknownApiVersion {
            origin,
            kind: kind_name.to_owned(),
            api_version: api_version.to_owned(),
        });
    };
    let object = match kind {
        Kind::ScaledObject => typed(value.clone()).map(Object::ScaledObject),
        Kind::ScaledJob => typed(value.clone()).map(Object::ScaledJob),
        Kind::TriggerAuthentication => typed(value.clone()).map(Object::TriggerAuthentication),
        // The cluster kind's spec is a flattened wrapper, which hides field paths from serde;
        // both kinds share one shape, so read it as the namespaced kind and rewrap it.
        Kind::ClusterTriggerAuthentication => {
            typed::<TriggerAuthentication>(value.clone()).map(|namespaced| {
                Object::ClusterTriggerAuthentication(Box::new(ClusterTriggerAuthentication {
                    metadata: namespaced.metadata,
                    spec: namespaced.spec.into(),
                    status: namespaced.status,
                }))
            })
        }
    }
    .map_err(|(path, message)| Error::Invalid {
        origin: Origin {
            line: lines.line_of(&path).or(origin.line),
            ..origin.clone()
        },
        object: Box::new(object_ref(kind, value)),
        path,
        message,
    })?;
    let manifest = Manifest { group, object };
    let mut unknown_fields = Vec::new();
    unknown(
        value,
        &manifest.to_value(),
        &FieldPath::root(),
        &mut unknown_fields,
    );
    Ok(Document {
        manifest,
        origin,
        lines,
        unknown_fields,
    })
}

/// Deserializes one typed object, reporting the failing field's path and a message.
fn typed<T: DeserializeOwned>(value: Value) -> std::result::Result<Box<T>, (FieldPath, String)> {
    serde_path_to_error::deserialize::<_, T>(value)
        .map(Box::new)
        .map_err(|error| {
            let path = error
                .path()
                .iter()
                .fold(FieldPath::root(), |path, segment| {
                    use serde_path_to_error::Segment;
                    match segment {
                        Segment::Seq { index } => path.index(*index),
                        Segment::Map { key } | Segment::Enum { variant: key } => path.key(key),
                        Segment::Unknown => path,
                    }
                });
            (path, explain(&error.into_inner().to_string()))
        })
}

/// Adds a hint to serde's message where users commonly go wrong.
fn explain(message: &str) -> String {
    if message.starts_with("invalid type") && message.ends_with("expected a string") {
        format!("{message}; quote the value, e.g. \"10\" or \"true\"")
    } else {
        message.to_owned()
    }
}

/// The object reference as far as the raw metadata can be read.
fn object_ref(kind: Kind, value: &Value) -> ObjectRef {
    let text = |key: &str| {
        value
            .get("metadata")
            .and_then(|metadata| metadata.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    ObjectRef {
        kind,
        namespace: text("namespace"),
        name: text("name"),
    }
}

/// Collects the paths present in `original` but dropped by the typed round trip.
fn unknown(original: &Value, typed: &Value, path: &FieldPath, found: &mut Vec<FieldPath>) {
    match (original, typed) {
        (Value::Object(original), Value::Object(typed)) => {
            for (key, value) in original {
                let path = path.key(key);
                match typed.get(key) {
                    Some(typed) => unknown(value, typed, &path, found),
                    None if !value.is_null() => found.push(path),
                    None => {}
                }
            }
        }
        (Value::Array(original), Value::Array(typed)) => {
            for (index, (original, typed)) in original.iter().zip(typed).enumerate() {
                unknown(original, typed, &path.index(index), found);
            }
        }
        _ => {}
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn syntax_error(source: &str, text: &str, error: &serde_saphyr::Error) -> Error {
    let (line, column) = error
        .location()
        .map_or((0, 0), |location| (location.line(), location.column()));
    Error::Syntax {
        source_name: source.to_owned(),
        document: if line > 0 { document_at(text, line) } else { 1 },
        line,
        column,
        message: without_location(&error.to_string()),
    }
}

/// The parser's message without its trailing " at line L, column C", which we print up front.
fn without_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(", column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

/// The 1-based index of the document containing `line`: one more than the `---` separators before
/// it, not counting a separator that opens the stream.
fn document_at(text: &str, line: u64) -> usize {
    let mut separators = 0;
    let mut content_seen = false;
    let before = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX);
    for row in text.lines().take(before) {
        if row.starts_with("---") && row[3..].chars().next().is_none_or(char::is_whitespace) {
            if content_seen {
                separators += 1;
            }
            content_seen = true;
        } else if !row.trim().is_empty() && !row.trim_start().starts_with('#') {
            content_seen = true;
        }
    }
    separators + 1
}
