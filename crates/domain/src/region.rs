//! Statistical division codes (国家统计局统计用区划代码, first six digits per GB/T 2260).
//!
//! Guarantees: a [`RegionCode`] is stored in its *natural* length — 2 digits for a
//! province, 4 for a prefecture, 6 for a county, 9 for a township, 12 for a village,
//! and the empty string for the whole country — so that "is inside" is a plain
//! string-prefix test and scope filters in SQL are `code LIKE 'prefix%'`.
//! Every padded form officers type (`530000`, `530628000000`) parses to the same code.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The level of a node in the administrative tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

impl Level {
    /// Length of the natural code at this level.
    pub fn code_len(self) -> usize {
        match self {
            Level::National => 0,
            Level::Province => 2,
            Level::Prefecture => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    pub fn from_code_len(len: usize) -> Option<Level> {
        Some(match len {
            0 => Level::National,
            2 => Level::Province,
            4 => Level::Prefecture,
            6 => Level::County,
            9 => Level::Township,
            12 => Level::Village,
            _ => return None,
        })
    }

    /// The key used in the reference data and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::National, Level::Province, Level::Prefecture, Level::County, Level::Township, Level::Village]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    /// Chinese name of the level, as shown in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Level::National => "全国",
            Level::Province => "省级",
            Level::Prefecture => "地市级",
            Level::County => "县级",
            Level::Township => "乡镇级",
            Level::Village => "村级",
        }
    }

    /// The level below, if any.
    pub fn child(self) -> Option<Level> {
        Some(match self {
            Level::National => Level::Province,
            Level::Province => Level::Prefecture,
            Level::Prefecture => Level::County,
            Level::County => Level::Township,
            Level::Township => Level::Village,
            Level::Village => return None,
        })
    }
}

/// A parsed region code in natural length. See the module header.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Why a region code did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("区划代码只能包含数字")]
    NotDigits,
    #[error("区划代码长度应为 2、4、6、9 或 12 位")]
    BadLength,
    #[error("区划代码的某一级为 0，不是有效代码")]
    ZeroSegment,
}

impl RegionCode {
    /// The whole country (全国), the root of the tree.
    pub fn national() -> Self {
        RegionCode(String::new())
    }

