//! Recording storage against a local folder and against a real S3-compatible server (moto,
//! started on a free loopback port by the test and stopped afterwards).

#[path = "../../../tests/peers/peers.rs"]
mod peers;

/// Lazily generated recordings whose every byte is checkable: byte `i` is `i % 251`.
mod recording {
    use std::io;
    use std::sync::LazyLock;

    use bytes::Bytes;
    use futures::{Stream, StreamExt, stream};

    pub const MIB: u64 = 1024 * 1024;
    const PERIOD: usize = 251;
    pub const CHUNK: usize = 64 * 1024;

    static PATTERN: LazyLock<Vec<u8>> =
        LazyLock::new(|| (0..CHUNK + PERIOD).map(|i| (i % PERIOD) as u8).collect());

    fn chunk_at(offset: u64, len: usize) -> Bytes {
        let start = (offset % PERIOD as u64) as usize;
        // A fresh allocation per chunk, like a network body: a store that buffered the whole
        // recording would show it in its resident memory.
        Bytes::copy_from_slice(&PATTERN[start..start + len])
    }

    fn offsets(total: u64, chunk: usize) -> impl Iterator<Item = (u64, usize)> {
        (0..total.div_ceil(chunk as u64)).map(move |i| {
            let offset = i * chunk as u64;
            (offset, chunk.min((total - offset) as usize))
        })
    }

    /// `total` bytes in `chunk`-sized pieces, produced only as they are polled.
    pub fn chunks(
        total: u64,
        chunk: usize,
    ) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + Unpin {
        stream::iter(offsets(total, chunk)).map(|(offset, len)| Ok(chunk_at(offset, len)))
    }

    /// `good` bytes, then the source fails as a broken download would.
    pub fn broken_after(good: u64) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + Unpin {
        let reset = io::Error::new(io::ErrorKind::ConnectionReset, "graph connection reset");
        chunks(good, CHUNK).chain(stream::iter([Err(reset)]))
    }

    /// Checks `data` is bytes `offset..offset + data.len()` of a recording.
    pub fn assert_matches(offset: u64, data: &[u8]) {
        let mut at = 0;
        while at < data.len() {
            let len = CHUNK.min(data.len() - at);
            let expected = chunk_at(offset + at as u64, len);
            assert!(
                data[at..at + len] == expected[..],
                "content differs near byte {}",
                offset + at as u64
            );
            at += len;
        }
    }
}

mod local {
    use std::path::{Path, PathBuf};

    use futures::{StreamExt, stream};
    use meetflow_storage::{RecordingStorage, StorageError, recording_key};

    use crate::recording::{self, CHUNK, MIB};

    pub fn storage(dir: &Path) -> RecordingStorage {
        RecordingStorage::from_url(&format!("file://{}", dir.display())).expect("local storage")
    }

