//! Turns formula text into tokens, each with the 1-based column where it starts.
//!
//! The token set is the part of expr-lang's grammar that KEDA formulas use: numbers, identifiers,
//! the keywords `true`, `false`, `nil`, `and`, `or`, `not`, strings (only meaningful inside
//! `$env["…"]`), punctuation and operators. Columns count characters, not bytes, so an error under
//! a non-ASCII trigger name still points at the right place.

use crate::parser::{ParseError, Result};

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A non-negative number literal.
    Number(f64),
    /// An identifier: a trigger name, a function name or `$env`.
    Ident(String),
    /// A quoted string, already unescaped.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `nil`.
    Nil,
    /// `#`, the element inside a predicate closure.
    Pointer,
    /// An operator or punctuation mark, as written (`and`, `or`, `not` are normalised to
    /// `&&`, `||`, `!`).
    Punct(&'static str),
    /// The end of the formula.
    End,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Number(n) => format!("number {n}"),
            Token::Ident(name) => format!("'{name}'"),
            Token::Str(s) => format!("string {s:?}"),
            Token::Bool(b) => format!("'{b}'"),
            Token::Nil => "'nil'".to_owned(),
            Token::Pointer => "'#'".to_owned(),
            Token::Punct(p) => format!("'{p}'"),
            Token::End => "the end of the formula".to_owned(),
        }
    }
}

/// A token and the 1-based character column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) column: usize,
}

/// Operators and punctuation, longest first so that `**` wins over `*` and `??` over `?`.
const PUNCTUATION: &[&str] = &[
    "**", "??", "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "^", "<", ">", "!",
    "?", ":", "(", ")", "[", "]", "{", "}", ",",
];

/// Splits `source` into tokens, ending with [`Token::End`].
///
/// # Errors
///
/// A character that starts no token, an unterminated string, or a number that does not fit an
/// `f64`.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Spanned>> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (token, next) = if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            lex_number(&chars, i)?
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            lex_word(&chars, i)
        } else if c == '"' || c == '\'' {
            lex_string(&chars, i)?
        } else if c == '#' {
            (Token::Pointer, i + 1)
        } else if let Some(p) = PUNCTUATION.iter().find(|p| starts_with(&chars, i, p)) {
            (Token::Punct(p), i + p.len())
        } else {
            return Err(ParseError::new(
                column,
                format!("unexpected character '{c}'"),
                "a number, a trigger name, a function call, an operator or a parenthesis",
            ));
        };
        tokens.push(Spanned { token, column });
        i = next;
    }
    tokens.push(Spanned {
        token: Token::End,
        column: chars.len() + 1,
    });
    Ok(tokens)
}

fn starts_with(chars: &[char], at: usize, text: &str) -> bool {
    (at..)
        .zip(text.chars())
        .all(|(i, expected)| chars.get(i) == Some(&expected))
}

/// Decimal numbers with optional `_` digit separators, fraction and exponent, as expr-lang reads
/// them; hexadecimal `0x…` too.
fn lex_number(chars: &[char], start: usize) -> Result<(Token, usize)> {
    let column = start + 1;
    let mut i = start;
    let mut text = String::new();
    if chars[i] == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
        i += 2;
        while i < chars.len() && (chars[i].is_ascii_hexdigit() || chars[i] == '_') {
            if chars[i] != '_' {
                text.push(chars[i]);
            }
            i += 1;
        }
        return match u64::from_str_radix(&text, 16) {
            Ok(n) => Ok((Token::Number(n as f64), i)),
            Err(_) => Err(ParseError::new(
                column,
                format!("'{}'", chars[start..i].iter().collect::<String>()),
                "a hexadecimal number such as 0xff",
            )),
        };
    }
    let digits = |i: &mut usize, text: &mut String| {
        while *i < chars.len() && (chars[*i].is_ascii_digit() || chars[*i] == '_') {
            if chars[*i] != '_' {
                text.push(chars[*i]);
            }
            *i += 1;
        }
    };
    digits(&mut i, &mut text);
    // A `.` is a fraction only when a digit follows: `1..2` is not ours to read, and `1.` alone
    // is rejected below as an operator in the wrong place.
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        text.push('.');
        i += 1;
        digits(&mut i, &mut text);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        let mut exponent = String::from("e");
        if let Some(sign @ ('+' | '-')) = chars.get(j) {
            exponent.push(*sign);
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            digits(&mut j, &mut exponent);
            text.push_str(&exponent);
            i = j;
        } else {
            return Err(ParseError::new(
                i + 1,
                format!("'{}'", chars[start..j].iter().collect::<String>()),
                "digits after the exponent, as in 1e3 or 2.5e-2",
            ));
        }
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((Token::Number(n), i)),
        _ => Err(ParseError::new(
            column,
            format!("'{}'", chars[start..i].iter().collect::<String>()),
            "a number that fits a 64-bit float (at most about 1.8e308)",
        )),
    }
}

