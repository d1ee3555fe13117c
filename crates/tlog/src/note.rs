//! Checkpoints and their signatures: C2SP tlog-checkpoint text inside a C2SP
//! signed note, signed with SM2 (GB/T 32918.2, SM3, the standard's default
//! identity `1234567812345678`).
//!
//! Guarantees:
//! - [`Checkpoint::body`] and [`Checkpoint::parse`] are inverse: origin line,
//!   decimal size, base64 root, then the version line [`VERSION_LINE`].
//! - A signature line is `— <key name> base64(key ID ‖ r ‖ s)` over the exact
//!   note text; the key ID is `SHA-256(name ‖ 0x0A ‖ 0xFF ‖ "sm2-sm3" ‖ public key)[:4]`
//!   with the public key as the 65-byte uncompressed SEC1 point.
//! - [`open`] accepts a note only if a signature line carries the verifier's
//!   key name and key ID and verifies; lines of other keys are ignored, a
//!   failing line of the verifier's key refuses the whole note.
//! - Key files: the public key `name+keyid+base64(0xFF ‖ "sm2-sm3" ‖ point)`
//!   and the private key `PRIVATE+KEY+name+keyid+base64(0xFF ‖ "sm2-sm3" ‖ scalar)`
//!   (the Go `note` package's layout), each on one line.
//! - A co-signature (C2SP tlog-cosignature, SM2 in place of Ed25519) is a line
//!   `— <witness name> base64(key ID ‖ u64 time ‖ r ‖ s)` over
//!   `cosignature/v1\ntime <time>\n‖ note text`, its key ID taken with the type
//!   `0xFF ‖ "sm2-sm3-cosignature/v1"`: it can only be read as a co-signature
//!   of that witness at that time, never as a checkpoint signature.

use crate::hash::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The checkpoint's fourth line: the version of the entry encoding and of these formats.
pub const VERSION_LINE: &str = "duijie-log/v1";

/// The signer identity SM2 hashes into Z (GB/T 32918's default).
pub const SM2_ID: &str = "1234567812345678";

/// The signature type of the signed-note key ID: 0xFF then this identifier.
const ALGORITHM: &[u8] = b"\xffsm2-sm3";

/// The signature type of a co-signature's key ID (C2SP tlog-cosignature with
/// SM2 in place of Ed25519): a key's co-signatures cannot pass for its checkpoint signatures.
const COSIGNATURE: &[u8] = b"\xffsm2-sm3-cosignature/v1";

/// The first line of the message a co-signature signs.
const COSIGNATURE_HEADER: &str = "cosignature/v1";

/// Why a key, note or checkpoint was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("密钥格式不正确：{0}")]
    Key(&'static str),
    #[error("检查点格式不正确：{0}")]
    Checkpoint(&'static str),
    #[error("签名验证失败：没有来自该公钥的有效签名")]
    Signature,
}

/// A signed tree head: the log's name, how many entries, and the root over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\nduijie-log/v1\n`.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n{VERSION_LINE}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// The checkpoint a note text states.
    pub fn parse(text: &str) -> Result<Checkpoint, Error> {
        let lines: Vec<&str> = text.strip_suffix('\n').ok_or(Error::Checkpoint("缺少结尾换行"))?.split('\n').collect();
        let [origin, size, root, version] = lines[..] else { return Err(Error::Checkpoint("应为四行")) };
        if origin.is_empty() {
            return Err(Error::Checkpoint("缺少来源行"));
        }
        if version != VERSION_LINE {
            return Err(Error::Checkpoint("版本行不是 duijie-log/v1"));
        }
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(Error::Checkpoint("树大小不是十进制数"));
        }
        let size = size.parse().map_err(|_| Error::Checkpoint("树大小过大"))?;
        let root = B64.decode(root).ok().and_then(|b| Hash::try_from(b).ok()).ok_or(Error::Checkpoint("根哈希不是 32 字节的 base64"))?;
        Ok(Checkpoint { origin: origin.to_string(), size, root })
    }
}

fn key_id(name: &str, point: &[u8]) -> [u8; 4] {
    key_id_of(ALGORITHM, name, point)
}

fn key_id_of(algorithm: &[u8], name: &str, point: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n']);
    h.update(algorithm);
    h.update(point);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['+', ' ', '\n', '\t'])
}

/// A public key with its name.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub name: String,
    point: Vec<u8>,
    key: VerifyingKey,
}

