//! National algorithms for confidentiality (商用密码, GB/T 39786), used under the `sm2-sm3` suite:
//! SM4 in CBC mode with PKCS#7 padding and an HMAC-SM3 tag over everything before it
//! (encrypt-then-MAC), the keys wrapped to a person with SM2 public-key encryption (C1C3C2), or
//! stretched from a passphrase with PBKDF2-HMAC-SM3.
//!
//! CBC with an HMAC rather than SM4-GCM: both streams (a bundle of up to 2 GiB) without holding
//! it in memory, and CBC with HMAC-SM3 is what an independent tool (Python's gmssl) can check.
//! The tag is checked before a caller may use a byte of the plaintext: [`open`] writes it to a
//! private file and reports failure at the end, and the caller discards that file.

use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{KeyInit, Mac};
use sm2::elliptic_curve::common::getrandom::SysRng;
use std::io::{Read, Write};

type Encryptor = cbc::Encryptor<sm4::Sm4>;
type Decryptor = cbc::Decryptor<sm4::Sm4>;
type HmacSm3 = hmac::Hmac<sm3::Sm3>;

/// The SM4 block and IV size.
pub const BLOCK: usize = 16;
/// The HMAC-SM3 tag size.
pub const TAG: usize = 32;
/// The key material: 16 bytes of SM4 key, then 32 bytes of HMAC-SM3 key.
pub const KEYS: usize = 16 + 32;
/// An SM2 ciphertext of [`KEYS`] bytes in C1C3C2 order: C1 = 04‖x‖y (65), C3 = SM3 (32), C2 (48).
pub const WRAPPED: usize = 65 + 32 + KEYS;

/// Why something did not decrypt. Deliberately vague: a wrong key and a tampered file look alike.
#[derive(Debug, thiserror::Error)]
pub enum GmError {
    #[error("密文无效或已被改动 / the ciphertext is invalid or was altered")]
    Invalid,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An SM4 key and an HMAC-SM3 key, used together.
pub struct Keys {
    enc: [u8; 16],
    mac: [u8; 32],
}

impl Keys {
    pub fn random() -> Keys {
        Keys::from_bytes(&random::<KEYS>())
    }

    pub fn from_bytes(bytes: &[u8; KEYS]) -> Keys {
        let mut enc = [0u8; 16];
        let mut mac = [0u8; 32];
        enc.copy_from_slice(&bytes[..16]);
        mac.copy_from_slice(&bytes[16..]);
        Keys { enc, mac }
    }

    fn to_bytes(&self) -> [u8; KEYS] {
        let mut out = [0u8; KEYS];
        out[..16].copy_from_slice(&self.enc);
        out[16..].copy_from_slice(&self.mac);
        out
    }

    /// Keys stretched from a passphrase: PBKDF2-HMAC-SM3 over the salt, `rounds` times.
    pub fn from_passphrase(passphrase: &str, salt: &[u8], rounds: u32) -> Keys {
        let mut bytes = [0u8; KEYS];
        pbkdf2::pbkdf2_hmac::<sm3::Sm3>(passphrase.as_bytes(), salt, rounds, &mut bytes);
        Keys::from_bytes(&bytes)
    }

    /// Wraps these keys to an SM2 public key: a [`WRAPPED`]-byte C1C3C2 ciphertext.
    pub fn wrap(&self, to: &sm2::PublicKey) -> Result<Vec<u8>, GmError> {
        let key = sm2::pke::EncryptingKey::new_with_mode(*to, sm2::pke::Mode::C1C3C2);
        let wrapped = key.encrypt(&mut SysRng, &self.to_bytes()).map_err(|_| GmError::Invalid)?;
        if wrapped.len() != WRAPPED {
            return Err(GmError::Invalid);
        }
        Ok(wrapped)
    }

    /// The keys in an SM2 ciphertext made by [`Keys::wrap`] (or by any SM2 tool, C1C3C2).
    pub fn unwrap(wrapped: &[u8], with: &sm2::SecretKey) -> Result<Keys, GmError> {
        let key = sm2::pke::DecryptingKey::new_with_mode(with.to_nonzero_scalar(), sm2::pke::Mode::C1C3C2);
        let plain = key.decrypt(wrapped).map_err(|_| GmError::Invalid)?;
        let bytes: [u8; KEYS] = plain.as_slice().try_into().map_err(|_| GmError::Invalid)?;
        Ok(Keys::from_bytes(&bytes))
    }

