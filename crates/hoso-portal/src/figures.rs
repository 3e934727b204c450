//! The figures an agency's officers' console shows: dossiers counted by
//! month of receipt, procedure or receiving desk, resolved early, on time
//! or late by HoSo's working-day calendar, what is pending and overdue
//! today, fees and ratings; the indices of Decision 766/QĐ-TTg (2022)
//! those counts allow; the rows as CSV and as an SVG bar chart.
//!
//! Pure: cases in, plain structs and text out. Reading the cases from the
//! records and serving the page are the console's.
//!
//! Decisions:
//! - early, on time and late compare *days* in Viet Nam time: the day of
//!   the result or refusal with the appointment date. A result given on a
//!   day off after the appointment date (a Tết day, a weekend, a
//!   compensatory day off) is late: the appointment day passed without it.
//!   It is late by the working days after the appointment date up to that
//!   day, and by at least one, as `hoso_core::deadline::Deadline` counts a
//!   dossier overdue on the Saturday after a Friday appointment. A make-up
//!   working Saturday is a working day like any other, so it counts;
//! - "overdue now" is what `Deadline` says of the dossier today, so the
//!   console and the app agree: a dossier awaiting a supplement is paused,
//!   never overdue (its appointment date is counted anew from the
//!   supplement's receipt);
//! - the indices follow the Decision as far as its public text could be
//!   found; every formula, source and assumption is in [`NOTES`], which
//!   the page prints under the figures;
//! - an index whose denominator is 0 is absent, never "0 %".

use chrono::{DateTime, FixedOffset, NaiveDate};
use hoso_core::calendar::{Calendar, VIETNAM_TIME};
use hoso_core::deadline::Deadline;
use hoso_core::status::Status;
use hoso_core::{DossierCode, ProcedureCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One dossier as the figures count it, read from the records by the
/// console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The dossier's code, as on its receipt (not counted; it names the
    /// case when someone checks a figure).
    pub code: DossierCode,
    /// The procedure it was filed under.
    pub procedure: ProcedureCode,
    /// The desk or area that received it, as officers name it.
    pub desk: String,
    /// When it was received (the receipt's time, +07:00).
    pub received_at: DateTime<FixedOffset>,
    /// Filed online (true) or handed in at the desk (false).
    pub online: bool,
    /// The appointment date in force: the receipt's, or the last
    /// supplement receipt's, which counts the processing time anew. It is
    /// already a working day, counted by the calendar.
    pub appointment_date: NaiveDate,
    /// Its state now.
    pub status: Status,
    /// The first time it reached `result_ready` or `rejected`; `None` while
    /// it did not.
    pub resolved_at: Option<DateTime<FixedOffset>>,
    /// How many times the agency asked for a supplement.
    pub supplements_asked: u32,
    /// The fee asked, in đồng (0: none).
    pub fee_vnd: u64,
    /// What was paid of it, net of refunds, in đồng.
    pub fee_collected_vnd: u64,
    /// The fee was paid by bank transfer (VietQR) rather than at the desk.
    pub paid_online: bool,
    /// The applicant's satisfaction after completion, 1 (worst) to 5
    /// (best); `None` when not given. A value outside 1..=5 is not counted.
    pub rating: Option<u8>,
}

/// Where a case stands as of a day: the one class each case falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Standing {
    /// Resolved on a day before its appointment date.
    ResolvedEarly,
    /// Resolved on its appointment date.
    ResolvedOnTime,
    /// Resolved after its appointment date.
    ResolvedLate {
        /// Working days after the appointment date up to the day it was
        /// resolved; at least 1 (see the module's decisions).
        working_days: u32,
    },
    /// Not resolved; its appointment date has not passed, or its deadline
    /// is paused while the agency awaits a first supplement.
    PendingInTime,
    /// Not resolved, and its appointment date has passed.
    PendingOverdue,
    /// Awaiting a supplement the agency asked for more than once: paused
    /// (not overdue now), but late for the progress index, as the national
    /// portal counts it (see [`NOTES`]).
    AwaitingRepeatSupplement,
    /// The applicant withdrew it before it was resolved.
    Withdrawn,
    /// Its state says it was resolved (`result_ready`, `rejected` or
    /// `completed`) but no time of resolution is recorded: it cannot be
    /// judged early or late. Counted so that the classes add up to what
    /// was received, and a gap in the records shows.
    ResolutionUnrecorded,
}

impl Standing {
    /// Whether it is still being dealt with (the row's `pending_now`).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Self::PendingInTime | Self::PendingOverdue | Self::AwaitingRepeatSupplement
        )
    }

    /// Whether it counts against the agency's timeliness: resolved late,
    /// overdue now, or awaiting a repeated supplement.
    pub fn is_late(self) -> bool {
        matches!(
            self,
            Self::ResolvedLate { .. } | Self::PendingOverdue | Self::AwaitingRepeatSupplement
        )
    }

    /// Whether the progress and satisfaction indices count it: resolved
    /// on a known day, or pending; not withdrawn, nor resolved on a day
    /// not recorded.
    pub fn is_judged(self) -> bool {
        !matches!(self, Self::Withdrawn | Self::ResolutionUnrecorded)
    }
}

/// Where `case` stands on `today`, by `calendar`.
pub fn standing(case: &Case, calendar: &Calendar, today: NaiveDate) -> Standing {
    if let Some(at) = case.resolved_at {
        let day = at.with_timezone(&VIETNAM_TIME).date_naive();
        let due = case.appointment_date;
        return if day < due {
            Standing::ResolvedEarly
        } else if day == due {
            Standing::ResolvedOnTime
        } else {
            Standing::ResolvedLate {
                working_days: calendar.working_days_between(due, day).max(1),
            }
        };
    }
    match case.status {
        Status::Withdrawn => Standing::Withdrawn,
        Status::ResultReady | Status::Rejected | Status::Completed => {
            Standing::ResolutionUnrecorded
        }
        Status::SupplementRequested if case.supplements_asked > 1 => {
            Standing::AwaitingRepeatSupplement
        }
        status => match Deadline::of(calendar, status, case.appointment_date, today) {
            Deadline::Overdue { .. } => Standing::PendingOverdue,
            _ => Standing::PendingInTime,
        },
    }
}

/// The lowest rating that is not "dissatisfied": 1 and 2 out of 5 are
/// (an assumption, see [`NOTES`]).
pub const SATISFIED_FROM_RATING: u8 = 3;

/// How cases are grouped into rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// By month of receipt in Viet Nam time, `YYYY-MM`, oldest first.
    #[default]
    Month,
    /// By procedure code, in code order.
    Procedure,
    /// By receiving desk, in name order.
    Desk,
    /// One row for all cases.
    Total,
}

impl Grouping {
    /// The group `case` belongs to: its month, procedure code or desk;
    /// empty for the total.
    pub fn group_of(self, case: &Case) -> String {
        match self {
            Self::Month => case
                .received_at
                .with_timezone(&VIETNAM_TIME)
                .format("%Y-%m")
                .to_string(),
            Self::Procedure => case.procedure.as_str().to_owned(),
            Self::Desk => case.desk.clone(),
            Self::Total => String::new(),
        }
    }

    /// What a row's group is called on the page: the group itself, or
    /// "Tổng cộng" / "Total" for the total.
    pub fn label(self, group: &str, lang: Lang) -> String {
        match self {
            Self::Total => text::TOTAL.get(lang).to_owned(),
            _ => group.to_owned(),
        }
    }

    /// What the groups are, as a column heading or axis title.
    fn title(self) -> Text {
        match self {
            Self::Month => text::BY_MONTH,
            Self::Procedure => text::BY_PROCEDURE,
            Self::Desk => text::BY_DESK,
            Self::Total => text::ALL,
        }
    }
}

pub use crate::console::Lang;

/// The figures of one group of cases. Every count is of cases, except
/// where it says otherwise. The classes add up:
/// `received = resolved_early + resolved_on_time + resolved_late +
/// pending_now + withdrawn + resolution_unrecorded`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The month (`YYYY-MM`), procedure code or desk; empty for the total.
    /// The console may replace a procedure code by its name before
    /// drawing: [`csv`] and [`bar_chart`] escape whatever it holds.
    pub group: String,
    /// Cases received.
    pub received: u64,
    /// Of them, filed online.
    pub online: u64,
    /// Resolved on a day before the appointment date.
    pub resolved_early: u64,
    /// Resolved on the appointment date.
    pub resolved_on_time: u64,
    /// Resolved after the appointment date.
    pub resolved_late: u64,
    /// Working days late, summed over the cases resolved late.
    pub working_days_late: u64,
    /// Supplements asked, summed over the cases (not a count of cases).
    pub supplements_asked: u64,
    /// Not resolved, not withdrawn: still being dealt with today.
    pub pending_now: u64,
    /// Of those pending, past their appointment date today (a case
    /// awaiting a supplement is paused, never overdue).
    pub overdue_now: u64,
    /// Of those pending, awaiting a supplement asked more than once.
    pub awaiting_repeat_supplement: u64,
    /// Withdrawn by the applicant before being resolved.
    pub withdrawn: u64,
    /// Resolved by their state, with no time of resolution recorded.
    pub resolution_unrecorded: u64,
    /// Fees collected, net of refunds, in đồng (a sum, not a count).
    pub fees_collected_vnd: u64,
    /// Cases a fee was asked for.
    pub with_fee: u64,
    /// Of those, paid by transfer (VietQR).
    pub paid_online: u64,
    /// Cases rated 1 to 5.
    pub rated: u64,
    /// Their ratings, summed.
    pub rating_sum: u64,
    /// Of those rated, rated below [`SATISFIED_FROM_RATING`].
    pub rated_dissatisfied: u64,
    /// Cases judged ([`Standing::is_judged`]) and late
    /// ([`Standing::is_late`]) or rated dissatisfied, each counted once:
    /// what the satisfaction index subtracts.
    pub late_or_dissatisfied: u64,
}

