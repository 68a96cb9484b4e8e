//! CPU time of a process and its live descendants, from `/proc/<pid>/stat` (utime + stime).
//!
//! Descendants count because the measured program may fork helpers; a descendant that exits
//! between two samples takes its time with it (only a waited-for child's time reaches the
//! parent's cutime), so the figure is a lower bound when processes come and go.

use std::collections::HashMap;

/// One `/proc/<pid>/stat` line: (parent pid, utime + stime in clock ticks).
fn parse_stat(line: &str) -> Option<(u32, u64)> {
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    let rest = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) … utime(14) stime(15), i.e. indexes 0, 1, 11, 12 here.
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// Every process's (parent, ticks), by pid.
fn snapshot() -> HashMap<u32, (u32, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let line = std::fs::read_to_string(e.path().join("stat")).ok()?;
        Some((pid, parse_stat(&line)?))
    })
    .collect()
}

/// Ticks of `root` and of every process descending from it in `procs`.
fn tree_ticks(procs: &HashMap<u32, (u32, u64)>, root: u32) -> u64 {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&pid, &(ppid, _)) in procs {
        children.entry(ppid).or_default().push(pid);
    }
    let mut total = 0;
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        if let Some(&(_, ticks)) = procs.get(&pid) {
            total += ticks;
        }
        if let Some(kids) = children.get(&pid) {
            todo.extend(kids);
        }
    }
    total
}

/// CPU-seconds used so far by `pid` and its live descendants.
pub fn cpu_seconds(pid: u32) -> f64 {
    tree_ticks(&snapshot(), pid) as f64 / ticks_per_second()
}

/// CPU-seconds of the worker and the server process trees since [`Meter::start`]: what one
/// measured phase (meetflow's lifecycles, or the floor's) cost each of them.
pub struct Meter {
    pids: (u32, u32),
    at_start: (f64, f64),
}

impl Meter {
    pub fn start(worker: u32, server: u32) -> Self {
        Self {
            pids: (worker, server),
            at_start: (cpu_seconds(worker), cpu_seconds(server)),
        }
    }

    /// (worker, server) CPU-seconds so far.
    pub fn used(&self) -> (f64, f64) {
        (
            cpu_seconds(self.pids.0) - self.at_start.0,
            cpu_seconds(self.pids.1) - self.at_start.1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let line = "4242 (tokio (rt) x) S 17 4242 4242 0 -1 4194560 500 0 0 0 \
                    123 45 6 7 20 0 9 0 100 1000 200";
        assert_eq!(parse_stat(line), Some((17, 168)));
    }

    #[test]
    fn children_are_summed_and_other_trees_are_not() {
        let procs = HashMap::from([
            (10, (1, 100)),
            (11, (10, 20)),
            (12, (11, 3)),
            (20, (1, 1000)),
        ]);
        assert_eq!(tree_ticks(&procs, 10), 123);
        assert_eq!(tree_ticks(&procs, 11), 23);
        assert_eq!(tree_ticks(&procs, 99), 0);
    }

    #[test]
    fn this_process_burns_measurable_cpu() {
        let before = cpu_seconds(std::process::id());
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(300) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let used = cpu_seconds(std::process::id()) - before;
        assert!(used >= 0.1, "{used}");
    }
}
