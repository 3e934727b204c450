//! Finding the line of an element of a JSON text by its path, so that a
//! schema error points at the field as written, whatever the key order.
//! The text has already been read by serde_json; this only walks it, and
//! stops at whatever it cannot follow rather than failing.

/// One step of a path: an object member or an array element.
#[derive(Debug, Clone, Copy)]
pub(super) enum Seg {
    Key(&'static str),
    Index(usize),
}

/// The line (1-based) of the element at `path`: for an object reached by
/// an index, the line of its `"id"` member when it has one; for a member,
/// the line of its key. Line 1 for the empty path.
pub(super) fn line_at(text: &str, path: &[Seg]) -> usize {
    let b = text.as_bytes();
    let mut pos = skip_ws(b, 0);
    let mut mark = pos;
    if path.is_empty() {
        return 1;
    }
    for seg in path {
        let found = match *seg {
            Seg::Key(k) => member(b, pos, k),
            Seg::Index(n) => element(b, pos, n).map(|at| (at, at)),
        };
        let Some((line_at, value_at)) = found else {
            break;
        };
        mark = line_at;
        pos = value_at;
    }
    if matches!(path.last(), Some(Seg::Index(_)))
        && let Some((id_at, _)) = member(b, pos, "id")
    {
        mark = id_at;
    }
    text.as_bytes()[..mark.min(b.len())]
        .iter()
        .filter(|c| **c == b'\n')
        .count()
        + 1
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Index just past the string starting at `i` (which holds `"`).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(&c) = b.get(i) {
        i += match c {
            b'\\' => 2,
            b'"' => return i + 1,
            _ => 1,
        };
    }
    b.len()
}

/// Index just past the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = skip_string(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                j += 1;
            }
            j
        }
    }
}

/// In the object at `obj`, the positions of member `key`'s key and value.
fn member(b: &[u8], obj: usize, key: &str) -> Option<(usize, usize)> {
    if b.get(obj) != Some(&b'{') {
        return None;
    }
    let mut i = obj + 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_at = i;
        let end = skip_string(b, i);
        let name = b.get(i + 1..end.saturating_sub(1))?;
        i = skip_ws(b, end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if name == key.as_bytes() {
            return Some((key_at, i));
        }
        i = skip_ws(b, skip_value(b, i));
        if b.get(i) == Some(&b',') {
            i += 1;
        }
    }
}

/// In the array at `arr`, the position of element `n`.
fn element(b: &[u8], arr: usize, n: usize) -> Option<usize> {
    if b.get(arr) != Some(&b'[') {
        return None;
    }
    let mut i = arr + 1;
    for k in 0.. {
        i = skip_ws(b, i);
        if matches!(b.get(i), None | Some(b']')) {
            return None;
        }
        if k == n {
            return Some(i);
        }
        i = skip_ws(b, skip_value(b, i));
        if b.get(i) == Some(&b',') {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_whatever_the_key_order() {
        let text = "{\n \"a\": [\n  {\"x\": \"}\\\"{\",\n   \"id\": \"one\"},\n  {\n   \"id\": \"two\"\n  }\n ],\n \"b\": 1\n}";
        assert_eq!(line_at(text, &[Seg::Key("a"), Seg::Index(0)]), 4);
        assert_eq!(line_at(text, &[Seg::Key("a"), Seg::Index(1)]), 6);
        assert_eq!(line_at(text, &[Seg::Key("b")]), 9);
        assert_eq!(line_at(text, &[Seg::Key("a"), Seg::Index(5)]), 2);
        assert_eq!(line_at(text, &[]), 1);
        assert_eq!(line_at("{\"a\": [1, 2", &[Seg::Key("a"), Seg::Index(9)]), 1);
    }
}
