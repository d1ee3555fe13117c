//! Sealing personal data of households (names, ID numbers, phones) with SM4-GCM.
//!
//! Guarantees: a sealed value is `v1:` + hex(12-byte random nonce ‖ ciphertext ‖
//! 16-byte tag); the same plaintext sealed twice gives different texts; any
//! change to a sealed text, or opening it with another key, is detected and
//! refused, never silently decoded. The key is 128 bits and never leaves this
//! type (its `Debug` prints nothing of it).

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{AesGcm, Nonce};
use rand::RngCore;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

const PREFIX: &str = "v1:";

/// Seals and opens personal data with one data key.
#[derive(Clone)]
pub struct Sealer {
    cipher: Sm4Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(SM4-GCM)")
    }
}

/// Why a key or a sealed value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("数据密钥应为 32 位十六进制字符（128 位）")]
    BadKey,
    #[error("密文无法解开：已被改动，或不是用本平台的数据密钥加密的")]
    Tampered,
}

impl Sealer {
    /// A sealer from a 32-hex-character key.
    pub fn from_hex(key: &str) -> Result<Sealer, SealError> {
        let bytes = hex::decode(key.trim()).map_err(|_| SealError::BadKey)?;
        let key: [u8; 16] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Sealer { cipher: Sm4Gcm::new(&key.into()) })
    }

    /// A new random key, as 32 hex characters (written once to the key file).
    pub fn generate_key_hex() -> String {
        let mut key = [0u8; 16];
        rand::rng().fill_bytes(&mut key);
        hex::encode(key)
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ct = self.cipher.encrypt(&Nonce::<U12>::from(nonce), plaintext.as_bytes()).unwrap_or_default();
        format!("{PREFIX}{}{}", hex::encode(nonce), hex::encode(ct))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Tampered)?;
        let raw = hex::decode(body).map_err(|_| SealError::Tampered)?;
        if raw.len() < 12 + 16 {
            return Err(SealError::Tampered);
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Tampered)?;
        let pt = self.cipher.decrypt(&Nonce::<U12>::from(nonce), ct).map_err(|_| SealError::Tampered)?;
        String::from_utf8(pt).map_err(|_| SealError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "0123456789abcdeffedcba9876543210";

    #[test]
    fn sealed_text_hides_the_value_and_opens_back() {
        let s = Sealer::from_hex(KEY).unwrap();
        let id = "530628199001011234";
        let a = s.seal(id);
        let b = s.seal(id);
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains(id) && !a.contains("1234"));
        assert_eq!(s.open(&a).unwrap(), id);
    }

    #[test]
    fn a_changed_text_or_another_key_is_refused() {
        let s = Sealer::from_hex(KEY).unwrap();
        let sealed = s.seal("张三");
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(s.open(&String::from_utf8(flipped).unwrap()), Err(SealError::Tampered));
        let other = Sealer::from_hex(&Sealer::generate_key_hex()).unwrap();
        assert_eq!(other.open(&sealed), Err(SealError::Tampered));
        assert_eq!(Sealer::from_hex("abc").err(), Some(SealError::BadKey));
    }

    proptest! {
        #[test]
        fn any_text_round_trips(text in ".{0,64}") {
            let s = Sealer::from_hex(KEY).unwrap();
            prop_assert_eq!(s.open(&s.seal(&text)).unwrap(), text);
        }
    }
}