    /// Parses any form officers type: natural length, the six-digit GB/T 2260 form
    /// (`530000`, `530600`), or the twelve-digit NBS form (`530628000000`).
    /// `000000` and `000000000000` mean the whole country.
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        let s = input.trim();
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(RegionCodeError::NotDigits);
        }
        if s.is_empty() {
            return Err(RegionCodeError::BadLength);
        }
        let natural = match s.len() {
            2 | 4 | 9 => s.to_string(),
            6 | 12 => {
                let mut t = s;
                // Strip empty trailing segments: 12 -> 9 -> 6 -> 4 -> 2 -> 0.
                for (len, seg) in [(12usize, 3usize), (9, 3), (6, 2), (4, 2), (2, 2)] {
                    if t.len() == len && t.ends_with(&"0".repeat(seg)) {
                        t = &t[..len - seg];
                    }
                }
                t.to_string()
            }
            _ => return Err(RegionCodeError::BadLength),
        };
        // Every segment of a natural code must be non-zero, except the county
        // segment below a prefecture-level city without counties (东莞市 4419:
        // its townships are 441900xxx and hang directly under the city).
        let bounds = [(0usize, 2usize), (2, 4), (4, 6), (6, 9), (9, 12)];
        for (a, b) in bounds {
            let zero = natural.len() >= b && natural[a..b].chars().all(|c| c == '0');
            if zero && !(a == 4 && natural.len() >= 9) {
                return Err(RegionCodeError::ZeroSegment);
            }
        }
        Ok(RegionCode(natural))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        Level::from_code_len(self.0.len()).unwrap_or(Level::National)
    }

    /// The parent node's code; the national root has none.
    pub fn parent(&self) -> Option<RegionCode> {
        let parent_len = match self.level() {
            Level::National => return None,
            Level::Province => 0,
            Level::Prefecture => 2,
            Level::County => 4,
            Level::Township if &self.0[4..6] == "00" => 4,
            Level::Township => 6,
            Level::Village => 9,
        };
        Some(RegionCode(self.0[..parent_len].to_string()))
    }

    /// The chain from the root down to this code, inclusive.
    pub fn ancestry(&self) -> Vec<RegionCode> {
        let mut chain = vec![self.clone()];
        let mut cur = self.clone();
        while let Some(p) = cur.parent() {
            chain.push(p.clone());
            cur = p;
        }
        chain.reverse();
        chain
    }

    /// Whether `other` lies in this node's subtree (a node contains itself).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The twelve-digit NBS form, right-padded with zeros.
    pub fn padded12(&self) -> String {
        format!("{:0<12}", self.0)
    }

    /// The six-digit GB/T 2260 form for province, prefecture and county.
    pub fn padded6(&self) -> String {
        if self.0.len() <= 6 { format!("{:0<6}", self.0) } else { self.0.clone() }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("000000") } else { f.write_str(&self.0) }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.is_empty() { Ok(RegionCode::national()) } else { RegionCode::parse(&s) }
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn padded_forms_parse_to_natural_length() {
        assert_eq!(RegionCode::parse("530000").unwrap().as_str(), "53");
        assert_eq!(RegionCode::parse("530600").unwrap().as_str(), "5306");
        assert_eq!(RegionCode::parse("530628").unwrap().as_str(), "530628");
        assert_eq!(RegionCode::parse("530628000000").unwrap().as_str(), "530628");
        assert_eq!(RegionCode::parse("530628100000").unwrap().as_str(), "530628100");
        assert_eq!(RegionCode::parse("530628100201").unwrap().as_str(), "530628100201");
        assert_eq!(RegionCode::parse("000000").unwrap(), RegionCode::national());
        assert_eq!(RegionCode::parse("5306").unwrap().level(), Level::Prefecture);
    }

    #[test]
    fn townships_of_cities_without_counties_hang_under_the_city() {
        let dongcheng = RegionCode::parse("441900003").unwrap();
        assert_eq!(dongcheng.level(), Level::Township);
        assert_eq!(dongcheng.parent().unwrap().as_str(), "4419");
        assert!(RegionCode::parse("4419").unwrap().contains(&dongcheng));
        assert_eq!(RegionCode::parse("441900003001").unwrap().parent().unwrap(), dongcheng);
        // The six-digit form stays the GB/T 2260 form of the city itself.
        assert_eq!(RegionCode::parse("441900").unwrap().as_str(), "4419");
    }

    #[test]
    fn malformed_codes_are_refused_with_a_reason() {
        assert_eq!(RegionCode::parse("53a6"), Err(RegionCodeError::NotDigits));
        assert_eq!(RegionCode::parse("5306281"), Err(RegionCodeError::BadLength));
        assert_eq!(RegionCode::parse(""), Err(RegionCodeError::BadLength));
        assert_eq!(RegionCode::parse("530628000"), Err(RegionCodeError::ZeroSegment));
        assert_eq!(RegionCode::parse("0006"), Err(RegionCodeError::ZeroSegment));
    }

    #[test]
    fn containment_is_subtree_membership() {
        let yn = RegionCode::parse("53").unwrap();
        let yiliang = RegionCode::parse("530628").unwrap();
        let other = RegionCode::parse("530627").unwrap();
        assert!(yn.contains(&yiliang));
        assert!(yiliang.contains(&yiliang));
        assert!(!yiliang.contains(&other));
        assert!(!yiliang.contains(&yn));
        assert!(RegionCode::national().contains(&yn));
        assert_eq!(yiliang.ancestry().iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>(), vec!["", "53", "5306", "530628"]);
    }

    proptest! {
        #[test]
        fn every_natural_code_round_trips_through_its_padded_forms(
            segs in proptest::collection::vec(1u32..99, 1..=5)
        ) {
            let widths = [2usize, 2, 2, 3, 3];
            let code: String = segs.iter().zip(widths).map(|(v, w)| format!("{:0w$}", v, w = w)).collect();
            let parsed = RegionCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(RegionCode::parse(&parsed.padded12()).unwrap(), parsed.clone());
            if code.len() <= 6 {
                prop_assert_eq!(RegionCode::parse(&parsed.padded6()).unwrap(), parsed.clone());
            }
            prop_assert!(parsed.parent().unwrap().contains(&parsed));
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,20}") {
            let _ = RegionCode::parse(&s);
        }
    }
}
