//! Account rules shared by the browser (early feedback) and the server (the authority).

use crate::error::FieldErrors;
use crate::i18n::{msg, Text};

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 80;
pub const EMAIL_MAX: usize = 254;

/// The key that makes emails unique: regardless of case, Unicode composition (NFC, on
/// the server) and surrounding space.
pub fn normalize_email(email: &str) -> String {
    nfc(email.trim()).to_lowercase()
}

/// An email as it is stored and shown: trimmed, NFC, the domain in lower case (the local
/// part keeps the case it was typed in; uniqueness ignores it, see [`normalize_email`]).
pub fn canonical_email(email: &str) -> String {
    let email = nfc(email.trim());
    match email.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => email,
    }
}

/// Unicode canonical composition, so "é" typed as e + combining accent is the same "é".
/// Server only (the browser's copy of the rules only uses emails for hints).
fn nfc(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfc().collect()
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_owned()
    }
}

/// Characters that are invisible or change the direction of the text around them: control
/// characters, bidirectional controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C),
/// zero-width characters (U+200B–200D, U+2060, U+FEFF) and other invisible formatting
/// (U+2061–2064, U+206A–206F, U+180E, line and paragraph separators, U+FFF9–FFFB). They let
/// a name or an address look like another one, or reorder the text shown after it.
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

pub fn check_email(email: &str) -> Result<(), Text> {
    let email = email.trim();
    if email.is_empty() {
        return Err(msg::errors_users::EMAIL_MISSING.into());
    }
    if email.len() > EMAIL_MAX {
        return Err(msg::errors_users::EMAIL_TOO_LONG.into());
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(msg::errors_users::EMAIL_INVALID.into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || !domain_ok || email.chars().any(|c| c.is_whitespace() || is_hidden_or_control(c)) {
        return Err(msg::errors_users::EMAIL_INVALID.into());
    }
    Ok(())
}

pub fn check_display_name(name: &str) -> Result<(), Text> {
    let name = name.trim();
    if name.is_empty() {
        return Err(msg::errors_users::NAME_MISSING.into());
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(Text::with(msg::errors_users::NAME_TOO_LONG, &[("max", &DISPLAY_NAME_MAX)]));
    }
    if name.chars().any(is_hidden_or_control) {
        return Err(msg::errors_users::NAME_HIDDEN.into());
    }
    Ok(())
}

/// Length only, no composition rules; the server also refuses common passwords.
pub fn check_password_length(password: &str) -> Result<(), Text> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(Text::with(msg::errors_users::PASSWORD_SHORT, &[("min", &PASSWORD_MIN)]));
    }
    if n > PASSWORD_MAX {
        return Err(Text::with(msg::errors_users::PASSWORD_LONG, &[("max", &PASSWORD_MAX)]));
    }
    Ok(())
}

/// Passwords that appear in breach lists are refused (server side; the list is shipped
/// in the repository, not fetched).
#[cfg(feature = "ssr")]
pub fn is_common_password(password: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("common_passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    });
    list.contains(password.to_lowercase().as_str())
}

/// All registration checks, as field errors.
pub fn check_registration(email: &str, display_name: &str, password: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Err(e) = check_email(email) {
        errors.insert("email".into(), e);
    }
    if let Err(e) = check_display_name(display_name) {
        errors.insert("display_name".into(), e);
    }
    if let Err(e) = check_password_length(password) {
        errors.insert("password".into(), e);
    } else {
        #[cfg(feature = "ssr")]
        if is_common_password(password) {
            errors.insert("password".into(), msg::errors_users::PASSWORD_COMMON.into());
        }
        if !email.trim().is_empty() && password.to_lowercase() == normalize_email(email) {
            errors.insert("password".into(), msg::errors_users::PASSWORD_IS_EMAIL.into());
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  Ana@Example.COM "), "ana@example.com");
        assert!(check_email("ana@example.com").is_ok());
        for bad in ["", "ana", "ana@", "@example.com", "ana@example", "a na@example.com", "ana@exa_mple.com"] {
            assert!(check_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn stored_emails_keep_the_local_part_and_lower_the_domain() {
        assert_eq!(canonical_email("  Ana.Perez@Example.COM "), "Ana.Perez@example.com");
        assert_eq!(canonical_email("no-at-sign"), "no-at-sign");
        assert_eq!(normalize_email(&canonical_email("Ana@Example.com")), normalize_email("ana@example.COM"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn emails_are_compared_after_unicode_composition() {
        let composed = "jos\u{e9}@example.com";
        let decomposed = "jose\u{301}@example.com";
        assert_eq!(normalize_email(decomposed), normalize_email(composed));
        assert_eq!(canonical_email(decomposed), composed);
    }

    #[test]
    fn invisible_and_direction_characters_are_refused() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{0000}',
            '\u{0007}', '\n', '\t', '\u{007F}', '\u{0085}', '\u{2028}', '\u{2029}',
        ] {
            assert!(is_hidden_or_control(c), "U+{:04X}", c as u32);
            assert!(check_display_name(&format!("Ana{c}Admin")).is_err(), "name with U+{:04X}", c as u32);
            assert!(check_email(&format!("ana{c}x@example.com")).is_err(), "email with U+{:04X}", c as u32);
        }
        for fine in ["José Pérez", "Zoë O'Brien", "李小龍", "محمد", "Ana 🎸"] {
            assert!(check_display_name(fine).is_ok(), "{fine}");
        }
        assert!(check_display_name("  Ana  ").is_ok(), "surrounding space is trimmed, not refused");
        assert!(check_display_name(" \u{200B} ").is_err());
    }

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password_length("short").is_err());
        assert!(check_password_length("correct horse battery").is_ok());
        assert!(check_password_length(&"x".repeat(129)).is_err());
        assert!(check_password_length(&"é".repeat(8)).is_ok());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_passwords_are_refused() {
        assert!(is_common_password("password1"));
        assert!(is_common_password("Password1"));
        assert!(!is_common_password("violet-tram-orbit-42"));
        let errors = check_registration("a@b.co", "Ana", "12345678");
        assert!(errors.contains_key("password"));
    }

    #[test]
    fn registration_collects_every_field_error() {
        let errors = check_registration("nope", " ", "short");
        assert_eq!(errors.len(), 3);
        assert!(check_registration("ana@example.com", "Ana", "violet-tram-orbit-42").is_empty());
    }
}
