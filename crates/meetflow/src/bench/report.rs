//! The figures of one `meetflow bench` run: the JSON object of `--json` (schema 1, agreed with
//! the capacity script: fields may be added, never renamed) and the human lines.

use std::{collections::BTreeMap, time::Duration};

use serde::Serialize;

use super::tally::Tally;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: u32,
    pub meetflow_version: &'static str,
    pub measured_at: String,
    pub profile: &'static str,
    pub machine: Machine,
    pub server: &'static str,
    /// The measured worker's store: `sqlite` (in `--dir`) or `postgres`.
    pub store: &'static str,
    pub path: &'static str,
    pub lifecycles: usize,
    /// The concurrency-1 lifecycles run before the loaded ones.
    pub sequential_lifecycles: usize,
    pub concurrency: usize,
    pub graph_latency_ms: u64,
    pub elapsed_s: f64,
    pub lifecycles_per_second: f64,
    pub approve_to_mails_ms: Latency,
    pub approve_to_mails_ms_sequential: SequentialLatency,
    pub per_lifecycle: PerLifecycle,
    pub billable_actions_by_type: BTreeMap<String, f64>,
    pub cpu_seconds_per_1000: Cpu,
    pub rss_mib: Rss,
    pub floor: Option<Floor>,
    /// The capture schedule of the full path (seconds), `null` for the cancel path.
    pub capture_schedule_secs: Option<BTreeMap<String, u32>>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub model: String,
}

impl Machine {
    pub fn this() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map(|(_, m)| m.trim().to_string())
            .unwrap_or_default();
        Self {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            model,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Debug, Serialize)]
pub struct SequentialLatency {
    pub p50: f64,
    pub p99: f64,
    pub samples: usize,
}

#[derive(Debug, Serialize)]
pub struct PerLifecycle {
    pub graph_calls: f64,
    pub token_requests: f64,
    pub mails: f64,
    pub workflows: f64,
    pub history_events: f64,
    pub history_bytes: f64,
    pub workflow_tasks: f64,
    pub activities: f64,
    pub timers: f64,
    pub signals: f64,
    pub updates: f64,
    pub upserts: f64,
    pub markers: f64,
    pub child_workflows: f64,
    pub billable_actions: f64,
    pub state_transitions: f64,
    /// `state` queries the bench sent (Actions on Cloud, invisible in histories).
    pub bench_queries: f64,
}

/// Counts over every lifecycle run, before division.
pub struct Totals {
    pub lifecycles: usize,
    pub tally: Tally,
    pub graph_calls: usize,
    pub token_requests: usize,
    pub mails: usize,
    pub bench_queries: u64,
}

impl Totals {
    pub fn per_lifecycle(&self) -> (PerLifecycle, BTreeMap<String, f64>) {
        let n = self.lifecycles.max(1) as f64;
        let per = |v: u64| v as f64 / n;
        let t = &self.tally;
        let by_type = t
            .actions_by_type
            .iter()
            .map(|(k, v)| (k.to_string(), per(*v)))
            .collect();
        let figures = PerLifecycle {
            graph_calls: per(self.graph_calls as u64),
            token_requests: per(self.token_requests as u64),
            mails: per(self.mails as u64),
            workflows: per(t.workflows),
            history_events: per(t.history_events),
            history_bytes: per(t.history_bytes),
            workflow_tasks: per(t.workflow_tasks),
            activities: per(t.activities),
            timers: per(t.timers),
            signals: per(t.signals),
            updates: per(t.updates),
            upserts: per(t.upserts),
            markers: per(t.markers),
            child_workflows: per(t.child_workflows),
            billable_actions: per(t.billable_actions()),
            state_transitions: per(t.state_transitions),
            bench_queries: per(self.bench_queries),
        };
        (figures, by_type)
    }
}

#[derive(Debug, Serialize)]
pub struct Cpu {
    pub worker: f64,
    pub server: f64,
}

#[derive(Debug, Serialize)]
pub struct Rss {
    pub idle: f64,
    pub after_lifecycles: f64,
    pub open_workflows: Vec<OpenRss>,
}

#[derive(Debug, Serialize)]
pub struct OpenRss {
    pub open: usize,
    pub rss_mib: f64,
}

