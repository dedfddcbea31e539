//! The part of GJSON path syntax that metrics-api users write in `valueLocation`.
//!
//! KEDA evaluates `valueLocation` with tidwall/gjson. Supported here: dotted keys with `\`
//! escapes, `*`/`?` wildcards in keys, array indexes, `#` (array length), `#.key` (map over an
//! array), and queries `#(key==value)` / `#(key>value)#` with `==`, `!=`, `<`, `<=`, `>`, `>=`
//! and `%` (glob match). Modifiers (`@reverse`) and multipaths are not supported.

use serde_json::Value;

/// Evaluates `path` against `doc`; `None` when nothing matches.
pub(crate) fn get(doc: &Value, path: &str) -> Option<Value> {
    let parts = split(path);
    eval(doc, &parts)
}

fn eval(value: &Value, parts: &[String]) -> Option<Value> {
    let Some((head, rest)) = parts.split_first() else {
        return Some(value.clone());
    };
    match value {
        Value::Array(items) => {
            if head == "#" {
                if rest.is_empty() {
                    return Some(Value::from(items.len()));
                }
                let mapped: Vec<Value> = items.iter().filter_map(|item| eval(item, rest)).collect();
                return Some(Value::Array(mapped));
            }
            if let Some(query) = head.strip_prefix("#(") {
                let (query, all) = match query.strip_suffix(")#") {
                    Some(q) => (q, true),
                    None => (query.strip_suffix(')')?, false),
                };
                let mut matches = items.iter().filter(|item| matches_query(item, query));
                if all {
                    let found: Vec<Value> = matches.filter_map(|item| eval(item, rest)).collect();
                    return Some(Value::Array(found));
                }
                return eval(matches.next()?, rest);
            }
            let index: usize = head.parse().ok()?;
            eval(items.get(index)?, rest)
        }
        Value::Object(map) => {
            if head.contains(['*', '?']) {
                let (_, found) = map.iter().find(|(key, _)| glob(head, key))?;
                return eval(found, rest);
            }
            eval(map.get(head.as_str())?, rest)
        }
        _ => None,
    }
}

/// Splits on unescaped `.` and `|`, keeping `#(...)` queries whole.
fn split(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            '.' | '|' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn matches_query(item: &Value, query: &str) -> bool {
    const OPS: [&str; 7] = ["==", "!=", "<=", ">=", "<", ">", "%"];
    let Some((at, op)) = OPS
        .iter()
        .filter_map(|op| query.find(op).map(|at| (at, *op)))
        .min_by_key(|(at, op)| (*at, std::cmp::Reverse(op.len())))
    else {
        return get(item, query.trim()).is_some();
    };
    let (key, literal) = (query[..at].trim(), query[at + op.len()..].trim());
    let Some(actual) = get(item, key) else {
        return false;
    };
    let expected: Value =
        serde_json::from_str(literal).unwrap_or_else(|_| Value::String(literal.to_owned()));
    match (op, &actual, &expected) {
        ("==", a, e) => json_eq(a, e),
        ("!=", a, e) => !json_eq(a, e),
        ("%", Value::String(a), Value::String(pattern)) => glob(pattern, a),
        (op, Value::Number(a), Value::Number(e)) => compare(op, a.as_f64(), e.as_f64()),
        (op, Value::String(a), Value::String(e)) => compare(op, Some(a.as_str()), Some(e.as_str())),
        _ => false,
    }
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare<T: PartialOrd>(op: &str, a: Option<T>, b: Option<T>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        _ => false,
    }
}

/// `*` matches any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gjson_paths_users_write() {
        let doc: Value = serde_json::from_str(
            r#"{
              "components": {"worker": {"tasks": 12, "queue.depth": 4}},
              "queues": [
                {"name": "orders", "depth": 7, "tags": ["a"]},
                {"name": "emails", "depth": 3},
                {"name": "audit", "depth": 9}
              ],
              "version": "v1"
            }"#,
        )
        .unwrap();
        let cases = [
            ("components.worker.tasks", Some(Value::from(12))),
            ("components.worker.queue\\.depth", Some(Value::from(4))),
            ("components.w*r.tasks", Some(Value::from(12))),
            ("components.worke?.tasks", Some(Value::from(12))),
            ("queues.1.depth", Some(Value::from(3))),
            ("queues.#", Some(Value::from(3))),
            ("queues.#.depth", Some(serde_json::json!([7, 3, 9]))),
            (r#"queues.#(name=="audit").depth"#, Some(Value::from(9))),
            (r#"queues.#(name!="orders").depth"#, Some(Value::from(3))),
            (
                "queues.#(depth>5)#.name",
                Some(serde_json::json!(["orders", "audit"])),
            ),
            ("queues.#(depth<=3).name", Some(Value::from("emails"))),
            (r#"queues.#(name%"em*").depth"#, Some(Value::from(3))),
            ("queues.#(tags).name", Some(Value::from("orders"))),
            ("queues|0|depth", Some(Value::from(7))),
            ("components.worker.missing", None),
            ("queues.7.depth", None),
            ("queues.x", None),
            ("version.major", None),
            (r#"queues.#(name=="nope").depth"#, None),
        ];
        for (path, want) in cases {
            assert_eq!(get(&doc, path), want, "{path}");
        }
    }
}
