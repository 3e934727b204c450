//! Documents a portal signs and the app verifies offline: the one path by
//! which every one of them (the filing receipt, a supplement's receipt, a
//! fee receipt, a refund notice, a result notice) is canonicalised, signed
//! and checked, so that no kind can be verified more loosely than another.
//!
//! The portal signs the RFC 8785 canonical JSON of the document with its
//! ed25519 key and names the key's fingerprint in the document's `key_id`.
//! The app keeps the document exactly as received (a JSON value, not a
//! re-serialised struct), so one from a newer portal with fields this
//! build does not know still verifies. It verifies against the key it
//! pinned when it added the portal, and against that portal's retired keys
//! ([`PortalKeys`]), so documents signed before a key rotation stay valid.

use crate::Sha256Digest;
use crate::receipt::{PortalKey, ReceiptError};
use crate::wire::PublishedKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// The keys a portal's documents are verified with: the one pinned when the
/// portal was added, and the retired ones it still publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalKeys {
    pinned: PortalKey,
    retired: Vec<PortalKey>,
}

impl PortalKeys {
    /// Only the pinned key.
    pub fn pinned(key: PortalKey) -> Self {
        Self {
            pinned: key,
            retired: Vec::new(),
        }
    }

    /// The pinned key and keys it signed with before, as discovery publishes
    /// them (`previous_keys`). Refused with [`ReceiptError::BadKey`] when a
    /// retired key is malformed or is not the key its `key_id` names, so a
    /// list that misnames a key is never half-trusted.
    pub fn with_published(
        pinned: PortalKey,
        retired: &[PublishedKey],
    ) -> Result<Self, ReceiptError> {
        let retired = retired
            .iter()
            .map(|p| {
                let key = PortalKey::from_base64(&p.key)?;
                if key.fingerprint() == p.key_id {
                    Ok(key)
                } else {
                    Err(ReceiptError::BadKey)
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { pinned, retired })
    }

    /// The pinned key.
    pub fn current(&self) -> &PortalKey {
        &self.pinned
    }

    /// The key whose fingerprint is `key_id`, among the pinned and retired
    /// ones.
    pub fn find(&self, key_id: &str) -> Option<&PortalKey> {
        std::iter::once(&self.pinned)
            .chain(&self.retired)
            .find(|k| k.fingerprint() == key_id)
    }
}

impl From<PortalKey> for PortalKeys {
    fn from(key: PortalKey) -> Self {
        Self::pinned(key)
    }
}

/// A document of kind `T` as the portal sent it, with its signature. In
/// JSON `{"document": {…}, "signature": "…"}`.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Signed<T> {
    /// The document exactly as signed.
    pub document: serde_json::Value,
    /// ed25519 signature over the canonical JSON of `document`, base64.
    pub signature: String,
    #[serde(skip)]
    kind: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Signed<T> {
    /// Signs `document` with the portal's key. The document's `key_id`
    /// should name that key (its [`PortalKey::fingerprint`]); verification
    /// picks the key by it.
    pub fn sign(document: &T, key: &SigningKey) -> Self {
        let document = to_value(document);
        Self {
            signature: sign(&document, key),
            document,
            kind: PhantomData,
        }
    }

    /// Checks the signature against the key of `keys` that the document's
    /// `key_id` names (the pinned one when it names none), then reads the
    /// document as `T`. A document read here is exactly what the portal
    /// signed.
    pub fn verify(&self, keys: &PortalKeys) -> Result<T, ReceiptError> {
        check(&self.document, &self.signature, keys)?;
        serde_json::from_value(self.document.clone())
            .map_err(|e| ReceiptError::Malformed(e.to_string()))
    }
}

impl<T> Signed<T> {
    /// SHA-256 of the document's canonical JSON (RFC 8785): the bytes the
    /// signature covers, so the hash names exactly what was signed.
    pub fn sha256(&self) -> Sha256Digest {
        Sha256Digest::of(&canonical(&self.document))
    }
}

impl<T> Clone for Signed<T> {
    fn clone(&self) -> Self {
        Self {
            document: self.document.clone(),
            signature: self.signature.clone(),
            kind: PhantomData,
        }
    }
}

impl<T> PartialEq for Signed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.document == other.document && self.signature == other.signature
    }
}

impl<T> fmt::Debug for Signed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("kind", &std::any::type_name::<T>())
            .field("document", &self.document)
            .field("signature", &self.signature)
            .finish()
    }
}

/// `document` as a JSON value.
pub(crate) fn to_value<T: Serialize>(document: &T) -> serde_json::Value {
    // The documents signed here are plain data: structs, strings, integers.
    serde_json::to_value(document)
        .unwrap_or_else(|e| panic!("a signed document is plain data: {e}"))
}

