//! Every text the interface shows, one catalogue per language; the window
//! shows one language at a time (`crate::lang`), so nothing here is ever
//! written inline in a component. Both catalogues have every text: the
//! compiler holds that, and the tests below hold that none is left empty
//! or untranslated.

mod en;
mod vi;

/// Declares [`Texts`] with one `&'static str` per name, and lists them
/// for the completeness check.
macro_rules! catalogue {
    ($($name:ident),* $(,)?) => {
        /// The texts of one language.
        #[derive(Debug, Clone, Copy)]
        pub struct Texts {
            $(pub $name: &'static str,)*
            /// Months as a calendar heads them, before the year, January first.
            pub months: [&'static str; 12],
            /// Weekday names as a calendar heads its columns, Monday first.
            pub weekdays: [&'static str; 7],
        }

        impl Texts {
            /// Every text with its name.
            #[cfg_attr(not(test), allow(dead_code))]
            pub fn entries(&self) -> Vec<(String, &'static str)> {
                let mut all = vec![$((stringify!($name).to_owned(), self.$name)),*];
                all.extend(self.months.iter().enumerate().map(|(i, m)| (format!("months[{i}]"), *m)));
                all.extend(self.weekdays.iter().enumerate().map(|(i, d)| (format!("weekdays[{i}]"), *d)));
                all
            }
        }
    };
}

catalogue! {
    app_title,
    app_subtitle,
    portal,
    default_portal,
    practice_badge,
    key_pinned,
    loading,
    choose,
    rows,
    add_row,
    move_up,
    move_down,
    remove_row,
    legacy_found,
    legacy_convert,
    hidden_found,
    hidden_remove,
    back_to_list,
    saved_at,
    saving,
    no_dossiers,
    no_match,
    untitled,
    state_draft,
    state_submitting,
    state_submitted,
    export_csv,
    exported_to,
    due_on,
    status_confirmed_at,
    status_not_synced,
    sync_status,
    state_paused,
    pause_sending,
    continue_sending,
    paused_notice,
    view_receipt,
    continue_at_start,
    shown_instead_notice,
    open,
    duplicate,
    archive,
    unarchive,
    delete,
    deleted,
    undo,
    create,
    my_dossiers,
    search_placeholder,
    show_archived,
    procedure_missing,
    check_ok,
    valid_until,
    expired,
    earlier_documents,
    reuse,
    paste_rows,
    paste_hint,
    add_pasted,
    version_changed_unknown,
    update_version,
    required_mark,
    attachments,
    accepted_types,
    max_size,
    choose_file,
    path_placeholder,
    attach,
    attaching,
    remove,
    submit,
    submitting,
    outcome_unknown,
    check_and_continue,
    progress_files,
    progress_left,
    unit_seconds,
    unit_minutes,
    per_second,
    check_title,
    check_intro,
    go_to_field,
    receipt_title,
    receipt_subtitle,
    dossier_code,
    lookup_pin,
    receiving_agency,
    applicant,
    address,
    procedure,
    documents_received,
    doc_name,
    doc_size,
    doc_sha256,
    sets,
    processing_time,
    working_day,
    working_days,
    received_at,
    appointment,
    delivery,
    fee,
    free,
    manifest,
    signature_ok,
    existing_notice,
    received_headline,
    receipt_hash,
    qr_caption,
    print_receipt,
    save_receipt,
    saved_to,
    new_dossier,
    error_title,
    nav_list,
    nav_summary,
    nav_portals,
    track,
    timeline,
    by_actor,
    asked_title,
    asked_request,
    supplement_answer,
    supplement_files,
    supplement_kind,
    supplement_other,
    supplement_replaces,
    supplement_path,
    supplement_attach,
    supplement_pick,
    supplement_remove,
    supplement_send,
    supplement_sending,
    supplements_title,
    supplement_number,
    supplement_filed,
    supplement_unfiled,
    new_due,
    no_history,
    notifications,
    summary_title,
    summary_portal,
    summary_status,
    summary_count,
    summary_unfiled,
    summary_overdue,
    summary_due_soon,
    summary_none,
    summary_empty,
    summary_fees,
    result_title,
    actor_portal,
    actor_applicant,
    result_download,
    result_download_again,
    result_open,
    result_verified,
    withdraw,
    withdraw_reason,
    withdraw_hint,
    withdraw_confirm,
    withdraw_cancel,
    rating_title,
    rating_ask,
    rating_1,
    rating_2,
    rating_3,
    rating_4,
    rating_5,
    rating_comment,
    rating_send,
    rating_hint,
    rating_keep,
    rating_given,
    rating_given_at,
    rating_change,
    summary_fees_asked,
    summary_fees_due,
    summary_fees_paid,
    summary_fees_refunded,
    wd_late,
    wd_late_one,
    wd_left,
    wd_left_one,
    portals_title,
    portal_add,
    portal_url,
    portal_token,
    portal_sign_in,
    portal_remove,
    portal_default,
    portal_signed_in,
    portal_signed_out,
    portal_key_changed,
    portal_dossiers,
    portal_last_error,
    portal_added,
    export_package,
    package_exported,
    import_package,
    package_path,
    package_import,
    language,
    date_placeholder,
    date_invalid,
    calendar_open,
    month_before,
    month_after,
    legacy_cells,
    legacy_convert_all,
    fee_before_filing,
    fee_total,
    fee_in_words,
    fee_none,
    fee_exempt,
    fee_uncomputable,
    payment_title,
    payment_amount,
    payment_paid,
    payment_still_due,
    payment_payee,
    payment_bank,
    payment_account,
    payment_purpose,
    payment_deadline,
    payment_scan,
    payment_qr_alt,
    payment_no_code,
    pay_practice,
    paying_practice,
    pay_practice_hint,
    fee_receipt_title,
    fee_receipt_subtitle,
    collecting_agency,
    tax_code,
    payer,
    payer_id,
    fee_items,
    fee_amount,
    paid_at,
    issued_at,
    bank_transactions,
    fee_signature_ok,
    fee_receipt_hash,
    print_fee_receipt,
    refund_title,
    refund_amount,
    refund_reason,
    refunded_at,
    refund_of_receipt,
}

/// Vietnamese, the default.
pub const VI: &Texts = &vi::TEXTS;
/// English, when the person or the system's locale asks for it.
pub const EN: &Texts = &en::TEXTS;

#[cfg(test)]
mod tests {
    use super::{EN, VI};

    /// Texts that read the same in both languages.
    const SAME_IN_BOTH: &[&str] = &["app_title"];

    #[test]
    fn every_text_is_written_in_both_languages() {
        let (vi, en) = (VI.entries(), EN.entries());
        for ((name, v), (_, e)) in vi.iter().zip(&en) {
            assert!(!v.trim().is_empty(), "{name} is empty in Vietnamese");
            assert!(!e.trim().is_empty(), "{name} is empty in English");
            if !SAME_IN_BOTH.contains(&name.as_str()) {
                assert_ne!(v, e, "{name} is not translated");
            }
        }
    }

    #[test]
    fn the_english_catalogue_holds_no_vietnamese_letters() {
        for (name, text) in EN.entries() {
            let foreign = text.chars().find(|c| c.is_alphabetic() && !c.is_ascii());
            assert_eq!(foreign, None, "{name} reads {text:?}");
        }
    }
}