#[derive(Debug, Serialize)]
pub struct Floor {
    pub cpu_seconds_per_1000: Cpu,
    pub lifecycles_per_second: f64,
    pub per_lifecycle: PerLifecycle,
    pub worker_cpu_multiple: f64,
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// The lines about the lifecycle phase (the footprint lines follow as they are measured).
pub fn lifecycle_lines(r: &Report, steps: &str) -> Vec<String> {
    let p = &r.per_lifecycle;
    vec![
        format!(
            "meetflow bench — {} lifecycles, concurrency {}, Graph latency {} ms",
            r.lifecycles, r.concurrency, r.graph_latency_ms
        ),
        format!(
            "  server {} ({} build), store {}, path {}",
            r.server, r.profile, r.store, r.path
        ),
        format!("  lifecycles/s ({steps}): {:.1}", r.lifecycles_per_second),
        format!(
            "  approve → both mails latency: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            r.approve_to_mails_ms.p50, r.approve_to_mails_ms.p99, r.approve_to_mails_ms.max
        ),
        format!(
            "  approve → both mails at concurrency 1 ({} lifecycles): p50 {:.1} ms  p99 {:.1} ms",
            r.approve_to_mails_ms_sequential.samples,
            r.approve_to_mails_ms_sequential.p50,
            r.approve_to_mails_ms_sequential.p99
        ),
        format!(
            "  Graph calls per lifecycle: {:.2} (+ {:.3} token requests)",
            p.graph_calls, p.token_requests
        ),
        format!(
            "  CPU-seconds per 1,000 lifecycles: worker {:.1}, server {:.1}",
            r.cpu_seconds_per_1000.worker, r.cpu_seconds_per_1000.server
        ),
        format!(
            "  per lifecycle: {:.1} mails, {:.2} workflows, {:.1} history events ({:.0} bytes), \
             {:.1} workflow tasks, {:.1} activities, {:.1} timers, {:.1} signals, {:.1} updates, \
             {:.1} upserts, {:.1} markers, {:.1} child workflows, {:.1} state transitions",
            p.mails,
            p.workflows,
            p.history_events,
            p.history_bytes,
            p.workflow_tasks,
            p.activities,
            p.timers,
            p.signals,
            p.updates,
            p.upserts,
            p.markers,
            p.child_workflows,
            p.state_transitions
        ),
        format!(
            "  billable actions per lifecycle (Temporal Cloud, from the histories): {:.1} = {}",
            p.billable_actions,
            r.billable_actions_by_type
                .iter()
                .map(|(k, v)| format!("{k} {v:.1}"))
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        format!(
            "  + {:.2} state queries per lifecycle sent by the bench (not in any history)",
            p.bench_queries
        ),
        format!(
            "  worker RSS: idle {:.1} MiB, after the lifecycles {:.1} MiB",
            r.rss_mib.idle, r.rss_mib.after_lifecycles
        ),
    ]
}

/// The lines about the same-shape floor, once it was measured.
pub fn floor_lines(r: &Report) -> Vec<String> {
    let Some(f) = &r.floor else {
        return Vec::new();
    };
    let p = &f.per_lifecycle;
    vec![
        format!(
            "  worker CPU: {:.1} CPU-s per 1,000 = {:.1} × the same-shape floor ({:.1})",
            r.cpu_seconds_per_1000.worker, f.worker_cpu_multiple, f.cpu_seconds_per_1000.worker
        ),
        format!(
            "  same-shape floor (no-op bodies, this binary): server {:.1} CPU-s per 1,000, {:.1} lifecycles/s; \
             per lifecycle {:.1} history events, {:.1} workflow tasks, {:.1} activities, {:.1} timers, \
             {:.1} updates, {:.1} signals, {:.1} child workflows, {:.1} billable actions",
            f.cpu_seconds_per_1000.server,
            f.lifecycles_per_second,
            p.history_events,
            p.workflow_tasks,
            p.activities,
            p.timers,
            p.updates,
            p.signals,
            p.child_workflows,
            p.billable_actions
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_divide_by_lifecycles() {
        let mut tally = Tally {
            workflows: 4,
            history_events: 120,
            ..Tally::default()
        };
        tally.actions_by_type.insert("schedule_activity", 18);
        tally.actions_by_type.insert("start_workflow", 2);
        let totals = Totals {
            lifecycles: 2,
            tally,
            graph_calls: 6,
            token_requests: 1,
            mails: 8,
            bench_queries: 0,
        };
        let (p, by_type) = totals.per_lifecycle();
        assert_eq!((p.workflows, p.history_events, p.mails), (2.0, 60.0, 4.0));
        assert_eq!((p.graph_calls, p.token_requests), (3.0, 0.5));
        assert_eq!(p.billable_actions, 10.0);
        assert_eq!(by_type["schedule_activity"], 9.0);
    }

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.5), Duration::from_millis(51));
        assert_eq!(percentile(&sorted, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
        assert_eq!(ms(Duration::from_micros(1500)), 1.5);
    }
}
