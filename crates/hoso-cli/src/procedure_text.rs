//! `hoso procedures show` in words: what each field takes (kind, required
//! or when, length with its unit, format, range, choices, a table's
//! columns) and what each document slot accepts (file types, size, how
//! many), so that a dossier can be written from the terminal without
//! reading the schema's JSON.

use crate::exit::Lang;
use hoso_core::Bilingual;
use hoso_core::bilingual::{byte_size, en_number, vi_number};
use hoso_core::procedure::{AttachmentSlot, Condition, Field, FieldKind, Procedure};

/// The procedure as text in `lang`.
pub fn render(p: &Procedure, lang: Lang) -> String {
    let t = |vi: &str, en: &str| match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    };
    let say = |b: &Bilingual| lang.pick(b).to_owned();
    let mut lines = vec![
        format!("{} {} — {}", p.code, p.version, say(&p.name)),
        format!(
            "{}: {} · {} · {}",
            t("Cơ quan", "Agency"),
            say(&p.agency),
            match lang {
                Lang::Vi => format!("thời hạn {} ngày làm việc", p.processing_days),
                Lang::En => format!("{} working day(s) to process", p.processing_days),
            },
            match lang {
                Lang::Vi => format!("lệ phí {} đồng", vi_number(p.fee_vnd)),
                Lang::En => format!("fee {} VND", en_number(p.fee_vnd)),
            },
        ),
        format!(
            "{} {}{}",
            t("Áp dụng từ", "In force from"),
            p.effective_from,
            p.effective_until
                .map(|d| format!(" {} {d}", t("đến", "to")))
                .unwrap_or_default()
        ),
        String::new(),
        t(
            "Trường (* bắt buộc; đặt bằng `hoso dossiers set ID --field ĐƯỜNG_DẪN=GIÁ_TRỊ`):",
            "Fields (* required; set with `hoso dossiers set ID --field PATH=VALUE`):",
        ),
    ];
    for section in &p.sections {
        lines.push(format!("  {}", say(&section.title)));
        for f in &section.fields {
            let path = format!("{}.{}", section.id, f.id);
            lines.push(field_line(&path, f, lang, 4));
            for c in &f.columns {
                lines.push(field_line(&format!("{path}[].{}", c.id), c, lang, 6));
            }
        }
    }
    lines.push(String::new());
    lines.push(t(
        "Giấy tờ (* bắt buộc; đính kèm bằng `hoso dossiers attach ID LOẠI TỆP`):",
        "Documents (* required; attach with `hoso dossiers attach ID SLOT FILE`):",
    ));
    for s in &p.attachments {
        lines.push(slot_line(s, lang));
    }
    let largest = largest_file(p);
    let holders: Vec<&AttachmentSlot> = p
        .attachments
        .iter()
        .filter(|s| s.max_size_bytes == largest)
        .collect();
    if !holders.is_empty() {
        let size = byte_size(largest);
        let which = if holders.len() == p.attachments.len() {
            t("mọi loại giấy tờ", "every document slot")
        } else {
            holders
                .iter()
                .map(|s| format!("[{}]", s.id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(String::new());
        lines.push(match lang {
            Lang::Vi => format!("Tệp lớn nhất thủ tục nhận: {} ({which}).", size.vi),
            Lang::En => format!("Largest file this procedure takes: {} ({which}).", size.en),
        });
    }
    lines.join("\n")
}

/// The size of the largest file any of the procedure's slots takes.
pub fn largest_file(p: &Procedure) -> u64 {
    p.attachments
        .iter()
        .map(|s| s.max_size_bytes)
        .max()
        .unwrap_or(0)
}

/// Where a field's label starts, so that labels line up.
const LABEL_AT: usize = 40;

/// "  importer.name *   Tên doanh nghiệp · văn bản một dòng · tối đa 255 ký tự".
fn field_line(path: &str, f: &Field, lang: Lang, indent: usize) -> String {
    let mark = if f.required { " *" } else { "" };
    let head = format!("{path}{mark}");
    let mut facts = vec![lang.pick(&f.kind.label()).to_owned()];
    facts.extend(field_facts(f, lang));
    let width = LABEL_AT.saturating_sub(indent + 1);
    format!(
        "{:indent$}{head:<width$} {} · {}",
        "",
        lang.pick(&f.label),
        facts.join(" · ")
    )
}

/// What a field takes beyond its kind, one phrase each.
fn field_facts(f: &Field, lang: Lang) -> Vec<String> {
    let vi = lang == Lang::Vi;
    let num = |n: u64| if vi { vi_number(n) } else { en_number(n) };
    let mut facts = Vec::new();
    if let Some(c) = &f.required_when {
        facts.push(condition(c, lang));
    }
    let unit = f.max_length.map(|l| l.unit.label());
    match (f.min_length, f.max_length, &unit) {
        (Some(min), Some(max), Some(u)) => facts.push(if vi {
            format!("{}–{} {}", num(min.into()), num(max.max.into()), u.vi)
        } else {
            format!("{}–{} {}", num(min.into()), num(max.max.into()), u.en)
        }),
        (None, Some(max), Some(u)) => facts.push(if vi {
            format!("tối đa {} {}", num(max.max.into()), u.vi)
        } else {
            format!("at most {} {}", num(max.max.into()), u.en)
        }),
        (Some(min), None, _) => facts.push(if vi {
            format!("ít nhất {} ký tự", num(min.into()))
        } else {
            format!("at least {} characters", num(min.into()))
        }),
        _ => {}
    }
    if let Some(p) = &f.pattern {
        facts.push(format!(
            "{}: {}",
            if vi { "dạng" } else { "format" },
            lang.pick(&p.hint)
        ));
    }
    if let Some(r) = &f.range {
        let n = |x: f64| number(x, lang);
        match (r.min, r.max) {
            (Some(a), Some(b)) => facts.push(if vi {
                format!("từ {} đến {}", n(a), n(b))
            } else {
                format!("from {} to {}", n(a), n(b))
            }),
            (Some(a), None) => facts.push(if vi {
                format!("ít nhất {}", n(a))
            } else {
                format!("at least {}", n(a))
            }),
            (None, Some(b)) => facts.push(if vi {
                format!("nhiều nhất {}", n(b))
            } else {
                format!("at most {}", n(b))
            }),
            (None, None) => {}
        }
    }
    if let Some(d) = f.decimals {
        facts.push(if vi {
            format!("tối đa {d} chữ số thập phân")
        } else {
            format!("at most {d} decimal places")
        });
    }
    if let Some(u) = &f.unit {
        facts.push(format!(
            "{}: {}",
            if vi { "đơn vị" } else { "unit" },
            lang.pick(u)
        ));
    }
    if !f.options.is_empty() {
        let choices: Vec<String> = f
            .options
            .iter()
            .map(|o| format!("{} ({})", o.value, lang.pick(&o.label)))
            .collect();
        facts.push(format!(
            "{}: {}",
            if vi { "chọn" } else { "choices" },
            choices.join(", ")
        ));
    }
    if f.kind == FieldKind::Table {
        let min = f.min_rows.unwrap_or(u32::from(f.required));
        facts.push(match (f.max_rows, vi) {
            (Some(max), true) => format!("{min}–{max} dòng, các cột:"),
            (Some(max), false) => format!("{min}–{max} rows, columns:"),
            (None, true) => format!("từ {min} dòng, các cột:"),
            (None, false) => format!("{min} rows or more, columns:"),
        });
    }
    facts
}

/// "bắt buộc khi có papers.co_no" / "required when papers.co_no = yes".
fn condition(c: &Condition, lang: Lang) -> String {
    match (&c.equals, lang) {
        (Some(v), Lang::Vi) => format!("bắt buộc khi {} = {v}", c.field),
        (Some(v), Lang::En) => format!("required when {} = {v}", c.field),
        (None, Lang::Vi) => format!("bắt buộc khi có {}", c.field),
        (None, Lang::En) => format!("required when {} is given", c.field),
    }
}

/// "  [contract] *  Hợp đồng · pdf, jpg · tối đa 20,0 MB mỗi tệp · tối đa 5 tệp".
fn slot_line(s: &AttachmentSlot, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    let mark = if s.required { " *" } else { "" };
    let mut facts = vec![s.accept.join(", ")];
    let size = byte_size(s.max_size_bytes);
    facts.push(if vi {
        format!("tối đa {} mỗi tệp", size.vi)
    } else {
        format!("at most {} a file", size.en)
    });
    facts.push(if vi {
        format!("tối đa {} tệp", s.max_count)
    } else {
        format!("at most {} file(s)", s.max_count)
    });
    if let Some(c) = &s.required_when {
        facts.push(condition(c, lang));
    }
    let head = format!("[{}]{mark}", s.id);
    let width = LABEL_AT - 3;
    format!(
        "  {head:<width$} {} · {}",
        lang.pick(&s.label),
        facts.join(" · ")
    )
}

/// A number as written in `lang`: 1.000.000 and 0,001 in Vietnamese.
fn number(x: f64, lang: Lang) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let n = x.abs() as u64;
        let sign = if x < 0.0 { "-" } else { "" };
        return match lang {
            Lang::Vi => format!("{sign}{}", vi_number(n)),
            Lang::En => format!("{sign}{}", en_number(n)),
        };
    }
    match lang {
        Lang::Vi => x.to_string().replace('.', ","),
        Lang::En => x.to_string(),
    }
}
