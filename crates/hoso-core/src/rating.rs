//! The applicant's satisfaction with a completed dossier, on the five
//! steps from "very dissatisfied" to "very satisfied" that the
//! satisfaction index of Decision 766/QĐ-TTg counts: which dossiers may be
//! rated, what a rating may hold, and the words of each step. The portal
//! keeps the latest rating of each dossier and judges it with [`judge`];
//! the app and the command line refuse a value the portal would refuse
//! with [`check`] before sending it.

use crate::bilingual::{en_number, vi_number};
use crate::status::Status;
use crate::{Bilingual, Problem, ProblemCode};

/// Longest comment beside a rating, in characters after normalisation.
pub const COMMENT_MAX_CHARS: usize = 1000;

/// The states in which a dossier may be rated: once its result was handed
/// over, so that the rating judges the whole service.
pub const RATEABLE: [Status; 1] = [Status::Completed];

/// Whether a dossier in `status` may be rated: one of [`RATEABLE`].
pub fn may_rate(status: Status) -> bool {
    RATEABLE.contains(&status)
}

/// How satisfied the applicant is, from 1 (very dissatisfied) to 5 (very
/// satisfied); no other value exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    /// The lowest step.
    pub const MIN: u8 = 1;
    /// The highest step.
    pub const MAX: u8 = 5;
    /// Every step, from the lowest.
    pub const ALL: [Score; 5] = [Score(1), Score(2), Score(3), Score(4), Score(5)];

    /// The step `n`, or why there is none.
    pub fn new(n: i64) -> Result<Score, RatingError> {
        u8::try_from(n)
            .ok()
            .filter(|n| (Self::MIN..=Self::MAX).contains(n))
            .map(Score)
            .ok_or(RatingError::OutOfRange(n))
    }

    /// Its number, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// What people read.
    pub fn label(self) -> Bilingual {
        let (vi, en) = match self.0 {
            1 => ("Rất không hài lòng", "Very dissatisfied"),
            2 => ("Không hài lòng", "Dissatisfied"),
            3 => ("Bình thường", "Neither satisfied nor dissatisfied"),
            4 => ("Hài lòng", "Satisfied"),
            _ => ("Rất hài lòng", "Very satisfied"),
        };
        Bilingual::new(vi, en)
    }
}

/// A rating fit to keep: its step and its comment, normalised (empty when
/// none was given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// How satisfied.
    pub score: Score,
    /// The comment as it is to be kept.
    pub comment: String,
}

/// Why a rating was refused. Its text is [`RatingError::message`],
/// Vietnamese then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum RatingError {
    /// The dossier is not completed (see [`RATEABLE`]).
    NotCompleted(Status),
    /// A number outside 1 to 5.
    OutOfRange(i64),
    /// A comment longer than [`COMMENT_MAX_CHARS`].
    CommentTooLong(usize),
    /// A control or invisible character inside the comment, which would be
    /// kept without anyone seeing it (see [`crate::length::find_hidden`]).
    HiddenCharacter {
        /// The character, as `U+200B`.
        code_point: String,
        /// Its position in the normalised comment, in characters from 1.
        position: usize,
    },
}

impl RatingError {
    /// What people read: what is wrong and what to do.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::NotCompleted(status) => Bilingual::new(
                format!(
                    "hồ sơ đang ở trạng thái “{}”; chỉ đánh giá được khi hồ sơ đã ở trạng thái “{}”",
                    status.label().vi,
                    Status::Completed.label().vi
                ),
                format!(
                    "the dossier is “{}”; a dossier can be rated only once it is “{}”",
                    status.label().en,
                    Status::Completed.label().en
                ),
            ),
            Self::OutOfRange(n) => Bilingual::new(
                format!(
                    "không có mức đánh giá {n}; hãy chọn từ {} ({}) đến {} ({})",
                    Score::MIN,
                    Score(Score::MIN).label().vi.to_lowercase(),
                    Score::MAX,
                    Score(Score::MAX).label().vi.to_lowercase()
                ),
                format!(
                    "there is no rating {n}; choose from {} ({}) to {} ({})",
                    Score::MIN,
                    Score(Score::MIN).label().en.to_lowercase(),
                    Score::MAX,
                    Score(Score::MAX).label().en.to_lowercase()
                ),
            ),
            Self::CommentTooLong(chars) => {
                let (n, max) = (*chars as u64, COMMENT_MAX_CHARS as u64);
                Bilingual::new(
                    format!(
                        "nhận xét dài {}/{} ký tự — hãy rút gọn",
                        vi_number(n),
                        vi_number(max)
                    ),
                    format!(
                        "the comment is {}/{} characters — shorten it",
                        en_number(n),
                        en_number(max)
                    ),
                )
            }
            Self::HiddenCharacter {
                code_point,
                position,
            } => Bilingual::new(
                format!(
                    "nhận xét có ký tự ẩn {code_point} ở vị trí {position} — hãy xoá ký tự này"
                ),
                format!(
                    "the comment holds the hidden character {code_point} at position {position} — remove it"
                ),
            ),
        }
    }

    /// The field a refused value is in (`rating` or `comment`); none when
    /// the dossier's state is what refuses it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NotCompleted(_) => None,
            Self::OutOfRange(_) => Some("rating"),
            Self::CommentTooLong(_) | Self::HiddenCharacter { .. } => Some("comment"),
        }
    }

    /// The refusal as a problem of its field, as the window and the
    /// command line show a field's problems (a refusal of the state has
    /// the empty path).
    pub fn problem(&self) -> Problem {
        let code = match self {
            Self::NotCompleted(_) => ProblemCode::Invalid,
            Self::OutOfRange(_) => ProblemCode::OutOfRange,
            Self::CommentTooLong(_) => ProblemCode::TooLong,
            Self::HiddenCharacter { .. } => ProblemCode::HiddenCharacter,
        };
        Problem {
            path: self.field().unwrap_or_default().to_owned(),
            code,
            message: sentence(self.message()),
        }
    }
}

