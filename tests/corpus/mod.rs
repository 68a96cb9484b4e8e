//! The bad-input corpus (`bad_input.jsonl`), shared by the parser's unit test
//! (`proto/src/parse.rs`) and the end-to-end test (`tests/e2e/bad_input.rs`), so both run exactly
//! the same cases.
//!
//! A line is `{"case": name, "input": json, "expect": [field paths]}`; lines starting with `#`
//! are comments. In `input`, `{"$repeat": s, "times": n}` stands for `s` repeated `n` times, so
//! the size cases stay readable.

use serde_json::Value;

pub struct Case {
    pub name: String,
    pub input: Value,
    /// Every field path the refusal names, sorted.
    pub expect: Vec<String>,
}

pub fn bad_input() -> Vec<Case> {
    include_str!("bad_input.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).expect("a corpus line is JSON");
            let name = v["case"].as_str().expect("case").to_string();
            let mut expect: Vec<String> = serde_json::from_value(v["expect"].take())
                .unwrap_or_else(|e| panic!("{name}: expect: {e}"));
            expect.sort();
            Case {
                input: expand(v["input"].take()),
                name,
                expect,
            }
        })
        .collect()
}

fn expand(v: Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$repeat") => {
            let unit = m["$repeat"].as_str().expect("$repeat is a string");
            let times = m["times"].as_u64().expect("times is a count") as usize;
            Value::String(unit.repeat(times))
        }
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (k, expand(x))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

/// The field paths an `invalid input: a: …; b: …` message names, sorted and deduplicated.
/// A problem text may itself contain `; ` (`one of A, B; …`), so a path counts only where it
/// looks like one: the text before the first `: ` of a `; `-separated part, made of path
/// characters.
pub fn fields_named(message: &str) -> Vec<String> {
    let body = message
        .strip_prefix("invalid input: ")
        .unwrap_or_else(|| panic!("not an input refusal: {message}"));
    let mut fields: Vec<String> = body
        .split("; ")
        .filter_map(|part| part.split_once(": ").map(|(f, _)| f))
        .filter(|f| {
            !f.is_empty()
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
        })
        .map(str::to_string)
        .collect();
    fields.sort();
    fields.dedup();
    fields
}
