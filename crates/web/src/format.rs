//! How pages and exports show values to people.
//!
//! Guarantees: one place for each display form the officers' screens use —
//! dates as 2025年12月31日 and times in Beijing time, money in 万元 with two
//! decimals, counts with thousands separators — so that every page and export
//! shows the same value the same way. Parsing of what people type lives in
//! `duijie_domain` (`date::parse_date`, `pairing::parse_wan`).

use chrono::{FixedOffset, TimeZone};

/// 2026年11月23日 15:04 (Beijing time) from Unix seconds.
pub fn fmt_time(secs: i64) -> String {
    let Some(tz) = FixedOffset::east_opt(8 * 3600) else { return String::new() };
    tz.timestamp_opt(secs, 0).single().map(|t| t.format("%Y年%m月%d日 %H:%M").to_string()).unwrap_or_default()
}

/// 2021年08月27日 from a date.
pub fn fmt_date(d: &chrono::NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// Money in 万元 with two decimals (templates).
pub fn wan(fen: &i64) -> String {
    duijie_domain::pairing::format_wan(*fen)
}

/// 12.50 (万元), or — for nothing.
pub fn wan_or_dash(fen: i64) -> String {
    if fen == 0 { "—".into() } else { wan(&fen) }
}

/// 12.50 (万元), or nothing (API fields).
pub fn wan_or_empty(fen: i64) -> String {
    if fen == 0 { String::new() } else { wan(&fen) }
}

/// 12,345.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The kind of an organisation's attachment as people read it (登记证书); a
/// kind typed by a person is shown as typed.
pub fn attachment_kind(kind: &str) -> &str {
    match kind {
        "registration_certificate" => "登记证书",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-12345), "-12,345");
    }

    #[test]
    fn dates_and_money_read_as_officers_write_them() {
        assert_eq!(fmt_date(&chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default()), "2025年12月31日");
        assert_eq!(fmt_time(0), "1970年01月01日 08:00");
        assert_eq!(wan_or_dash(0), "—");
        assert_eq!(wan_or_dash(125_000), wan(&125_000));
    }
}
