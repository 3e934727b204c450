//! The practice bank: what `hoso-portal practice-pay` does for a practice
//! portal, so that paying a fee can be tried end to end without money. It
//! reads the dossier's payment request from the portal's records, takes
//! from its VietQR code what a banking app would (account, amount still
//! due, purpose), and sends the portal exactly what a bank sends: the
//! notification body, signed with the practice secret the portal keeps in
//! its data folder (`hoso_core::bank::headers`), to the address the
//! running portal wrote there when it started ([`ADDRESS_FILE`]).

use crate::config::PortalConfig;
use crate::records::{PaymentLookup, Records};
use hoso_core::DossierCode;
use hoso_core::bank::{BankNotification, headers};
use hoso_core::vietqr::VietQr;
use hoso_core::wire::{ProblemDetails, TransferRecorded};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The file in the data folder naming where the running portal listens
/// (`http://127.0.0.1:PORT`), written at every start.
pub const ADDRESS_FILE: &str = "portal-address";

/// Writes where a portal listening on `addr` is reached from this machine
/// into `data_dir` (loopback for an unspecified address), whole or not at
/// all.
pub fn write_address(data_dir: &Path, addr: SocketAddr) -> std::io::Result<()> {
    let mut reach = addr;
    if reach.ip().is_unspecified() {
        reach.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let path = data_dir.join(ADDRESS_FILE);
    let staged = path.with_extension(format!("new-{}", crate::random::hex_id()));
    let written = (|| {
        let mut file = crate::private::new_file(&staged)?;
        std::io::Write::write_all(&mut file, format!("http://{reach}\n").as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&staged, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    written
}

/// Why the practice bank could not pay.
#[derive(Debug, thiserror::Error)]
pub enum PracticePayError {
    /// The data folder holds no practice secret.
    #[error(
        "{0} không có khóa của ngân hàng thực hành: chỉ cổng thực hành (không đặt tên, không có [fees]) đã chạy ít nhất một lần mới có / {0} holds no practice bank secret: only a practice portal (no name, no [fees]) that has started once has one"
    )]
    NotPractice(PathBuf),
    /// The portal does not say where it listens, or does not answer there.
    #[error(
        "không gửi được tới cổng ({0}); cổng có đang chạy với thư mục dữ liệu này không? / could not reach the portal ({0}); is it running with this data folder?"
    )]
    NotRunning(String),
    /// The code is not a dossier code.
    #[error("“{0}” không phải mã hồ sơ / “{0}” is not a dossier code")]
    Code(String),
    /// No such dossier.
    #[error("không có hồ sơ {0} / there is no dossier {0}")]
    NoDossier(String),
    /// The dossier asks for no payment.
    #[error("hồ sơ {0} không có yêu cầu thanh toán / dossier {0} has no payment request")]
    NoPayment(String),
    /// Nothing is due and no amount was given.
    #[error(
        "hồ sơ {0} không còn gì phải nộp; ghi số tiền để vẫn chuyển / nothing is due for dossier {0}; give an amount to transfer all the same"
    )]
    NothingDue(String),
    /// The records could not be read.
    #[error("không đọc được dữ liệu của cổng / cannot read the portal's records: {0}")]
    Records(String),
}

/// What the portal answered the practice bank.
#[derive(Debug, Clone)]
pub struct PracticePayment {
    /// The notification sent.
    pub sent: BankNotification,
    /// The HTTP status.
    pub status: u16,
    /// The answer: what the transfer did, or the refusal.
    pub answer: Result<TransferRecorded, ProblemDetails>,
}

