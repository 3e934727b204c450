//! The child processes of a cluster: each in a process group of its own (a
//! Ctrl-C at the terminal reaches only the program that started the
//! cluster, which then stops the pieces in order), its output in a log
//! file, stopped by a signal and killed if it lingers; and the watchdog
//! that stops them all and removes the folder when that program ends
//! without doing so (killed, or its terminal closed).

use crate::Error;
use rustix::process::{Pid, Signal, kill_process};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running piece of the cluster.
#[derive(Debug)]
pub(crate) struct Proc {
    /// What it is, for messages ("PostgreSQL", "replica 2").
    pub name: String,
    child: Child,
    /// Where its standard output and error go.
    pub log: PathBuf,
    /// Set once it was waited for.
    exited: Option<ExitStatus>,
}

impl Proc {
    /// Starts `cmd` in a process group of its own, its output appended to
    /// `log`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Result<Self, Error> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;
        let err = file
            .try_clone()
            .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| Error::Failed {
                piece: name.to_owned(),
                message: format!("{:?} could not be run: {e}", cmd.get_program()),
                log: String::new(),
            })?;
        Ok(Self {
            name: name.to_owned(),
            child,
            log: log.to_owned(),
            exited: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited.is_none()
    }

    /// The error saying it ended, with the end of its log.
    pub fn ended(&mut self) -> Error {
        let status = self
            .exited
            .map_or_else(|| "ended".to_owned(), |s| format!("exited ({s})"));
        Error::Failed {
            piece: self.name.clone(),
            message: status,
            log: crate::log_note(&self.log),
        }
    }

    /// Sends `signal` if it runs.
    pub fn signal(&mut self, signal: Signal) {
        if self.running()
            && let Some(pid) = Pid::from_raw(self.child.id() as i32)
        {
            let _ = kill_process(pid, signal);
        }
    }

    /// Sends `signal`, waits up to `grace` for it to end, then kills it.
    pub fn stop(&mut self, signal: Signal, grace: Duration) {
        if !self.running() {
            return;
        }
        self.signal(signal);
        let began = Instant::now();
        while began.elapsed() < grace {
            if !self.running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// SIGKILL, and waits for it.
    pub fn kill(&mut self) {
        if self.running() {
            let _ = self.child.kill();
        }
        if let Ok(status) = self.child.wait() {
            self.exited = Some(status);
        }
    }
}

/// The last `lines` lines of the log at `path` (at most 16 KiB read).
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)));
    let mut text = String::new();
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_ok() {
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A shell that waits for its standard input to end, which happens when
/// the program holding the other end ends, however it ends; it then stops
/// the processes listed in a file and removes the cluster's folder. An
/// orderly stop disarms it first.
#[derive(Debug)]
pub(crate) struct Watchdog {
    shell: Child,
    list: PathBuf,
}

const WATCHDOG: &str = r#"
cat > /dev/null
for p in $(cat "$1" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
sleep 3
for p in $(cat "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
rm -rf "$2"
"#;

impl Watchdog {
    /// Starts the watchdog of the cluster folder `root`.
    pub fn start(root: &Path) -> Result<Self, Error> {
        let list = root.join("pids");
        std::fs::write(&list, "").map_err(|e| Error::io("writing the list of pids", e))?;
        let shell = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(&list)
            .arg(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::io("starting the watchdog shell", e))?;
        Ok(Self { shell, list })
    }

    /// Replaces the list of processes to stop with `pids`.
    pub fn watch(&self, pids: &[u32]) {
        let text: String = pids.iter().map(|p| format!("{p}\n")).collect();
        let tmp = self.list.with_extension("new");
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, &self.list));
        if let Err(e) = written {
            eprintln!("hoso-cluster: the watchdog's list was not updated: {e}");
        }
    }

    /// Ends the watchdog without it doing anything.
    pub fn disarm(&mut self) {
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

/// The CPU time (user and system) processes have used so far, in seconds:
/// the process `pid` alone, or with every running process descending from
/// it (a piece of the cluster with the workers or backends it forked;
/// PostgreSQL's backends leave its process group, so descent is followed
/// by parent, not by group). What exited is not counted.
pub fn cpu_seconds(pid: u32, with_descendants: bool) -> f64 {
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    // `pid (comm) state ppid … utime stime …`: comm may hold spaces and
    // parentheses, so fields are counted from the last `)`.
    let of = |stat: &str| -> Option<(u32, u64)> {
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ppid = fields.get(1)?.parse().ok()?;
        let used = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((ppid, used))
    };
    let read = |p: u32| std::fs::read_to_string(format!("/proc/{p}/stat")).ok();
    if !with_descendants {
        return read(pid)
            .and_then(|s| of(&s))
            .map_or(0.0, |(_, used)| used as f64 / ticks);
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    // Every process: its parent and what it used.
    let all: Vec<(u32, u32, u64)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| {
            let (ppid, used) = of(&read(p)?)?;
            Some((p, ppid, used))
        })
        .collect();
    let mut tree = vec![pid];
    let mut used = 0;
    while let Some(parent) = tree.pop() {
        for &(p, ppid, u) in &all {
            if p == parent {
                used += u;
            }
            if ppid == parent {
                tree.push(p);
            }
        }
    }
    used as f64 / ticks
}
