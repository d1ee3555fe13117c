//! Dates as officers type them.
//!
//! Guarantees: every form people use in spreadsheets and forms (2021-08-27,
//! 2021/8/27, 2021.8.27, 2021年8月27日, 20210827) parses to the same date, and
//! anything else is refused rather than guessed.

use chrono::NaiveDate;

/// Parses the date forms officers type: 2021-08-27, 2021/8/27, 2021年8月27日, 20210827.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn typed_forms_agree() {
        let want = chrono::NaiveDate::from_ymd_opt(2021, 8, 27);
        for s in ["2021-08-27", "2021/8/27", "2021.8.27", "2021年8月27日", " 20210827 "] {
            assert_eq!(parse_date(s), want, "{s}");
        }
        assert_eq!(parse_date("27/08/2021"), None);
        assert_eq!(parse_date(""), None);
    }
}
