//! The result notice: what the portal signs when an officer attaches a
//! dossier's result documents and moves it to `result_ready` (the dossier,
//! the issuing agency, the time, and each document's name, size and
//! SHA-256), and the check the app makes on the files it downloaded.
//!
//! A result is valid only when [`verify`] says so: the notice's signature
//! verifies against the pinned key (or a retired one) and the downloaded
//! files are exactly the documents it names, no more, no fewer, each of
//! the size and hash signed.

use crate::calendar::VIETNAM_TIME;
use crate::filename::windows_problem;
use crate::receipt::{PortalKey, ReceiptError};
use crate::signed::{PortalKeys, Signed};
use crate::{Bilingual, DossierCode, Sha256Digest};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Result notice format this build writes.
pub const RESULT_NOTICE_FORMAT: u32 = 1;

/// What the portal certifies the result of a dossier is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultNotice {
    /// Result notice format number; its name keeps the notice from being
    /// read as another kind of signed document.
    pub result_notice_format: u32,
    /// The portal that issued it.
    pub portal: Bilingual,
    /// The dossier.
    pub dossier_code: DossierCode,
    /// The agency whose result it is.
    pub issuing_agency: Bilingual,
    /// When the result was issued (+07:00).
    pub issued_at: DateTime<FixedOffset>,
    /// The result documents: at least one, names distinct.
    pub documents: Vec<ResultDocument>,
    /// Fingerprint of the key that signed it.
    pub key_id: String,
}

/// One result document, by content; also what the app says of a file it
/// downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResultDocument {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file.
    pub sha256: Sha256Digest,
}

/// Why a result notice cannot be made, or a result cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// The notice names no document.
    #[error("thông báo kết quả không có tài liệu nào / the result notice names no document")]
    NoDocuments,
    /// Two documents whose names differ only in case, or not at all: they
    /// would be one file on Windows and macOS.
    #[error("hai tài liệu kết quả cùng tên “{0}” / two result documents are named “{0}”")]
    DuplicateName(String),
    /// A name the app could not save a file by.
    #[error("tên tài liệu kết quả “{name}” không dùng được: {} / result document name “{name}” cannot be used: {}", .problem.vi, .problem.en)]
    BadName {
        /// The name.
        name: String,
        /// What is wrong with it.
        problem: Bilingual,
    },
    /// The notice's signature does not hold.
    #[error(transparent)]
    Signature(#[from] ReceiptError),
    /// The files downloaded are not the documents signed.
    #[error(
        "tệp tải về không khớp thông báo kết quả / the downloaded files do not match the result notice: {}",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Documents(Vec<Mismatch>),
}

/// How one downloaded file differs from the signed notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// A document the notice names was not downloaded.
    #[error("thiếu tệp “{name}” / “{name}” is missing")]
    Missing {
        /// Its name.
        name: String,
    },
    /// A file the notice does not name (or names once and came twice).
    #[error("tệp “{name}” không có trong thông báo / “{name}” is not in the notice")]
    Extra {
        /// Its name.
        name: String,
    },
    /// A file of another size than signed.
    #[error(
        "tệp “{name}” dài {found} byte, thông báo ghi {expected} / “{name}” has {found} bytes, the notice says {expected}"
    )]
    Size {
        /// Its name.
        name: String,
        /// The size signed.
        expected: u64,
        /// The size downloaded.
        found: u64,
    },
    /// A file of the signed size whose content differs.
    #[error(
        "nội dung tệp “{name}” khác bản đã ký (SHA-256 {found}, đúng ra {expected}) / “{name}” differs from what was signed (SHA-256 {found}, not {expected})"
    )]
    Hash {
        /// Its name.
        name: String,
        /// The hash signed.
        expected: Sha256Digest,
        /// The hash downloaded.
        found: Sha256Digest,
    },
}

impl ResultNotice {
    /// The notice of `documents` as the result of dossier `code`, issued by
    /// `agency` at `issued_at` (written in Viet Nam time), to be signed
    /// with the key `signer` names. Refused without documents, with two of
    /// one name (case aside), or with a name a file cannot be saved by on
    /// Windows.
    pub fn new(
        portal: Bilingual,
        code: &DossierCode,
        agency: Bilingual,
        documents: Vec<ResultDocument>,
        issued_at: DateTime<FixedOffset>,
        signer: &PortalKey,
    ) -> Result<Self, ResultError> {
        check_names(&documents)?;
        Ok(Self {
            result_notice_format: RESULT_NOTICE_FORMAT,
            portal,
            dossier_code: code.clone(),
            issuing_agency: agency,
            issued_at: issued_at.with_timezone(&VIETNAM_TIME),
            documents,
            key_id: signer.fingerprint(),
        })
    }
}

