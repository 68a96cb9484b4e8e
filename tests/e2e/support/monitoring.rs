//! deploy/monitoring as the tests read it: the metric names the dashboard and the alert rules
//! use, and the dashboard's queries.

use std::{collections::BTreeSet, path::PathBuf};

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/monitoring")
}

pub const DASHBOARD: &str = "grafana-dashboard.json";
pub const ALERTS: &str = "alerts.yml";

fn read(file: &str) -> String {
    std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Every meetflow and SDK metric name each file mentions (queries, descriptions, anything):
/// all of ours carry one of the two prefixes, and no label or function does.
pub fn metric_names() -> Vec<(&'static str, BTreeSet<String>)> {
    let name = regex::Regex::new(r"\b(?:meetflow|temporal)_[A-Za-z0-9_]+").unwrap();
    [DASHBOARD, ALERTS]
        .into_iter()
        .map(|file| {
            let text = read(file);
            let names: BTreeSet<String> = name
                .find_iter(&text)
                .map(|m| m.as_str().to_string())
                .collect();
            assert!(!names.is_empty(), "{file} names no metric");
            (file, names)
        })
        .collect()
}

/// The PromQL of every dashboard panel target, with Grafana's `$__rate_interval` made concrete.
pub fn dashboard_queries() -> Vec<String> {
    let dashboard: serde_json::Value = serde_json::from_str(&read(DASHBOARD)).unwrap();
    let panels = dashboard["panels"].as_array().expect("panels");
    let queries: Vec<String> = panels
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .map(|t| {
            t["expr"]
                .as_str()
                .expect("each target has an expr")
                .replace("$__rate_interval", "1m")
        })
        .collect();
    assert!(!queries.is_empty());
    queries
}
