use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a person may do. Ordered from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Agent,
    Organizer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Customer, Role::Agent, Role::Organizer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Organizer => "organizer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's name, as pages show it: `i18n.t(role.label())`.
    pub fn label(self) -> crate::i18n::Msg {
        use crate::i18n::msg::users;
        match self {
            Role::Customer => users::ROLE_CUSTOMER,
            Role::Agent => users::ROLE_AGENT,
            Role::Organizer => users::ROLE_ORGANIZER,
            Role::Admin => users::ROLE_ADMIN,
        }
    }
}

/// An account as shown to its owner and to administrators (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Support categories an agent handles.
    pub skills: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The language the person chose ("es", "en"), if any: signing in sets it again.
    #[serde(default)]
    pub locale: Option<String>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
