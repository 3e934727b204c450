//! Unpredictable identifiers: upload ids, tokens, lookup PINs and keys.

/// `n` random bytes from the operating system.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator failing means the machine cannot issue safe ids at
    // all; refusing to go on is the only correct answer.
    getrandom::fill(&mut buf).unwrap_or_else(|e| panic!("operating-system randomness: {e}"));
    buf
}

/// 16 random bytes as 32 hex digits: upload ids.
pub fn hex_id() -> String {
    hoso_core::hash::to_hex(&bytes::<16>())
}

/// 32 random bytes as 64 hex digits: bearer tokens.
pub fn token() -> String {
    hoso_core::hash::to_hex(&bytes::<32>())
}

/// Letters and digits that cannot be mistaken for one another when read
/// aloud or copied by hand (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
const PIN_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

/// A 4-character lookup PIN printed on the receipt.
pub fn lookup_pin() -> String {
    bytes::<4>()
        .iter()
        .map(|b| PIN_ALPHABET[usize::from(*b) % PIN_ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_pins_have_their_shapes_and_differ() {
        let (a, b) = (hex_id(), hex_id());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(token().len(), 64);
        let pin = lookup_pin();
        assert_eq!(pin.len(), 4);
        assert!(pin.bytes().all(|c| PIN_ALPHABET.contains(&c)));
    }
}