    fn mac(&self) -> HmacSm3 {
        // HMAC takes a key of any length.
        <HmacSm3 as KeyInit>::new_from_slice(&self.mac).unwrap_or_else(|_| unreachable!())
    }
}

/// Encrypts everything `input` yields to `out`: a random IV, the SM4-CBC ciphertext, and the
/// HMAC-SM3 tag of `bound ‖ IV ‖ ciphertext`, where `bound` is what the ciphertext must stay
/// tied to (the plain header before it). Returns the bytes written.
pub fn seal_stream(keys: &Keys, bound: &[u8], input: &mut dyn Read, out: &mut dyn Write) -> Result<u64, GmError> {
    let iv = random::<BLOCK>();
    let mut cipher = Encryptor::new(&Array::from(keys.enc), &Array::from(iv));
    let mut mac = keys.mac();
    mac.update(bound);
    mac.update(&iv);
    out.write_all(&iv)?;
    let mut written = BLOCK as u64;
    let mut buf = vec![0u8; 64 << 10];
    let mut filled = 0;
    loop {
        let n = input.read(&mut buf[filled..])?;
        filled += n;
        if n == 0 || filled == buf.len() {
            let last = n == 0;
            let whole = if last { pad(&mut buf, filled) } else { filled };
            encrypt_blocks(&mut cipher, &mut buf[..whole]);
            mac.update(&buf[..whole]);
            out.write_all(&buf[..whole])?;
            written += whole as u64;
            if last {
                break;
            }
            filled = 0;
        }
    }
    out.write_all(&mac.finalize().into_bytes())?;
    Ok(written + TAG as u64)
}

/// PKCS#7: pads the `len` bytes at the start of `buf` to whole blocks, growing it if needed.
fn pad(buf: &mut Vec<u8>, len: usize) -> usize {
    let n = BLOCK - len % BLOCK;
    if buf.len() < len + n {
        buf.resize(len + n, 0);
    }
    buf[len..len + n].fill(n as u8);
    len + n
}

fn encrypt_blocks(cipher: &mut Encryptor, bytes: &mut [u8]) {
    let (blocks, rest) = Array::slice_as_chunks_mut(bytes);
    debug_assert!(rest.is_empty());
    cipher.encrypt_blocks(blocks);
}

/// Checks and decrypts `len` bytes of [`seal_stream`] output read from `input` into `out`, at
/// most `limit` plaintext bytes. `Err(Invalid)` when the tag does not match, the length or
/// padding is wrong: `out` then holds bytes that must be discarded. Returns the plaintext size.
pub fn open_stream(
    keys: &Keys,
    bound: &[u8],
    input: &mut dyn Read,
    len: u64,
    out: &mut dyn Write,
    limit: u64,
) -> Result<u64, GmError> {
    let body = len.checked_sub((BLOCK + TAG) as u64).ok_or(GmError::Invalid)?;
    if body == 0 || body % BLOCK as u64 != 0 || body > limit + BLOCK as u64 {
        return Err(GmError::Invalid);
    }
    let mut iv = [0u8; BLOCK];
    input.read_exact(&mut iv).map_err(eof)?;
    let mut cipher = Decryptor::new(&Array::from(keys.enc), &Array::from(iv));
    let mut mac = keys.mac();
    mac.update(bound);
    mac.update(&iv);
    let mut buf = vec![0u8; 64 << 10];
    let mut left = body;
    let mut plain = 0u64;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        input.read_exact(&mut buf[..n]).map_err(eof)?;
        mac.update(&buf[..n]);
        let (blocks, _) = Array::slice_as_chunks_mut(&mut buf[..n]);
        cipher.decrypt_blocks(blocks);
        left -= n as u64;
        // The padding is in the last block; hold it back until it is checked.
        let keep = if left == 0 { unpad(&buf[..n])? } else { n };
        out.write_all(&buf[..keep])?;
        plain += keep as u64;
    }
    let mut tag = [0u8; TAG];
    input.read_exact(&mut tag).map_err(eof)?;
    mac.verify_slice(&tag).map_err(|_| GmError::Invalid)?;
    Ok(plain)
}

/// The length of `last` without its PKCS#7 padding.
fn unpad(last: &[u8]) -> Result<usize, GmError> {
    let n = *last.last().ok_or(GmError::Invalid)? as usize;
    if n == 0 || n > BLOCK || n > last.len() || last[last.len() - n..].iter().any(|&b| b as usize != n) {
        return Err(GmError::Invalid);
    }
    Ok(last.len() - n)
}