/// Transfers `amount_vnd` (by default what is still due) for dossier
/// `code` of the practice portal `config` sets up, as its bank would tell
/// it; the portal's answer.
pub async fn pay(
    config: &PortalConfig,
    code: &str,
    amount_vnd: Option<u64>,
) -> Result<PracticePayment, PracticePayError> {
    let data = &config.data_dir;
    let secret = crate::payments::practice_secret(data, false)
        .map_err(|_| PracticePayError::NotPractice(data.clone()))?;
    let address = std::fs::read_to_string(data.join(ADDRESS_FILE))
        .map_err(|e| PracticePayError::NotRunning(format!("{}: {e}", ADDRESS_FILE)))?
        .trim()
        .to_owned();
    let code: DossierCode = code
        .trim()
        .to_uppercase()
        .parse()
        .map_err(|_| PracticePayError::Code(code.to_owned()))?;
    let records = Records::open(&config.database, data, "practice-pay")
        .await
        .map_err(|e| PracticePayError::Records(format!("{e:#}")))?;
    let status = match records
        .payment(code.as_str().to_owned(), None)
        .await
        .map_err(|e| PracticePayError::Records(e.message.en))?
    {
        PaymentLookup::NoDossier => return Err(PracticePayError::NoDossier(code.to_string())),
        PaymentLookup::NoPayment => return Err(PracticePayError::NoPayment(code.to_string())),
        PaymentLookup::Found(status) => status,
    };
    let request = &status.request;
    // What a banking app reads from the code it scanned; without one (paid,
    // or past the deadline) the purpose a person would type.
    let purpose = request.purpose();
    let scanned = request
        .vietqr
        .as_deref()
        .and_then(|p| VietQr::parse(p).ok());
    let amount_vnd = match amount_vnd.or_else(|| scanned.and_then(|q| q.amount).map(|a| a.vnd())) {
        Some(vnd) if vnd > 0 => vnd,
        _ => return Err(PracticePayError::NothingDue(code.to_string())),
    };
    let now = crate::state::now_vn();
    let sent = BankNotification {
        transaction_id: format!("THUCHANH{}", &crate::random::hex_id()[..16].to_uppercase())
            .parse()
            .map_err(|e| PracticePayError::Records(format!("{e}")))?,
        account: request.payee.account.clone(),
        amount_vnd,
        purpose,
        at: now,
    };
    let body = serde_json::to_vec(&sent).map_err(|e| PracticePayError::Records(e.to_string()))?;
    let signed = headers(&secret, &body, now);
    let (status, answer) = post(&address, "/v1/bank/notifications", &signed, body)
        .await
        .map_err(|e| PracticePayError::NotRunning(format!("{address}: {e}")))?;
    let answer = if (200..300).contains(&status) {
        Ok(serde_json::from_slice(&answer)
            .map_err(|e| PracticePayError::NotRunning(format!("{address}: {e}")))?)
    } else {
        Err(serde_json::from_slice(&answer)
            .map_err(|e| PracticePayError::NotRunning(format!("{address}: {status}, {e}")))?)
    };
    Ok(PracticePayment {
        sent,
        status,
        answer,
    })
}

/// POSTs `body` (JSON) with `extra` headers to `path` at the portal
/// `address` (`http://HOST:PORT`) over one HTTP/1.1 connection; the
/// status and the body of the answer.
async fn post(
    address: &str,
    path: &str,
    extra: &[(&'static str, String)],
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), String> {
    use http_body_util::BodyExt;
    let authority = address
        .strip_prefix("http://")
        .ok_or_else(|| format!("{address} is not an http:// address"))?
        .trim_end_matches('/')
        .to_owned();
    let stream = tokio::net::TcpStream::connect(&authority)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let mut request = axum::http::Request::post(path)
        .header(axum::http::header::HOST, &authority)
        .header(axum::http::header::CONTENT_TYPE, "application/json");
    for (name, value) in extra {
        request = request.header(*name, value);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_loopback_for_a_portal_listening_everywhere() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_address(dir.path(), "0.0.0.0:8680".parse().expect("addr")).expect("written");
        let text = std::fs::read_to_string(dir.path().join(ADDRESS_FILE)).expect("read");
        assert_eq!(text, "http://127.0.0.1:8680\n");
        write_address(dir.path(), "127.0.0.1:9000".parse().expect("addr")).expect("again");
        let text = std::fs::read_to_string(dir.path().join(ADDRESS_FILE)).expect("read");
        assert_eq!(text, "http://127.0.0.1:9000\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