/// RFC 8785 canonical JSON of `value`.
pub(crate) fn canonical(value: &serde_json::Value) -> Vec<u8> {
    // A serde_json::Value always canonicalises.
    serde_json_canonicalizer::to_vec(value).unwrap_or_else(|e| panic!("canonical JSON: {e}"))
}

/// The base64 ed25519 signature of `value`'s canonical JSON.
pub(crate) fn sign(value: &serde_json::Value, key: &SigningKey) -> String {
    B64.encode(key.sign(&canonical(value)).to_bytes())
}

/// Whether `signature` is the signature of `value`'s canonical JSON by the
/// key of `keys` that `value`'s `key_id` names (the pinned key when it
/// names none). A `key_id` naming no key of `keys` is
/// [`ReceiptError::OtherKey`]; a signature by another key than the one
/// named, or over other content, is [`ReceiptError::Forged`].
pub(crate) fn check(
    value: &serde_json::Value,
    signature: &str,
    keys: &PortalKeys,
) -> Result<(), ReceiptError> {
    let bytes: [u8; 64] = B64
        .decode(signature.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(ReceiptError::BadSignature)?;
    let key = match value.get("key_id").and_then(|k| k.as_str()) {
        None => keys.current(),
        Some(named) => keys.find(named).ok_or_else(|| ReceiptError::OtherKey {
            found: named.to_owned(),
            pinned: keys.current().fingerprint(),
        })?,
    };
    key.verifying()
        .verify(&canonical(value), &Signature::from_bytes(&bytes))
        .map_err(|_| ReceiptError::Forged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Note {
        note_format: u32,
        text: String,
        key_id: String,
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn note(signer: &SigningKey) -> Note {
        Note {
            note_format: 1,
            text: "Đã nhận".into(),
            key_id: PortalKey::of(signer).fingerprint(),
        }
    }

    fn published(k: &SigningKey) -> PublishedKey {
        PublishedKey {
            key: PortalKey::of(k).to_base64(),
            key_id: PortalKey::of(k).fingerprint(),
            retired_at: "2026-12-01T00:00:00+07:00".into(),
        }
    }

    #[test]
    fn a_document_signed_by_a_retired_key_verifies_with_the_published_list_only() {
        let (old, new) = (key(1), key(2));
        let signed = Signed::sign(&note(&old), &old);
        let keys =
            PortalKeys::with_published(PortalKey::of(&new), &[published(&old)]).expect("keys");
        assert_eq!(signed.verify(&keys), Ok(note(&old)));
        assert!(matches!(
            signed.verify(&PortalKeys::pinned(PortalKey::of(&new))),
            Err(ReceiptError::OtherKey { .. })
        ));
    }

    #[test]
    fn a_document_claiming_a_retired_key_but_signed_by_another_is_forged() {
        let (old, new, thief) = (key(1), key(2), key(3));
        let mut lying = note(&thief);
        lying.key_id = PortalKey::of(&old).fingerprint();
        let signed = Signed::sign(&lying, &thief);
        let keys =
            PortalKeys::with_published(PortalKey::of(&new), &[published(&old)]).expect("keys");
        assert_eq!(signed.verify(&keys), Err(ReceiptError::Forged));
    }

    #[test]
    fn a_published_key_under_another_keys_id_is_refused() {
        let (a, b) = (key(1), key(2));
        let mut wrong = published(&a);
        wrong.key_id = PortalKey::of(&b).fingerprint();
        assert_eq!(
            PortalKeys::with_published(PortalKey::of(&b), &[wrong]),
            Err(ReceiptError::BadKey)
        );
    }

    #[test]
    fn without_a_key_id_the_pinned_key_is_the_judge() {
        let k = key(4);
        let value = serde_json::json!({"text": "x"});
        let signature = sign(&value, &k);
        assert_eq!(check(&value, &signature, &PortalKey::of(&k).into()), Ok(()));
        assert_eq!(
            check(&value, &signature, &PortalKey::of(&key(5)).into()),
            Err(ReceiptError::Forged)
        );
    }

    #[test]
    fn the_envelope_round_trips_and_its_hash_follows_the_content() {
        let k = key(6);
        let signed = Signed::sign(&note(&k), &k);
        let text = serde_json::to_string_pretty(&signed).expect("json");
        assert!(text.contains("\"document\""), "{text}");
        let back: Signed<Note> = serde_json::from_str(&text).expect("read");
        assert_eq!(back, signed);
        assert_eq!(back.sha256(), signed.sha256());
        assert_eq!(back.verify(&PortalKey::of(&k).into()), Ok(note(&k)));
        let mut changed = back.clone();
        changed.document["text"] = "Đã nhận.".into();
        assert_ne!(changed.sha256(), signed.sha256());
        assert_eq!(
            changed.verify(&PortalKey::of(&k).into()),
            Err(ReceiptError::Forged)
        );
    }
}
