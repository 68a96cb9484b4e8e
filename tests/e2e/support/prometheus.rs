//! A real Prometheus (the Debian `prometheus` binary) on a free loopback port, with its own
//! configuration and storage in a temp dir, scraping one target every second and evaluating
//! rule files every second. Stopped when dropped.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;

pub struct Prometheus {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub async fn start(target: &str, rule_files: &[&Path]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let rules: Vec<String> = rule_files
            .iter()
            .map(|p| format!("  - {}\n", std::fs::canonicalize(p).unwrap().display()))
            .collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n{}\
             scrape_configs:\n  - job_name: meetflow\n    static_configs:\n      - targets: ['{target}']\n",
            rules.concat()
        );
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let port = meetflow::process::free_port().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("prometheus (Debian package; run scripts/setup.sh)");
        let prometheus = Self {
            child,
            url,
            _dir: dir,
        };
        super::eventually(Duration::from_secs(30), "prometheus ready", || async {
            let ready = reqwest::get(format!("{}/-/ready", prometheus.url)).await?;
            Ok(ready.status().is_success().then_some(()))
        })
        .await;
        prometheus
    }

    /// `GET /api/v1/{path}`'s `data`; panics unless Prometheus says `success`.
    pub async fn api(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let answer: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/{path}", self.url))
            .query(query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["status"], "success", "{path} {query:?}: {answer}");
        answer["data"].clone()
    }

    /// An instant query's result vector.
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        let data = self.api("query", &[("query", promql)]).await;
        data["result"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