    pub fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }

    fn file_of(location: &str) -> PathBuf {
        let path = location.strip_prefix("file://").expect("file:// location");
        assert!(!path.contains('%'), "test folders need no escaping: {path}");
        PathBuf::from(path)
    }

    #[tokio::test]
    async fn round_trip_and_head() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let key = recording_key("tenant-1", "appt-7", "rec-1");
        assert_eq!(storage.head(&key).await.unwrap(), None);

        let size = 3 * MIB + 17;
        let stored = storage
            .put_stream(&key, recording::chunks(size, 10_000), |_| {})
            .await
            .expect("put");
        assert_eq!(stored.size, size);
        let file = file_of(&stored.location);
        assert!(
            file.starts_with(dir.path().canonicalize().unwrap()),
            "{file:?}"
        );
        let data = std::fs::read(&file).expect("stored file");
        assert_eq!(data.len() as u64, size);
        recording::assert_matches(0, &data);
        assert_eq!(storage.head(&key).await.unwrap(), Some(size));
        assert_eq!(
            files_under(dir.path()),
            vec![file],
            "only the object, no staging files"
        );
    }

    #[tokio::test]
    async fn empty_recording_is_stored_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let mut reports = Vec::new();
        let stored = storage
            .put_stream("empty.mp4", recording::chunks(0, CHUNK), |n| {
                reports.push(n)
            })
            .await
            .expect("put");
        assert_eq!((stored.size, reports), (0, vec![0]));
        assert_eq!(storage.head("empty.mp4").await.unwrap(), Some(0));
    }

    #[tokio::test]
    async fn source_failure_leaves_no_object() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let key = recording_key("t", "a", "broken");
        let error = storage
            .put_stream(&key, recording::broken_after(12 * MIB), |_| {})
            .await
            .expect_err("source failed");
        match &error {
            StorageError::Source { bytes_read, .. } => assert_eq!(*bytes_read, 12 * MIB),
            other => panic!("expected a source failure, got {other:?}"),
        }
        let cause = error.source_failure().expect("source's own error");
        assert_eq!(
            cause.downcast_ref::<std::io::Error>().map(|e| e.kind()),
            Some(std::io::ErrorKind::ConnectionReset)
        );
        assert_eq!(storage.head(&key).await.unwrap(), None);
        assert_eq!(
            files_under(dir.path()),
            Vec::<PathBuf>::new(),
            "staging file removed"
        );
    }

    #[tokio::test]
    async fn a_failed_retry_keeps_the_earlier_complete_object() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let key = recording_key("t", "a", "r");
        storage
            .put_stream(&key, recording::chunks(MIB, CHUNK), |_| {})
            .await
            .unwrap();
        storage
            .put_stream(&key, recording::broken_after(7 * MIB), |_| {})
            .await
            .expect_err("source failed");
        assert_eq!(storage.head(&key).await.unwrap(), Some(MIB));
    }

    #[tokio::test]
    async fn cancelled_copy_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        // Data, then a source that never answers, as a stalled download would.
        let stalled = recording::chunks(11 * MIB, CHUNK).chain(stream::pending());
        let copy = storage.put_stream("stalled.mp4", stalled, |_| {});
        let outcome = tokio::time::timeout(std::time::Duration::from_millis(500), copy).await;
        assert!(
            outcome.is_err(),
            "copy should still be waiting on its source"
        );
        // The abort runs in the background after the drop.
        for _ in 0..100 {
            if files_under(dir.path()).is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());
        assert_eq!(storage.head("stalled.mp4").await.unwrap(), None);
    }

    #[tokio::test]
    async fn re_put_replaces_atomically_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let key = recording_key("t", "a", "r");
        let first = storage
            .put_stream(&key, recording::chunks(6 * MIB, CHUNK), |_| {})
            .await
            .unwrap();
        let again = storage
            .put_stream(&key, recording::chunks(6 * MIB, CHUNK), |_| {})
            .await
            .unwrap();
        assert_eq!(first, again);
        let smaller = storage
            .put_stream(&key, recording::chunks(MIB + 1, 4096), |_| {})
            .await
            .unwrap();
        assert_eq!(smaller.location, first.location);
        let data = std::fs::read(file_of(&smaller.location)).unwrap();
        assert_eq!(data.len() as u64, MIB + 1);
        recording::assert_matches(0, &data);
        assert_eq!(files_under(dir.path()).len(), 1);
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_folder() {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("store");
        let storage = storage(&root);
        for bad in [
            "../outside.mp4",
            "/etc/x",
            "a/../../b",
            "a%2F..%2Fb",
            "x#1",
            "",
        ] {
            let error = storage
                .put_stream(bad, recording::chunks(10, CHUNK), |_| {})
                .await
                .expect_err(bad);
            assert!(
                matches!(error, StorageError::InvalidKey { .. }),
                "{bad}: {error}"
            );
            assert!(!error.is_retryable());
            assert!(storage.head(bad).await.is_err(), "{bad}");
        }
        // Hostile ids are fine: recording_key makes them safe.
        let key = recording_key("../..", "/etc", "a/../../b");
        let stored = storage
            .put_stream(&key, recording::chunks(10, CHUNK), |_| {})
            .await
            .unwrap();
        assert!(file_of(&stored.location).starts_with(root.canonicalize().unwrap()));
        let everything = files_under(parent.path());
        assert_eq!(everything.len(), 1, "{everything:?}");
        assert!(everything[0].starts_with(&root));
    }

    #[test]
    fn relative_file_urls_resolve_against_the_working_directory() {
        // A relative path from the working directory into a temporary folder: creating the
        // folder proves where the URL was resolved, and nothing lands in the source tree.
        let dir = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        let up = "../".repeat(cwd.components().count() - 1);
        let target = dir.path().join("recordings");
        let relative = format!("{up}{}", target.strip_prefix("/").unwrap().display());
        let storage = RecordingStorage::from_url(&format!("file://{relative}")).unwrap();
        assert!(target.is_dir(), "{target:?} not created");
        let canonical = target.canonicalize().unwrap();
        assert!(format!("{storage:?}").contains(canonical.to_str().unwrap()));
    }

    #[test]
    fn bad_urls_are_configuration_errors() {
        for url in [
            "ftp://host/x",
            "s3://Bad_Bucket/x",
            "s3://k:secret-value@bucket/x",
            "file://",
        ] {
            let error = RecordingStorage::from_url(url).expect_err(url);
            assert!(
                matches!(error, StorageError::Config { .. }),
                "{url}: {error}"
            );
            assert!(!error.is_retryable());
            assert!(!format!("{error} {error:?}").contains("secret-value"));
        }
    }

    /// The memory measurement must not see other tests' allocations, so it runs alone in a
    /// child process: this very test binary, filtered to `bounded_memory_child`.
    #[test]
    fn large_recording_streams_in_bounded_memory() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "local::bounded_memory_child",
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
        let dir = tempfile::tempdir().unwrap();
        let storage = storage(dir.path());
        let before = memory::reset_peak();
        let started = std::time::Instant::now();
        let mut reports = Vec::new();
        let stored = runtime
            .block_on(storage.put_stream(
                "big/recording.mp4",
                recording::chunks(SIZE, CHUNK),
                |n| reports.push(n),
            ))
            .expect("put");
        let elapsed = started.elapsed();
        let growth = memory::peak().saturating_sub(before);
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

    mod memory {
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
}