/// The result notice `signed` if, and only if, its signature verifies with
/// `keys`, its documents are well named, and `downloaded` (what the app
/// measured of the files it fetched) holds exactly those documents: every
/// one named present once, of the signed size and SHA-256, and nothing
/// else. Names match exactly. Every difference is reported, each by its
/// kind.
pub fn verify(
    signed: &Signed<ResultNotice>,
    keys: &PortalKeys,
    downloaded: &[ResultDocument],
) -> Result<ResultNotice, ResultError> {
    let notice = signed.verify(keys)?;
    check_names(&notice.documents)?;
    let mut mismatches = Vec::new();
    for want in &notice.documents {
        match downloaded.iter().find(|d| d.name == want.name) {
            None => mismatches.push(Mismatch::Missing {
                name: want.name.clone(),
            }),
            Some(got) if got.size != want.size => mismatches.push(Mismatch::Size {
                name: want.name.clone(),
                expected: want.size,
                found: got.size,
            }),
            Some(got) if got.sha256 != want.sha256 => mismatches.push(Mismatch::Hash {
                name: want.name.clone(),
                expected: want.sha256,
                found: got.sha256,
            }),
            Some(_) => {}
        }
    }
    for (i, got) in downloaded.iter().enumerate() {
        let named = notice.documents.iter().any(|d| d.name == got.name);
        let again = downloaded[..i].iter().any(|d| d.name == got.name);
        if !named || again {
            mismatches.push(Mismatch::Extra {
                name: got.name.clone(),
            });
        }
    }
    if mismatches.is_empty() {
        Ok(notice)
    } else {
        Err(ResultError::Documents(mismatches))
    }
}