fn lex_word(chars: &[char], start: usize) -> (Token, usize) {
    let mut i = start + 1;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
        i += 1;
    }
    let word: String = chars[start..i].iter().collect();
    let token = match word.as_str() {
        "true" => Token::Bool(true),
        "false" => Token::Bool(false),
        "nil" => Token::Nil,
        "and" => Token::Punct("&&"),
        "or" => Token::Punct("||"),
        "not" => Token::Punct("!"),
        _ => Token::Ident(word),
    };
    (token, i)
}

fn lex_string(chars: &[char], start: usize) -> Result<(Token, usize)> {
    let quote = chars[start];
    let mut i = start + 1;
    let mut text = String::new();
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Ok((Token::Str(text), i + 1)),
            '\\' => {
                let escaped = match chars.get(i + 1) {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some(c @ ('\\' | '"' | '\'')) => *c,
                    other => {
                        return Err(ParseError::new(
                            i + 1,
                            other.map_or_else(
                                || "the end of the formula".to_owned(),
                                |c| format!("escape '\\{c}'"),
                            ),
                            "one of the escapes \\\\, \\\", \\', \\n, \\t, \\r",
                        ));
                    }
                };
                text.push(escaped);
                i += 2;
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(ParseError::new(
        chars.len() + 1,
        "the end of the formula",
        format!(
            "a closing {quote} for the string opened at column {}",
            start + 1
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|s| s.token)
            .collect()
    }

    #[test]
    fn longest_operator_wins() {
        assert_eq!(
            kinds("a**b??c"),
            vec![
                Token::Ident("a".into()),
                Token::Punct("**"),
                Token::Ident("b".into()),
                Token::Punct("??"),
                Token::Ident("c".into()),
                Token::End
            ]
        );
    }

    #[test]
    fn word_operators_read_as_symbols() {
        assert_eq!(
            kinds("not a and b or c"),
            kinds("! a && b || c"),
            "`and`/`or`/`not` must mean exactly `&&`/`||`/`!`"
        );
    }

    #[test]
    fn numbers_in_every_spelling() {
        for (text, value) in [
            ("42", 42.0),
            ("2.5", 2.5),
            (".5", 0.5),
            ("1_000", 1000.0),
            ("1e3", 1000.0),
            ("2.5E-1", 0.25),
            ("0x1F", 31.0),
        ] {
            assert_eq!(kinds(text)[0], Token::Number(value), "{text}");
        }
    }

    #[test]
    fn columns_count_characters() {
        let tokens = tokenize("é + ü").unwrap();
        let columns: Vec<usize> = tokens.iter().map(|t| t.column).collect();
        assert_eq!(columns, vec![1, 3, 5, 6]);
    }

    #[test]
    fn bad_input_names_the_column() {
        let error = tokenize("a + @").unwrap_err();
        assert_eq!(error.column(), 5);
        let error = tokenize("1e").unwrap_err();
        assert_eq!(error.column(), 2);
        let error = tokenize("1e999").unwrap_err();
        assert!(error.to_string().contains("64-bit float"), "{error}");
        let error = tokenize("$env[\"abc").unwrap_err();
        assert!(error.to_string().contains("closing \""), "{error}");
    }

    #[test]
    fn strings_unescape() {
        assert_eq!(kinds(r#""a\"b""#)[0], Token::Str("a\"b".into()));
        assert_eq!(kinds("'x-y'")[0], Token::Str("x-y".into()));
    }
}
