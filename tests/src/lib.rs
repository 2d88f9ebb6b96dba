//! Shared fixtures for authz's cross-crate tests: a catalog, a resolver with deliberate failure
//! modes, and a minimal HTTP/1.1 client for tests that need a real listening server.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use actix_web::HttpRequest;
use authz_actix::Actor;

// `PROJECT_READ`, `PROJECT_WRITE`, `PROJECT_DELETE`, `USER_ADMIN` and `CATALOG`, from
// `tests/authz.toml`.
authz_actix::catalog!();

/// An actor with `roles`.
pub fn actor(id: i64, roles: &[&str]) -> Actor {
    CATALOG.actor(id, roles).expect("test roles are declared")
}

/// Why the test resolver failed.
#[derive(Debug)]
pub struct ResolverDown;

impl std::fmt::Display for ResolverDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("token store unavailable")
    }
}

/// Resolves `Authorization: Bearer ROLE-ID` (e.g. `Bearer editor-7`) to an actor. `Bearer down`
/// makes the resolver fail, `Bearer panic` makes it panic, anything else is anonymous.
pub async fn resolve(req: HttpRequest) -> Result<Option<Actor>, ResolverDown> {
    let Some(token) = req.headers().get("authorization").and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(token) = token.strip_prefix("Bearer ") else {
        return Ok(None);
    };
    match token {
        "down" => Err(ResolverDown),
        "panic" => panic!("resolver bug"),
        _ => {
            let Some((role, id)) = token.rsplit_once('-') else { return Ok(None) };
            let Ok(id) = id.parse::<i64>() else { return Ok(None) };
            Ok(CATALOG.actor(id, [role]).ok())
        }
    }
}

/// Takes the test binary's one lock, for tests that share counters: they run one at a time. Each
/// runs on its own single-threaded runtime, so the guard held across an await blocks nothing but
/// the other tests. A test that panicked while holding it leaves it usable.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `server` on the current actix system; stop it with the returned handle.
pub fn spawn(server: actix_web::dev::Server) -> actix_web::dev::ServerHandle {
    let handle = server.handle();
    actix_web::rt::spawn(server);
    handle
}

/// A response read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header lines as `(lowercased name, value)`, in wire order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request (`Connection: close`) to `addr` and reads the whole response.
/// Blocking; call it from `spawn_blocking` or a plain thread.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<RawResponse> {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    http_bytes(addr, method, path.as_bytes(), &headers, b"")
}

/// Like [`http`], with the path and header values as raw bytes (they may be invalid UTF-8) and a
/// body.
pub fn http_bytes(
    addr: SocketAddr,
    method: &str,
    path: &[u8],
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> std::io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = Vec::new();
    req.extend_from_slice(method.as_bytes());
    req.push(b' ');
    req.extend_from_slice(path);
    req.extend_from_slice(format!(" HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").as_bytes());
    for (name, value) in headers {
        req.extend_from_slice(name.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    req.extend_from_slice(body);
    stream.write_all(&req)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head: bool) -> std::io::Result<RawResponse> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split =
        raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no header end"))?;
    let head_text = std::str::from_utf8(&raw[..split]).map_err(|_| bad("non-UTF-8 head"))?;
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if head { Vec::new() } else { raw[split + 4..].to_vec() };
    Ok(RawResponse { status, headers, body })
}

/// A `tracing` writer that keeps what is written, for tests that read the logs.
#[derive(Debug, Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The lines written so far, emptying the buffer.
    pub fn take(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.0.lock().expect("log buffer"));
        String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
    }
}

thread_local! {
    static CAPTURING: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Captures every `tracing` event (DEBUG and up) on this thread while the guard lives.
///
/// One subscriber for the whole test binary, installed by the first call, writes each event to
/// the buffer of the thread that emitted it (nowhere on threads that capture nothing). A
/// subscriber per thread (`set_default`) would race with tests on other threads that emit with
/// none: tracing caches a call site's interest for all threads, and a site first reached while
/// no subscriber listens may be cached as never enabled, losing a capturing test's events.
pub fn capture_logs() -> (Captured, CaptureGuard) {
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(|| ThisThread)
            .finish();
        // A binary that set one already keeps it; its tests capture nothing through this.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    let logs = Captured::default();
    CAPTURING.with(|c| *c.borrow_mut() = Some(logs.clone()));
    (logs, CaptureGuard(()))
}

/// Stops this thread's capture when dropped.
#[derive(Debug)]
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let _ = CAPTURING.try_with(|c| c.borrow_mut().take());
    }
}

