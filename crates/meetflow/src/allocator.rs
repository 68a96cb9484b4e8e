//! glibc's allocator, held to two arenas.
//!
//! glibc gives threads that meet on a lock an arena of their own, up to 8 per core. A worker's
//! threads (the runtime's, the blocking pool's, SQLite's, the SDK's) each free into the arena
//! they allocated from, so memory a burst freed in one arena is not reused by another, and RSS
//! stays at the high-water mark of each. With 10,000 open workflows, two arenas held RSS at 122
//! MiB where the default held 129–146 MiB, at the same CPU (docs/performance.md, third pass).
//!
//! `MALLOC_ARENA_MAX` in the environment still decides when it is set. Other C libraries (musl)
//! have no arenas, and nothing is done there.

/// Call before any thread starts: arenas that exist stay.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a parameter of the allocator; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
