//! A 200 MiB copy in bounded memory, measured in a process of its own.

use crate::support::local::{file_of, temporary_storage};
use crate::support::recording::{self, CHUNK, MIB};

/// The memory measurement must not see other tests' allocations, so it runs alone in a
/// child process: this very test binary, filtered to `bounded_memory_child`.
#[test]
fn large_recording_streams_in_bounded_memory() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "memory::bounded_memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("run child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{stderr}"
    );
    // The harness prints the child's line after "test <name> ... ".
    let measured = stdout.lines().find_map(|l| l.split_once("peak growth"));
    println!(
        "peak growth{}",
        measured.expect("child reports its measurement").1
    );
}

#[test]
#[ignore = "run in its own process by large_recording_streams_in_bounded_memory"]
fn bounded_memory_child() {
    const SIZE: u64 = 200 * MIB;
    const BOUND: u64 = 48 * MIB;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_dir, storage) = temporary_storage();
    let before = resident::reset_peak();
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    let stored = runtime
        .block_on(
            storage.put_stream("big/recording.mp4", recording::chunks(SIZE, CHUNK), |n| {
                reports.push(n)
            }),
        )
        .expect("put");
    let elapsed = started.elapsed();
    let growth = resident::peak().saturating_sub(before);
    println!(
        "peak growth {} KiB streaming {} MiB in {elapsed:?} ({} progress reports)",
        growth / 1024,
        SIZE / MIB,
        reports.len()
    );
    assert!(growth < BOUND, "peak memory grew by {growth} bytes");
    assert_eq!(stored.size, SIZE);

    // Progress: rising, ending at the total, and throttled (8 MiB or 1 s apart).
    assert_eq!(reports.last(), Some(&SIZE));
    assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
    let limit = SIZE / (8 * MIB) + elapsed.as_secs() + 2;
    assert!(reports.len() as u64 <= limit, "{} reports", reports.len());

    // Content, read back in blocks so the check itself stays small.
    use std::io::Read;
    let mut file = std::fs::File::open(file_of(&stored.location)).unwrap();
    let mut block = vec![0u8; 4 * MIB as usize];
    let mut offset = 0u64;
    loop {
        let n = file.read(&mut block).unwrap();
        if n == 0 {
            break;
        }
        recording::assert_matches(offset, &block[..n]);
        offset += n as u64;
    }
    assert_eq!(offset, SIZE);
}

/// Resident memory of this process, from `/proc/self/status`.
mod resident {
    fn status_kib(field: &str) -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} missing from /proc/self/status"))
    }

    /// Resets the high-water mark to the current resident size (Linux ≥ 4.0) and returns
    /// that size in bytes: the baseline for [`peak`].
    pub fn reset_peak() -> u64 {
        // Without the reset the baseline is still sound, just looser: VmHWM ≥ VmRSS.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        status_kib("VmRSS:") * 1024
    }

    pub fn peak() -> u64 {
        status_kib("VmHWM:") * 1024
    }
}