impl Row {
    fn new(group: String) -> Self {
        Self {
            group,
            ..Self::default()
        }
    }

    fn add(&mut self, case: &Case, standing: Standing) {
        self.received += 1;
        self.online += u64::from(case.online);
        match standing {
            Standing::ResolvedEarly => self.resolved_early += 1,
            Standing::ResolvedOnTime => self.resolved_on_time += 1,
            Standing::ResolvedLate { working_days } => {
                self.resolved_late += 1;
                self.working_days_late += u64::from(working_days);
            }
            Standing::PendingInTime => {}
            Standing::PendingOverdue => self.overdue_now += 1,
            Standing::AwaitingRepeatSupplement => self.awaiting_repeat_supplement += 1,
            Standing::Withdrawn => self.withdrawn += 1,
            Standing::ResolutionUnrecorded => self.resolution_unrecorded += 1,
        }
        self.pending_now += u64::from(standing.is_pending());
        self.supplements_asked += u64::from(case.supplements_asked);
        self.fees_collected_vnd = self
            .fees_collected_vnd
            .saturating_add(case.fee_collected_vnd);
        if case.fee_vnd > 0 {
            self.with_fee += 1;
            self.paid_online += u64::from(case.paid_online);
        }
        let rating = case.rating.filter(|r| (1..=5).contains(r));
        let dissatisfied = rating.is_some_and(|r| r < SATISFIED_FROM_RATING);
        if let Some(r) = rating {
            self.rated += 1;
            self.rating_sum += u64::from(r);
            self.rated_dissatisfied += u64::from(dissatisfied);
        }
        self.late_or_dissatisfied +=
            u64::from(standing.is_judged() && (standing.is_late() || dissatisfied));
    }

    /// The average rating, 1 to 5; `None` when nobody rated.
    pub fn average_rating(&self) -> Option<f64> {
        ratio(self.rating_sum, self.rated)
    }

    /// The average lateness of the cases resolved late, in working days;
    /// `None` when none was.
    pub fn average_working_days_late(&self) -> Option<f64> {
        ratio(self.working_days_late, self.resolved_late)
    }

    /// The indices of Decision 766 these figures allow.
    pub fn indices(&self) -> Indices {
        Indices::of(self)
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn percent(numerator: u64, denominator: u64) -> Option<f64> {
    ratio(numerator, denominator).map(|r| r * 100.0)
}

/// The rows of `cases` grouped by `grouping`, as of `today`: one per
/// group in the group's order; for [`Grouping::Total`] always one row,
/// of zeros when there is no case.
pub fn rows(cases: &[Case], grouping: Grouping, calendar: &Calendar, today: NaiveDate) -> Vec<Row> {
    let mut groups: BTreeMap<String, Row> = BTreeMap::new();
    if grouping == Grouping::Total {
        groups.insert(String::new(), Row::new(String::new()));
    }
    for case in cases {
        let group = grouping.group_of(case);
        groups
            .entry(group.clone())
            .or_insert_with(|| Row::new(group))
            .add(case, standing(case, calendar, today));
    }
    groups.into_values().collect()
}

/// Points earned by an index, out of its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Points {
    /// Points earned.
    pub earned: f64,
    /// The most it can earn.
    pub out_of: f64,
}

/// The points of the processing progress group (assumption: all from its
/// on-time share, linearly; see [`NOTES`]).
pub const PROGRESS_POINTS: f64 = 20.0;

/// The online-filing share from which its sub-index earns full points.
pub const ONLINE_FULL_FROM_PERCENT: f64 = 50.0;

/// The most points of the satisfaction group's sub-index on dossiers.
pub const SATISFACTION_POINTS: f64 = 6.0;

/// The satisfaction share from which that sub-index earns full points.
pub const SATISFACTION_FULL_FROM_PERCENT: f64 = 90.0;

/// Processing progress ("tiến độ giải quyết"): the share of dossiers dealt
/// with in time, resolved or still pending.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProgressIndex {
    /// Resolved early or on time.
    pub resolved_in_time: u64,
    /// Pending and not overdue, nor awaiting a repeated supplement.
    pub pending_in_time: u64,
    /// Resolved late.
    pub resolved_late: u64,
    /// Pending and overdue now.
    pub overdue_now: u64,
    /// Awaiting a supplement asked more than once.
    pub awaiting_repeat_supplement: u64,
    /// All of the above: the denominator.
    pub counted: u64,
    /// `(resolved_in_time + pending_in_time) / counted`, in %.
    pub percent: f64,
    /// Out of [`PROGRESS_POINTS`].
    pub points: Points,
}

/// Online services ("dịch vụ trực tuyến"): the share of dossiers filed
/// online.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OnlineIndex {
    /// Filed online.
    pub online: u64,
    /// Received: the denominator.
    pub received: u64,
    /// `online / received`, in %.
    pub percent: f64,
    /// The share of its sub-index's points earned, in %: full from
    /// [`ONLINE_FULL_FROM_PERCENT`], proportional below.
    pub attainment_percent: f64,
}

/// Online payment ("thanh toán trực tuyến"): the share of dossiers with a
/// fee whose fee was paid by transfer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaymentIndex {
    /// Paid by transfer (VietQR).
    pub paid_online: u64,
    /// Asked a fee, paid or not: the denominator.
    pub with_fee: u64,
    /// `paid_online / with_fee`, in %.
    pub percent: f64,
}

/// Satisfaction with receiving and resolving dossiers ("tỷ lệ hài lòng
/// trong tiếp nhận, giải quyết TTHC").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionIndex {
    /// Late or rated dissatisfied, each counted once.
    pub late_or_dissatisfied: u64,
    /// Received and not withdrawn (nor with an unrecorded resolution):
    /// the denominator.
    pub counted: u64,
    /// `(counted − late_or_dissatisfied) / counted`, in %.
    pub percent: f64,
    /// Out of [`SATISFACTION_POINTS`]: full from
    /// [`SATISFACTION_FULL_FROM_PERCENT`], proportional below.
    pub points: Points,
    /// Cases rated.
    pub rated: u64,
    /// The average rating of those rated.
    pub average_rating: Option<f64>,
}

/// The indices of Decision 766 a row allows; each absent when there is
/// nothing to count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Indices {
    /// Processing progress.
    pub progress: Option<ProgressIndex>,
    /// Online filing.
    pub online: Option<OnlineIndex>,
    /// Online payment.
    pub payment: Option<PaymentIndex>,
    /// Satisfaction.
    pub satisfaction: Option<SatisfactionIndex>,
}

impl Indices {
    /// The indices of `row`.
    pub fn of(row: &Row) -> Self {
        let resolved_in_time = row.resolved_early + row.resolved_on_time;
        // Saturating: a row is plain data, and one made by hand may not
        // add up.
        let pending_in_time = row
            .pending_now
            .saturating_sub(row.overdue_now + row.awaiting_repeat_supplement);
        let counted = resolved_in_time
            + pending_in_time
            + row.resolved_late
            + row.overdue_now
            + row.awaiting_repeat_supplement;
        let progress =
            percent(resolved_in_time + pending_in_time, counted).map(|p| ProgressIndex {
                resolved_in_time,
                pending_in_time,
                resolved_late: row.resolved_late,
                overdue_now: row.overdue_now,
                awaiting_repeat_supplement: row.awaiting_repeat_supplement,
                counted,
                percent: p,
                points: Points {
                    earned: p / 100.0 * PROGRESS_POINTS,
                    out_of: PROGRESS_POINTS,
                },
            });
        let online = percent(row.online, row.received).map(|p| OnlineIndex {
            online: row.online,
            received: row.received,
            percent: p,
            attainment_percent: (p / ONLINE_FULL_FROM_PERCENT).min(1.0) * 100.0,
        });
        let payment = percent(row.paid_online, row.with_fee).map(|p| PaymentIndex {
            paid_online: row.paid_online,
            with_fee: row.with_fee,
            percent: p,
        });
        let satisfied = counted.saturating_sub(row.late_or_dissatisfied);
        let satisfaction = percent(satisfied, counted).map(|p| SatisfactionIndex {
            late_or_dissatisfied: row.late_or_dissatisfied,
            counted,
            percent: p,
            points: Points {
                earned: (p / SATISFACTION_FULL_FROM_PERCENT).min(1.0) * SATISFACTION_POINTS,
                out_of: SATISFACTION_POINTS,
            },
            rated: row.rated,
            average_rating: row.average_rating(),
        });
        Self {
            progress,
            online,
            payment,
            satisfaction,
        }
    }
}

