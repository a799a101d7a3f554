//! What the benchmarks need from the operating system: the machine's description, a process's
//! peak resident memory and CPU time (Linux `/proc`), sizes on disk, timing of child processes.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub ram_gb: f64,
    pub os: String,
    pub kernel: String,
    pub sqlite: String,
    pub loadavg: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram_kb = field_kb(&meminfo, "MemTotal:").unwrap_or(0);
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map_or_else(
                || std::env::consts::OS.to_string(),
                |v| v.trim_matches('"').to_string(),
            );
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string());
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            ram_gb: ram_kb as f64 / 1_048_576.0,
            os,
            kernel,
            sqlite: rusqlite::version().to_string(),
            loadavg: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        }
    }

    pub fn print(&self) {
        println!(
            "machine: {} × {} | {:.1} GiB RAM | {} (kernel {}) | SQLite {} | load avg at start {} | build: {}",
            self.cpus,
            self.cpu_model,
            self.ram_gb,
            self.os,
            self.kernel,
            self.sqlite,
            self.loadavg,
            if cfg!(debug_assertions) {
                "DEBUG (numbers meaningless, use --release)"
            } else {
                "release"
            }
        );
    }
}

fn field_kb(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Peak resident set size of process `pid` ("self" for this one), in KiB (`VmHWM`).
pub fn peak_rss_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    field_kb(&status, "VmHWM:")
}

/// User and system CPU seconds of process `pid` so far (`/proc/<pid>/stat`, 100 Hz ticks).
pub fn cpu_seconds(pid: &str) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3 of the man page, utime 14, stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime / 100.0, stime / 100.0))
}

/// Measures how much other processes competed for the CPU during a timed section, from the
/// kernel's pressure stall information (`/proc/pressure/cpu`, "some": the share of wall time
/// in which at least one runnable task waited for a CPU). On this shared 2-core machine that
/// is the main source of noise; a high figure means the wall times are pessimistic.
pub struct Pressure {
    start_total_us: Option<u64>,
    start: std::time::Instant,
}

fn cpu_pressure_total_us() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = text.lines().find(|l| l.starts_with("some"))?;
    some.split_whitespace()
        .find_map(|f| f.strip_prefix("total="))
        .and_then(|v| v.parse().ok())
}

impl Pressure {
    pub fn start() -> Pressure {
        Pressure {
            start_total_us: cpu_pressure_total_us(),
            start: std::time::Instant::now(),
        }
    }

    /// Percentage of the elapsed wall time with CPU contention, if the kernel reports it.
    pub fn percent(&self) -> Option<f64> {
        let now = cpu_pressure_total_us()?;
        let waited = now.checked_sub(self.start_total_us?)? as f64;
        let wall = self.start.elapsed().as_micros() as f64;
        (wall > 0.0).then(|| (100.0 * waited / wall).min(100.0))
    }

    pub fn describe(&self) -> String {
        match self.percent() {
            Some(p) => format!("{p:.0}% of the time (PSI cpu some)"),
            None => "not reported by this kernel".to_string(),
        }
    }
}

/// Bytes process `pid` has written so far: (`wchar`, all write calls; `write_bytes`, what
/// reached the block layer), from `/proc/<pid>/io`.
pub fn written_bytes(pid: &str) -> Option<(u64, u64)> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let get = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((get("wchar:")?, get("write_bytes:")?))
}

/// Total size of the files under `path` (or of `path` itself), in bytes.
pub fn disk_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path)
            .map(|rd| rd.flatten().map(|e| disk_size(&e.path())).sum())
            .unwrap_or(0)
    } else {
        meta.len()
    }
}

/// How a child process ran: wall time, and its peak RSS and CPU as last seen while it ran.
pub struct ChildRun {
    pub wall: Duration,
    pub success: bool,
    pub peak_rss_kb: Option<u64>,
    pub cpu: Option<(f64, f64)>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to completion, sampling its `/proc` entries every 50 ms (peak RSS is a high-water
/// mark, so the last sample before exit is close to the true peak).
pub fn run_child(mut cmd: Command) -> std::io::Result<ChildRun> {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped());
    cmd.stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child: Child = cmd.spawn()?;
    let pid = child.id().to_string();
    // Drain the pipes on threads so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let mut peak = None;
    let mut cpu = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(v) = peak_rss_kb(&pid) {
            peak = Some(v);
        }
        if let Some(c) = cpu_seconds(&pid) {
            cpu = Some(c);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = start.elapsed();
    Ok(ChildRun {
        wall,
        success: status.success(),
        peak_rss_kb: peak,
        cpu,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// `name` found on `PATH`.
pub fn on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}
