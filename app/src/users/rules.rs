//! Account rules shared by the browser (early feedback) and the server (the authority).

use crate::error::FieldErrors;

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 80;
pub const EMAIL_MAX: usize = 254;

/// Emails are unique regardless of case and surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_email(email: &str) -> Result<(), String> {
    let email = email.trim();
    if email.is_empty() {
        return Err("Enter your email address.".into());
    }
    if email.len() > EMAIL_MAX {
        return Err("This email address is too long.".into());
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("Enter a valid email address, like name@example.com.".into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
        return Err("Enter a valid email address, like name@example.com.".into());
    }
    Ok(())
}

pub fn check_display_name(name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Enter the name we should show.".into());
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(format!("Keep the name under {DISPLAY_NAME_MAX} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("The name contains characters we cannot show.".into());
    }
    Ok(())
}

/// Length only, no composition rules; the server also refuses common passwords.
pub fn check_password_length(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!("Use at least {PASSWORD_MIN} characters."));
    }
    if n > PASSWORD_MAX {
        return Err(format!("Use at most {PASSWORD_MAX} characters."));
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
            errors.insert("password".into(), "This password is too common; choose another one.".into());
        }
        if !email.trim().is_empty() && password.to_lowercase() == normalize_email(email) {
            errors.insert("password".into(), "Do not use your email address as the password.".into());
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