/// A note printed under the figures, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// Vietnamese.
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
}

impl Note {
    /// The note in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }
}

/// What the figures mean, where the indices come from and what in them is
/// an assumption: the page prints these under the figures.
pub const NOTES: [Note; 7] = [
    Note {
        vi: "Nguồn: Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong thực hiện thủ tục hành chính, dịch vụ công theo thời gian thực trên môi trường điện tử, phê duyệt tại Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ. Bộ chỉ số có 5 nhóm: công khai, minh bạch (18 điểm); tiến độ, kết quả giải quyết (20 điểm); số hóa hồ sơ (22 điểm); cung cấp dịch vụ trực tuyến (22 điểm); mức độ hài lòng (18 điểm). Chưa đối chiếu được nguyên văn phụ lục của Quyết định: điểm các nhóm theo các bản tóm tắt đã công bố; công thức theo nội dung Quyết định được báo chí trích dẫn và theo một bản mô tả cách tính chỉ số 766 được công bố công khai. Phần giả định được ghi rõ dưới đây.",
        en: "Source: the set of indices for directing, managing and assessing the quality of service to citizens and businesses in administrative procedures and public services, in real time and online, approved by the Prime Minister's Decision 766/QĐ-TTg of 23 June 2022. It has five groups: publicity and transparency (18 points); processing progress and results (20); digitisation of dossiers (22); online services (22); satisfaction (18). The annex of the Decision itself could not be checked: the groups' points are as published summaries give them; the formulas as the press quotes the Decision and as a publicly circulated description of how the 766 indices are computed gives them. What is an assumption is said below.",
    },
    Note {
        vi: "Trước hạn, đúng hạn, trễ hạn: so ngày có kết quả hoặc từ chối (giờ Việt Nam) với ngày hẹn trả. Có kết quả vào ngày nghỉ (Tết, cuối tuần, ngày nghỉ bù) sau ngày hẹn trả là trễ hạn, ít nhất 1 ngày làm việc; số ngày trễ là số ngày làm việc sau ngày hẹn trả đến ngày có kết quả theo lịch ngày nghỉ của HoSo, nên ngày thứ Bảy làm bù được tính. Quá hạn hiện tại: đang giải quyết và đã qua ngày hẹn trả; hồ sơ chờ bổ sung thì tạm dừng tính hạn. Tháng là tháng tiếp nhận theo giờ Việt Nam.",
        en: "Early, on time, late: the day of the result or refusal (Viet Nam time) compared with the appointment date. A result given on a day off (Tết, a weekend, a compensatory day off) after the appointment date is late, by at least 1 working day; working days late are those after the appointment date up to the result's day in HoSo's holiday calendar, so a make-up working Saturday counts. Overdue now: pending and past the appointment date; a dossier awaiting a supplement has its deadline paused. Months are months of receipt in Viet Nam time.",
    },
    Note {
        vi: "Tiến độ giải quyết = (hồ sơ đã giải quyết trước hạn, đúng hạn + hồ sơ đang giải quyết chưa quá hạn) / (hồ sơ đã giải quyết + hồ sơ đang giải quyết) × 100%. Hồ sơ đang chờ bổ sung không tính là quá hạn, trừ khi đã bị yêu cầu bổ sung hơn một lần: khi đó tính là trễ hạn, như bản mô tả cách tính nêu. Hồ sơ đã rút không tính. Giả định: điểm = tỷ lệ × 20 điểm (tỷ lệ thuận, đủ điểm khi đạt 100%).",
        en: "Processing progress = (dossiers resolved early or on time + dossiers pending and not overdue) / (dossiers resolved + dossiers pending) × 100%. A dossier awaiting a supplement is not overdue, unless a supplement was asked more than once: then it counts as late, as the description of the computation says. Withdrawn dossiers are not counted. Assumption: points = share × 20 (proportional, full points at 100%).",
    },
    Note {
        vi: "Dịch vụ trực tuyến = hồ sơ nộp trực tuyến / hồ sơ tiếp nhận × 100%; đạt từ 50% trở lên thì đủ điểm, dưới 50% thì điểm theo tỷ lệ (theo bản mô tả cách tính). Chưa xét điều kiện cấp kết quả điện tử đối với thủ tục trả kết quả bằng giấy. Chưa rõ điểm tối đa của chỉ số thành phần này trong 22 điểm của nhóm nên chỉ ghi mức đạt so với điểm tối đa.",
        en: "Online services = dossiers filed online / dossiers received × 100%; full points from 50%, proportional below (per the description of the computation). Not checked: that a procedure whose result is a paper document also gave an electronic result. This sub-index's share of its group's 22 points is unknown, so only the share of its maximum earned is given.",
    },
    Note {
        vi: "Thanh toán trực tuyến = hồ sơ có phí, lệ phí được thanh toán trực tuyến (chuyển khoản VietQR) / hồ sơ có phí, lệ phí × 100%, kể cả hồ sơ chưa nộp phí; phí đã hoàn vẫn tính là đã thanh toán trực tuyến. Chưa rõ mức đủ điểm nên không tính điểm.",
        en: "Online payment = dossiers with a fee paid online (VietQR transfer) / dossiers with a fee × 100%, unpaid ones included; a fee refunded still counts as paid online. The level for full points is unknown, so no points are given.",
    },
    Note {
        vi: "Mức độ hài lòng trong tiếp nhận, giải quyết = (hồ sơ − hồ sơ trễ hạn, quá hạn hoặc không hài lòng) / hồ sơ × 100%, không tính hồ sơ đã rút; tối đa 6 trong 18 điểm của nhóm, đạt từ 90% trở lên thì đủ điểm, dưới 90% thì điểm = tỷ lệ × 6 / 90%. Giả định: đánh giá 1 hoặc 2 trên thang 5 là không hài lòng. Chưa có dữ liệu phản ánh, kiến nghị nên không trừ hồ sơ có phản ánh, kiến nghị và không tính các chỉ số thành phần về phản ánh, kiến nghị.",
        en: "Satisfaction with receiving and resolving = (dossiers − dossiers late or rated dissatisfied) / dossiers × 100%, withdrawn ones not counted; at most 6 of the group's 18 points, full points from 90%, below that points = share × 6 / 90%. Assumption: a rating of 1 or 2 out of 5 is dissatisfied. Complaints and petitions are not in these figures: dossiers with one are not subtracted, and the sub-indices on them are not computed.",
    },
    Note {
        vi: "Không tính được từ số liệu này: nhóm công khai, minh bạch (công bố, công khai thủ tục, đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia); nhóm số hóa hồ sơ (kết quả điện tử, số hóa thành phần hồ sơ, tái sử dụng dữ liệu); tỷ lệ thủ tục có dịch vụ công trực tuyến; thời gian giải quyết trung bình. Không có gì để tính thì không ghi chỉ số (không ghi 0%).",
        en: "Not computable from these figures: the publicity and transparency group (publishing procedures, syncing dossiers to the National Public Service Portal); the digitisation group (electronic results, digitised documents, reuse of data); the share of procedures offered online; the average processing time. Where there is nothing to count, no index is given (not 0%).",
    },
];