/// Writes to the capturing buffer of the calling thread, if it has one.
struct ThisThread;

impl Write for ThisThread {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = CAPTURING.try_with(|c| {
            if let Some(logs) = c.borrow().as_ref() {
                logs.0.lock().expect("log buffer").extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Grants held in memory, `(actor id, team id, role)`: a real [`GrantStore`](authz_actix::GrantStore) for tests, counting
/// the queries it answers and failing on demand.
#[derive(Debug, Clone, Default)]
pub struct MemoryGrants(std::sync::Arc<MemoryInner>);

#[derive(Debug, Default)]
pub struct MemoryInner {
    pub rows: std::sync::Mutex<Vec<(i64, i64, &'static str)>>,
    pub queries: std::sync::atomic::AtomicUsize,
    pub epoch: std::sync::atomic::AtomicU64,
    pub down: std::sync::atomic::AtomicBool,
}

impl MemoryGrants {
    pub fn new(rows: &[(i64, i64, &'static str)]) -> Self {
        let grants = MemoryGrants::default();
        *grants.0.rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = rows.to_vec();
        grants
    }

    pub fn queries(&self) -> usize {
        self.0.queries.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Removes every grant of `actor` and announces it, as a store's invalidation feed would.
    pub fn revoke(&self, actor: i64) {
        self.0
            .rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(a, _, _)| *a != actor);
        self.0.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn set_down(&self, down: bool) {
        self.0.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    fn rows(&self) -> Result<Vec<(i64, i64, &'static str)>, authz_actix::GrantError> {
        self.0.queries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.0.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(authz_actix::GrantError::new(std::io::Error::other(
                "grant store unreachable",
            )));
        }
        Ok(self.0.rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
    }
}

impl authz_actix::GrantStore for MemoryGrants {
    fn roles_in<'a>(
        &'a self,
        actor: &'a authz_actix::ActorId,
        scope: authz_actix::Scope,
    ) -> authz_actix::StoreFuture<'a, Vec<String>> {
        let rows = self.rows();
        Box::pin(async move {
            Ok(rows?
                .into_iter()
                .filter(|(a, t, _)| actor == a && *t == scope.id)
                .map(|(_, _, r)| r.to_owned())
                .collect())
        })
    }

    fn scopes_with<'a>(
        &'a self,
        actor: &'a authz_actix::ActorId,
        _kind: &'static str,
        roles: &'a [&'static str],
    ) -> authz_actix::StoreFuture<'a, Vec<i64>> {
        let rows = self.rows();
        Box::pin(async move {
            Ok(rows?
                .into_iter()
                .filter(|(a, _, r)| actor == a && roles.contains(r))
                .map(|(_, t, _)| t)
                .collect())
        })
    }

    fn epoch(&self) -> u64 {
        self.0.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Credentials a scope middleware established, for the resolver to read.
#[derive(Debug, Clone)]
pub struct ApiKey(pub &'static str);

/// A scope-level authentication middleware written the way actix-web-httpauth's is: it checks
/// `X-Api-Key` asynchronously, attaches what it found to the request, then calls the scope.
pub async fn require_api_key(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // A key store lookup would await here.
    actix_web::rt::task::yield_now().await;
    let key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if key.as_deref() == Some("k-admin") {
        actix_web::HttpMessage::extensions_mut(&req).insert(ApiKey("admin-7"));
    }
    next.call(req).await
}

pub async fn resolve_from_api_key(
    req: HttpRequest,
) -> Result<Option<Actor>, std::convert::Infallible> {
    let Some(ApiKey(who)) = actix_web::HttpMessage::extensions(&req).get::<ApiKey>().cloned()
    else {
        return Ok(None);
    };
    let (role, id) = who.rsplit_once('-').expect("role-id");
    Ok(CATALOG.actor(id.parse::<i64>().expect("id"), [role]).ok())
}
