//! Bad links with block checksums (`HoSo-Block-Checksum`): a body cut
//! mid-way keeps every block that checked out, a damaged block is refused
//! (460) with the verified bytes kept and named, and what the portal keeps
//! is exactly the client's bytes.

use crate::common::dual;
use crate::common::head_answer;
use crate::common::{create_upload, stored_upload};
use crate::served::{Served, client_from};
use crate::{offset_of, one_at_a_time};
use hoso_tus::blocks::{BlockChecksums, HEADER};
use hoso_tus::checksum::ChecksumAlgorithm;
use reqwest::StatusCode;

const BLOCK: u64 = 256 * 1024;

fn file(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 23) as u8)
        .collect()
}

/// A PATCH of `body` at `offset` with the block checksums of `sums`.
fn patch(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    offset: u64,
    sums: &BlockChecksums,
) -> reqwest::RequestBuilder {
    http.patch(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .header(HEADER, sums.to_header())
}

dual! {
#[tokio::test(flavor = "multi_thread")]
async fn a_cut_body_keeps_its_checked_blocks_and_a_damaged_one_is_refused_with_the_rest_kept(backend: Backend) {
    let _one = one_at_a_time().await;
    let portal = Served::start(backend, "", None).await;
    let token = portal.applicant("duong-truyen-xau");
    let http = client_from("127.0.0.12");
    let options = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/uploads", portal.base),
        )
        .send()
        .await
        .expect("OPTIONS");
    let offered = options.headers()["tus-extension"]
        .to_str()
        .expect("extensions");
    assert!(offered.contains("hoso-block-checksum"), "{offered}");

    let data = file(4 * BLOCK as usize + 1000);
    let (url, _) = create_upload(&http, &portal.base, &token, data.len() as u64).await;
    let chunk = &data[..4 * BLOCK as usize];
    let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, BLOCK, chunk);

    // Two and a half blocks, then the connection breaks.
    let cut_at = 2 * BLOCK as usize + BLOCK as usize / 2;
    let sent = chunk[..cut_at].to_vec();
    let broken = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(sent) }),
        futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            Err(std::io::Error::other("the link broke"))
        }),
    );
    let res = patch(&http, &url, &token, 0, &sums)
        .header("Content-Length", chunk.len().to_string())
        .body(reqwest::Body::wrap_stream(broken))
        .send()
        .await;
    assert!(res.is_err(), "the request broke off");
    let at = offset_of(&head_answer(&http, &url, &token).await);
    assert_eq!(at, 2 * BLOCK, "the two blocks that checked out are kept");

    // The rest of the chunk from there, with its third block damaged.
    let rest = &data[at as usize..4 * BLOCK as usize];
    let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, BLOCK, rest);
    let mut damaged = rest.to_vec();
    damaged[BLOCK as usize + 99] ^= 0x10;
    let res = patch(&http, &url, &token, at, &sums)
        .body(damaged)
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status().as_u16(), 460);
    assert_eq!(
        offset_of(&res),
        3 * BLOCK,
        "the block before the damage is kept"
    );
    let problem: hoso_core::wire::ProblemDetails = res.json().await.expect("problem");
    assert_eq!(problem.code, "block_checksum_mismatch");
    assert_eq!(offset_of(&head_answer(&http, &url, &token).await), 3 * BLOCK);

    // Sent again from there, and the tail: the file is whole and exact.
    let tail = &data[3 * BLOCK as usize..];
    let sums = BlockChecksums::of(ChecksumAlgorithm::Sha256, BLOCK, tail);
    let res = patch(&http, &url, &token, 3 * BLOCK, &sums)
        .body(tail.to_vec())
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&res), data.len() as u64);
    // Each request went on from the offset the portal named, so what was
    // kept at each step is in the whole.
    assert!(
        stored_upload(&portal.settings, &url).await == data,
        "the stored upload is the client's bytes"
    );

    // Digests that do not fit the body's length are refused at once.
    let (other, _) = create_upload(&http, &portal.base, &token, 1000).await;
    let res = patch(&http, &other, &token, 0, &sums)
        .body(vec![0u8; 1000])
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(offset_of(&head_answer(&http, &other, &token).await), 0);
}
}
