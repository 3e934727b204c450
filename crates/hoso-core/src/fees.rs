//! Fees: what a procedure charges, written as data in its schema
//! (`fees`), and the amount a dossier owes under it, computed here so that
//! the editor, the command line and the portal show the same figure, line
//! by line, before filing.
//!
//! A schedule lists charges, each once per dossier, per row of a table
//! (such as the list of imported goods) or per item counted by an integer
//! field (such as copies asked for); exemptions waive the whole fee when a
//! field has a given value. `fee_vnd`, which the receipt carries, is the
//! sum of the once-per-dossier charges (the schema check holds this), so a
//! reader that knows only `fee_vnd` never shows a contradicting figure. A
//! procedure without a schedule charges `fee_vnd` once.

use crate::length::normalize_cow;
use crate::procedure::Condition;
use crate::{Bilingual, DossierContent, Procedure};
use serde::{Deserialize, Serialize};

/// What a procedure charges (the `fees` object of a schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// The charges, in the order a receipt lists them.
    #[serde(default)]
    pub charges: Vec<Charge>,
    /// Cases in which nothing is charged; the first that holds applies.
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// What the amounts rest on, and which of them are assumptions.
    #[serde(default)]
    pub notes: Vec<Bilingual>,
}

/// One charge of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charge {
    /// What is charged, as a receipt line names it.
    pub label: Bilingual,
    /// The amount for one unit, in đồng (above 0).
    pub amount_vnd: u64,
    /// What one unit is; absent: the dossier.
    #[serde(default)]
    pub per: Per,
}

/// What a charge counts. In JSON `"dossier"`, `{"row": "goods.items"}` or
/// `{"item": "copies.extracts"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Once per dossier.
    #[default]
    Dossier,
    /// Once per row of the table at this `section.field` path; a row with
    /// every cell blank is not counted.
    Row(String),
    /// Once per item counted by the integer field at this path; blank
    /// counts none.
    Item(String),
}

/// A case in which nothing is charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// When it applies: a field with a value, or with the value given.
    pub when: Condition,
    /// Why nothing is charged, as the receipt says it.
    pub reason: Bilingual,
}

/// What a dossier owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The amount to pay, in đồng: the sum of the lines, or 0 when exempt.
    pub amount_vnd: u64,
    /// Each charge that counts something, in schedule order. Kept when the
    /// dossier is exempt, so that people see what is waived.
    pub lines: Vec<FeeLine>,
    /// Why nothing is charged, when an exemption applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<Bilingual>,
}

/// One line of a fee: quantity × unit amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    /// What is charged.
    pub label: Bilingual,
    /// How many units (1 for a charge per dossier; above 0).
    pub quantity: u64,
    /// The amount for one unit, in đồng.
    pub unit_vnd: u64,
    /// `quantity × unit_vnd`, in đồng.
    pub amount_vnd: u64,
}

/// Why a fee could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// A count the fee rests on is not a whole number of items (validation
    /// reports the same field).
    #[error(
        "“{value}” ở trường {path} không phải số lượng nguyên nên chưa tính được phí / “{value}” in {path} is not a whole count, so the fee cannot be computed"
    )]
    Quantity {
        /// The field's path.
        path: String,
        /// The value found there.
        value: String,
    },
    /// The amount exceeds what can be counted (above 2⁶⁴ − 1 đồng).
    #[error("số tiền phí vượt quá giới hạn tính được / the fee is too large to compute")]
    Overflow,
}

/// The label of the single line of a procedure without a schedule.
fn flat_label() -> Bilingual {
    Bilingual::new("Phí, lệ phí", "Fee")
}

/// What `dossier` owes under `procedure`'s fees: each charge's line, in
/// schedule order, leaving out those that count nothing, and their sum;
/// nothing, with the reason, when an exemption holds. Without a schedule,
/// `fee_vnd` once (no line when it is 0). Values are read normalised, as
/// validation reads them. Never wraps or saturates: a sum beyond `u64` is
/// [`FeeError::Overflow`].
pub fn fee(procedure: &Procedure, dossier: &DossierContent) -> Result<Fee, FeeError> {
    let Some(schedule) = &procedure.fees else {
        let lines = (procedure.fee_vnd > 0)
            .then(|| FeeLine {
                label: flat_label(),
                quantity: 1,
                unit_vnd: procedure.fee_vnd,
                amount_vnd: procedure.fee_vnd,
            })
            .into_iter()
            .collect();
        return Ok(Fee {
            amount_vnd: procedure.fee_vnd,
            lines,
            exempt: None,
        });
    };
    let mut lines = Vec::new();
    let mut total: u64 = 0;
    for charge in &schedule.charges {
        let quantity = match &charge.per {
            Per::Dossier => 1,
            Per::Row(path) => filled_rows(dossier, path),
            Per::Item(path) => count(dossier, path)?,
        };
        if quantity == 0 {
            continue;
        }
        let amount_vnd = quantity
            .checked_mul(charge.amount_vnd)
            .ok_or(FeeError::Overflow)?;
        total = total.checked_add(amount_vnd).ok_or(FeeError::Overflow)?;
        lines.push(FeeLine {
            label: charge.label.clone(),
            quantity,
            unit_vnd: charge.amount_vnd,
            amount_vnd,
        });
    }
    let exempt = schedule
        .exemptions
        .iter()
        .find(|e| e.when.holds(dossier, None))
        .map(|e| e.reason.clone());
    Ok(Fee {
        amount_vnd: if exempt.is_some() { 0 } else { total },
        lines,
        exempt,
    })
}

/// Rows of the table at `path` with at least one cell that is not blank.
fn filled_rows(dossier: &DossierContent, path: &str) -> u64 {
    let filled = dossier
        .rows(path)
        .iter()
        .filter(|row| row.values().any(|v| !normalize_cow(v).is_empty()))
        .count();
    // A row count always fits: usize is at most 64 bits on every target.
    u64::try_from(filled).unwrap_or(u64::MAX)
}

/// The whole number at `path`; 0 when blank.
fn count(dossier: &DossierContent, path: &str) -> Result<u64, FeeError> {
    let Some(text) = dossier.field(path) else {
        return Ok(0);
    };
    let text = normalize_cow(text);
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || FeeError::Quantity {
        path: path.to_owned(),
        value: text.to_string(),
    };
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse().map_err(|_| bad())
}

#[cfg(test)]
mod tests;
