//! Reading signed admission codes: `TQ1.<ticket id + event id, base64url>.<Ed25519
//! signature, base64url>`. Shared by the server and the door's offline check in the
//! browser, which has only the public key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use uuid::Uuid;

pub const PREFIX: &str = "TQ1";

/// The longest code anyone needs to send: a genuine one is 136 characters.
pub const MAX_LEN: usize = 256;

/// The QR code of an admission code as a standalone SVG document (drawn by the server,
/// and by the browser from a ticket it keeps offline); `None` when it does not fit.
pub fn draw_qr(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// A public key read once, to check many codes with.
#[derive(Clone)]
pub struct CodeChecker {
    key: VerifyingKey,
}

impl CodeChecker {
    /// From the base64url public key the server hands out; `None` when it is not one.
    pub fn new(public_key: &str) -> Option<CodeChecker> {
        let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(public_key.trim()).ok()?.try_into().ok()?;
        Some(CodeChecker { key: VerifyingKey::from_bytes(&bytes).ok()? })
    }

    /// (ticket id, event id) when `code` is genuine: well formed and signed by the key.
    pub fn verify(&self, code: &str) -> Option<(Uuid, Uuid)> {
        let code = code.trim();
        if code.len() > MAX_LEN {
            return None;
        }
        let mut parts = code.split('.');
        if parts.next()? != PREFIX {
            return None;
        }
        let payload = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let signature: [u8; 64] = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?.try_into().ok()?;
        if parts.next().is_some() || payload.len() != 32 {
            return None;
        }
        self.key.verify(&payload, &Signature::from_bytes(&signature)).ok()?;
        Some((Uuid::from_slice(&payload[..16]).ok()?, Uuid::from_slice(&payload[16..]).ok()?))
    }
}

/// Checks a code against a public key; (ticket id, event id) when it is genuine.
pub fn verify(public_key: &str, code: &str) -> Option<(Uuid, Uuid)> {
    CodeChecker::new(public_key)?.verify(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_drawn_as_a_standalone_svg_and_one_too_long_is_not() {
        let code = format!("{PREFIX}.{}.{}", "A".repeat(43), "B".repeat(86));
        let svg = draw_qr(&code).expect("a genuine code's length fits");
        assert!(svg.contains("<svg") && svg.contains("#000000"), "{svg}");
        assert_eq!(draw_qr(&code), Some(svg), "the same code, the same drawing");
        assert_eq!(draw_qr(&"x".repeat(4000)), None);
    }
}
