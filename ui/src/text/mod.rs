//! Every text the interface shows, one catalogue per language. Screens show
//! the Vietnamese text first and the English beside it, so nothing here is
//! ever written inline in a component.

mod en;
mod vi;

/// The texts of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    pub app_title: &'static str,
    pub app_subtitle: &'static str,
    pub portal: &'static str,
    pub practice_badge: &'static str,
    pub key_pinned: &'static str,
    pub loading: &'static str,
    pub choose: &'static str,
    pub rows: &'static str,
    pub add_row: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub remove_row: &'static str,
    pub legacy_found: &'static str,
    pub legacy_convert: &'static str,
    pub required_mark: &'static str,
    pub attachments: &'static str,
    pub accepted_types: &'static str,
    pub max_size: &'static str,
    pub choose_file: &'static str,
    pub path_placeholder: &'static str,
    pub attach: &'static str,
    pub attaching: &'static str,
    pub remove: &'static str,
    pub submit: &'static str,
    pub submitting: &'static str,
    pub check_title: &'static str,
    pub check_intro: &'static str,
    pub go_to_field: &'static str,
    pub receipt_title: &'static str,
    pub receipt_subtitle: &'static str,
    pub dossier_code: &'static str,
    pub lookup_pin: &'static str,
    pub receiving_agency: &'static str,
    pub applicant: &'static str,
    pub address: &'static str,
    pub procedure: &'static str,
    pub documents_received: &'static str,
    pub doc_name: &'static str,
    pub doc_size: &'static str,
    pub doc_sha256: &'static str,
    pub sets: &'static str,
    pub processing_time: &'static str,
    pub working_days: &'static str,
    pub received_at: &'static str,
    pub appointment: &'static str,
    pub delivery: &'static str,
    pub fee: &'static str,
    pub free: &'static str,
    pub manifest: &'static str,
    pub signature_ok: &'static str,
    pub existing_notice: &'static str,
    pub new_dossier: &'static str,
    pub error_title: &'static str,
}

/// Vietnamese, shown first.
pub const VI: &Texts = &vi::TEXTS;
/// English, shown beside it.
pub const EN: &Texts = &en::TEXTS;
