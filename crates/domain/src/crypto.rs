//! Cryptographic primitives of the 商用密码 family used across Duijie.
//!
//! Guarantees: passwords are stored only as PBKDF2-HMAC-SM3 with a random 16-byte
//! salt and the iteration count written into the stored string (so the cost can
//! rise without invalidating old hashes); verification compares in constant time.
//! Tokens are 256 random bits from the operating system's generator.

use rand::RngCore;
use sm3::{Digest, Sm3};

/// Iterations for new password hashes.
pub const PBKDF2_ITERATIONS: u32 = 60_000;
const SCHEME: &str = "pbkdf2-sm3";

/// Lower-case hex SM3 digest of `data`.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// A fresh random token, 64 hex characters.
pub fn random_token() -> String {
    let mut buf = [0u8; 32];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, iterations, &mut out);
    out
}

/// Hashes a password for storage: `pbkdf2-sm3$ITER$SALT_HEX$HASH_HEX`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let dk = derive(password, &salt, PBKDF2_ITERATIONS);
    format!("{SCHEME}${PBKDF2_ITERATIONS}${}${}", hex::encode(salt), hex::encode(dk))
}

/// The password policy: at least 8 characters with letters and digits.
/// Returns what is wrong, in Chinese, or `None`.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 8 {
        return Some("密码至少 8 位");
    }
    if password.chars().count() > 128 {
        return Some("密码不能超过 128 位");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) || !password.chars().any(|c| c.is_alphabetic()) {
        return Some("密码须同时包含字母和数字");
    }
    None
}

/// Checks a password against a stored hash; malformed hashes never verify.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, iter, salt, hash] = parts.as_slice() else { return false };
    if *scheme != SCHEME {
        return false;
    }
    let (Ok(iter), Ok(salt), Ok(expected)) = (iter.parse::<u32>(), hex::decode(salt), hex::decode(hash)) else {
        return false;
    };
    if iter == 0 || iter > 10_000_000 {
        return false;
    }
    let dk = derive(password, &salt, iter);
    constant_time_eq(&dk, &expected)
}

/// Compares two byte strings without an early exit on the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_matches_the_standard_test_vector() {
        // GB/T 32905-2016, example 1: SM3("abc").
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let h = hash_password("正确的密码 1");
        assert!(h.starts_with("pbkdf2-sm3$"));
        assert!(verify_password("正确的密码 1", &h));
        assert!(!verify_password("正确的密码 2", &h));
        assert!(!verify_password("正确的密码 1", "plain"));
        assert_ne!(hash_password("x"), hash_password("x"), "salts must differ");
    }

    #[test]
    fn password_policy_names_the_problem() {
        assert_eq!(password_problem("abc1"), Some("密码至少 8 位"));
        assert_eq!(password_problem("abcdefgh"), Some("密码须同时包含字母和数字"));
        assert_eq!(password_problem("12345678"), Some("密码须同时包含字母和数字"));
        assert_eq!(password_problem("Duijie2026"), None);
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
    }
}
