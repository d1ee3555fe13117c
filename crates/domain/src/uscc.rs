//! Unified social credit codes (统一社会信用代码, GB 32100-2015) with the embedded
//! organisation code (组织机构代码, GB 11714).
//!
//! Guarantees: a [`Uscc`] value has 18 characters from the standard's alphabet, a
//! correct GB 11714 check character at position 17 and a correct GB 32100 check
//! character at position 18. Parsing accepts lower case and surrounding blanks.

use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The three kinds of social organisation registered by civil affairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// 社会团体 (credit code 51…)
    SocialGroup,
    /// 社会服务机构 / 民办非企业单位 (credit code 52…)
    ServiceInstitution,
    /// 基金会 (credit code 53…)
    Foundation,
}

impl OrgType {
    pub const ALL: [OrgType; 3] = [OrgType::SocialGroup, OrgType::ServiceInstitution, OrgType::Foundation];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "social_group",
            OrgType::ServiceInstitution => "service_institution",
            OrgType::Foundation => "foundation",
        }
    }

    pub fn parse(s: &str) -> Option<OrgType> {
        OrgType::ALL.into_iter().find(|t| t.as_str() == s || t.label() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "社会团体",
            OrgType::ServiceInstitution => "社会服务机构",
            OrgType::Foundation => "基金会",
        }
    }

    /// The credit code's first two characters for this type.
    pub fn code_prefix(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "51",
            OrgType::ServiceInstitution => "52",
            OrgType::Foundation => "53",
        }
    }
}

impl TryFrom<String> for OrgType {
    type Error = String;

    /// The stored key only.
    fn try_from(s: String) -> Result<OrgType, String> {
        OrgType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| format!("unknown organisation type {s:?}"))
    }
}

/// A valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a credit code is not valid, in words an officer understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为 18 位")]
    Length,
    #[error("统一社会信用代码第 {0} 位含有不允许的字符")]
    Character(usize),
    #[error("组织机构代码（第 9–17 位）校验位错误")]
    OrgCheck,
    #[error("统一社会信用代码校验位（第 18 位）错误")]
    Check,
}

fn value(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

fn org_check_char(body: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.chars().zip(ORG_WEIGHTS) {
        let v = c.to_digit(36)?;
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize)
}

impl Uscc {
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(UsccError::Length);
        }
        if let Some(pos) = s.chars().position(|c| value(c).is_none()) {
            return Err(UsccError::Character(pos + 1));
        }
        if org_check_char(&s[8..16]) != s[16..17].chars().next() {
            return Err(UsccError::OrgCheck);
        }
        if check_char(&s[..17]) != s[17..].chars().next() {
            return Err(UsccError::Check);
        }
        Ok(Uscc(s))
    }

    /// Completes the first 16 characters (department, category, 6-digit region,
    /// 8-character organisation code body) with both check characters.
    pub fn complete(first16: &str) -> Result<Uscc, UsccError> {
        let s = first16.trim().to_ascii_uppercase();
        if s.chars().count() != 16 {
            return Err(UsccError::Length);
        }
        let org = org_check_char(&s[8..16]).ok_or(UsccError::Character(9))?;
        let first17 = format!("{s}{org}");
        let check = check_char(&first17).ok_or(UsccError::Character(1))?;
        Uscc::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The organisation type the code's first two characters declare, if it is a
    /// civil-affairs registration (51/52/53).
    pub fn org_type(&self) -> Option<OrgType> {
        OrgType::ALL.into_iter().find(|t| self.0.starts_with(t.code_prefix()))
    }

    /// The six-digit registering region in the code.
    pub fn region6(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The examples shipped in shared/data/uscc_examples.csv, with their verdicts.
    #[test]
    fn shared_examples_have_the_published_verdicts() {
        let cases = [
            ("53100000500019795A", true),
            ("51100000500002862F", true),
            ("53100000500006330J", false),
            ("51100000500000024G", false),
            ("91350100M000100Y43", true),
        ];
        for (code, ok) in cases {
            assert_eq!(Uscc::parse(code).is_ok(), ok, "{code}");
        }
        assert_eq!(Uscc::parse("53100000500019795A").unwrap().org_type(), Some(OrgType::Foundation));
        assert_eq!(Uscc::parse("51100000500002862F").unwrap().org_type(), Some(OrgType::SocialGroup));
        assert_eq!(Uscc::parse("91350100M000100Y43").unwrap().org_type(), None);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(Uscc::parse("5310000050001979"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("53100000500019795I"), Err(UsccError::Character(18)));
        assert_eq!(Uscc::parse("53100000500019795B"), Err(UsccError::Check));
        assert_eq!(Uscc::parse("531000005000197X5A"), Err(UsccError::OrgCheck));
        assert_eq!(Uscc::parse(" 53100000500019795a ").unwrap().as_str(), "53100000500019795A");
    }

    fn body16() -> impl Strategy<Value = String> {
        ("[5]", "[123]", "[1-6][0-9]{5}", "[0-9A-HJ-NPQRTUWXY]{8}").prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"))
    }

    proptest! {
        #[test]
        fn completed_codes_parse_and_keep_their_type(body in body16()) {
            let u = Uscc::complete(&body).unwrap();
            prop_assert_eq!(&u.as_str()[..16], body.as_str());
            prop_assert!(u.org_type().is_some());
        }

        #[test]
        fn any_single_substitution_in_the_first_17_is_detected(body in body16(), pos in 0usize..17, delta in 1usize..31) {
            let u = Uscc::complete(&body).unwrap();
            let mut chars: Vec<char> = u.as_str().chars().collect();
            let i = ALPHABET.find(chars[pos]).unwrap();
            chars[pos] = ALPHABET.chars().nth((i + delta) % 31).unwrap();
            let changed: String = chars.into_iter().collect();
            prop_assert!(Uscc::parse(&changed).is_err());
        }
    }
}
