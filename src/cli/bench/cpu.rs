//! CPU time (user + system) of the bench's three parts, read from Linux's `/proc` at the start
//! and the end of each run:
//!
//! - **the service**: the threads of its own tokio runtime, named [`SERVICE_THREAD`] (workers and
//!   blocking threads: `World::start` builds that runtime and runs `Storage::connect`, `App::new`,
//!   `App::serve` and everything they spawn on it), and SQLite's connection threads
//!   (`sqlx-sqlite-worker-N`, whose 15-byte `comm` reads `sqlx-sqlite-wor`): the sum of
//!   `utime + stime` (fields 14 and 15 of `/proc/self/task/<tid>/stat`) over those threads;
//! - **the rest of this process** (the simulator, the load generator, the webhook receiver, all on
//!   the main runtime): the process's own `utime + stime` (`/proc/self/stat`, which keeps the time of
//!   threads that have exited) minus the service's;
//! - **PostgreSQL**, when the database is a local server: every process whose `comm` is
//!   `postgres` (the postmaster, its backends and background workers), `utime + stime`, plus
//!   `cutime + cstime` (fields 16 and 17: what children already exited and reaped used, so a
//!   backend that ends during a run is still counted). It is the whole server: other databases on
//!   it must be idle during the bench for the figure to be the bench's.
//!
//! The unit is the clock tick of `/proc`, `USER_HZ`, which Linux fixes at 100 per second for
//! user space (an ABI constant, whatever the kernel's `CONFIG_HZ`; `sysconf(_SC_CLK_TCK)` returns
//! it): no `sysconf` call is made (that would need `libc` as a dependency). A thread's figure thus
//! moves by 10 ms steps.
//!
//! A service thread that exits within a run takes its ticks of that run with it: they show under
//! the rest of the process instead; [`Usage::exited_service_threads`] counts such threads (the
//! service's runtime keeps its blocking threads alive for the whole bench, so it should be 0).
//!
//! It never writes to `/proc` or anywhere else and never signals a process; where `/proc` cannot
//! be read, a figure is `None` (printed `n/a`), never a guess.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The name of the service runtime's threads (at most 15 bytes: Linux truncates `comm`).
pub const SERVICE_THREAD: &str = "arca-service";

/// SQLite's connection threads, as their `comm` starts (`sqlx-sqlite-worker-N`).
const SQLITE_THREAD_PREFIX: &str = "sqlx-sqlite-";

/// Clock ticks per second in `/proc`: `USER_HZ`, 100 on Linux by ABI.
const TICKS_PER_SECOND: u64 = 100;

/// Reads the samples; `postgres` says whether to read a local PostgreSQL server's processes too.
#[derive(Debug, Clone, Copy)]
pub struct Meter {
    postgres: bool,
}

/// The counters at one moment, in ticks.
#[derive(Debug, Clone)]
pub struct Sample {
    at: Instant,
    /// The whole process (`/proc/self/stat`).
    process: Option<u64>,
    /// Each service thread's ticks, by thread id.
    service: Option<HashMap<u32, u64>>,
    /// Every `postgres` process, with its reaped children.
    postgres: Option<u64>,
}

/// What was used between two samples.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub wall: Duration,
    pub service: Option<Duration>,
    /// The rest of this process: the simulator, the load generator, the webhook receiver.
    pub rest: Option<Duration>,
    pub postgres: Option<Duration>,
    /// Service threads there at the start and gone at the end (their ticks of the window show
    /// under `rest`).
    pub exited_service_threads: usize,
}

impl Meter {
    /// A meter for this process, and for a local PostgreSQL server when `database_url` names one
    /// (`postgres://` on localhost, 127.0.0.1, ::1 or a Unix socket).
    pub fn new(database_url: &str) -> Meter {
        Meter {
            postgres: is_local_postgres(database_url),
        }
    }

    pub fn sample(&self) -> Sample {
        Sample {
            at: Instant::now(),
            process: read_stat("/proc/self/stat").map(|fields| fields.own),
            service: service_threads(),
            postgres: if self.postgres { postgres_ticks() } else { None },
        }
    }
}