impl PublicKey {
    /// Reads `name+keyid+base64(0xFF ‖ "sm2-sm3" ‖ point)`.
    pub fn parse(text: &str) -> Result<PublicKey, Error> {
        let parts: Vec<&str> = text.trim().splitn(3, '+').collect();
        let [name, id, key] = parts[..] else { return Err(Error::Key("公钥应为 名称+密钥标识+密钥 三段")) };
        let raw = B64.decode(key).map_err(|_| Error::Key("公钥不是 base64"))?;
        let point = raw.strip_prefix(ALGORITHM).ok_or(Error::Key("不是 SM2 公钥"))?;
        let verifying = VerifyingKey::from_sec1_bytes(SM2_ID, point).map_err(|_| Error::Key("SM2 公钥点无效"))?;
        if !valid_name(name) || hex::encode(key_id(name, point)) != id {
            return Err(Error::Key("密钥标识与公钥不符"));
        }
        Ok(PublicKey { name: name.to_string(), point: point.to_vec(), key: verifying })
    }

    /// The one-line text form.
    pub fn encode(&self) -> String {
        format!("{}+{}+{}", self.name, hex::encode(self.id()), B64.encode([ALGORITHM, &self.point].concat()))
    }

    /// The 4-byte key ID.
    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, &self.point)
    }

    /// The 4-byte key ID of this key's co-signatures.
    pub fn cosignature_id(&self) -> [u8; 4] {
        key_id_of(COSIGNATURE, &self.name, &self.point)
    }

    /// This key's co-signature on `checkpoint` (the note text) among the
    /// note's signature lines, if one verifies: its time and its line.
    pub fn cosigned<'a>(&self, checkpoint: &str, signature_lines: &'a str) -> Option<(u64, &'a str)> {
        signature_lines.lines().find_map(|line| {
            let (name, blob) = line.strip_prefix("— ")?.split_once(' ')?;
            let blob = B64.decode(blob).ok()?;
            if name != self.name || blob.len() != 4 + 8 + 64 || blob[..4] != self.cosignature_id() {
                return None;
            }
            let time = u64::from_be_bytes(blob[4..12].try_into().ok()?);
            self.verifies(cosigned_message(checkpoint, time).as_bytes(), &blob[12..]).then_some((time, line))
        })
    }

    /// Whether `signature` (r ‖ s, 64 bytes) is this key's SM2 signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|s| self.key.verify(message, &s).is_ok())
    }
}

/// A private key with its name; it signs checkpoints.
pub struct PrivateKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").field("name", &self.name).finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// A fresh random key named `name` (a schema-less URL such as `duijie.example.cn/log`).
    pub fn generate(name: &str) -> Result<PrivateKey, Error> {
        use sm2::elliptic_curve::Generate;
        if !valid_name(name) {
            return Err(Error::Key("密钥名称不能为空，也不能含 + 或空白"));
        }
        let secret = sm2::SecretKey::generate();
        let key = SigningKey::new(SM2_ID, &secret).map_err(|_| Error::Key("无法生成 SM2 密钥"))?;
        Ok(PrivateKey { name: name.to_string(), key })
    }

    /// Reads `PRIVATE+KEY+name+keyid+base64(0xFF ‖ "sm2-sm3" ‖ scalar)`.
    pub fn parse(text: &str) -> Result<PrivateKey, Error> {
        let parts: Vec<&str> = text.trim().splitn(5, '+').collect();
        let ["PRIVATE", "KEY", name, id, key] = parts[..] else { return Err(Error::Key("私钥应以 PRIVATE+KEY+ 开头，共五段")) };
        let raw = B64.decode(key).map_err(|_| Error::Key("私钥不是 base64"))?;
        let scalar = raw.strip_prefix(ALGORITHM).ok_or(Error::Key("不是 SM2 私钥"))?;
        let key = SigningKey::from_slice(SM2_ID, scalar).map_err(|_| Error::Key("SM2 私钥无效"))?;
        let private = PrivateKey { name: name.to_string(), key };
        if !valid_name(name) || hex::encode(private.public().id()) != id {
            return Err(Error::Key("密钥标识与私钥不符"));
        }
        Ok(private)
    }

    /// The one-line text form (keep it secret).
    pub fn encode(&self) -> String {
        let scalar = self.key.to_bytes();
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex::encode(self.public().id()), B64.encode([ALGORITHM, scalar.as_slice()].concat()))
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        let point = self.key.verifying_key().to_sec1_bytes().to_vec();
        PublicKey { name: self.name.clone(), point, key: self.key.verifying_key().clone() }
    }

    /// The signed note: `text`, a blank line, and this key's signature line.
    pub fn sign(&self, text: &str) -> String {
        let signature: Signature = self.key.sign(text.as_bytes());
        let mut blob = self.public().id().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{text}\n— {} {}\n", self.name, B64.encode(blob))
    }

    /// A co-signature line on `checkpoint` (the note text) at Unix time `time`:
    /// `— <name> base64(cosignature key ID ‖ u64 time ‖ r ‖ s)` over
    /// `cosignature/v1\ntime <time>\n` followed by the note text.
    pub fn cosign(&self, checkpoint: &str, time: u64) -> String {
        let signature: Signature = self.key.sign(cosigned_message(checkpoint, time).as_bytes());
        let mut blob = self.public().cosignature_id().to_vec();
        blob.extend_from_slice(&time.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        format!("— {} {}\n", self.name, B64.encode(blob))
    }
}

