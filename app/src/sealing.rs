//! Personal data at rest, sealed with AES-256-GCM under the data key: a support ticket's
//! phone number, the description of an accessibility need, attachments.
//!
//! A key has an id. The configuration names one or more keys (`id:base64,id:base64`): the
//! first seals, every one of them opens. A sealed value names the key that sealed it
//! (`<id>.<base64 of nonce and ciphertext>`), so that keys can be rotated: add the new key
//! in front, run `taquilla data-key rotate` (which seals everything again under it),
//! then drop the old one. Each value is sealed for its place (the table, the column and
//! the row's id are its associated data): a sealed value copied to another row does not
//! open.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;

use crate::error::AppError;

const NONCE_LEN: usize = 12;
const KEY_ID_MAX: usize = 32;

/// The data keys of a deployment: the first seals, all open.
#[derive(Clone)]
pub struct DataKeys {
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys themselves.
        write!(f, "DataKeys({})", self.keys.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(","))
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= KEY_ID_MAX && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl DataKeys {
    /// Reads `id:base64[,id:base64…]`, the first key being the one that seals.
    pub fn parse(spec: &str) -> Result<DataKeys, String> {
        let mut keys: Vec<(String, Aes256Gcm)> = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, secret) = part.split_once(':').ok_or("each key is written id:base64")?;
            if !valid_id(id) {
                return Err(format!("a key id is 1 to {KEY_ID_MAX} letters, digits, '-' or '_'"));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(format!("the key id {id} is named twice"));
            }
            let bytes = STANDARD.decode(secret.trim()).or_else(|_| URL_SAFE_NO_PAD.decode(secret.trim())).map_err(|_| format!("the key {id} is not base64"))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| format!("the key {id} must be 32 bytes"))?;
            keys.push((id.to_owned(), cipher));
        }
        if keys.is_empty() {
            return Err("no key given".into());
        }
        Ok(DataKeys { keys })
    }

    /// A new key, written as the configuration takes it.
    pub fn new_key_spec(id: &str) -> Result<String, String> {
        if !valid_id(id) {
            return Err(format!("a key id is 1 to {KEY_ID_MAX} letters, digits, '-' or '_'"));
        }
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        Ok(format!("{id}:{}", STANDARD.encode(secret)))
    }

    /// A key of its own, for a process that keeps nothing (tests, tools).
    pub fn random() -> DataKeys {
        let spec = Self::new_key_spec("k1").unwrap_or_default();
        Self::parse(&spec).unwrap_or_else(|e| panic!("a fresh key: {e}"))
    }

    /// Reads the key file, or creates it with one new key (id `k1`) when there is none;
    /// mode 0600 from the start. A file that cannot be read or parsed is an error, never
    /// replaced: what was sealed with it would be lost.
    pub fn load_or_create(path: &Path) -> std::io::Result<DataKeys> {
        use std::io::{Error, ErrorKind, Write};
        let parse = |bytes: Vec<u8>| {
            let text = String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "the data key file is not text"))?;
            Self::parse(&text).map_err(|e| Error::new(ErrorKind::InvalidData, e))
        };
        match std::fs::read(path) {
            Ok(bytes) => return parse(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let spec = Self::new_key_spec("k1").map_err(|e| Error::new(ErrorKind::InvalidInput, e))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(spec.as_bytes())?;
                file.sync_all()?;
                parse(spec.into_bytes())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => parse(std::fs::read(path)?),
            Err(e) => Err(e),
        }
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Whether `sealed` was sealed by the key that seals now.
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.split_once('.').is_some_and(|(id, _)| id == self.current_id())
    }

    /// Seals `plain` for `place` (what it belongs to: table, column, row id).
    pub fn seal(&self, plain: &[u8], place: &str) -> String {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encrypting into memory cannot fail for inputs of this size.
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: place.as_bytes() }).unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`DataKeys::seal`] sealed for `place`. A value that does not open (an
    /// unknown key, tampered with, moved from another place) is logged and answered as
    /// an internal error: never shown half-read.
    pub fn open(&self, sealed: &str, place: &str) -> Result<Vec<u8>, AppError> {
        let refuse = |why: &str| {
            tracing::error!(place, why, "a sealed value did not open");
            AppError::Internal
        };
        let (id, data) = sealed.split_once('.').ok_or_else(|| refuse("not a sealed value"))?;
        let (_, cipher) = self.keys.iter().find(|(known, _)| known == id).ok_or_else(|| refuse("sealed with a key not configured"))?;
        let data = URL_SAFE_NO_PAD.decode(data).map_err(|_| refuse("not base64"))?;
        if data.len() < NONCE_LEN {
            return Err(refuse("too short"));
        }
        let (nonce, ciphertext) = data.split_at(NONCE_LEN);
        cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: place.as_bytes() }).map_err(|_| refuse("does not authenticate"))
    }

    /// [`DataKeys::open`] for text.
    pub fn open_text(&self, sealed: &str, place: &str) -> Result<String, AppError> {
        String::from_utf8(self.open(sealed, place)?).map_err(|_| AppError::Internal)
    }

    /// `sealed` sealed again under the key that seals now.
    pub fn reseal(&self, sealed: &str, place: &str) -> Result<String, AppError> {
        Ok(self.seal(&self.open(sealed, place)?, place))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place_and_name_their_key() {
        let keys = DataKeys::random();
        let sealed = keys.seal(b"+34600123456", "support_tickets.phone:1");
        assert!(sealed.starts_with("k1."));
        assert!(!sealed.contains("600123456"));
        assert_eq!(keys.open_text(&sealed, "support_tickets.phone:1").unwrap(), "+34600123456");
        assert_eq!(keys.open(&sealed, "support_tickets.phone:2"), Err(AppError::Internal), "moved to another row");
        let mut tampered = sealed.clone();
        tampered.pop();
        assert!(keys.open(&tampered, "support_tickets.phone:1").is_err());
        assert_ne!(keys.seal(b"x", "p"), keys.seal(b"x", "p"), "a fresh nonce every time");
    }

    #[test]
    fn a_new_key_in_front_seals_while_the_old_one_still_opens() {
        let old_spec = DataKeys::new_key_spec("2026a").unwrap();
        let old = DataKeys::parse(&old_spec).unwrap();
        let sealed = old.seal(b"wheelchair space", "p");
        let new_spec = DataKeys::new_key_spec("2026b").unwrap();
        let both = DataKeys::parse(&format!("{new_spec},{old_spec}")).unwrap();
        assert_eq!(both.current_id(), "2026b");
        assert!(!both.is_current(&sealed));
        let resealed = both.reseal(&sealed, "p").unwrap();
        assert!(both.is_current(&resealed));
        let only_new = DataKeys::parse(&new_spec).unwrap();
        assert_eq!(only_new.open(&resealed, "p").unwrap(), b"wheelchair space");
        assert!(only_new.open(&sealed, "p").is_err(), "the old key is gone");
        for bad in ["", "k1", "k1:abc", "a.b:AAAA", &format!("{new_spec},{new_spec}")] {
            assert!(DataKeys::parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{both:?}").contains(new_spec.split(':').nth(1).unwrap()));
    }
}
