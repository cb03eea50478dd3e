//! Signed admission codes: `TQ1.<ticket id + event id, base64url>.<Ed25519 signature>`.
//! The private key stays on the server; door devices get the public key.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use uuid::Uuid;

use crate::tickets::codes::PREFIX;

pub struct TicketSigner {
    key: SigningKey,
}

impl TicketSigner {
    /// A fresh random key (tests, or a data directory without one yet).
    pub fn random() -> Self {
        TicketSigner { key: SigningKey::generate(&mut rand::rngs::OsRng) }
    }

    /// From 32 secret bytes, base64 (standard or URL-safe).
    pub fn from_base64(secret: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(secret.trim()))
            .map_err(|_| "the signing key is not base64".to_string())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| "the signing key must be 32 bytes".to_string())?;
        Ok(TicketSigner { key: SigningKey::from_bytes(&bytes) })
    }

    /// Reads the key file, or creates it with a new key when there is none. The file is
    /// created with mode 0600 from the start (never readable by others, not even for a
    /// moment) and only if it does not exist: a key file that cannot be read or parsed
    /// is an error, never replaced, since every ticket issued carries its signature.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        use std::io::{Error, ErrorKind, Write};
        let parse = |bytes: Vec<u8>| {
            let text = String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "the signing key file is not text"))?;
            Self::from_base64(&text).map_err(|e| Error::new(ErrorKind::InvalidData, e))
        };
        match std::fs::read(path) {
            Ok(bytes) => return parse(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let signer = Self::random();
        let encoded = base64::engine::general_purpose::STANDARD.encode(signer.key.to_bytes());
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(encoded.as_bytes())?;
                file.sync_all()?;
                Ok(signer)
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => parse(std::fs::read(path)?),
            Err(e) => Err(e),
        }
    }

    /// The public key door devices verify with, base64url.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_bytes())
    }

    pub fn sign(&self, ticket_id: Uuid, event_id: Uuid) -> String {
        let mut payload = [0u8; 32];
        payload[..16].copy_from_slice(ticket_id.as_bytes());
        payload[16..].copy_from_slice(event_id.as_bytes());
        let signature = self.key.sign(&payload);
        format!("{PREFIX}.{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

pub use crate::tickets::codes::verify;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_verify_with_the_public_key_only() {
        let signer = TicketSigner::random();
        let (ticket, event) = (Uuid::new_v4(), Uuid::new_v4());
        let code = signer.sign(ticket, event);
        assert_eq!(verify(&signer.public_key(), &code), Some((ticket, event)));
        assert_eq!(verify(&TicketSigner::random().public_key(), &code), None, "another key");
        // One payload character changed, to a character it is not.
        let mut tampered = code.clone();
        let other = if &code[6..7] == "A" { "B" } else { "A" };
        tampered.replace_range(6..7, other);
        assert_ne!(tampered, code);
        assert_eq!(verify(&signer.public_key(), &tampered), None);
        assert_eq!(verify(&signer.public_key(), "garbage"), None);
    }

    #[test]
    fn keys_round_trip_through_files() {
        let dir = std::env::temp_dir().join(format!("taquilla-key-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ticket-signing.key");
        let first = TicketSigner::load_or_create(&path).unwrap();
        let again = TicketSigner::load_or_create(&path).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        assert!(TicketSigner::from_base64("not base64!").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn an_unreadable_key_file_is_an_error_and_is_kept() {
        let dir = std::env::temp_dir().join(format!("taquilla-key-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ticket-signing.key");
        let damaged = vec![0xff, 0xfe, 0x00, 0x41];
        std::fs::write(&path, &damaged).unwrap();
        assert!(TicketSigner::load_or_create(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), damaged, "the file is not replaced by a new key");
    }
}
