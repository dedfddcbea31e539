//! Checking one metadata value against its parameter's kind.
//!
//! The spellings accepted are Go's (`strconv.ParseBool`, `ParseInt`, `ParseFloat`) and Kubernetes'
//! (quantities), because those are what KEDA's scalers parse; a value we accept here must not be
//! one KEDA would reject.

use super::{Bound, Param, ParamKind};

/// Why a value does not fit its parameter: what is wrong and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong with the value, e.g. `is not a number`.
    pub problem: String,
    /// What the parameter accepts, e.g. `threshold must be a decimal number such as "10"`.
    pub allowed: String,
}

/// Checks `value` against `param`.
///
/// # Errors
///
/// A [`Problem`] naming the parameter when the value has the wrong form or sign.
pub fn check_value(param: &Param, value: &str) -> Result<(), Problem> {
    let name = param.name;
    let fail = |problem: &str, allowed: String| {
        Err(Problem {
            problem: problem.to_owned(),
            allowed,
        })
    };
    let number = match param.kind {
        ParamKind::String => return Ok(()),
        ParamKind::Bool => {
            return if parse_bool(value).is_some() {
                Ok(())
            } else {
                fail(
                    "is not a boolean",
                    format!("{name} must be \"true\" or \"false\""),
                )
            };
        }
        ParamKind::Enum(allowed) => {
            return if allowed.contains(&value) {
                Ok(())
            } else {
                fail(
                    "is not an allowed value",
                    format!("{name} must be one of {}", allowed.join(", ")),
                )
            };
        }
        ParamKind::DnsLabel => {
            return if is_dns_label(value) {
                Ok(())
            } else {
                fail(
                    "is not a container name",
                    format!(
                        "{name} must be at most 63 lowercase letters, digits and '-', starting \
                         and ending with a letter or digit"
                    ),
                )
            };
        }
        ParamKind::Cron => {
            return if is_cron(value) {
                Ok(())
            } else {
                fail(
                    "is not a cron expression",
                    format!(
                        "{name} must be a five-field cron expression such as \"0 8 * * 1-5\" or a \
                         descriptor such as \"@daily\""
                    ),
                )
            };
        }
        ParamKind::Int => match value.parse::<i64>() {
            Ok(number) => number as f64,
            Err(_) => {
                return fail(
                    "is not a whole number",
                    format!("{name} must be a whole number such as \"10\""),
                );
            }
        },
        ParamKind::Float => match value.parse::<f64>() {
            Ok(number) if number.is_finite() => number,
            Ok(_) => {
                return fail(
                    "is not a finite number",
                    format!("{name} must be a decimal number such as \"10\" or \"2.5\""),
                );
            }
            Err(_) => {
                return fail(
                    "is not a number",
                    format!("{name} must be a decimal number such as \"10\" or \"2.5\""),
                );
            }
        },
        ParamKind::Quantity => match quantity_sign(value) {
            Some(sign) => f64::from(sign),
            None => {
                return fail(
                    "is not a quantity",
                    format!(
                        "{name} must be a Kubernetes quantity such as \"80\", \"500m\" or \"1Gi\""
                    ),
                );
            }
        },
    };
    match param.bound {
        Bound::Positive if number < 0.0 => {
            fail("is negative", format!("{name} must be greater than 0"))
        }
        Bound::Positive if number == 0.0 => {
            fail("is zero", format!("{name} must be greater than 0"))
        }
        Bound::NonNegative if number < 0.0 => {
            fail("is negative", format!("{name} must be 0 or more"))
        }
        _ => Ok(()),
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The sign (-1, 0 or 1) of a well-formed Kubernetes quantity, or `None` if it is malformed.
///
/// Grammar: `[+-]digits[.digits][suffix]` where the suffix is a binary-SI (`Ki`…`Ei`), a
/// decimal-SI (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`).
pub fn quantity_sign(value: &str) -> Option<i8> {
    let (negative, rest) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    let mut parts = number.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or_default();
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|exponent| exponent.strip_prefix(['+', '-']).unwrap_or(exponent))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if !suffix_ok {
        return None;
    }
    let zero = whole.bytes().chain(fraction.bytes()).all(|b| b == b'0');
    Some(match (zero, negative) {
        (true, _) => 0,
        (false, true) => -1,
        (false, false) => 1,
    })
}

/// Whether a value is a standard five-field cron expression or a descriptor, as KEDA's cron
/// scaler's parser (`cron.ParseStandard`) accepts.
/// Whether `name` is an RFC 1123 label, as Kubernetes requires of container names (the HPA
/// rejects a `ContainerResource` metric naming anything else).
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

fn is_cron(value: &str) -> bool {
    if let Some(descriptor) = value.strip_prefix('@') {
        return matches!(
            descriptor,
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly"
        ) || descriptor
            .strip_prefix("every ")
            .is_some_and(|every| !every.trim().is_empty());
    }
    let fields: Vec<&str> = value.split_whitespace().collect();
    fields.len() == 5
        && fields.iter().all(|field| {
            field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(kind: ParamKind, bound: Bound) -> Param {
        Param {
            name: "threshold",
            kind,
            required: true,
            default: None,
            bound,
            from_auth: false,
        }
    }

    #[test]
    fn numbers_are_checked_for_form_sign_and_finiteness() {
        let float = param(ParamKind::Float, Bound::Positive);
        for good in ["10", "2.5", "1e3", "+4", "0.001"] {
            assert_eq!(check_value(&float, good), Ok(()), "{good}");
        }
        let cases = [
            ("abc", "is not a number"),
            ("NaN", "is not a finite number"),
            ("inf", "is not a finite number"),
            ("-5", "is negative"),
            ("0", "is zero"),
            ("", "is not a number"),
        ];
        for (bad, problem) in cases {
            assert_eq!(
                check_value(&float, bad).unwrap_err().problem,
                problem,
                "{bad:?}"
            );
        }
        let int = param(ParamKind::Int, Bound::NonNegative);
        assert_eq!(check_value(&int, "0"), Ok(()));
        assert_eq!(
            check_value(&int, "1.5").unwrap_err().problem,
            "is not a whole number"
        );
        assert_eq!(
            check_value(&int, "-1").unwrap_err().allowed,
            "threshold must be 0 or more"
        );
    }

    #[test]
    fn booleans_use_go_spellings() {
        let flag = param(ParamKind::Bool, Bound::Any);
        for good in ["true", "false", "True", "FALSE", "1", "0", "t", "F"] {
            assert_eq!(check_value(&flag, good), Ok(()), "{good}");
        }
        for bad in ["yes", "no", "on", "tRuE", ""] {
            assert!(check_value(&flag, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quantities_follow_the_kubernetes_grammar() {
        let cases = [
            ("80", Some(1)),
            ("500m", Some(1)),
            ("1.5Gi", Some(1)),
            ("0", Some(0)),
            ("0.000", Some(0)),
            ("-1k", Some(-1)),
            ("1e3", Some(1)),
            ("2E-2", Some(1)),
            (".5", Some(1)),
            ("1.", Some(1)),
            ("1Gb", None),
            ("abc", None),
            ("", None),
            ("1.2.3", None),
            ("--1", None),
            ("1e", None),
        ];
        for (value, sign) in cases {
            assert_eq!(quantity_sign(value), sign, "{value:?}");
        }
    }

    #[test]
    fn cron_expressions_need_five_fields_or_a_descriptor() {
        let cron = param(ParamKind::Cron, Bound::Any);
        for good in [
            "0 8 * * 1-5",
            "*/15 * * * *",
            "0 0 1 JAN ?",
            "@daily",
            "@every 5m",
        ] {
            assert_eq!(check_value(&cron, good), Ok(()), "{good}");
        }
        for bad in ["0 8 * *", "0 8 * * * *", "@sometimes", "0 8 * * $"] {
            assert!(check_value(&cron, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_name_every_allowed_value() {
        let mode = Param {
            name: "mode",
            kind: ParamKind::Enum(&["QueueLength", "MessageRate"]),
            required: false,
            default: None,
            bound: Bound::Any,
            from_auth: false,
        };
        let problem = check_value(&mode, "queuelength").unwrap_err();
        assert_eq!(
            problem.allowed,
            "mode must be one of QueueLength, MessageRate"
        );
    }
}