/// `m`'s sides as sentences: a capital first, a full stop last.
fn sentence(m: Bilingual) -> Bilingual {
    let one = |text: String| {
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => text,
        }
    };
    Bilingual::new(one(m.vi), one(m.en))
}

/// Judges a rating `rating` with `comment`, whatever the dossier's state:
/// the step, and the comment as it is to be kept (normalised like every
/// value: NFC, trimmed; at most [`COMMENT_MAX_CHARS`] characters, with no
/// control or invisible character inside), or why it is refused.
pub fn check(rating: i64, comment: &str) -> Result<Judged, RatingError> {
    let score = Score::new(rating)?;
    let comment = crate::length::normalize(comment);
    let chars = comment.chars().count();
    if chars > COMMENT_MAX_CHARS {
        return Err(RatingError::CommentTooLong(chars));
    }
    if let Some(hidden) = crate::length::find_hidden(&comment) {
        return Err(RatingError::HiddenCharacter {
            code_point: hidden.code_point(),
            position: hidden.position,
        });
    }
    Ok(Judged { score, comment })
}

/// Judges the applicant's rating of a dossier in `status`: refused unless
/// the dossier may be rated ([`may_rate`]), else as [`check`] judges it.
/// Rating again is allowed: the latest rating replaces the earlier one.
pub fn judge(status: Status, rating: i64, comment: &str) -> Result<Judged, RatingError> {
    if !may_rate(status) {
        return Err(RatingError::NotCompleted(status));
    }
    check(rating, comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_completed_dossier_is_rated() {
        for s in Status::ALL {
            let judged = judge(s, 4, "");
            if s == Status::Completed {
                assert_eq!(
                    judged,
                    Ok(Judged {
                        score: Score(4),
                        comment: String::new()
                    })
                );
            } else {
                assert_eq!(judged, Err(RatingError::NotCompleted(s)), "{s}");
            }
        }
        let refused = judge(Status::ResultReady, 5, "").expect_err("refused");
        let m = refused.message();
        assert!(m.vi.contains("“Đã có kết quả”"), "{m}");
        assert!(m.vi.contains("“Đã trả kết quả”"), "{m}");
        assert!(m.en.contains("“Result ready”"), "{m}");
        assert!(m.en.contains("“Completed”"), "{m}");
        assert_eq!(refused.field(), None);
    }

    #[test]
    fn a_rating_is_one_of_five_steps_each_named_in_both_languages() {
        for n in [i64::MIN, -1, 0, 6, 255, 256, i64::MAX] {
            assert_eq!(Score::new(n), Err(RatingError::OutOfRange(n)), "{n}");
        }
        for (i, s) in Score::ALL.iter().enumerate() {
            assert_eq!(Score::new(i as i64 + 1), Ok(*s));
            assert_eq!(usize::from(s.get()), i + 1);
            let label = s.label();
            assert!(!label.vi.is_empty() && label.vi != label.en, "{label}");
        }
        assert_eq!(Score(1).label().vi, "Rất không hài lòng");
        assert_eq!(Score(5).label().vi, "Rất hài lòng");
        let out = check(0, "").expect_err("out of range");
        assert_eq!(out.field(), Some("rating"));
        assert_eq!(out.problem().code, ProblemCode::OutOfRange);
        assert_eq!(
            out.problem().message.en,
            "There is no rating 0; choose from 1 (very dissatisfied) to 5 (very satisfied)."
        );
        assert!(
            out.message()
                .vi
                .contains("từ 1 (rất không hài lòng) đến 5 (rất hài lòng)")
        );
    }

    #[test]
    fn a_comment_is_optional_normalised_and_bounded() {
        assert_eq!(check(3, "  \u{200b} ").expect("no comment").comment, "");
        assert_eq!(
            check(3, "  Cán bộ hướng dẫn tận tình.\u{200b} ")
                .expect("comment")
                .comment,
            "Cán bộ hướng dẫn tận tình."
        );
        // NFC: a decomposed letter is kept composed.
        assert_eq!(
            check(3, "Nhanh cho\u{301}ng").expect("nfc").comment,
            "Nhanh chóng"
        );
        let fits = "ư".repeat(COMMENT_MAX_CHARS);
        assert_eq!(check(5, &fits).expect("fits").comment, fits);
        let long = check(5, &"ư".repeat(COMMENT_MAX_CHARS + 1)).expect_err("long");
        assert_eq!(long, RatingError::CommentTooLong(COMMENT_MAX_CHARS + 1));
        assert_eq!(long.problem().path, "comment");
        assert!(long.message().vi.contains("1.001/1.000"), "{long}");
        assert!(long.message().en.contains("1,001/1,000"), "{long}");
    }

    #[test]
    fn a_comment_with_a_hidden_character_inside_is_refused_naming_it() {
        assert_eq!(
            check(2, "Chờ\u{200b} lâu"),
            Err(RatingError::HiddenCharacter {
                code_point: "U+200B".into(),
                position: 4
            })
        );
        let bell = check(2, "Chờ lâu\u{7}quá").expect_err("refused");
        assert!(bell.to_string().contains("U+0007"), "{bell}");
        assert_eq!(bell.problem().code, ProblemCode::HiddenCharacter);
        // Line ends are text.
        assert_eq!(
            check(4, "Nhanh.\nĐúng hẹn.").expect("lines").comment,
            "Nhanh.\nĐúng hẹn."
        );
    }
}