/// At least one document, each name one a file can be saved by, no two
/// alike but for case.
fn check_names(documents: &[ResultDocument]) -> Result<(), ResultError> {
    if documents.is_empty() {
        return Err(ResultError::NoDocuments);
    }
    for (i, d) in documents.iter().enumerate() {
        if let Some(problem) = windows_problem(&d.name) {
            return Err(ResultError::BadName {
                name: d.name.clone(),
                problem,
            });
        }
        let folded = d.name.to_lowercase();
        if documents[..i]
            .iter()
            .any(|o| o.name.to_lowercase() == folded)
        {
            return Err(ResultError::DuplicateName(d.name.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::PublishedKey;
    use ed25519_dalek::SigningKey;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn doc(name: &str, content: &[u8]) -> ResultDocument {
        ResultDocument {
            name: name.into(),
            size: content.len() as u64,
            sha256: Sha256Digest::of(content),
        }
    }

    fn documents() -> Vec<ResultDocument> {
        vec![
            doc("giấy chứng nhận.pdf", b"chung nhan"),
            doc("thông báo.pdf", b"thong bao"),
        ]
    }

    fn notice(
        signer: &SigningKey,
        documents: Vec<ResultDocument>,
    ) -> Result<ResultNotice, ResultError> {
        ResultNotice::new(
            Bilingual::new("Cổng thực hành", "Practice portal"),
            &"HOSO.PRACTICE-261204-0001".parse().expect("code"),
            Bilingual::new(
                "Sở Khoa học và Công nghệ",
                "Department of Science and Technology",
            ),
            documents,
            DateTime::parse_from_rfc3339("2026-12-10T03:30:00Z").expect("time"),
            &PortalKey::of(signer),
        )
    }

    fn signed(signer: &SigningKey) -> Signed<ResultNotice> {
        Signed::sign(&notice(signer, documents()).expect("notice"), signer)
    }

    fn keys(k: &SigningKey) -> PortalKeys {
        PortalKeys::pinned(PortalKey::of(k))
    }

    #[test]
    fn the_exact_files_of_a_verified_notice_make_a_valid_result_in_any_order() {
        let k = key(1);
        let s = signed(&k);
        let mut files = documents();
        files.reverse();
        let n = verify(&s, &keys(&k), &files).expect("valid");
        assert_eq!(n.documents, documents());
        let json = serde_json::to_string(&s).expect("json");
        assert!(
            json.contains("\"issued_at\":\"2026-12-10T10:30:00+07:00\""),
            "{json}"
        );
        let back: Signed<ResultNotice> = serde_json::from_str(&json).expect("read");
        assert!(verify(&back, &keys(&k), &files).is_ok());
    }

    #[test]
    fn each_kind_of_difference_is_named() {
        let k = key(1);
        let s = signed(&k);
        let check = |files: Vec<ResultDocument>| match verify(&s, &keys(&k), &files) {
            Err(ResultError::Documents(m)) => m,
            other => panic!("expected mismatches, got {other:?}"),
        };
        let [a, b] = [documents()[0].clone(), documents()[1].clone()];
        assert_eq!(
            check(vec![a.clone()]),
            vec![Mismatch::Missing {
                name: b.name.clone()
            }]
        );
        assert_eq!(
            check(vec![a.clone(), b.clone(), doc("thêm.pdf", b"x")]),
            vec![Mismatch::Extra {
                name: "thêm.pdf".into()
            }]
        );
        assert_eq!(
            check(vec![a.clone(), b.clone(), b.clone()]),
            vec![Mismatch::Extra {
                name: b.name.clone()
            }]
        );
        let short = ResultDocument {
            size: b.size - 1,
            ..b.clone()
        };
        assert_eq!(
            check(vec![a.clone(), short]),
            vec![Mismatch::Size {
                name: b.name.clone(),
                expected: b.size,
                found: b.size - 1
            }]
        );
        let altered = doc(&b.name, b"thong bay");
        assert_eq!(
            check(vec![a.clone(), altered.clone()]),
            vec![Mismatch::Hash {
                name: b.name.clone(),
                expected: b.sha256,
                found: altered.sha256
            }]
        );
        // Another normalisation of a name is another name.
        let decomposed = ResultDocument {
            name: "thông báo.pdf"
                .chars()
                .collect::<String>()
                .replace('ô', "o\u{302}"),
            ..b.clone()
        };
        assert_eq!(
            check(vec![a.clone(), decomposed.clone()]),
            vec![
                Mismatch::Missing {
                    name: b.name.clone()
                },
                Mismatch::Extra {
                    name: decomposed.name
                }
            ]
        );
        let e = verify(&s, &keys(&k), &[]).expect_err("nothing downloaded");
        assert!(
            e.to_string().contains("“giấy chứng nhận.pdf” is missing"),
            "{e}"
        );
    }

    #[test]
    fn a_tampered_or_foreign_notice_is_never_a_valid_result() {
        let k = key(1);
        let mut s = signed(&k);
        // Swapping in the hash of another file breaks the signature, even
        // when the files downloaded match the altered notice.
        let other = doc("giấy chứng nhận.pdf", b"gia mao");
        s.document["documents"][0]["sha256"] = other.sha256.to_hex().into();
        s.document["documents"][0]["size"] = other.size.into();
        let files = vec![other, documents()[1].clone()];
        assert_eq!(
            verify(&s, &keys(&k), &files),
            Err(ResultError::Signature(ReceiptError::Forged))
        );
        assert!(matches!(
            verify(&signed(&k), &keys(&key(2)), &documents()),
            Err(ResultError::Signature(ReceiptError::OtherKey { .. }))
        ));
    }

    #[test]
    fn a_notice_signed_by_a_retired_key_still_verifies() {
        let (old, new) = (key(1), key(2));
        let keys = PortalKeys::with_published(
            PortalKey::of(&new),
            &[PublishedKey {
                key: PortalKey::of(&old).to_base64(),
                key_id: PortalKey::of(&old).fingerprint(),
                retired_at: "2026-12-11T00:00:00+07:00".into(),
            }],
        )
        .expect("keys");
        assert!(verify(&signed(&old), &keys, &documents()).is_ok());
    }

    #[test]
    fn notices_without_documents_with_clashing_or_unsavable_names_are_refused() {
        let k = key(1);
        assert_eq!(notice(&k, vec![]), Err(ResultError::NoDocuments));
        assert_eq!(
            notice(&k, vec![doc("KQ.pdf", b"a"), doc("kq.pdf", b"b")]),
            Err(ResultError::DuplicateName("kq.pdf".into()))
        );
        for bad in ["../kq.pdf", "kq.pdf.", "CON.pdf", "a:b.pdf", ""] {
            assert!(
                matches!(
                    notice(&k, vec![doc(bad, b"a")]),
                    Err(ResultError::BadName { .. })
                ),
                "{bad:?}"
            );
        }
        // A portal that signs such a notice anyway gets no valid result.
        let mut n = notice(&k, documents()).expect("notice");
        n.documents.push(doc("..\\thoat.exe", b"x"));
        let s = Signed::sign(&n, &k);
        let mut files = documents();
        files.push(doc("..\\thoat.exe", b"x"));
        assert!(matches!(
            verify(&s, &keys(&k), &files),
            Err(ResultError::BadName { .. })
        ));
    }
}