fn eof(e: std::io::Error) -> GmError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof { GmError::Invalid } else { GmError::Io(e) }
}

/// Small secrets (a sealed private key): [`seal_stream`] into memory.
pub fn seal(keys: &Keys, bound: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plaintext.len() + BLOCK * 2 + TAG);
    // Writing to memory cannot fail.
    let _ = seal_stream(keys, bound, &mut &plaintext[..], &mut out);
    out
}

/// The inverse of [`seal`].
pub fn open(keys: &Keys, bound: &[u8], sealed: &[u8]) -> Result<Vec<u8>, GmError> {
    let mut out = Vec::new();
    open_stream(keys, bound, &mut &sealed[..], sealed.len() as u64, &mut out, sealed.len() as u64)?;
    Ok(out)
}

/// A fresh SM2 key pair for encryption (加密密钥对), kept apart from the signing key.
pub fn generate_sm2() -> sm2::SecretKey {
    loop {
        // A scalar must lie in [1, n-1]; a random 256-bit string almost always does.
        if let Ok(k) = sm2::SecretKey::from_slice(&random::<32>()) {
            break k;
        }
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not something a user can fix; treat as fatal.
    getrandom::fill(&mut b).expect("operating system random source");
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm4_cbc_matches_the_standards_example() {
        // GB/T 32907 Appendix A, example 1: one block under SM4 (ECB of one block = CBC, IV 0).
        let key: [u8; 16] = hex::decode("0123456789abcdeffedcba9876543210").unwrap().try_into().unwrap();
        let mut block = key;
        let mut cipher = Encryptor::new(&Array::from(key), &Array::from([0u8; 16]));
        encrypt_blocks(&mut cipher, &mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn every_length_round_trips_and_any_change_is_refused() {
        let keys = Keys::random();
        for len in [0usize, 1, 15, 16, 17, 65_535, 65_536, 65_537, 200_000] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let sealed = seal(&keys, b"header", &plain);
            assert_eq!(sealed.len(), BLOCK + (len / BLOCK + 1) * BLOCK + TAG, "{len}");
            assert_eq!(open(&keys, b"header", &sealed).unwrap(), plain, "{len}");
            assert!(matches!(open(&keys, b"other header", &sealed), Err(GmError::Invalid)));
            for at in [0, BLOCK, sealed.len() / 2, sealed.len() - 1] {
                let mut bad = sealed.clone();
                bad[at] ^= 1;
                assert!(matches!(open(&keys, b"header", &bad), Err(GmError::Invalid)), "{len} at {at}");
            }
            assert!(matches!(open(&keys, b"header", &sealed[..sealed.len() - 1]), Err(GmError::Invalid)));
        }
        assert!(matches!(open(&Keys::random(), b"header", &seal(&keys, b"header", b"x")), Err(GmError::Invalid)));
        assert!(matches!(open(&keys, b"", &[]), Err(GmError::Invalid)));
    }

    #[test]
    fn keys_wrapped_to_an_sm2_key_open_with_its_secret_only() {
        let me = generate_sm2();
        let other = generate_sm2();
        let keys = Keys::random();
        let wrapped = keys.wrap(&me.public_key()).unwrap();
        assert_eq!((wrapped.len(), wrapped[0]), (WRAPPED, 4), "C1 uncompressed, C1C3C2");
        assert_eq!(Keys::unwrap(&wrapped, &me).unwrap().to_bytes(), keys.to_bytes());
        assert!(Keys::unwrap(&wrapped, &other).is_err());
        let mut bad = wrapped.clone();
        bad[WRAPPED - 1] ^= 1;
        assert!(Keys::unwrap(&bad, &me).is_err(), "C3 checks C2");
    }

    #[test]
    fn a_passphrase_gives_the_same_keys_for_the_same_salt_only() {
        let a = Keys::from_passphrase("正确的口令", b"salt", 1000).to_bytes();
        assert_eq!(a, Keys::from_passphrase("正确的口令", b"salt", 1000).to_bytes());
        assert_ne!(a, Keys::from_passphrase("正确的口令", b"pepper", 1000).to_bytes());
        assert_ne!(a, Keys::from_passphrase("错误的口令", b"salt", 1000).to_bytes());
    }
}
