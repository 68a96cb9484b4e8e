//! The worker's Prometheus endpoint, scraped over HTTP and read with an independent parser
//! (Python's prometheus_client via tests/peers/prom_parse.py), not by string matching.

use std::{
    io::Write,
    path::Path,
    process::{Command, Stdio},
};

use serde_json::Value;

/// Every sample of one scrape: (name, labels, value).
pub struct Samples(Vec<(String, Value, f64)>);

impl Samples {
    pub async fn scrape(listen: &str) -> Self {
        let text = reqwest::get(format!("http://{listen}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        Self::parse(&text)
    }

    fn parse(text: &str) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(root.join("../.venv/bin/python"))
            .arg(root.join("peers/prom_parse.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python (run scripts/setup.sh)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "the exposition must parse:\n{text}");
        let samples = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["name"].as_str().unwrap().to_string(),
                    v["labels"].clone(),
                    v["value"].as_f64().unwrap(),
                )
            })
            .collect();
        Self(samples)
    }

    /// The value of the one sample `name` whose labels include `labels`.
    pub fn value(&self, name: &str, labels: Value) -> Option<f64> {
        let mut found = self.0.iter().filter(|(n, l, _)| {
            n == name
                && labels
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(k, v)| l.get(k) == Some(v))
        });
        let first = found.next().map(|(_, _, v)| *v);
        assert!(
            found.next().is_none(),
            "{name} {labels}: more than one sample"
        );
        first
    }

    /// The label sets of `name`'s samples.
    pub fn labels_of(&self, name: &str) -> Vec<&Value> {
        self.0
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, l, _)| l)
            .collect()
    }

    /// The sum of every sample of `name`, whatever its labels.
    pub fn sum(&self, name: &str) -> f64 {
        self.0
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, _, v)| v)
            .sum()
    }

    pub fn names(&self) -> std::collections::BTreeSet<&str> {
        self.0.iter().map(|(n, _, _)| n.as_str()).collect()
    }
}