impl Sample {
    /// What was used from `start` to this sample.
    pub fn since(&self, start: &Sample) -> Usage {
        let (service, exited_service_threads) = match (&start.service, &self.service) {
            (Some(before), Some(after)) => {
                // A thread born within the window used all of its ticks within it.
                let used: u64 = after
                    .iter()
                    .map(|(tid, ticks)| ticks.saturating_sub(before.get(tid).copied().unwrap_or(0)))
                    .sum();
                let exited = before.keys().filter(|tid| !after.contains_key(tid)).count();
                (Some(used), exited)
            }
            _ => (None, 0),
        };
        let process = match (start.process, self.process) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        let rest = match (process, service) {
            (Some(process), Some(service)) => Some(process.saturating_sub(service)),
            _ => None,
        };
        let postgres = match (start.postgres, self.postgres) {
            (Some(before), Some(after)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        Usage {
            wall: self.at.saturating_duration_since(start.at),
            service: service.map(ticks_to_duration),
            rest: rest.map(ticks_to_duration),
            postgres: postgres.map(ticks_to_duration),
            exited_service_threads,
        }
    }
}

fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_millis(ticks.saturating_mul(1000 / TICKS_PER_SECOND))
}

/// The CPU fields of one `stat` file, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatTicks {
    /// `utime + stime`.
    own: u64,
    /// `cutime + cstime`: reaped children.
    children: u64,
}

fn read_stat(path: &str) -> Option<StatTicks> {
    parse_stat(&std::fs::read_to_string(path).ok()?)
}

/// Parses a `stat` line: `pid (comm) state ppid … utime stime cutime cstime …` (fields 14 to 17). The name may
/// hold spaces and parentheses, so the fields are counted from its last `)`.
fn parse_stat(text: &str) -> Option<StatTicks> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3 (the state).
    let field = |number: usize| -> Option<u64> { fields.get(number - 3)?.parse::<u64>().ok() };
    Some(StatTicks {
        own: field(14)? + field(15)?,
        children: field(16)? + field(17)?,
    })
}

fn comm(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|name| name.trim_end().to_string())
}

fn is_service_thread(comm: &str) -> bool {
    comm == SERVICE_THREAD || comm.starts_with(SQLITE_THREAD_PREFIX)
}

/// Each service thread of this process and its ticks; `None` when `/proc/self/task` cannot be
/// listed.
fn service_threads() -> Option<HashMap<u32, u64>> {
    let mut threads = HashMap::new();
    for entry in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Some(name) = comm(&format!("/proc/self/task/{tid}/comm")) else {
            continue; // exited meanwhile
        };
        if !is_service_thread(&name) {
            continue;
        }
        if let Some(stat) = read_stat(&format!("/proc/self/task/{tid}/stat")) {
            threads.insert(tid, stat.own);
        }
    }
    Some(threads)
}

/// Every `postgres` process's `utime + stime`, plus `cutime + cstime` (the children its
/// processes reaped, chiefly the postmaster's exited backends); `None` when `/proc` cannot be
/// listed or holds no `postgres` process (a server in another PID namespace, or not local).
fn postgres_ticks() -> Option<u64> {
    let mut total = 0;
    let mut found = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        if comm(&format!("/proc/{pid}/comm")).as_deref() != Some("postgres") {
            continue;
        }
        if let Some(stat) = read_stat(&format!("/proc/{pid}/stat")) {
            total += stat.own + stat.children;
            found = true;
        }
    }
    found.then_some(total)
}

/// Whether `url` is a PostgreSQL URL whose server runs on this machine: no host (a Unix
/// socket), `localhost`, a loopback address, or a `host=/…` socket directory.
fn is_local_postgres(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return false;
    };
    if let Some((_, query)) = rest.split_once('?')
        && query
            .split('&')
            .any(|pair| pair.starts_with("host=/") || pair.starts_with("host=%2F") || pair.starts_with("host=%2f"))
    {
        return true;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.is_empty()
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_from_the_last_parenthesis() {
        let line = "4242 (we (ird) name) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 37 12 5 20 0 1 0 1000 0 0";
        assert_eq!(parse_stat(line), Some(StatTicks { own: 287, children: 17 }));
        assert_eq!(parse_stat("4242 (short) S 1"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let sample = Meter { postgres: false }.sample();
        assert!(sample.process.is_some());
        assert!(sample.service.is_some());
        let usage = Meter { postgres: false }.sample().since(&sample);
        assert!(usage.service.is_some() && usage.rest.is_some());
        assert!(usage.postgres.is_none());
    }

    #[test]
    fn service_threads_are_known_by_name() {
        assert!(is_service_thread("arca-service"));
        assert!(is_service_thread("sqlx-sqlite-wor"));
        assert!(!is_service_thread("tokio-runtime-w"));
        assert!(!is_service_thread("arca-api"));
    }

    #[test]
    fn local_postgres_urls() {
        for url in [
            "postgres://127.0.0.1:5432/postgres",
            "postgres://postgres@localhost/postgres",
            "postgresql://user:pw@[::1]:5432/db",
            "postgres:///db",
            "postgres://user@/db?host=/var/run/postgresql",
        ] {
            assert!(is_local_postgres(url), "{url}");
        }
        for url in [
            "postgres://db.example.com/postgres",
            "postgres://10.0.0.5:5432/postgres",
            "sqlite:///tmp/x.db",
        ] {
            assert!(!is_local_postgres(url), "{url}");
        }
    }
}