fn cosigned_message(checkpoint: &str, time: u64) -> String {
    format!("{COSIGNATURE_HEADER}\ntime {time}\n{checkpoint}")
}

/// A signed note split into its text (ending in a newline) and its signature lines.
pub fn split(note: &str) -> Option<(&str, &str)> {
    let split = note.rfind("\n\n")?;
    Some((&note[..split + 1], &note[split + 2..]))
}

/// The note text of a signed note whose signature by `key` verifies.
pub fn open<'a>(note: &'a str, key: &PublicKey) -> Result<&'a str, Error> {
    let (text, signatures) = split(note).ok_or(Error::Checkpoint("缺少签名部分"))?;
    let mut verified = false;
    for line in signatures.lines() {
        let Some((name, blob)) = line.strip_prefix("— ").and_then(|l| l.split_once(' ')) else {
            return Err(Error::Checkpoint("签名行格式不正确"));
        };
        let Ok(blob) = B64.decode(blob) else { return Err(Error::Checkpoint("签名不是 base64")) };
        if name != key.name || blob.len() < 4 || blob[..4] != key.id() {
            continue;
        }
        if !key.verifies(text.as_bytes(), &blob[4..]) {
            return Err(Error::Signature);
        }
        verified = true;
    }
    if verified { Ok(text) } else { Err(Error::Signature) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let key = PrivateKey::generate("duijie.test/log").unwrap();
        let cp = Checkpoint { origin: "duijie.test/log".into(), size: 7, root: [9u8; 32] };
        let note = key.sign(&cp.body());
        let public = PublicKey::parse(&key.public().encode()).unwrap();
        assert_eq!(Checkpoint::parse(open(&note, &public).unwrap()).unwrap(), cp);
        let other = PrivateKey::generate("duijie.test/log").unwrap().public();
        assert_eq!(open(&note, &other), Err(Error::Signature));
        let forged = note.replacen("\n7\n", "\n8\n", 1);
        assert_eq!(open(&forged, &public), Err(Error::Signature));
    }

    #[test]
    fn a_cosignature_verifies_with_the_witness_key_only_and_is_no_checkpoint_signature() {
        let log = PrivateKey::generate("duijie.test/log").unwrap();
        let witness = PrivateKey::generate("witness.test/w").unwrap();
        let body = Checkpoint { origin: "duijie.test/log".into(), size: 3, root: [1u8; 32] }.body();
        let note = format!("{}{}", log.sign(&body), witness.cosign(&body, 1_764_000_000));
        let (text, lines) = split(&note).unwrap();
        assert_eq!(text, body);
        assert_eq!(witness.public().cosigned(text, lines).map(|c| c.0), Some(1_764_000_000));
        // The log's own signature still opens the note with the co-signature line beside it.
        assert!(open(&note, &log.public()).is_ok());
        // Another witness, another checkpoint, another time: no.
        assert_eq!(PrivateKey::generate("witness.test/w").unwrap().public().cosigned(text, lines), None);
        let other = Checkpoint { origin: "duijie.test/log".into(), size: 4, root: [1u8; 32] }.body();
        assert_eq!(witness.public().cosigned(&other, lines), None);
        let (name, blob) = lines.lines().last().unwrap().strip_prefix("— ").unwrap().split_once(' ').unwrap();
        let mut blob = B64.decode(blob).unwrap();
        blob[11] ^= 1;
        assert_eq!(witness.public().cosigned(text, &format!("— {name} {}\n", B64.encode(blob))), None, "the time is signed");
        // A co-signature is not the witness's signature of the checkpoint itself.
        assert!(open(&format!("{body}\n{}", witness.cosign(&body, 5)), &witness.public()).is_err());
    }

    #[test]
    fn key_files_round_trip() {
        let key = PrivateKey::generate("duijie.test/log").unwrap();
        let again = PrivateKey::parse(&key.encode()).unwrap();
        assert_eq!(again.public().encode(), key.public().encode());
        assert!(PublicKey::parse(&key.public().encode().replacen("duijie.test", "duijie.other", 1)).is_err());
    }

    #[test]
    fn checkpoint_text_is_strict() {
        assert!(Checkpoint::parse("o\n01\nAAAA\nduijie-log/v1\n").is_err());
        assert!(Checkpoint::parse("o\n1\nAAAA\nduijie-log/v1\n").is_err());
        let body = Checkpoint { origin: "o".into(), size: 0, root: [0u8; 32] }.body();
        assert!(Checkpoint::parse(&body).is_ok());
        assert!(Checkpoint::parse(&body.replace("v1", "v2")).is_err());
    }
}
