//! The bytes of a filed document, for the officers who process its
//! dossier: any document the dossier or one of its supplements names,
//! found by its SHA-256 and streamed from the upload that brought it.

use crate::error::ApiError;
use crate::records::FiledDocument;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The document of dossier `code` (or of one of its supplements) whose
/// content hashes to `sha256`.
async fn find(state: &AppState, code: &str, sha256: &str) -> Result<FiledDocument, ApiError> {
    state
        .db
        .filed_document(code.to_owned(), sha256.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found("tài liệu này trong hồ sơ / document in this dossier"))
}

/// `Content-Disposition` naming the file as filed (RFC 6266, UTF-8).
pub(crate) fn disposition(name: &str) -> HeaderValue {
    named("attachment", name)
}

/// How a browser may show a document in the page, by its name: a PDF or
/// a picture (never SVG, which can carry script); `None` for anything
/// else, which is only downloaded.
pub fn inline_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Some("application/pdf"),
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

fn named(kind: &str, name: &str) -> HeaderValue {
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!("{kind}; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The response carrying the document's bytes, streamed from the store
/// (files: each piece read by a job on the blocking pool that holds its
/// thread only while it reads; S3: the object's body as it comes), so an
/// officer on a slow link holds no thread while the network takes the
/// previous piece. Never held whole in memory.
pub async fn download(state: &AppState, code: &str, sha256: &str) -> Result<Response, ApiError> {
    serve(state, code, sha256, false).await
}

/// [`download`], or with `inline` a PDF or picture ([`inline_type`]) for
/// the browser to show, under its own type, never sniffed: the console's
/// preview. Anything else is sent to be saved either way.
pub async fn serve(
    state: &AppState,
    code: &str,
    sha256: &str,
    inline: bool,
) -> Result<Response, ApiError> {
    let filed = find(state, code, sha256).await?;
    stream(
        state,
        &filed.upload_id,
        &filed.name,
        filed.size,
        sha256,
        inline,
    )
    .await
}

/// The bytes kept under `id` in the upload store, as file `name` of
/// `size` bytes and digest `sha256`: shown inline when asked and the name
/// says a PDF or a picture, else to be saved.
pub async fn stream(
    state: &AppState,
    id: &str,
    name: &str,
    size: u64,
    sha256: &str,
    inline: bool,
) -> Result<Response, ApiError> {
    let shown = inline.then(|| inline_type(name)).flatten();
    let pieces = state.storage.read(id).await?;
    let body = Body::from_stream(pieces);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(shown.unwrap_or("application/octet-stream")),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(size)),
            (
                header::CONTENT_DISPOSITION,
                named(shown.map_or("attachment", |_| "inline"), name),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::ETAG,
                HeaderValue::from_str(&format!("\"{}\"", sha256.to_ascii_lowercase()))
                    .map_err(ApiError::internal)?,
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn a_vietnamese_file_name_is_sent_percent_encoded() {
        assert_eq!(
            disposition("bản dịch.pdf").to_str().expect("ascii"),
            "attachment; filename*=UTF-8''b%E1%BA%A3n%20d%E1%BB%8Bch.pdf"
        );
    }
}
