//! The report as a checklist for people, or as JSON for machines.

use std::fmt::Write;

use super::{Outcome, Report};

/// ✔ / ✘ / – lines, the fix indented under each ✘, a summary last.
pub fn text(report: &Report) -> String {
    let width = report
        .sections
        .iter()
        .flat_map(|s| &s.checks)
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for section in &report.sections {
        match &section.tenant {
            None => out.push_str("meetflow\n"),
            Some(t) => {
                let _ = writeln!(out, "\ntenant {t}");
            }
        }
        for c in &section.checks {
            let mark = match c.outcome {
                Outcome::Ok => '✔',
                Outcome::Fail { .. } => '✘',
                Outcome::Skip => '–',
            };
            let _ = writeln!(out, "  {mark} {:width$}  {}", c.name, c.detail);
            if let Outcome::Fail { fix } = &c.outcome {
                let _ = writeln!(out, "    {:width$}  fix: {fix}", "");
            }
        }
    }
    let checks = report.sections.iter().flat_map(|s| &s.checks);
    let (ok, skipped) = checks.fold((0, 0), |(ok, skip), c| match c.outcome {
        Outcome::Ok => (ok + 1, skip),
        Outcome::Skip => (ok, skip + 1),
        Outcome::Fail { .. } => (ok, skip),
    });
    let _ = writeln!(
        out,
        "\n{ok} ok, {} failed, {skipped} skipped",
        report.failures()
    );
    out
}

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report is plain data") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{Check, Section};

    fn report() -> Report {
        Report::new(vec![
            Section {
                tenant: None,
                checks: vec![Check::ok(
                    "store",
                    "sqlite: probe row written and rolled back",
                )],
            },
            Section {
                tenant: Some("acme".into()),
                checks: vec![
                    Check::fail("token", "AADSTS7000222", "create a new secret"),
                    Check::skip("calendar write", "needs a token"),
                ],
            },
        ])
    }

    #[test]
    fn text_marks_each_item_and_puts_the_fix_under_a_failure() {
        let text = text(&report());
        assert_eq!(
            text,
            "meetflow\n  ✔ store           sqlite: probe row written and rolled back\n\
             \ntenant acme\n  ✘ token           AADSTS7000222\n                    fix: create a new secret\n\
             \x20 – calendar write  needs a token\n\n1 ok, 1 failed, 1 skipped\n"
        );
    }

    #[test]
    fn json_has_status_and_fix_only_on_failures() {
        let v: serde_json::Value = serde_json::from_str(&json(&report())).unwrap();
        assert_eq!(v["ok"], false);
        let tenant = &v["sections"][1];
        assert_eq!(tenant["tenant"], "acme");
        assert_eq!(tenant["checks"][0]["status"], "fail");
        assert_eq!(tenant["checks"][0]["fix"], "create a new secret");
        assert_eq!(tenant["checks"][1]["status"], "skip");
        assert!(tenant["checks"][1].get("fix").is_none());
        assert!(v["sections"][0].get("tenant").is_none());
    }
}
