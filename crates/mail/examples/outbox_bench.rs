//! Benchmark (not a test): the file outbox's cost per mail on this machine's disk — CPU of the
//! whole process (user + system, all threads, from /proc) and wall time, at each concurrency.
//! A new folder per run: on ext4 without a journal, files created soon after a deletion are
//! dearer (docs/performance.md), so nothing is deleted.
//!
//! `cargo run -p meetflow-mail --example outbox_bench --release -- [MAILS] [DIR]`
//! (defaults: 3000 mails at concurrency 1 and 8, in `.meetflow/outbox-bench/<time>`)

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use meetflow_mail::{Address, ComposedMail, Envelope, Outbox, Transport as _};

/// About an invitation's size: text and HTML parts and the ICS, base64 where needed.
const MAIL_BYTES: usize = 9_000;

/// CPU-seconds of this process so far (utime + stime of /proc/self/stat, in clock ticks of
/// 1/100 s, the value Linux reports to user space on every architecture it runs meetflow on).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn mail(n: usize) -> ComposedMail {
    let from: Address = "meetings@meetflow.localhost".parse().unwrap();
    let to: Address = format!("client-{n}@client.example").parse().unwrap();
    ComposedMail {
        message_id: format!("<bench-{n}@meetflow.localhost>"),
        envelope: Envelope::new(Some(from), vec![to]).unwrap(),
        bytes: vec![b'x'; MAIL_BYTES],
        step: "approved",
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mails: usize = args.next().map_or(3000, |a| a.parse().expect("MAILS"));
    let root = args.next().map_or_else(
        || {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            PathBuf::from(format!(".meetflow/outbox-bench/{secs}"))
        },
        PathBuf::from,
    );
    for concurrency in [1usize, 8] {
        let outbox = Outbox::new(root.join(format!("c{concurrency}")));
        // Composed before the clock starts: only the outbox's work is measured.
        let batches: Vec<Vec<ComposedMail>> = (0..concurrency)
            .map(|worker| (worker..mails).step_by(concurrency).map(mail).collect())
            .collect();
        let cpu = cpu_seconds();
        let began = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for batch in batches {
            let outbox = outbox.clone();
            tasks.spawn(async move {
                for mail in &batch {
                    outbox.send(mail).await.expect("send");
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("sender");
        }
        let wall = began.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        println!(
            "concurrency {concurrency}: {mails} mails, {:.1} µs CPU per mail, {:.0} mails/s",
            cpu / mails as f64 * 1e6,
            mails as f64 / wall
        );
    }
}
