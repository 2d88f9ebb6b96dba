//! The `projects` binary as a process: temporary databases, free ports, servers that stop when
//! dropped, and one-shot commands.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authz_tests::http;

pub const BIN: &str = env!("CARGO_BIN_EXE_projects");

pub fn temp_db(name: &str) -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("projects-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("projects.db").display());
    (dir, url)
}

pub fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port")
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `projects serve --demo`, returns the server and the JSON lines it printed.
pub fn serve_demo(url: &str, addr: SocketAddr) -> (Server, Vec<serde_json::Value>) {
    let (server, lines, _) = serve(url, addr, true);
    (server, lines)
}

/// Starts `projects serve` (with `--demo`: returns the JSON lines it printed) once it answers
/// `/health`; its log lines arrive on the returned channel.
pub fn serve(
    url: &str,
    addr: SocketAddr,
    demo: bool,
) -> (Server, Vec<serde_json::Value>, std::sync::mpsc::Receiver<String>) {
    serve_with(url, addr, demo, &[])
}

/// [`serve`], with more flags for `projects serve` (`--explain`).
pub fn serve_with(
    url: &str,
    addr: SocketAddr,
    demo: bool,
    flags: &[&str],
) -> (Server, Vec<serde_json::Value>, std::sync::mpsc::Receiver<String>) {
    let mut args = vec!["serve", "--bind"];
    let bind = addr.to_string();
    args.extend([bind.as_str(), "--database", url]);
    if demo {
        args.push("--demo");
    }
    args.extend_from_slice(flags);
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start projects");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (send, logs) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Drained to the end even when nobody reads the channel: a server blocked on a full
        // stderr pipe would stop answering.
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let server = Server(child);
    let lines: Vec<serde_json::Value> = BufReader::new(stdout)
        .lines()
        .take(if demo { 5 } else { 0 })
        .map(|l| serde_json::from_str(&l.expect("line")).expect("a JSON line per demo user"))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http(addr, "GET", "/health", &[]).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, lines, logs)
}

pub fn token(lines: &[serde_json::Value], user: &str) -> String {
    let line = lines.iter().find(|l| l["user"] == user).expect("demo user line");
    line["token"].as_str().expect("token").to_owned()
}

pub fn get(addr: SocketAddr, path: &str, token: &str) -> u16 {
    let auth = format!("Bearer {token}");
    http(addr, "GET", path, &[("authorization", &auth)]).expect("response").status
}

pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().expect("run projects")
}
