//! A YAML document as a JSON value plus the line of every field.
//!
//! serde gives typed values but forgets where they came from. Reading each document first into a
//! tree of [`Spanned`] nodes keeps the line of every key, so any error with a [`FieldPath`] — from
//! loading or from validation — can point at the line to fix.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

use crate::path::FieldPath;

/// One YAML node with the line of each child.
#[derive(Debug)]
pub(crate) enum Node {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (non-finite floats become `null`: JSON, and so Kubernetes, cannot hold them).
    Number(Option<Number>),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Spanned<Node>>),
    /// A mapping, in document order, with the line of each key.
    Map(Vec<(String, u64, Spanned<Node>)>),
}

/// Where each field of a document starts: field path to 1-based line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines(BTreeMap<FieldPath, u64>);

impl Lines {
    /// The line of `path`, or of its nearest enclosing field that has one.
    pub fn line_of(&self, path: &FieldPath) -> Option<u64> {
        let mut current = Some(path.clone());
        while let Some(path) = current {
            if let Some(line) = self.0.get(&path) {
                return Some(*line);
            }
            current = path.parent();
        }
        None
    }

    /// The lines below `prefix`, with paths made relative to it (for the items of a `List`).
    pub(crate) fn subtree(&self, prefix: &FieldPath) -> Self {
        let prefix = prefix.as_str();
        Self(
            self.0
                .iter()
                .filter_map(|(path, line)| {
                    let rest = path.as_str().strip_prefix(prefix)?;
                    let rest = match rest.strip_prefix('.') {
                        Some(rest) => rest,
                        None if rest.is_empty() || rest.starts_with('[') => rest,
                        None => return None,
                    };
                    Some((FieldPath::from_raw(rest), *line))
                })
                .collect(),
        )
    }
}

impl Node {
    /// Converts the tree into a JSON value, recording each field's line into `lines`.
    pub(crate) fn into_value(self, path: &FieldPath, lines: &mut Lines) -> Value {
        match self {
            Self::Null | Self::Number(None) => Value::Null,
            Self::Bool(value) => Value::Bool(value),
            Self::Number(Some(number)) => Value::Number(number),
            Self::String(value) => Value::String(value),
            Self::Seq(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let path = path.index(index);
                        record(lines, &path, &item);
                        item.value.into_value(&path, lines)
                    })
                    .collect(),
            ),
            Self::Map(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(key, key_line, item)| {
                        let path = path.key(&key);
                        // A field is where its key is, not where a nested block value starts.
                        if key_line > 0 {
                            lines.0.insert(path.clone(), key_line);
                        } else {
                            record(lines, &path, &item);
                        }
                        let value = item.value.into_value(&path, lines);
                        (key, value)
                    })
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

fn record(lines: &mut Lines, path: &FieldPath, node: &Spanned<Node>) {
    let line = node.referenced.line();
    if line > 0 {
        lines.0.insert(path.clone(), line);
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Number(Some(value.into())))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Number(Some(value.into())))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Node, E> {
        Ok(i64::try_from(value).map_or_else(
            |_| Node::Number(Number::from_f64(value as f64)),
            |value| Node::Number(Some(value.into())),
        ))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Node, E> {
        Ok(u64::try_from(value).map_or_else(
            |_| Node::Number(Number::from_f64(value as f64)),
            |value| Node::Number(Some(value.into())),
        ))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Number(Number::from_f64(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::String(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Node, E> {
        Ok(Node::String(String::from_utf8_lossy(value).into_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<ScalarKey>>()? {
            let line = key.referenced.line();
            entries.push((key.value.0, line, map.next_value::<Spanned<Node>>()?));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key: YAML allows numbers and booleans as keys; JSON and Kubernetes see them as
/// strings.
struct ScalarKey(String);

impl<'de> Deserialize<'de> for ScalarKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = ScalarKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(value.to_string()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<ScalarKey, E> {
                Ok(ScalarKey("null".to_owned()))
            }
        }

        deserializer.deserialize_any(KeyVisitor)
    }
}
