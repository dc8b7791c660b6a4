//! The client profile: a directory holding what a client needs to connect, written by
//! `kalavard init` (for root) and by `kalavar cert request` / `install`, read by the
//! client library. Both sides use these names so the layout has one definition.
//!
//! ```text
//! PROFILE/key.pem       the client's private key (0600; the directory is 0700)
//! PROFILE/cert.pem      the client certificate
//! PROFILE/ca.pem        the server's CA certificate, the only root the client trusts
//! PROFILE/profile.toml  server = "HOST:PORT" and, optionally, server_name = "NAME"
//! ```
//!
//! The default profile is `$KALAVAR_PROFILE` when set, else
//! `$XDG_CONFIG_HOME/kalavar/profile`, else `~/.config/kalavar/profile`.

use std::path::PathBuf;

pub const KEY_FILE: &str = "key.pem";
pub const CERT_FILE: &str = "cert.pem";
pub const CA_FILE: &str = "ca.pem";
pub const SETTINGS_FILE: &str = "profile.toml";
/// A CSR written by `kalavar cert request`, next to the key it belongs to.
pub const CSR_FILE: &str = "request.csr";

/// Where the default profile lives, given a lookup for environment variables.
pub fn default_dir(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = env("KALAVAR_PROFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(x) = env("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(x).join("kalavar").join("profile"));
    }
    env("HOME").filter(|p| !p.is_empty()).map(|h| {
        PathBuf::from(h)
            .join(".config")
            .join("kalavar")
            .join("profile")
    })
}

/// The default profile directory of this process's environment.
pub fn default_dir_from_env() -> Option<PathBuf> {
    default_dir(|k| std::env::var(k).ok())
}

/// The text of `profile.toml`.
pub fn settings_text(server: &str, server_name: Option<&str>) -> String {
    let mut out = format!("# Kalavar client profile\nserver = \"{server}\"\n");
    if let Some(name) = server_name {
        out.push_str(&format!("server_name = \"{name}\"\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_location_follows_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            default_dir(env(&[("KALAVAR_PROFILE", "/p"), ("HOME", "/h")])),
            Some("/p".into())
        );
        assert_eq!(
            default_dir(env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some("/x/kalavar/profile".into())
        );
        assert_eq!(
            default_dir(env(&[("HOME", "/h")])),
            Some("/h/.config/kalavar/profile".into())
        );
        assert_eq!(default_dir(env(&[])), None);
    }
}