/// The rows as CSV (RFC 4180: CRLF line ends, a cell quoted when it holds
/// a separator, quote or line break), UTF-8 with a byte-order mark so that
/// spreadsheet programs read the Vietnamese right, headings in Vietnamese
/// and English, the total's group named in both. Averages have two
/// decimals after a point. A cell that starts with a formula character
/// gets a leading `'`, as OWASP advises: a desk's name is whatever
/// officers typed.
pub fn csv(grouping: Grouping, rows: &[Row]) -> String {
    let heading = [
        grouping.title(),
        text::RECEIVED,
        text::ONLINE,
        text::EARLY,
        text::ON_TIME,
        text::LATE,
        text::WORKING_DAYS_LATE,
        text::AVERAGE_LATENESS,
        text::SUPPLEMENTS,
        text::PENDING,
        text::OVERDUE_NOW,
        text::AWAITING_REPEAT_SUPPLEMENT,
        text::WITHDRAWN,
        text::RESOLUTION_UNRECORDED,
        text::FEES_COLLECTED,
        text::WITH_FEE,
        text::PAID_ONLINE,
        text::RATED,
        text::RATING_SUM,
        text::AVERAGE_RATING,
        text::DISSATISFIED,
    ]
    .map(|t| t.both());
    let two_decimals = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let lines = std::iter::once(heading.to_vec()).chain(rows.iter().map(|r| {
        let group = match grouping {
            Grouping::Total => text::TOTAL.both(),
            _ => r.group.clone(),
        };
        vec![
            group,
            r.received.to_string(),
            r.online.to_string(),
            r.resolved_early.to_string(),
            r.resolved_on_time.to_string(),
            r.resolved_late.to_string(),
            r.working_days_late.to_string(),
            two_decimals(r.average_working_days_late()),
            r.supplements_asked.to_string(),
            r.pending_now.to_string(),
            r.overdue_now.to_string(),
            r.awaiting_repeat_supplement.to_string(),
            r.withdrawn.to_string(),
            r.resolution_unrecorded.to_string(),
            r.fees_collected_vnd.to_string(),
            r.with_fee.to_string(),
            r.paid_online.to_string(),
            r.rated.to_string(),
            r.rating_sum.to_string(),
            two_decimals(r.average_rating()),
            r.rated_dissatisfied.to_string(),
        ]
    }));
    let mut out = String::from("\u{feff}");
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| quoted(&neutralised(c))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The characters that make a spreadsheet read a cell as a formula (or,
/// for tab and carriage return, let a formula follow them), as OWASP's
/// CSV-injection advice lists them.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet shows as text, never runs: one that starts with a
/// formula character gets a leading `'`.
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as RFC 4180 writes it: in double quotes, its quotes doubled,
/// when it holds a comma, quote, CR or LF; as it is otherwise.
fn quoted(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The chart's size: a fixed view box the page scales.
const CHART_WIDTH: f64 = 800.0;
const CHART_HEIGHT: f64 = 420.0;
const PLOT_LEFT: f64 = 70.0;
const PLOT_RIGHT: f64 = 780.0;
const PLOT_TOP: f64 = 70.0;
const PLOT_BOTTOM: f64 = 340.0;

/// The segments of a bar, bottom to top, with their colours (Okabe and
/// Ito's palette, told apart by people with colour-blindness).
const SEGMENTS: [Segment; 4] = [
    Segment {
        label: text::EARLY,
        colour: "#009E73",
        count: |r| r.resolved_early,
    },
    Segment {
        label: text::ON_TIME,
        colour: "#0072B2",
        count: |r| r.resolved_on_time,
    },
    Segment {
        label: text::LATE,
        colour: "#D55E00",
        count: |r| r.resolved_late,
    },
    Segment {
        label: text::PENDING,
        colour: "#999999",
        count: |r| r.pending_now,
    },
];

/// A part of a bar: what it counts, what it is called, its colour.
struct Segment {
    label: Text,
    colour: &'static str,
    count: fn(&Row) -> u64,
}

/// An SVG bar chart of `rows` grouped by `grouping`, in `lang`: one bar
/// per row (`<g class="bar">`), stacked from the bottom with the cases
/// resolved early, on time and late and those pending (withdrawn ones
/// are not drawn), a `<title>` on each bar naming its group and counts,
/// axes with their titles, and a legend. A fixed view box, no script, no
/// external reference, every text escaped; a label too long for its bar
/// is shortened under it, whole in the bar's title.
pub fn bar_chart(grouping: Grouping, rows: &[Row], lang: Lang) -> String {
    let mut svg = String::new();
    let mut put = |s: String| svg.push_str(&s);
    put(format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" font-family="sans-serif" font-size="12" role="img">"#
    ));
    let title = format!(
        "{} — {}",
        text::CHART_TITLE.get(lang),
        grouping.title().get(lang)
    );
    put(format!("<title>{}</title>", escaped(&title)));
    put(format!(
        r#"<text x="{}" y="24" text-anchor="middle" font-size="16" font-weight="bold">{}</text>"#,
        CHART_WIDTH / 2.0,
        escaped(&title)
    ));
    for (i, Segment { label, colour, .. }) in SEGMENTS.iter().enumerate() {
        let x = PLOT_LEFT + 150.0 * i as f64;
        put(format!(
            r#"<g class="legend"><rect x="{x}" y="40" width="12" height="12" fill="{colour}"/><text x="{}" y="50">{}</text></g>"#,
            x + 18.0,
            escaped(label.get(lang))
        ));
    }
    let tallest = rows
        .iter()
        .map(|r| SEGMENTS.iter().map(|s| (s.count)(r)).sum::<u64>())
        .max()
        .unwrap_or(0);
    let (step, top) = axis_scale(tallest);
    let plot_height = PLOT_BOTTOM - PLOT_TOP;
    let y_of = |v: u64| PLOT_BOTTOM - v as f64 / top as f64 * plot_height;
    let mut tick = 0;
    while tick <= top {
        let y = y_of(tick);
        put(format!(
            r##"<line x1="{PLOT_LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{tick}</text>"##,
            PLOT_LEFT - 6.0,
            y + 4.0
        ));
        tick += step;
    }
    put(format!(
        r#"<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{PLOT_LEFT}" y2="{PLOT_BOTTOM}" stroke="black"/><line x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{PLOT_RIGHT}" y2="{PLOT_BOTTOM}" stroke="black"/>"#
    ));
    let middle = (PLOT_TOP + PLOT_BOTTOM) / 2.0;
    put(format!(
        r#"<text x="20" y="{middle}" text-anchor="middle" transform="rotate(-90 20 {middle})">{}</text>"#,
        escaped(text::DOSSIERS.get(lang))
    ));
    put(format!(
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (PLOT_LEFT + PLOT_RIGHT) / 2.0,
        CHART_HEIGHT - 36.0,
        escaped(grouping.title().get(lang))
    ));
    if rows.is_empty() {
        put(format!(
            r#"<text x="{}" y="{middle}" text-anchor="middle">{}</text>"#,
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            escaped(text::NO_DOSSIERS.get(lang))
        ));
    }
    let slot = (PLOT_RIGHT - PLOT_LEFT) / rows.len().max(1) as f64;
    let bar_width = (slot * 0.6).min(60.0);
    // About 6.5 user units a character at size 11.
    let max_chars = ((slot / 6.5) as usize).max(4);
    for (i, row) in rows.iter().enumerate() {
        let label = grouping.label(&row.group, lang);
        let counts: Vec<String> = SEGMENTS
            .iter()
            .map(|s| format!("{} {}", s.label.get(lang), (s.count)(row)))
            .collect();
        let centre = PLOT_LEFT + slot * (i as f64 + 0.5);
        let x = centre - bar_width / 2.0;
        put(format!(
            r#"<g class="bar"><title>{}: {}</title>"#,
            escaped(&label),
            escaped(&counts.join(", "))
        ));
        let mut base = 0;
        for Segment { colour, count, .. } in SEGMENTS {
            let n = count(row);
            if n > 0 {
                let (y_low, y_high) = (y_of(base), y_of(base + n));
                put(format!(
                    r#"<rect x="{x:.1}" y="{y_high:.1}" width="{bar_width:.1}" height="{:.1}" fill="{colour}"/>"#,
                    y_low - y_high
                ));
            }
            base += n;
        }
        put(format!(
            r#"<text x="{centre:.1}" y="{}" text-anchor="middle" font-size="11">{}</text></g>"#,
            PLOT_BOTTOM + 18.0,
            escaped(&shortened(&label, max_chars))
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The step between the value axis's ticks and its top: steps of 1, 2 or
/// 5 times a power of ten, at most five of them, the top a whole number
/// of steps at or above `tallest` (1 when nothing is counted).
fn axis_scale(tallest: u64) -> (u64, u64) {
    let tallest = tallest.max(1);
    let mut power = 1u64;
    loop {
        for step in [power, 2 * power, 5 * power] {
            if tallest.div_ceil(step) <= 5 {
                return (step, tallest.div_ceil(step) * step);
            }
        }
        power = power.saturating_mul(10);
    }
}

/// `label` cut to `max_chars` characters, the last an ellipsis, when it is
/// longer (the bar's title keeps it whole).
fn shortened(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        label.to_owned()
    } else {
        let mut cut: String = label.chars().take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Text safe inside an XML element or attribute: markup characters as
/// entities, and control characters XML 1.0 does not allow left out.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A label in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Text {
    vi: &'static str,
    en: &'static str,
}

impl Text {
    fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }

    /// "Vietnamese / English", as a CSV heading.
    fn both(self) -> String {
        format!("{} / {}", self.vi, self.en)
    }
}

/// Every label of the figures, in one place.
mod text {
    use super::Text;

    const fn t(vi: &'static str, en: &'static str) -> Text {
        Text { vi, en }
    }

    pub(super) const TOTAL: Text = t("Tổng cộng", "Total");
    pub(super) const ALL: Text = t("Tất cả hồ sơ", "All dossiers");
    pub(super) const BY_MONTH: Text = t("Tháng tiếp nhận", "Month of receipt");
    pub(super) const BY_PROCEDURE: Text = t("Thủ tục", "Procedure");
    pub(super) const BY_DESK: Text = t("Nơi tiếp nhận", "Receiving desk");
    pub(super) const RECEIVED: Text = t("Tiếp nhận", "Received");
    pub(super) const ONLINE: Text = t("Nộp trực tuyến", "Filed online");
    pub(super) const EARLY: Text = t("Trước hạn", "Early");
    pub(super) const ON_TIME: Text = t("Đúng hạn", "On time");
    pub(super) const LATE: Text = t("Trễ hạn", "Late");
    pub(super) const WORKING_DAYS_LATE: Text =
        t("Tổng số ngày làm việc trễ", "Working days late (total)");
    pub(super) const AVERAGE_LATENESS: Text = t(
        "Trễ trung bình (ngày làm việc)",
        "Average lateness (working days)",
    );
    pub(super) const SUPPLEMENTS: Text = t("Số lần yêu cầu bổ sung", "Supplements asked");
    pub(super) const PENDING: Text = t("Đang giải quyết", "Pending");
    pub(super) const OVERDUE_NOW: Text = t("Đang quá hạn", "Overdue now");
    pub(super) const AWAITING_REPEAT_SUPPLEMENT: Text = t(
        "Chờ bổ sung lần thứ hai trở lên",
        "Awaiting a repeated supplement",
    );
    pub(super) const WITHDRAWN: Text = t("Đã rút", "Withdrawn");
    pub(super) const RESOLUTION_UNRECORDED: Text =
        t("Đã giải quyết, không rõ ngày", "Resolved, day not recorded");
    pub(super) const FEES_COLLECTED: Text = t("Phí đã thu (đồng)", "Fees collected (VND)");
    pub(super) const WITH_FEE: Text = t("Hồ sơ có phí", "Dossiers with a fee");
    pub(super) const PAID_ONLINE: Text = t("Thanh toán trực tuyến", "Paid online");
    pub(super) const RATED: Text = t("Số đánh giá", "Ratings");
    pub(super) const RATING_SUM: Text = t("Tổng điểm đánh giá", "Rating sum");
    pub(super) const AVERAGE_RATING: Text = t("Điểm đánh giá trung bình", "Average rating");
    pub(super) const DISSATISFIED: Text = t("Không hài lòng (1–2 điểm)", "Dissatisfied (1–2)");
    pub(super) const CHART_TITLE: Text = t(
        "Tình hình giải quyết hồ sơ",
        "Dossiers resolved and pending",
    );
    pub(super) const DOSSIERS: Text = t("Số hồ sơ", "Dossiers");
    pub(super) const NO_DOSSIERS: Text = t("Không có hồ sơ", "No dossiers");
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIRTH: &str = "dang-ky-khai-sinh";
    const BUILDING: &str = "cap-phep-xay-dung";
    const WARD: &str = "Phường Bến Nghé";
    const DEPARTMENT: &str = "Sở Xây dựng";
    const CENTRE: &str = "Trung tâm Phục vụ hành chính công";

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("time")
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    /// A case received at `received`, due on `appointment`, in `status`,
    /// nothing else yet.
    fn case(
        code: &str,
        procedure: &str,
        desk: &str,
        received: &str,
        appointment: &str,
        status: Status,
    ) -> Case {
        Case {
            code: code.parse().expect("dossier code"),
            procedure: procedure.parse().expect("procedure code"),
            desk: desk.to_owned(),
            received_at: at(received),
            online: false,
            appointment_date: day(appointment),
            status,
            resolved_at: None,
            supplements_asked: 0,
            fee_vnd: 0,
            fee_collected_vnd: 0,
            paid_online: false,
            rating: None,
        }
    }

    /// The day the figures are looked at: Thursday 18 February 2027, the
    /// week after Tết 2027.
    fn today() -> NaiveDate {
        day("2027-02-18")
    }

    /// Thirteen dossiers around the New Year 2026 make-up Saturday, Tết
    /// 2026 and Tết 2027, as the bundled calendar has them: 1-4 Jan 2026
    /// off, Saturday 10 Jan 2026 worked; 14-22 Feb 2026 off (Tết is the
    /// 17th); 5-11 Feb 2027 off (Tết is Saturday the 6th, so 10 and 11
    /// Feb make up for the weekend). Each appointment is what the
    /// calendar gives (checked below).
    fn seeded() -> Vec<Case> {
        vec![
            // Resolved on Friday 2 Jan 2026, a compensatory day off of the
            // New Year break, before its Monday appointment: early.
            Case {
                resolved_at: Some(at("2026-01-02T10:00:00+07:00")),
                rating: Some(5),
                ..case(
                    "HOSO.TEST-251231-0001",
                    BIRTH,
                    WARD,
                    "2025-12-31T09:00:00+07:00",
                    "2026-01-05",
                    Status::Completed,
                )
            },
            // Due on the make-up Saturday 10 Jan 2026 and resolved then:
            // on time. Its fee paid by transfer.
            Case {
                online: true,
                resolved_at: Some(at("2026-01-10T11:00:00+07:00")),
                fee_vnd: 200_000,
                fee_collected_vnd: 200_000,
                paid_online: true,
                rating: Some(4),
                ..case(
                    "HOSO.TEST-251231-0002",
                    BUILDING,
                    CENTRE,
                    "2025-12-31T09:30:00+07:00",
                    "2026-01-10",
                    Status::Completed,
                )
            },
            // Due Friday 9 Jan 2026, resolved Monday 12: late by 2
            // working days, the make-up Saturday being one of them.
            Case {
                online: true,
                resolved_at: Some(at("2026-01-12T16:00:00+07:00")),
                supplements_asked: 1,
                fee_vnd: 200_000,
                fee_collected_vnd: 200_000,
                rating: Some(3),
                ..case(
                    "HOSO.TEST-260105-0001",
                    BUILDING,
                    DEPARTMENT,
                    "2026-01-05T09:00:00+07:00",
                    "2026-01-09",
                    Status::Completed,
                )
            },
            // Resolved the day before Thursday's appointment, before Tết
            // 2026: early, and rated 2 (dissatisfied all the same).
            Case {
                online: true,
                resolved_at: Some(at("2026-02-11T10:00:00+07:00")),
                rating: Some(2),
                ..case(
                    "HOSO.TEST-260209-0001",
                    BIRTH,
                    WARD,
                    "2026-02-09T09:00:00+07:00",
                    "2026-02-12",
                    Status::Completed,
                )
            },
            // Due Friday 13 Feb 2026, resolved Tuesday 24 after Tết: 11
            // days later, but late by 2 working days (23 and 24).
            Case {
                online: true,
                resolved_at: Some(at("2026-02-24T09:00:00+07:00")),
                supplements_asked: 1,
                rating: Some(2),
                ..case(
                    "HOSO.TEST-260211-0001",
                    BIRTH,
                    CENTRE,
                    "2026-02-11T09:00:00+07:00",
                    "2026-02-13",
                    Status::Completed,
                )
            },
            // Due Friday 13 Feb 2026, refused on Monday 16, the eve of
            // Tết (a day off): late, by 1 working day though none passed.
            Case {
                resolved_at: Some(at("2026-02-16T10:00:00+07:00")),
                ..case(
                    "HOSO.TEST-260212-0001",
                    BUILDING,
                    DEPARTMENT,
                    "2026-02-12T09:00:00+07:00",
                    "2026-02-13",
                    Status::Rejected,
                )
            },
            // Received the Friday before Tết 2026, one working day: due
            // Monday 23 Feb and resolved then, on time. Paid at the desk.
            Case {
                resolved_at: Some(at("2026-02-23T15:00:00+07:00")),
                fee_vnd: 50_000,
                fee_collected_vnd: 50_000,
                ..case(
                    "HOSO.TEST-260213-0001",
                    BUILDING,
                    DEPARTMENT,
                    "2026-02-13T10:00:00+07:00",
                    "2026-02-23",
                    Status::ResultReady,
                )
            },
            // Due Wednesday 3 Feb 2027, resolved Friday 12 after Tết: late
            // by 2 working days (4 and 12 Feb), and rated 1.
            Case {
                online: true,
                resolved_at: Some(at("2027-02-12T10:00:00+07:00")),
                rating: Some(1),
                ..case(
                    "HOSO.TEST-270201-0001",
                    BIRTH,
                    WARD,
                    "2027-02-01T09:00:00+07:00",
                    "2027-02-03",
                    Status::Completed,
                )
            },
            // Received the day before Tết 2027's break, due Tuesday 16 Feb,
            // still being processed on the 18th: overdue now. Fee unpaid.
            Case {
                fee_vnd: 30_000,
                ..case(
                    "HOSO.TEST-270204-0001",
                    BUILDING,
                    DEPARTMENT,
                    "2027-02-04T10:00:00+07:00",
                    "2027-02-16",
                    Status::Processing,
                )
            },
            // Awaiting a supplement asked for the second time: paused, not
            // overdue now, but late for the progress index.
            Case {
                online: true,
                supplements_asked: 2,
                ..case(
                    "HOSO.TEST-270202-0001",
                    BIRTH,
                    WARD,
                    "2027-02-02T09:00:00+07:00",
                    "2027-02-04",
                    Status::SupplementRequested,
                )
            },
            // Received the day before, due Wednesday 24 Feb: pending in
            // time, its fee paid by transfer.
            Case {
                online: true,
                fee_vnd: 100_000,
                fee_collected_vnd: 100_000,
                paid_online: true,
                ..case(
                    "HOSO.TEST-270217-0001",
                    BUILDING,
                    CENTRE,
                    "2027-02-17T09:00:00+07:00",
                    "2027-02-24",
                    Status::Received,
                )
            },
            // Withdrawn; its fee, paid by transfer, refunded.
            Case {
                online: true,
                fee_vnd: 50_000,
                paid_online: true,
                ..case(
                    "HOSO.TEST-270201-0002",
                    BUILDING,
                    DEPARTMENT,
                    "2027-02-01T14:00:00+07:00",
                    "2027-02-03",
                    Status::Withdrawn,
                )
            },
            // Awaiting a first supplement, its appointment (Friday 12 Feb
            // 2027) past: paused, in time.
            Case {
                supplements_asked: 1,
                ..case(
                    "HOSO.TEST-270203-0001",
                    BIRTH,
                    WARD,
                    "2027-02-03T09:00:00+07:00",
                    "2027-02-12",
                    Status::SupplementRequested,
                )
            },
        ]
    }

    fn seeded_rows(grouping: Grouping) -> Vec<Row> {
        rows(&seeded(), grouping, Calendar::vietnam(), today())
    }

    /// `a` and `b` equal but for floating-point rounding.
    fn assert_close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn the_seeded_appointments_are_what_the_calendar_gives() {
        let cal = Calendar::vietnam();
        let working_days = [1, 6, 4, 3, 2, 1, 1, 2, 3, 2, 5, 2, 2];
        for (c, days) in seeded().iter().zip(working_days) {
            assert_eq!(
                cal.due_date(c.received_at.naive_local(), days, None),
                c.appointment_date,
                "{}",
                c.code.as_str()
            );
        }
    }

    #[test]
    fn each_seeded_case_stands_where_the_calendar_puts_it() {
        let cal = Calendar::vietnam();
        let standings: Vec<(String, Standing)> = seeded()
            .iter()
            .map(|c| (c.code.as_str().to_owned(), standing(c, cal, today())))
            .collect();
        let late = |working_days| Standing::ResolvedLate { working_days };
        let expected = [
            ("HOSO.TEST-251231-0001", Standing::ResolvedEarly),
            ("HOSO.TEST-251231-0002", Standing::ResolvedOnTime),
            ("HOSO.TEST-260105-0001", late(2)),
            ("HOSO.TEST-260209-0001", Standing::ResolvedEarly),
            ("HOSO.TEST-260211-0001", late(2)),
            ("HOSO.TEST-260212-0001", late(1)),
            ("HOSO.TEST-260213-0001", Standing::ResolvedOnTime),
            ("HOSO.TEST-270201-0001", late(2)),
            ("HOSO.TEST-270204-0001", Standing::PendingOverdue),
            ("HOSO.TEST-270202-0001", Standing::AwaitingRepeatSupplement),
            ("HOSO.TEST-270217-0001", Standing::PendingInTime),
            ("HOSO.TEST-270201-0002", Standing::Withdrawn),
            ("HOSO.TEST-270203-0001", Standing::PendingInTime),
        ]
        .map(|(code, s)| (code.to_owned(), s));
        assert_eq!(standings, expected);
    }

    #[test]
    fn the_overdue_case_was_in_time_on_its_appointment_day() {
        let cal = Calendar::vietnam();
        let overdue = &seeded()[8];
        assert_eq!(
            standing(overdue, cal, day("2027-02-16")),
            Standing::PendingInTime
        );
        assert_eq!(
            standing(overdue, cal, day("2027-02-17")),
            Standing::PendingOverdue
        );
    }

    #[test]
    fn rows_by_month_of_receipt_count_every_figure() {
        assert_eq!(
            seeded_rows(Grouping::Month),
            vec![
                Row {
                    group: "2025-12".into(),
                    received: 2,
                    online: 1,
                    resolved_early: 1,
                    resolved_on_time: 1,
                    resolved_late: 0,
                    working_days_late: 0,
                    supplements_asked: 0,
                    pending_now: 0,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 200_000,
                    with_fee: 1,
                    paid_online: 1,
                    rated: 2,
                    rating_sum: 9,
                    rated_dissatisfied: 0,
                    late_or_dissatisfied: 0,
                },
                Row {
                    group: "2026-01".into(),
                    received: 1,
                    online: 1,
                    resolved_early: 0,
                    resolved_on_time: 0,
                    resolved_late: 1,
                    working_days_late: 2,
                    supplements_asked: 1,
                    pending_now: 0,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 200_000,
                    with_fee: 1,
                    paid_online: 0,
                    rated: 1,
                    rating_sum: 3,
                    rated_dissatisfied: 0,
                    late_or_dissatisfied: 1,
                },
                Row {
                    group: "2026-02".into(),
                    received: 4,
                    online: 2,
                    resolved_early: 1,
                    resolved_on_time: 1,
                    resolved_late: 2,
                    working_days_late: 3,
                    supplements_asked: 1,
                    pending_now: 0,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 50_000,
                    with_fee: 1,
                    paid_online: 0,
                    rated: 2,
                    rating_sum: 4,
                    rated_dissatisfied: 2,
                    late_or_dissatisfied: 3,
                },
                Row {
                    group: "2027-02".into(),
                    received: 6,
                    online: 4,
                    resolved_early: 0,
                    resolved_on_time: 0,
                    resolved_late: 1,
                    working_days_late: 2,
                    supplements_asked: 3,
                    pending_now: 4,
                    overdue_now: 1,
                    awaiting_repeat_supplement: 1,
                    withdrawn: 1,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 100_000,
                    with_fee: 3,
                    paid_online: 2,
                    rated: 1,
                    rating_sum: 1,
                    rated_dissatisfied: 1,
                    late_or_dissatisfied: 3,
                },
            ]
        );
    }

    #[test]
    fn rows_by_procedure_count_every_figure() {
        assert_eq!(
            seeded_rows(Grouping::Procedure),
            vec![
                Row {
                    group: BUILDING.into(),
                    received: 7,
                    online: 4,
                    resolved_early: 0,
                    resolved_on_time: 2,
                    resolved_late: 2,
                    working_days_late: 3,
                    supplements_asked: 1,
                    pending_now: 2,
                    overdue_now: 1,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 1,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 550_000,
                    with_fee: 6,
                    paid_online: 3,
                    rated: 2,
                    rating_sum: 7,
                    rated_dissatisfied: 0,
                    late_or_dissatisfied: 3,
                },
                Row {
                    group: BIRTH.into(),
                    received: 6,
                    online: 4,
                    resolved_early: 2,
                    resolved_on_time: 0,
                    resolved_late: 2,
                    working_days_late: 4,
                    supplements_asked: 4,
                    pending_now: 2,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 1,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 0,
                    with_fee: 0,
                    paid_online: 0,
                    rated: 4,
                    rating_sum: 10,
                    rated_dissatisfied: 3,
                    late_or_dissatisfied: 4,
                },
            ]
        );
    }

    #[test]
    fn rows_by_desk_count_every_figure() {
        assert_eq!(
            seeded_rows(Grouping::Desk),
            vec![
                Row {
                    group: WARD.into(),
                    received: 5,
                    online: 3,
                    resolved_early: 2,
                    resolved_on_time: 0,
                    resolved_late: 1,
                    working_days_late: 2,
                    supplements_asked: 3,
                    pending_now: 2,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 1,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 0,
                    with_fee: 0,
                    paid_online: 0,
                    rated: 3,
                    rating_sum: 8,
                    rated_dissatisfied: 2,
                    late_or_dissatisfied: 3,
                },
                Row {
                    group: DEPARTMENT.into(),
                    received: 5,
                    online: 2,
                    resolved_early: 0,
                    resolved_on_time: 1,
                    resolved_late: 2,
                    working_days_late: 3,
                    supplements_asked: 1,
                    pending_now: 1,
                    overdue_now: 1,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 1,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 250_000,
                    with_fee: 4,
                    paid_online: 1,
                    rated: 1,
                    rating_sum: 3,
                    rated_dissatisfied: 0,
                    late_or_dissatisfied: 3,
                },
                Row {
                    group: CENTRE.into(),
                    received: 3,
                    online: 3,
                    resolved_early: 0,
                    resolved_on_time: 1,
                    resolved_late: 1,
                    working_days_late: 2,
                    supplements_asked: 1,
                    pending_now: 1,
                    overdue_now: 0,
                    awaiting_repeat_supplement: 0,
                    withdrawn: 0,
                    resolution_unrecorded: 0,
                    fees_collected_vnd: 300_000,
                    with_fee: 2,
                    paid_online: 2,
                    rated: 2,
                    rating_sum: 6,
                    rated_dissatisfied: 1,
                    late_or_dissatisfied: 1,
                },
            ]
        );
    }

    #[test]
    fn the_total_row_counts_every_figure_and_its_averages() {
        let total = seeded_rows(Grouping::Total);
        assert_eq!(
            total,
            vec![Row {
                group: String::new(),
                received: 13,
                online: 8,
                resolved_early: 2,
                resolved_on_time: 2,
                resolved_late: 4,
                working_days_late: 7,
                supplements_asked: 5,
                pending_now: 4,
                overdue_now: 1,
                awaiting_repeat_supplement: 1,
                withdrawn: 1,
                resolution_unrecorded: 0,
                fees_collected_vnd: 550_000,
                with_fee: 6,
                paid_online: 3,
                rated: 6,
                rating_sum: 17,
                rated_dissatisfied: 3,
                late_or_dissatisfied: 7,
            }]
        );
        assert_close(
            total[0].average_working_days_late().expect("some late"),
            1.75,
        );
        assert_close(total[0].average_rating().expect("some rated"), 17.0 / 6.0);
    }

    #[test]
    fn the_total_indices_from_their_counts() {
        let indices = seeded_rows(Grouping::Total)[0].indices();
        let progress = indices.progress.expect("progress");
        assert_eq!(
            (
                progress.resolved_in_time,
                progress.pending_in_time,
                progress.resolved_late,
                progress.overdue_now,
                progress.awaiting_repeat_supplement,
                progress.counted
            ),
            (4, 2, 4, 1, 1, 12)
        );
        assert_close(progress.percent, 50.0);
        assert_close(progress.points.earned, 10.0);
        assert_close(progress.points.out_of, 20.0);

        let online = indices.online.expect("online");
        assert_eq!((online.online, online.received), (8, 13));
        assert_close(online.percent, 800.0 / 13.0);
        assert_close(online.attainment_percent, 100.0);

        let payment = indices.payment.expect("payment");
        assert_eq!((payment.paid_online, payment.with_fee), (3, 6));
        assert_close(payment.percent, 50.0);

        let satisfaction = indices.satisfaction.expect("satisfaction");
        assert_eq!(
            (
                satisfaction.late_or_dissatisfied,
                satisfaction.counted,
                satisfaction.rated
            ),
            (7, 12, 6)
        );
        // 5 of 12 satisfied: 41.67 %, under the 90 % of full points.
        assert_close(satisfaction.percent, 500.0 / 12.0);
        assert_close(satisfaction.points.earned, 6.0 * (500.0 / 12.0) / 90.0);
        assert_close(satisfaction.points.earned, 2.0 + 7.0 / 9.0);
        assert_close(satisfaction.points.out_of, 6.0);
        assert_close(satisfaction.average_rating.expect("rated"), 17.0 / 6.0);
    }

    #[test]
    fn a_desk_without_fees_has_no_payment_index_and_one_below_target_earns_part() {
        let desks = seeded_rows(Grouping::Desk);
        let ward = desks[0].indices();
        assert_eq!(ward.payment, None);
        let progress = ward.progress.expect("progress");
        assert_eq!(
            (progress.resolved_in_time, progress.pending_in_time),
            (2, 1)
        );
        assert_eq!(progress.counted, 5);
        assert_close(progress.percent, 60.0);
        assert_close(progress.points.earned, 12.0);
        assert_close(ward.online.expect("online").percent, 60.0);
        let satisfaction = ward.satisfaction.expect("satisfaction");
        assert_close(satisfaction.percent, 40.0);
        assert_close(satisfaction.points.earned, 6.0 * 40.0 / 90.0);
        assert_close(satisfaction.average_rating.expect("rated"), 8.0 / 3.0);

        let department = desks[1].indices();
        let progress = department.progress.expect("progress");
        assert_eq!(
            (
                progress.resolved_in_time,
                progress.pending_in_time,
                progress.counted
            ),
            (1, 0, 4)
        );
        assert_close(progress.percent, 25.0);
        assert_close(progress.points.earned, 5.0);
        // 2 of 5 online: 40 %, four fifths of the 50 % that earns full points.
        let online = department.online.expect("online");
        assert_close(online.percent, 40.0);
        assert_close(online.attainment_percent, 80.0);
        assert_close(department.payment.expect("payment").percent, 25.0);
        let satisfaction = department.satisfaction.expect("satisfaction");
        assert_eq!(
            (satisfaction.late_or_dissatisfied, satisfaction.counted),
            (3, 4)
        );
        assert_close(satisfaction.percent, 25.0);
        assert_close(satisfaction.points.earned, 6.0 * 25.0 / 90.0);
    }

    #[test]
    fn nothing_to_count_gives_a_total_of_zeros_and_no_index() {
        let cal = Calendar::vietnam();
        let total = rows(&[], Grouping::Total, cal, today());
        assert_eq!(total, vec![Row::default()]);
        assert_eq!(
            total[0].indices(),
            Indices {
                progress: None,
                online: None,
                payment: None,
                satisfaction: None
            }
        );
        assert_eq!(total[0].average_rating(), None);
        assert_eq!(total[0].average_working_days_late(), None);
        assert!(rows(&[], Grouping::Month, cal, today()).is_empty());

        // Only a withdrawn dossier: received online with a fee, but
        // neither resolved nor pending, so no progress nor satisfaction.
        let withdrawn = &seeded()[11];
        let row = &rows(
            std::slice::from_ref(withdrawn),
            Grouping::Total,
            cal,
            today(),
        )[0];
        let indices = row.indices();
        assert_eq!(indices.progress, None);
        assert_eq!(indices.satisfaction, None);
        assert_close(indices.online.expect("online").percent, 100.0);
        assert_close(indices.payment.expect("payment").percent, 100.0);
    }

    #[test]
    fn times_are_read_in_vietnam_time() {
        let cal = Calendar::vietnam();
        // 18:30 UTC on Monday 23 Feb 2026 is 01:30 on Tuesday 24 in Viet
        // Nam: a day after the appointment. 18:00 UTC on 31 Jan is in
        // February there.
        let c = Case {
            resolved_at: Some(at("2026-02-23T18:30:00+00:00")),
            ..case(
                "HOSO.TEST-260201-0001",
                BIRTH,
                WARD,
                "2026-01-31T18:00:00+00:00",
                "2026-02-23",
                Status::Completed,
            )
        };
        assert_eq!(
            standing(&c, cal, today()),
            Standing::ResolvedLate { working_days: 1 }
        );
        assert_eq!(Grouping::Month.group_of(&c), "2026-02");
    }

    #[test]
    fn a_rating_outside_one_to_five_is_not_counted() {
        let cal = Calendar::vietnam();
        let base = seeded()[0].clone();
        let cases: Vec<Case> = [Some(0), Some(6), Some(1), None]
            .into_iter()
            .map(|rating| Case {
                rating,
                ..base.clone()
            })
            .collect();
        let row = &rows(&cases, Grouping::Total, cal, today())[0];
        assert_eq!(
            (
                row.rated,
                row.rating_sum,
                row.rated_dissatisfied,
                row.late_or_dissatisfied
            ),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn a_withdrawn_case_rated_badly_does_not_count_against_satisfaction() {
        let cal = Calendar::vietnam();
        let withdrawn = Case {
            rating: Some(1),
            ..seeded()[11].clone()
        };
        let in_time = seeded()[10].clone();
        let row = &rows(&[withdrawn, in_time], Grouping::Total, cal, today())[0];
        assert_eq!((row.rated_dissatisfied, row.late_or_dissatisfied), (1, 0));
        let satisfaction = row.indices().satisfaction.expect("satisfaction");
        assert_eq!(satisfaction.counted, 1);
        assert_close(satisfaction.percent, 100.0);
        assert_close(satisfaction.points.earned, 6.0);
    }

    #[test]
    fn a_row_made_by_hand_that_does_not_add_up_gives_indices_all_the_same() {
        let row = Row {
            overdue_now: 2,
            ..Row::default()
        };
        let progress = row.indices().progress.expect("progress");
        assert_eq!((progress.pending_in_time, progress.counted), (0, 2));
        assert_close(progress.percent, 0.0);
    }

    #[test]
    fn a_resolved_state_without_its_time_is_counted_apart() {
        let cal = Calendar::vietnam();
        let mut unrecorded = seeded()[0].clone();
        unrecorded.resolved_at = None;
        assert_eq!(
            standing(&unrecorded, cal, today()),
            Standing::ResolutionUnrecorded
        );
        let row = &rows(&[unrecorded], Grouping::Total, cal, today())[0];
        assert_eq!(
            (row.received, row.resolution_unrecorded, row.pending_now),
            (1, 1, 0)
        );
        assert_eq!(row.indices().progress, None);
    }

    fn csv_lines(text: &str) -> Vec<&str> {
        let body = text.strip_prefix('\u{feff}').expect("byte-order mark");
        assert!(body.ends_with("\r\n"), "{body:?}");
        body.split_terminator("\r\n").collect()
    }

    #[test]
    fn csv_has_bilingual_headings_and_the_total_row() {
        let text = csv(Grouping::Total, &seeded_rows(Grouping::Total));
        assert_eq!(
            csv_lines(&text),
            [
                "Tất cả hồ sơ / All dossiers,Tiếp nhận / Received,Nộp trực tuyến / Filed online,\
                 Trước hạn / Early,Đúng hạn / On time,Trễ hạn / Late,\
                 Tổng số ngày làm việc trễ / Working days late (total),\
                 Trễ trung bình (ngày làm việc) / Average lateness (working days),\
                 Số lần yêu cầu bổ sung / Supplements asked,Đang giải quyết / Pending,\
                 Đang quá hạn / Overdue now,\
                 Chờ bổ sung lần thứ hai trở lên / Awaiting a repeated supplement,\
                 Đã rút / Withdrawn,\
                 \"Đã giải quyết, không rõ ngày / Resolved, day not recorded\",\
                 Phí đã thu (đồng) / Fees collected (VND),Hồ sơ có phí / Dossiers with a fee,\
                 Thanh toán trực tuyến / Paid online,Số đánh giá / Ratings,\
                 Tổng điểm đánh giá / Rating sum,Điểm đánh giá trung bình / Average rating,\
                 Không hài lòng (1–2 điểm) / Dissatisfied (1–2)",
                "Tổng cộng / Total,13,8,2,2,4,7,1.75,5,4,1,1,1,0,550000,6,3,6,17,2.83,3",
            ]
        );
    }

    #[test]
    fn csv_quotes_cells_and_neutralises_formulas() {
        let groups = [
            "=HYPERLINK(\"http://example.invalid\")",
            "+84 28 3829 0000",
            "-1",
            "@SUM(A1)",
            "\tTab",
            "\rReturn",
            "Một cửa, tầng 1",
            "Sở \"Xây dựng\"",
            "two\nlines",
            "Bộ phận một cửa - quận 1",
        ];
        let rows: Vec<Row> = groups
            .iter()
            .map(|g| Row {
                group: (*g).to_owned(),
                ..Row::default()
            })
            .collect();
        let text = csv(Grouping::Desk, &rows);
        let zeros = format!(",0,0,0,0,0,0,,{},,0", ["0"; 11].join(","));
        let expected_groups = [
            "\"'=HYPERLINK(\"\"http://example.invalid\"\")\"",
            "'+84 28 3829 0000",
            "'-1",
            "'@SUM(A1)",
            "'\tTab",
            "\"'\rReturn\"",
            "\"Một cửa, tầng 1\"",
            "\"Sở \"\"Xây dựng\"\"\"",
            "\"two\nlines\"",
            "Bộ phận một cửa - quận 1",
        ];
        let heading = csv_lines(&text)[0].to_owned();
        assert!(
            heading.starts_with("Nơi tiếp nhận / Receiving desk,"),
            "{heading}"
        );
        let body = text
            .strip_prefix('\u{feff}')
            .and_then(|t| t.strip_prefix(&heading))
            .and_then(|t| t.strip_prefix("\r\n"))
            .expect("heading first");
        let want: String = expected_groups
            .iter()
            .map(|g| format!("{g}{zeros}\r\n"))
            .collect();
        assert_eq!(body, want);
    }

    /// The texts of `<text>` and `<title>` elements of `svg`, unescaped,
    /// and its number of `<g class="bar">`, after reading it whole as XML:
    /// panics on anything not well-formed, an unknown entity, or a
    /// processing instruction, DTD or CDATA section.
    fn read_svg(svg: &str) -> (Vec<String>, usize) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut open, mut texts, mut bars) = (Vec::<String>::new(), Vec::new(), 0);
        let mut current = String::new();
        let mut roots = 0;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    let name = e.name().as_ref().to_owned();
                    let mut class = None;
                    for a in e.attributes() {
                        let a = a.expect("attribute");
                        if a.key.as_ref() == "class" {
                            class = Some(a.value.into_owned());
                        }
                    }
                    bars += usize::from(name == "g" && class.as_deref() == Some("bar"));
                    roots += usize::from(open.is_empty());
                    open.push(name);
                    current.clear();
                }
                Event::Empty(e) => {
                    for a in e.attributes() {
                        a.expect("attribute");
                    }
                }
                Event::End(_) => {
                    let name = open.pop().expect("an open element");
                    if name == "text" || name == "title" {
                        texts.push(std::mem::take(&mut current));
                    }
                }
                Event::Text(t) => current.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => current.push(match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => r
                        .resolve_char_ref()
                        .expect("character reference")
                        .unwrap_or_else(|| panic!("unknown entity &{other};")),
                }),
                Event::Eof => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(open.is_empty(), "unclosed {open:?}");
        assert_eq!(roots, 1, "one root element");
        (texts, bars)
    }

    #[test]
    fn the_chart_is_xml_with_one_bar_per_month_labelled_in_vietnamese() {
        let rows = seeded_rows(Grouping::Month);
        let svg = bar_chart(Grouping::Month, &rows, Lang::default());
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 420""#)
        );
        assert!(!svg.to_lowercase().contains("script"));
        assert!(!svg.contains("href"), "no external reference");
        let (texts, bars) = read_svg(&svg);
        assert_eq!(bars, 4);
        for label in [
            "Tình hình giải quyết hồ sơ — Tháng tiếp nhận",
            "Trước hạn",
            "Đúng hạn",
            "Trễ hạn",
            "Đang giải quyết",
            "Số hồ sơ",
            "2025-12",
            "2027-02",
            "2026-02: Trước hạn 1, Đúng hạn 1, Trễ hạn 2, Đang giải quyết 0",
            "2027-02: Trước hạn 0, Đúng hạn 0, Trễ hạn 1, Đang giải quyết 4",
        ] {
            assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
        }
    }

    #[test]
    fn the_chart_speaks_english_when_asked() {
        let rows = seeded_rows(Grouping::Total);
        let (texts, bars) = read_svg(&bar_chart(Grouping::Total, &rows, Lang::En));
        assert_eq!(bars, 1);
        for label in [
            "Dossiers resolved and pending — All dossiers",
            "Early",
            "On time",
            "Late",
            "Pending",
            "Dossiers",
            "Total: Early 2, On time 2, Late 4, Pending 4",
        ] {
            assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
        }
        assert!(!texts.iter().any(|t| t.contains("Trước hạn")), "{texts:?}");
    }

    #[test]
    fn chart_text_is_escaped_and_bars_are_to_scale() {
        let row = Row {
            group: "Bộ phận <Một cửa> & \"A\"\u{7}".into(),
            resolved_early: 2,
            resolved_late: 1,
            pending_now: 1,
            ..Row::default()
        };
        let svg = bar_chart(Grouping::Desk, std::slice::from_ref(&row), Lang::Vi);
        assert!(!svg.contains("<Một cửa>"), "{svg}");
        assert!(!svg.contains('\u{7}'));
        assert!(
            svg.contains("Bộ phận &lt;Một cửa&gt; &amp; &quot;A&quot;"),
            "{svg}"
        );
        let (texts, bars) = read_svg(&svg);
        assert_eq!(bars, 1);
        assert!(
            texts.contains(
                &"Bộ phận <Một cửa> & \"A\": Trước hạn 2, Đúng hạn 0, Trễ hạn 1, Đang giải quyết 1"
                    .to_owned()
            ),
            "{texts:?}"
        );
        // Four dossiers on an axis of 0 to 4 over 270 units: 67.5 each;
        // the empty "on time" segment is not drawn.
        let heights: Vec<&str> = svg
            .split("<g class=\"bar\">")
            .nth(1)
            .expect("the bar")
            .split("height=\"")
            .skip(1)
            .map(|s| s.split('"').next().expect("a value"))
            .collect();
        assert_eq!(heights, ["135.0", "67.5", "67.5"]);
    }

    #[test]
    fn a_chart_of_nothing_says_so() {
        let (texts, bars) = read_svg(&bar_chart(Grouping::Procedure, &[], Lang::Vi));
        assert_eq!(bars, 0);
        assert!(texts.contains(&"Không có hồ sơ".to_owned()), "{texts:?}");
    }

    #[test]
    fn long_labels_are_shortened_on_the_axis_only() {
        assert_eq!(shortened("Trung tâm Phục vụ", 9), "Trung tâ…");
        assert_eq!(shortened("2026-02", 9), "2026-02");
        let rows: Vec<Row> = (0..12)
            .map(|i| Row {
                group: format!("{CENTRE} {i}"),
                received: 1,
                pending_now: 1,
                ..Row::default()
            })
            .collect();
        let (texts, bars) = read_svg(&bar_chart(Grouping::Desk, &rows, Lang::Vi));
        assert_eq!(bars, 12);
        assert!(texts.contains(&format!(
            "{CENTRE} 11: Trước hạn 0, Đúng hạn 0, Trễ hạn 0, Đang giải quyết 1"
        )));
        assert!(texts.contains(&"Trung tâ…".to_owned()), "{texts:?}");
    }

    #[test]
    fn the_value_axis_has_at_most_five_round_steps() {
        assert_eq!(axis_scale(0), (1, 1));
        assert_eq!(axis_scale(4), (1, 4));
        assert_eq!(axis_scale(6), (2, 6));
        assert_eq!(axis_scale(13), (5, 15));
        assert_eq!(axis_scale(101), (50, 150));
    }

    #[test]
    fn the_notes_name_the_decision_and_their_assumptions_in_both_languages() {
        assert!(NOTES[0].vi.contains("766/QĐ-TTg") && NOTES[0].en.contains("766/QĐ-TTg"));
        let assumptions_vi = NOTES.iter().filter(|n| n.vi.contains("Giả định")).count();
        let assumptions_en = NOTES.iter().filter(|n| n.en.contains("Assumption")).count();
        assert_eq!((assumptions_vi, assumptions_en), (2, 2));
        for note in NOTES {
            assert_ne!(note.get(Lang::Vi), note.get(Lang::En));
        }
    }
}
