//! Exit codes scripts can rely on, and messages in the person's language.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | failed on this computer (files, store) |
//! | 2 | wrong usage (from the argument parser) |
//! | 3 | the dossier or input has problems (listed); nothing was sent |
//! | 4 | the portal could not be reached or is busy; try again later |
//! | 5 | a signature or key did not verify |
//! | 6 | not found |
//! | 7 | the portal refused the request |
//! | 8 | a batch finished with some dossiers not filed |
//!
//! A failure of hoso-client gets its exit code from its stable code
//! (`ClientError::code`, the same the window receives), never from a map
//! of its own.

use hoso_client::ClientError;
use hoso_client::error::ErrorCode;
use hoso_core::{Bilingual, Problem};

/// An exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok = 0,
    Failure = 1,
    Invalid = 3,
    Unreachable = 4,
    Untrusted = 5,
    NotFound = 6,
    Refused = 7,
    Partial = 8,
}

impl From<ErrorCode> for Code {
    /// The exit code of each kind of failure: a dossier that changed
    /// elsewhere or was sent counts as input to fix (3), a paused sending
    /// as one to try again (4).
    fn from(c: ErrorCode) -> Self {
        match c {
            ErrorCode::Invalid | ErrorCode::Conflict => Code::Invalid,
            ErrorCode::Network | ErrorCode::Paused => Code::Unreachable,
            ErrorCode::Untrusted => Code::Untrusted,
            ErrorCode::NotFound => Code::NotFound,
            ErrorCode::Portal => Code::Refused,
            ErrorCode::Storage | ErrorCode::Internal => Code::Failure,
        }
    }
}

impl From<Code> for std::process::ExitCode {
    fn from(c: Code) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// The language messages are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// `--lang` when given, else the locale (`LC_ALL`, `LC_MESSAGES`,
    /// `LANG`): Vietnamese for `vi…`, English otherwise.
    pub fn choose(flag: Option<&str>) -> Self {
        Self::choose_or(flag, Lang::En)
    }

    /// `--lang` when given, else the locale when it is Vietnamese or
    /// English, else `default` (for a document whose own language is
    /// Vietnamese, like the receipt form: an unset, `C` or other locale
    /// keeps it Vietnamese).
    pub fn choose_or(flag: Option<&str>, default: Lang) -> Self {
        let locale = flag.map(str::to_owned).or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.is_empty())
        });
        match locale.map(|l| l.to_ascii_lowercase()) {
            Some(l) if l.starts_with("vi") => Lang::Vi,
            Some(l) if l.starts_with("en") => Lang::En,
            // A flag names the language asked for: anything but vi is English.
            Some(_) if flag.is_some() => Lang::En,
            _ => default,
        }
    }

    /// The text of `b` in this language.
    pub fn pick(self, b: &Bilingual) -> &str {
        match self {
            Lang::Vi => &b.vi,
            Lang::En => &b.en,
        }
    }
}

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// From hoso-client.
    Client(ClientError),
    /// Anything else, with its code.
    Other(Code, Bilingual),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure::Client(e)
    }
}

impl Failure {
    /// A failure of `code` told in both languages.
    pub fn new(code: Code, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Failure::Other(code, Bilingual::new(vi, en))
    }

    /// Its exit code.
    pub fn code(&self) -> Code {
        match self {
            Failure::Other(c, _) => *c,
            Failure::Client(e) => e.code().into(),
        }
    }

    /// What to print first: what happened, without the problems.
    pub fn headline(&self, lang: Lang) -> String {
        match self {
            Failure::Other(_, m) => lang.pick(m).to_owned(),
            // The portal asks to sign in again: say with what.
            Failure::Client(ClientError::Portal(p)) if p.code == "unauthorized" => format!(
                "{} {}",
                lang.pick(&p.message),
                lang.pick(&Bilingual::new(
                    "Đăng nhập bằng `hoso portals sign-in CỔNG` (CỔNG: số hoặc địa chỉ trong `hoso portals list`).",
                    "Sign in with `hoso portals sign-in PORTAL` (PORTAL: its id or address in `hoso portals list`).",
                ))
            ),
            Failure::Client(e) => lang.pick(&e.message()).to_owned(),
        }
    }

    /// The problems it names, one per field or document: found here, or
    /// by the portal when it refused the dossier.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Failure::Client(ClientError::Invalid(p) | ClientError::Refused(p)) => p,
            Failure::Client(ClientError::Portal(details)) => &details.problems,
            _ => &[],
        }
    }

    /// What to print, with each problem on its own line (a lone problem
    /// that says just what the headline says is not said twice).
    pub fn text(&self, lang: Lang) -> String {
        let mut out = self.headline(lang);
        if let [only] = self.problems()
            && lang.pick(&only.message) == out
        {
            return out;
        }
        for p in self.problems() {
            out.push_str(&format!("\n  - {}: {}", p.path, lang.pick(&p.message)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_chooses_the_language_and_the_flag_wins() {
        assert_eq!(Lang::choose(Some("vi")), Lang::Vi);
        assert_eq!(Lang::choose(Some("vi_VN.UTF-8")), Lang::Vi);
        assert_eq!(Lang::choose(Some("en_GB")), Lang::En);
        assert_eq!(Lang::choose(Some("fr")), Lang::En);
        assert_eq!(Lang::choose_or(Some("en"), Lang::Vi), Lang::En);
        assert_eq!(Lang::choose_or(Some("vi"), Lang::En), Lang::Vi);
    }

    #[test]
    fn errors_map_to_stable_codes() {
        let code = |e: ClientError| Failure::from(e).code() as u8;
        assert_eq!(code(ClientError::Invalid(vec![])), 3);
        assert_eq!(code(ClientError::Network("x".into())), 4);
        assert_eq!(
            code(ClientError::KeyChanged {
                pinned: "a".into(),
                presented: "b".into()
            }),
            5
        );
        assert_eq!(code(ClientError::NotFound("x".into())), 6);
        assert_eq!(code(ClientError::Protocol("x".into())), 1);
        assert_eq!(code(ClientError::NotEditable), 3);
        assert_eq!(code(ClientError::Paused), 4);
        assert_eq!(code(ClientError::DiskFull("x".into())), 1);
        assert_eq!(
            code(ClientError::Portal(
                serde_json::from_value(serde_json::json!({
                    "status": 403, "code": "forbidden",
                    "message": {"vi": "Không được phép.", "en": "Forbidden."}
                }))
                .expect("problem details")
            )),
            7
        );
    }
}