mod s3 {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use futures::StreamExt;
    use meetflow_storage::{RecordingStorage, StorageError, recording_key};
    use object_store::ObjectStore;
    use object_store::aws::AmazonS3Builder;

    use crate::peers;
    use crate::recording::{self, CHUNK, MIB};

    const SECRET: &str = "not-a-real-secret-but-must-not-leak";

    /// moto's S3 server on a free loopback port; stopped when dropped.
    struct MotoServer {
        child: Child,
        port: u16,
    }

    impl MotoServer {
        fn start() -> Self {
            let binary = peers::workspace_root().join(".venv/bin/moto_server");
            assert!(
                binary.is_file(),
                "{} is missing: run scripts/setup.sh (it installs moto[server] from \
                 requirements-test.txt into .venv)",
                binary.display()
            );
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let child = Command::new(&binary)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
            let mut server = Self { child, port };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = server.child.try_wait().expect("moto_server status") {
                    panic!("moto_server exited early ({status}); run scripts/setup.sh");
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not listen in 30 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            server
        }

        fn endpoint(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        /// The standard AWS variables a deployment would set, pointing at this server.
        fn env(&self) -> Vec<(String, String)> {
            [
                ("AWS_ENDPOINT_URL", self.endpoint().as_str()),
                ("AWS_ALLOW_HTTP", "true"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "AKIDMEETFLOWTEST"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("HOME", "/ignored/not-aws"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
        }

        /// A plain HTTP/1.1 exchange (moto accepts unsigned requests): (status, body).
        fn request(&self, method: &str, target: &str) -> (u16, String) {
            let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
            write!(
                stream,
                "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n",
                self.port
            )
            .expect("send");
            let mut response = String::new();
            stream.read_to_string(&mut response).expect("receive");
            let status = response
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
            let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
            (status, body.to_owned())
        }

        fn create_bucket(&self, bucket: &str) {
            let (status, body) = self.request("PUT", &format!("/{bucket}"));
            assert_eq!(status, 200, "create bucket: {body}");
        }
    }

    impl Drop for MotoServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// A client independent of RecordingStorage's configuration, to inspect what it stored.
    fn inspector(server: &MotoServer, bucket: &str) -> impl ObjectStore {
        AmazonS3Builder::new()
            .with_endpoint(server.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("AKIDMEETFLOWTEST")
            .with_secret_access_key(SECRET)
            .with_bucket_name(bucket)
            .build()
            .expect("inspector client")
    }

    #[tokio::test]
    async fn multipart_copy_to_a_real_s3_server() {
        let server = MotoServer::start();
        server.create_bucket("meetflow-recordings");
        let storage =
            RecordingStorage::from_url_with_env("s3://meetflow-recordings/eu/prod", server.env())
                .expect("s3 storage");
        assert!(!format!("{storage:?}").contains(SECRET));

        let key = recording_key("tenant-1", "appt-9", "VjIjI0MTkx+/Zz==");
        assert_eq!(storage.head(&key).await.unwrap(), None);

        // Three full 5 MiB parts and a short last one.
        let size = 15 * MIB + 4321;
        let mut reports = Vec::new();
        let stored = storage
            .put_stream(&key, recording::chunks(size, CHUNK), |n| reports.push(n))
            .await
            .expect("multipart put");
        assert_eq!(stored.size, size);
        assert_eq!(
            stored.location,
            format!("s3://meetflow-recordings/eu/prod/{key}")
        );
        assert_eq!(reports.last(), Some(&size));
        assert_eq!(storage.head(&key).await.unwrap(), Some(size));

        let inspector = inspector(&server, "meetflow-recordings");
        let path = object_store::path::Path::parse(format!("eu/prod/{key}")).unwrap();
        let meta = inspector.head(&path).await.expect("object exists");
        let etag = meta.e_tag.expect("etag");
        assert!(
            etag.trim_matches('"').ends_with("-4"),
            "a 4-part multipart upload has an ETag ending in -4, got {etag}"
        );
        let mut body = inspector.get(&path).await.expect("get").into_stream();
        let mut offset = 0u64;
        while let Some(bytes) = body.next().await {
            let bytes = bytes.expect("body chunk");
            recording::assert_matches(offset, &bytes);
            offset += bytes.len() as u64;
        }
        assert_eq!(offset, size);
    }

    #[tokio::test]
    async fn failed_copy_is_invisible_and_its_upload_aborted() {
        let server = MotoServer::start();
        server.create_bucket("meetflow-recordings");
        let storage =
            RecordingStorage::from_url_with_env("s3://meetflow-recordings", server.env()).unwrap();
        let key = recording_key("t", "a", "broken");
        let error = storage
            .put_stream(&key, recording::broken_after(11 * MIB), |_| {})
            .await
            .expect_err("source failed");
        assert!(matches!(error, StorageError::Source { .. }), "{error}");
        assert_eq!(storage.head(&key).await.unwrap(), None);
        let (status, uploads) = server.request("GET", "/meetflow-recordings?uploads");
        assert_eq!(status, 200, "{uploads}");
        assert!(uploads.contains("ListMultipartUploadsResult"), "{uploads}");
        assert!(
            !uploads.contains("<UploadId>"),
            "upload left open: {uploads}"
        );
    }

    #[tokio::test]
    async fn missing_bucket_is_a_final_error_without_credentials() {
        let server = MotoServer::start();
        let storage =
            RecordingStorage::from_url_with_env("s3://no-such-bucket/p", server.env()).unwrap();
        let error = storage
            .put_stream("k.mp4", recording::chunks(10, CHUNK), |_| {})
            .await
            .expect_err("no bucket");
        assert!(matches!(error, StorageError::Backend { .. }), "{error}");
        assert!(!error.is_retryable(), "{error}");
        assert!(!format!("{error} {error:?}").contains(SECRET));
    }
}
