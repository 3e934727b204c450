//! nginx in front of the replicas, configured as a portal deployment
//! wants its load balancer:
//!
//! - request and response bodies stream both ways
//!   (`proxy_request_buffering off`, `proxy_buffering off`): a tus PATCH
//!   reaches a replica as it is sent, so what arrived before a cut is
//!   kept, and a download starts at once; no body size limit
//!   (`client_max_body_size 0`), the portal sets its own;
//! - HTTP/1.1 with kept-alive connections to the replicas, closed by nginx
//!   before the portal closes them (`keepalive_timeout` below the portal's
//!   30 s), so that nginx never sends a request on a connection the portal
//!   is closing;
//! - `X-Forwarded-For` names the client (the replicas trust 127.0.0.1),
//!   so per-address limits see people, not the balancer;
//! - a request goes to another replica only when its replica could not be
//!   reached (`proxy_next_upstream error timeout`); nginx never resends a
//!   POST or PATCH that was sent, nor a body it began streaming, so a
//!   submission is never filed twice by the balancer, and a PATCH cut by a
//!   replica's death is the client's to resume (HEAD, then PATCH);
//! - the requests of one upload (`/v1/uploads/ID`) go to one replica
//!   while it lives (`hash $request_uri consistent`), others round the
//!   replicas: an upload that changed replica between PATCHes waits for the
//!   lease its last replica holds until that request's bytes are stored,
//!   which is safe but slower (and answered 423 when the wait runs out);
//! - long `proxy_read_timeout`/`proxy_send_timeout`: an upload over a slow
//!   link is the portal's to judge (it cuts silent bodies itself).
//!
//! Logs, pid and temporary folders are in the cluster folder; nginx runs
//! in the foreground as the current user.

use crate::Error;
use crate::process::Proc;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The nginx binary: `$NGINX`, else `/usr/sbin/nginx`, else on the path.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NGINX") {
        return path.into();
    }
    let debian = PathBuf::from("/usr/sbin/nginx");
    if debian.is_file() {
        debian
    } else {
        PathBuf::from("nginx")
    }
}

/// The access log's format: which replica answered each request.
const LOG_FORMAT: &str = r#"'$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent upstream=$upstream_addr upstream_status=$upstream_status time=$request_time'"#;

/// nginx's settings for replicas listening on `replicas` (ports on
/// 127.0.0.1), itself listening on `port`, with its files in `dir`.
pub(crate) fn config(dir: &Path, port: u16, replicas: &[u16]) -> String {
    let d = dir.display();
    let servers: String = replicas
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
        .collect();
    // A master started as root hands its workers to `nobody` unless told.
    let user = if rustix::process::geteuid().is_root() {
        "user root root;\n"
    } else {
        ""
    };
    format!(
        r#"# nginx in front of the HoSo portal replicas of this cluster.
{user}worker_processes auto;
# Each request in flight holds two connections (client, replica).
worker_rlimit_nofile 65536;
pid {d}/nginx.pid;
error_log {d}/error.log warn;

events {{
    worker_connections 8192;
}}

http {{
    log_format upstreams {LOG_FORMAT};
    access_log {d}/access.log upstreams;
    client_body_temp_path {d}/temp/body;
    proxy_temp_path {d}/temp/proxy;
    fastcgi_temp_path {d}/temp/fastcgi;
    uwsgi_temp_path {d}/temp/uwsgi;
    scgi_temp_path {d}/temp/scgi;
    server_tokens off;

    upstream hoso_portal {{
{servers}        keepalive 64;
        keepalive_timeout 20s;
    }}

    upstream hoso_portal_uploads {{
        hash $request_uri consistent;
{servers}        keepalive 64;
        keepalive_timeout 20s;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_next_upstream error timeout;
        proxy_next_upstream_tries 3;
        proxy_connect_timeout 2s;
        proxy_read_timeout 600s;
        proxy_send_timeout 600s;

        location / {{
            proxy_pass http://hoso_portal;
        }}

        # A regular expression: a prefix location ending in a slash would
        # redirect `POST /v1/uploads` (creation) to `/v1/uploads/`.
        location ~ ^/v1/uploads/. {{
            proxy_pass http://hoso_portal_uploads;
        }}
    }}
}}
"#
    )
}

/// A running nginx.
#[derive(Debug)]
pub(crate) struct Nginx {
    pub proc: Proc,
    pub port: u16,
    pub dir: PathBuf,
}

impl Nginx {
    /// Writes the settings into `dir` (a new folder) and starts nginx
    /// listening on `port`.
    pub fn start(dir: &Path, port: u16, replicas: &[u16]) -> Result<Self, Error> {
        let program = binary();
        if !Command::new(&program)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Err(Error::Missing {
                program: format!("nginx ({})", program.display()),
            });
        }
        std::fs::create_dir_all(dir.join("temp"))
            .map_err(|e| Error::io("creating nginx's folder", e))?;
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(dir, port, replicas))
            .map_err(|e| Error::io("writing nginx.conf", e))?;
        let proc = Proc::spawn(
            "nginx",
            Command::new(&program)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(dir.join("error.log"))
                .args(["-g", "daemon off;"]),
            &dir.join("nginx.out"),
        )?;
        Ok(Self {
            proc,
            port,
            dir: dir.to_owned(),
        })
    }
}
