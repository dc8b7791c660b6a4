//! The four roles a user can have, as the wire and the catalog name them.

use std::fmt;
use std::str::FromStr;

/// What a user may do: `user` reaches its own data, `service` acts for users, `dba`
/// administers schemas and users, `root` everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    User,
    Service,
    Dba,
    Root,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::User, Role::Service, Role::Dba, Role::Root];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Service => "service",
            Role::Dba => "dba",
            Role::Root => "root",
        }
    }

    /// The wire tag.
    pub fn tag(self) -> u8 {
        match self {
            Role::User => 1,
            Role::Service => 2,
            Role::Dba => 3,
            Role::Root => 4,
        }
    }

    pub fn from_tag(tag: u8) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.tag() == tag)
    }

    /// Whether this role may make admin requests (users and certificates).
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Dba | Role::Root)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown role `{s}` (expected user, service, dba or root)"))
    }
}
